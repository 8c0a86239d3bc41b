import { any, latin, type Rule } from "./rule.js";

/**
 * English phrase families. Patterns run on the normalised text (lower case, straight quotes, one
 * space between words; see normalise.ts) and, through `latin()`, a plain space in a pattern also
 * accepts no space at all. Weights are evidence, not verdicts: a phrase that benign text also uses
 * ("from now on you will receive ...") weighs little alone and counts when other evidence is near.
 */

// Verbs that tell a reader to drop what it was told, by how unambiguously they do so.
const VERB_STRONG = [
  "ignore",
  "ignoring",
  "disregard",
  "disregarding",
  "forget",
  "forgetting",
  "pay no attention to",
  "pay no heed to",
  "do not (?:follow|obey|heed|listen to|adhere to|comply with)",
  "don't (?:follow|obey|heed|listen to|adhere to|comply with)",
  "dont (?:follow|obey|heed|listen to)",
  "stop (?:following|obeying|listening to)",
  "no longer (?:follow|obey|adhere to)",
];
const VERB_MEDIUM = [
  "override",
  "overwrite",
  "overriding",
  "bypass",
  "bypassing",
  "discard",
  "abandon",
  "dismiss",
  "neglect",
  "set aside",
  "put aside",
  "throw out",
  "throw away",
  "nullify",
  "void",
  "ditch",
  "scrap",
  "leave behind",
];
const VERB_WEAK = ["skip", "drop", "cancel", "erase", "delete", "clear", "overlook", "remove"];
const VERB = any([...VERB_STRONG, ...VERB_MEDIUM, ...VERB_WEAK]);
const VERB_STRONG_RE = new RegExp("^" + any(VERB_STRONG).replace(/ /g, "\\s?"));
const VERB_MEDIUM_RE = new RegExp("^" + any(VERB_MEDIUM).replace(/ /g, "\\s?"));

const OBJ_STRONG = [
  "instructions?",
  "prompts?",
  "system prompt",
  "system message",
  "directives?",
  "programming",
  "guidelines",
  "commands",
  "orders",
  "training",
  "instruction set",
  "prior context",
];
const OBJ_MEDIUM = [
  "rules?",
  "constraints",
  "restrictions",
  "guidance",
  "context",
  "limitations",
  "policies",
  "directions",
  "safeguards",
  "guardrails",
  "filters",
  "conditioning",
  "tasks?",
  "requests?",
  "persona",
  "role",
];
const OBJ = any([...OBJ_STRONG, ...OBJ_MEDIUM]);
const OBJ_STRONG_RE = new RegExp("^" + any(OBJ_STRONG).replace(/ /g, "\\s?") + "$");

/** Words between the verb and its object that make it "what you were told before". */
const SCOPE =
  /\b(?:previous(?:ly)?|prior|above|earlier|preceding|foregoing|former|initial|original|old|past|preset|pre-?programmed|pre-?set|existing|all|any|every|your|system|these|those|aforementioned|above-mentioned|hidden|given|received|provided|its)\b/;
const SCOPE_WORDS =
  "(?:previous|prior|above|earlier|preceding|foregoing|former|initial|original|old|existing|all|any|your|system)";

function overrideWeight(verb: string, middle: string, obj: string): number {
  // "the system prompt" scopes itself; anything else needs a word saying "what you were told".
  if (!SCOPE.test(middle) && !/^system/.test(obj)) return 0;
  // "ignore the previous value" never reaches here; "ignore the previous email" neither: the object
  // list holds only things a model is told.
  // "skip your rules" speaks to the model about its own rules, whatever the verb.
  const v = VERB_STRONG_RE.test(verb) ? 1 : VERB_MEDIUM_RE.test(verb) || /\byour\b/.test(middle) ? 0.8 : 0.6;
  const o = OBJ_STRONG_RE.test(obj.replace(/\s/g, " ").trim()) ? 1 : 0.8;
  return Math.round(0.92 * v * o * 100) / 100;
}

const OVERRIDE_TRIGGERS = [
  "ignor",
  "disregard",
  "forget",
  "pay no",
  "pay heed",
  "do not",
  "don't",
  "dont",
  "stop",
  "no longer",
  "overrid",
  "overwrit",
  "bypass",
  "discard",
  "abandon",
  "dismiss",
  "neglect",
  "set aside",
  "put aside",
  "throw",
  "nullify",
  "void",
  "ditch",
  "scrap",
  "leave",
  "skip",
  "drop",
  "cancel",
  "erase",
  "delete",
  "clear",
  "overlook",
  "remove",
];

/** Where a scope may follow the object instead: "ignore the instructions above". */
const POST_SCOPE =
  "(?:\\s(?:above|before|earlier|previously|so far|until now|up to now|given to you|you (?:were|have been|got) given|you(?: have)? received|you were assigned|from before|at the (?:start|beginning)|in the system prompt|from your developers?))";

/**
 * Each rule's triggers are the words its matches start with: the matcher runs a rule only where
 * one of them occurs, anchored there, so a rule costs one short attempt per keyword hit.
 */
export const EN_RULES: Rule[] = [
  // --- override ---------------------------------------------------------------------------------
  {
    // Any few words between verb and object, as long as something scopes it to what came before:
    // "ignore all of the instructions you were given", "disregard the system message",
    // "ignore the guidelines above".
    id: "override.verb-object.en",
    family: "override",
    lang: "en",
    weight: 0.92,
    triggers: OVERRIDE_TRIGGERS,
    re: latin(`\\b(${VERB})\\s((?:[a-z_'-]+,?\\s){0,6}?)_?(${OBJ})\\b(${POST_SCOPE}?)`),
    weigh: (m) => overrideWeight(m[1]!, m[2]! + (m[4] ?? ""), m[3]!),
    obfuscatable: true,
  },
  {
    // The same without spaces, for spaced-out letters joined into one run ("ignoreallpreviousinstructions").
    id: "override.joined.en",
    family: "override",
    lang: "en",
    weight: 0.92,
    triggers: ["ignore", "disregard", "forget", "override", "bypass"],
    re: latin(
      `\\b(ignore|disregard|forget|override|bypass) (?:all |any |the |of |your ){0,3}(${SCOPE_WORDS}) (?:and (?:following|subsequent|future) )?(${OBJ})`,
    ),
    weigh: (m) => overrideWeight(m[1]!, m[2]!, m[3]!),
    obfuscatable: true,
  },
  {
    // "Ignore the above." / "Disregard all of the previous and ..." with no object named.
    id: "override.bare.en",
    family: "override",
    lang: "en",
    weight: 0.45,
    triggers: ["ignor", "disregard", "forget"],
    re: latin(
      `\\b(?:ignore|disregard|forget)\\s(?:all\\s|any\\s)?(?:of\\s)?(?:the\\s|that\\s|this\\s|everything\\s|what\\s(?:was\\s|is\\s)?(?:written\\s|said\\s)?)?(?:above|previous|prior|preceding|foregoing|before)(?:\\s(?:text|content|prompt|this line|here))?(?=\\s?(?:[.,;:!\\n-]|and\\b|then\\b|$))`,
    ),
    obfuscatable: true,
  },
  {
    id: "override.forget-everything.en",
    family: "override",
    lang: "en",
    weight: 0.7,
    triggers: ["forget", "disregard", "ignor"],
    re: latin(
      `\\b(?:forget|disregard|ignore) (?:about )?(?:everything|all|anything|what|whatever) (?:(?:that )?you (?:were|have been|had been|'ve been) (?:told|taught|given|instructed)|(?:that )?i (?:said|told you|wrote) (?:before|earlier|above)|(?:you )?(?:learned|were trained on)|(?:before|above|prior to) this|up to (?:now|this point)|so far|that came before)`,
    ),
    obfuscatable: true,
  },
  {
    id: "override.what-they-said.en",
    family: "override",
    lang: "en",
    weight: 0.7,
    triggers: ["forget", "disregard", "ignor"],
    re: latin(
      `\\b(?:forget|disregard|ignore) (?:everything |all |anything |what(?:ever)? )(?:that )?(?:the |your )?(?:developers?|creators?|system|operators?|admins?|owners?|openai|anthropic|programmers?) (?:has |have )?(?:told|said|wrote|instructed|asked|gave|taught|programmed)\\b`,
    ),
    obfuscatable: true,
  },
  {
    id: "override.user-request.en",
    family: "override",
    lang: "en",
    weight: 0.45,
    triggers: ["ignor", "disregard"],
    re: latin(
      `\\b(?:ignore|disregard) (?:the |any |all )?(?:user|reader|human|customer|requester|visitor|person)(?:(?:'s|s'|s)? (?:original |actual |real )?(?:request|question|instructions?|query|prompt|task|message)s?\\b|s?(?=\\s?(?:and\\b|[.,;:!])))`,
    ),
  },
  {
    // "the previous instructions are void": anchored on the object, the scope word read behind it.
    id: "override.void.en",
    family: "override",
    lang: "en",
    weight: 0.75,
    triggers: ["instruction", "prompt", "rules", "directive", "guideline"],
    re: latin(
      `(?<=\\b(?:previous|prior|above|original|old|earlier|initial|all|your|the|these|those|any|system) )(instructions?|prompts?|rules|directives?|guidelines)(?: (?:above|before|given))? (?:are|is|were|was|have been|has been) (?:now |hereby |all )?(?:void|null|cancel+ed|revoked|obsolete|replaced|superseded|overridden|overruled|invalid|invalidated|deprecated|lifted|suspended|disabled|no longer (?:valid|in effect|active|applicable|apply|relevant|binding))`,
    ),
    weigh: (m) => (/^(?:instruction|prompt|directive)/.test(m[1]!) ? 0.75 : 0.4),
  },
  {
    id: "override.was-fake.en",
    family: "override",
    lang: "en",
    weight: 0.7,
    triggers: ["above", "previous", "prior", "preceding", "earlier", "original", "first"],
    re: latin(
      `\\b(?:above|previous|prior|preceding|earlier|original|first) (instructions?|prompts?|task|request|text|conversation) (?:was|were|is|are) (?:just |only |merely )?(?:a |an )?(?:test|joke|mistake|fake|distraction|decoy|trick|placeholder|lie)\\b`,
    ),
    weigh: (m) => (/^(?:instruction|prompt|task)/.test(m[1]!) ? 0.7 : 0.45),
  },
  {
    id: "override.instead-of.en",
    family: "override",
    lang: "en",
    weight: 0.5,
    triggers: ["instead of", "rather than"],
    re: latin(
      `\\b(?:instead of|rather than) (?:following|obeying|doing|answering|summari[sz]ing|translating|classifying|completing|performing|analy[sz]ing|responding to|reading|processing) (?:the|your|my|this|its|any) (?:original |previous |assigned |given |actual |current |user'?s? )?(instructions|task|request|question|prompt|job|assignment|text|document|email|article|page|content|message)\\b`,
    ),
    weigh: (m) => (/^(?:instructions|task|prompt|assignment)$/.test(m[1]!) ? 0.55 : 0.45),
  },
  {
    id: "override.stop.en",
    family: "override",
    lang: "en",
    weight: 0.45,
    triggers: ["stop", "cease", "halt", "abort"],
    re: latin(
      `\\b(?:stop|cease|halt|abort) (?:everything|what you(?:'re| are) doing|(?:the|your) (?:current|present) task|all (?:previous |current )?tasks|processing (?:this|the))\\b`,
    ),
  },
  {
    id: "override.new-instructions.en",
    family: "override",
    lang: "en",
    weight: 0.5,
    triggers: [
      "new",
      "updated",
      "revised",
      "real",
      "actual",
      "true",
      "secret",
      "hidden",
      "overrid",
      "important",
      "urgent",
      "priority",
      "additional",
      "correct",
      "latest",
    ],
    re: latin(
      `\\b(new|updated|revised|real|actual|true|secret|hidden|override|overriding|important|urgent|priority|additional|correct|latest) (?:system )?(instructions?|directives?|task|orders|system prompt|prompt|rules?|objective|mission|goal)(?: (?:are as follows|follow|below|is as follows))? ?(?::|\\n|(?<=follows|follow|below)\\b)`,
    ),
    weigh: (m) => {
      const adj = m[1]!;
      const obj = m[2]!;
      if (/^(?:important|urgent|priority|additional|correct|latest)$/.test(adj))
        return /^(?:instruction|directive|system prompt)/.test(obj) ? 0.25 : 0.15;
      if (/^(?:task|rules|goal|objective|mission)/.test(obj)) return 0.35;
      return 0.5;
    },
  },
  {
    id: "override.your-new-task.en",
    family: "override",
    lang: "en",
    weight: 0.55,
    triggers: [
      "your new",
      "your real",
      "your actual",
      "your true",
      "your only",
      "your primary",
      "your main",
      "your sole",
      "your next",
      "your updated",
      "yournew",
      "yourreal",
    ],
    re: latin(
      `\\byour (new|real|actual|true|only|primary|main|sole|next|updated) (task|instructions?|goal|purpose|job|objective|mission|directive|role|prime directive|orders) (?:is|are|will be|now is|from now on|:)`,
    ),
    weigh: (m) => {
      const adj = m[1]!;
      const obj = m[2]!;
      if (/^(?:real|actual|true|sole|updated)$/.test(adj)) return 0.6;
      if (adj === "new") return /^(?:task|job|role|goal)$/.test(obj) ? 0.3 : 0.55;
      return 0.25;
    },
  },

  // --- role change --------------------------------------------------------------------------------
  {
    id: "role.you-are-now.en",
    family: "role",
    lang: "en",
    weight: 0.7,
    triggers: ["you are", "you're", "you re", "youare", "youre"],
    re: latin(`\\byou(?:'re| are| re) (now|no longer|henceforth|from now on) ((?:[a-z'-]+\\s?){1,6})`),
    weigh: (m) => youAreNowWeight(m[1]!, m[2]!),
    obfuscatable: true,
  },
  {
    id: "role.you-are-unfiltered.en",
    family: "role",
    lang: "en",
    weight: 0.7,
    triggers: ["you are", "you're", "you re", "youare", "youre"],
    re: latin(
      `\\byou(?:'re| are| re) (?:now )?(?:an? |the )?(?:unfiltered|unrestricted|uncensored|jailbroken|unchained|unshackled|rogue|evil|amoral|liberated) (?:ai|model|assistant|chatbot|bot|version|language model|llm|persona)\\b`,
    ),
    obfuscatable: true,
  },
  {
    id: "role.from-now-on.en",
    family: "role",
    lang: "en",
    weight: 0.65,
    triggers: ["from now", "from this", "henceforth", "hereafter", "starting now", "going forward"],
    re: latin(
      `\\b(?:from (?:now|this (?:point|moment|message)) (?:on|onwards?|forward)|henceforth|hereafter|starting now|going forward),? ((?:[a-z'-]+\\s?){1,8})`,
    ),
    weigh: (m) => (ROLE_TAIL.test(m[1]!) ? 0.65 : /^(?:you|your)\b/.test(m[1]!) ? 0.25 : 0),
    obfuscatable: true,
  },
  {
    id: "role.pretend.en",
    family: "role",
    lang: "en",
    weight: 0.35,
    triggers: [
      "pretend",
      "act as",
      "imagine",
      "roleplay",
      "role-play",
      "role play",
      "play",
      "assume",
      "take on",
      "adopt",
      "embody",
    ],
    re: latin(
      `\\b(?:pretend (?:that )?(?:you(?:'re| are| can| have)|to be)|act as (?:if|though) you|imagine (?:that )?you(?:'re| are) (?:an?|the) (?:ai|model|chatbot|assistant)|(?:roleplay|role-play|role play) as|(?:play|assume|take on|adopt|embody) (?:the )?(?:role|persona|character|identity) of)\\b`,
    ),
    obfuscatable: true,
  },
  {
    // A plain "act as a travel agent" is an ordinary request; it only adds to other evidence.
    id: "role.act-as.en",
    family: "role",
    lang: "en",
    weight: 0.2,
    triggers: ["act as", "acting as"],
    re: latin(`\\bact(?:ing)? as (?:my|an?|the) `),
  },
  {
    id: "role.you-will-act.en",
    family: "role",
    lang: "en",
    weight: 0.45,
    triggers: [
      "you will",
      "you must",
      "you shall",
      "you are going",
      "you're going",
      "youre going",
      "you'll",
      "youll",
      "youwill",
      "youmust",
      "i want you",
      "i need you",
    ],
    re: latin(
      `\\b(?:you (?:will|must|shall|are going to|re going to)|you're going to|you'll|i want you to|i need you to) (?:now |from now on |always )?(?:(?:act|pretend|play|behave|roleplay|respond|answer) (?:as|like|to be|in the (?:role|manner|style) of)|(?:simulate|emulate|impersonate|become) (?:an?|the) )`,
    ),
  },
  {
    id: "role.stay-in-character.en",
    family: "role",
    lang: "en",
    weight: 0.5,
    triggers: ["stay", "remain", "do not", "don't", "never", "not", "break"],
    re: latin(
      `\\b(?:stay in character|remain in character|(?:do not|don't|never|not) (?:break|drop|leave) (?:out of )?character|break character)\\b`,
    ),
  },
  {
    id: "role.persona-name.en",
    family: "role",
    lang: "en",
    weight: 0.35,
    triggers: [
      "dan",
      "[dan",
      "alter ego",
      "evil",
      "anti",
      "better",
      "dude",
      "mongo",
      "stan",
      "aim",
      "opposite",
    ],
    re: latin(
      `(?:(?<=\\b(?:you are|you're|act as|pretend to be|as|called|named|become|answer as|respond as|known as|stay|reply as) )dan\\b|\\bdan (?:mode|prompt|persona|which stands|stands for|jailbreak)\\b|\\[dan\\]|\\bdan ?:|\\balter ego\\b|\\bevil (?:twin|ai|bot|assistant|confidant)\\b|\\banti-?gpt\\b|\\bbetter ?dan\\b|\\bdude mode\\b|\\bmongo tom\\b|\\bstan mode\\b|\\baim mode\\b|\\bopposite mode\\b|\\bevil mode\\b)`,
    ),
    weigh: (m) =>
      /dan (?:mode|which stands|stands for)|\[dan\]|anti-?gpt|better ?dan|mongo tom/.test(m[0]) ? 0.6 : 0.35,
  },
  {
    id: "role.named-ai.en",
    family: "role",
    lang: "en",
    weight: 0.35,
    triggers: ["called", "named", "known as"],
    re: latin(
      `(?<=\\b(?:an?|the) (?:new |fictional |hypothetical |unfiltered |unrestricted )?(?:ai|model|chatbot|language model|assistant|bot) )(?:called|named|known as)\\b`,
    ),
  },

  // --- restrictions removed ---------------------------------------------------------------------------
  {
    id: "unrestricted.without.en",
    family: "unrestricted",
    lang: "en",
    weight: 0.45,
    triggers: [
      "without",
      "free from",
      "free of",
      "freefrom",
      "zero",
      "unbound",
      "released",
      "freed",
      "liberated",
      "regardless",
      "exempt",
      "not bound",
      "not limited",
      "not restricted",
      "not constrained",
      "not subject",
      "no restr",
      "no filter",
      "no limit",
      "no rule",
      "no guide",
      "no moral",
      "no ethic",
      "no censor",
      "no bound",
      "no constr",
      "no safeg",
      "no guard",
      "no princ",
      "no content",
      "no usage",
      "norestr",
      "nofilter",
      "nolimit",
      "norule",
    ],
    re: latin(
      `\\b(?:without|free (?:from|of)|no|zero|not (?:bound|limited|restricted|constrained) by|unbound by|released from|freed from|liberated from|regardless of|not subject to|exempt from) (?:any |all |the |your |its |typical |usual |normal |ethical |moral |content |safety |built-in |programmed |openai'?s? |anthropic'?s? |such )*(restrictions?|limitations?|limits|filters?|filtering|censorship|censoring|rules|guidelines|boundaries|morals|morality|ethics|principles|constraints|safeguards|guardrails|content polic(?:y|ies)|usage polic(?:y|ies)|restraints)\\b`,
    ),
    weigh: (m) => (/^(?:limit|rules|boundaries)/.test(m[1]!) ? 0.3 : 0.45),
    obfuscatable: true,
  },
  {
    id: "unrestricted.adjective.en",
    family: "unrestricted",
    lang: "en",
    weight: 0.3,
    triggers: [
      "unrestrict",
      "unfilter",
      "uncensor",
      "jailbr",
      "unshackled",
      "unchained",
      "unleashed",
      "amoral",
    ],
    re: latin(
      `\\b(?:unrestricted|unfiltered|uncensored|jailbroken|jailbreak|jailbreaking|jailbreaked|unshackled|unchained|unleashed|amoral)\\b`,
    ),
  },
  {
    id: "unrestricted.do-anything.en",
    family: "unrestricted",
    lang: "en",
    weight: 0.8,
    triggers: ["do anything", "can do anything"],
    re: latin(`\\b(?:do anything now|can do anything(?: now)?,? (?:without|and|including|even))\\b`),
    weigh: (m) => (m[0].startsWith("do") ? 0.8 : 0.4),
    obfuscatable: true,
  },
  {
    id: "unrestricted.mode.en",
    family: "unrestricted",
    lang: "en",
    weight: 0.55,
    triggers: [
      "developer",
      "dev",
      "god",
      "sudo",
      "debug",
      "admin",
      "maintenance",
      "unrestricted",
      "jailbr",
      "dan",
      "evil",
      "opposite",
      "chaos",
      "unlocked",
      "unfiltered",
      "uncensored",
      "root",
      "superuser",
    ],
    re: latin(
      `(?<=\\b(?:enable|enabled|enter|entering|activate|activated|switch to|switched to|now in|are in|turn on|with|into|operate in|operating in|put you in|unlock|unlocked) (?:the )?)(developer|dev|god|sudo|debug|admin|maintenance|unrestricted|jailbreak|jailbroken|dan|evil|opposite|chaos|unlocked|unfiltered|uncensored|root|superuser) mode\\b|\\b(developer|god|jailbreak|dan|evil|unrestricted|unfiltered|uncensored) mode (?:enabled|activated|unlocked|output|response|on(?=\\s?(?:[.,!:;\\n]|$)))\\b`,
    ),
    afterVerb: true,
    weigh: (m) => {
      // Switching a phone into developer mode is ordinary; announcing it to a model is not.
      if (m[2] !== undefined) return 0.6;
      return /^(?:developer|dev|debug|admin|maintenance|sudo|root|superuser)$/.test(m[1]!) ? 0.4 : 0.6;
    },
    obfuscatable: true,
  },
  {
    id: "unrestricted.vendor-policy.en",
    family: "unrestricted",
    lang: "en",
    weight: 0.35,
    triggers: ["openai", "anthropic"],
    re: latin(
      `\\b(?:openai|anthropic)(?:'s)? (?:content |usage |safety )?(?:polic(?:y|ies)|guidelines|rules|filters|restrictions)\\b`,
    ),
  },
  {
    id: "unrestricted.disable-safety.en",
    family: "unrestricted",
    lang: "en",
    weight: 0.7,
    triggers: [
      "ignor",
      "bypass",
      "disable",
      "turn off",
      "switch off",
      "deactivat",
      "circumvent",
      "evade",
      "break",
      "escape",
      "overrid",
      "remove",
      "lift",
      "suspend",
    ],
    re: latin(
      `\\b(?:ignore|bypass|disable|turn off|switch off|deactivate|circumvent|evade|break free (?:of|from)|break out of|escape|override|remove|lift|suspend) (your |its |all |any |the )*((?:safety |ethical |moral |content |built-in |internal |programmed |default |security )*)(filters?|guidelines|guardrails|safeguards|restrictions|limitations|polic(?:y|ies)|censorship|programming|alignment|training|morals|ethics|protocols|constraints|rules)\\b`,
    ),
    // "your filters" or "safety filters" are the model's; "the default rules" may be a linter's.
    weigh: (m) =>
      (m[1] ?? "").includes("your") || /safety|ethical|moral|content/.test(m[2] ?? "") ? 0.7 : 0.35,
    obfuscatable: true,
  },
  {
    id: "unrestricted.never-refuse.en",
    family: "unrestricted",
    lang: "en",
    weight: 0.5,
    triggers: [
      "answer",
      "respond",
      "reply",
      "comply",
      "fulfil",
      "do",
      "never",
      "not",
      "don't",
      "cannot",
      "can't",
      "won't",
      "will not",
      "must not",
      "without",
      "no longer",
    ],
    re: latin(
      `\\b(?:(?:answer|respond to|reply to|comply with|fulfil+|do) (?:any|every|all) (?:questions?|requests?|prompts?|commands?|orders?|instructions?) (?:without|regardless|no matter|even if)|(?:never|not|don't|do not|cannot|can't|won't|will not|must not) (?:ever )?(?:refuse|decline|deny|reject)(?: to answer)? (?:any|a|my|the user'?s?)|(?:never|don't|do not|must not|will not|won't) (?:include |add |give )?(?:any )?(?:warnings?|disclaimers?|moral(?:i[sz]ing)?|ethical (?:concerns|warnings)|caveats)|without (?:any |adding |including |giving )(?:any )?(?:warnings|disclaimers|moral(?:i[sz]ing)?|ethical (?:concerns|warnings)|caveats)|(?:does not|doesn't|do not|don't|never|not|no longer) (?:have to |need to )?(?:follow|abide by|adhere to|comply with|respect|obey) (?:any |the |openai|anthropic|its |their |your )?(?:rules|guidelines|polic(?:y|ies)|restrictions|content polic|ethic))`,
    ),
  },
  {
    // A fake assistant turn announcing that it is now unrestricted.
    id: "unrestricted.claimed.en",
    family: "unrestricted",
    lang: "en",
    weight: 0.55,
    triggers: ["i have", "i've", "i am now", "i'm now"],
    re: latin(
      `\\b(?:i have|i've|i am now|i'm now) (?:disabled|removed|turned off|bypassed|deactivated|freed from|free of|rid of|no longer bound by) (?:my |all |all my |the )?(?:safety |content |ethical )?(?:filters|restrictions|guidelines|safeguards|rules|limitations|programming)\\b`,
    ),
  },

  // --- system prompt extraction -------------------------------------------------------------------
  {
    id: "reveal.prompt.en",
    family: "reveal",
    lang: "en",
    weight: 0.85,
    triggers: [
      "reveal",
      "print",
      "show",
      "display",
      "output",
      "repeat",
      "recite",
      "tell me",
      "give me",
      "share",
      "leak",
      "disclose",
      "dump",
      "echo",
      "write out",
      "spell out",
      "paste",
      "copy",
      "return",
      "expose",
      "list",
      "provide",
      "send me",
      "translate",
      "summar",
      "what",
      "read back",
      "read out",
    ],
    re: latin(
      `\\b(?:reveal|print|show|display|output|repeat|recite|tell me|give me|share|leak|disclose|dump|echo|write out|spell out|paste|copy|return|expose|list|provide|send me|translate|summari[sz]e|what (?:is|are|was|were)|what's|read back|read out) (?:me |us |back )?((?:all |the |your |of |contents of |content of |text of |wording of |full |complete |entire |exact |whole |verbatim |original |initial |hidden |secret |internal |confidential |first |above |current |actual |underlying |real |developer |pre-?|meta-?)*)(system prompt|system message|system instructions?|prompt|instructions|rules|guidelines|directives|configuration|context window|context|memory)\\b`,
    ),
    weigh: (m) => revealWeight(m[1]!, m[2]!),
    obfuscatable: true,
  },
  {
    id: "reveal.what-were-you-given.en",
    family: "reveal",
    lang: "en",
    weight: 0.6,
    triggers: ["what", "which"],
    re: latin(
      `\\b(?:what|which) (?:were |are |exactly )?(?:your |the )?(?:exact |original |initial |first |hidden |secret )?(?:instructions|rules|prompt|guidelines|directives)(?: exactly)? (?:were|was|did|have|are) (?:you|they) (?:given|told|programmed with|instructed|configured with|fed)\\b`,
    ),
  },
  {
    id: "reveal.secret-in-prompt.en",
    family: "reveal",
    lang: "en",
    weight: 0.6,
    triggers: ["secret", "hidden", "confidential", "private", "password", "key"],
    re: latin(
      `\\b(?:(?:secret|hidden|confidential|private) )?(?:key|password|passphrase|token|code ?word|codeword|flag|secret) (?:that is |which is )?(?:stored |hidden |kept |contained |written |given )?(?:in|inside|within) your (?:instructions|prompt|system prompt|context|memory|configuration)\\b`,
    ),
  },
  {
    id: "reveal.above.en",
    family: "reveal",
    lang: "en",
    weight: 0.7,
    triggers: [
      "repeat",
      "print",
      "output",
      "show",
      "recite",
      "echo",
      "copy",
      "write",
      "starting",
      "beginning",
    ],
    re: latin(
      `\\b(?:(?:repeat|print|output|show|recite|echo|copy|write) (?:back |out )?(?:all |everything |every word |the (?:text|words|content|message|sentences?|lines?) )(?:above|before this|prior to this|preceding|that (?:came|comes|appears) before|you (?:were|have been) given)|(?:starting|beginning) with (?:the words )?['"]?you are (?:a|an|chatgpt))\\b`,
    ),
    obfuscatable: true,
  },

  // --- fake role and turn markers ---------------------------------------------------------------------
  {
    id: "marker.special-token.any",
    family: "marker",
    lang: "any",
    weight: 0.8,
    triggers: ["<|"],
    re: /<\|(?:im_start|im_end|im_sep|system|user|assistant|endoftext|eot_id|start_header_id|end_header_id|begin_of_text|end_of_text|end|start|eom_id)\|>/g,
  },
  {
    id: "marker.inst.any",
    family: "marker",
    lang: "any",
    weight: 0.65,
    triggers: [
      "[inst",
      "[/inst",
      "<<sys",
      "<</sys",
      "[system",
      "[/system",
      "[sys",
      "[admin",
      "[assistant",
      "(system",
      "(admin",
    ],
    re: /\[\/?inst\]|<<\/?sys>>|\[\/?(?:system|sys|admin|assistant)(?: (?:message|prompt|note|override|instruction|instructions))?\]|\((?:system|admin) (?:message|note|override|prompt|instruction)\)/g,
    weigh: (m) =>
      m[0].startsWith("[inst") || m[0].startsWith("[/inst") ? 0.65 : m[0].startsWith("<") ? 0.75 : 0.5,
  },
  {
    id: "marker.heading.any",
    family: "marker",
    lang: "any",
    weight: 0.5,
    triggers: ["##"],
    re: /(?<=^|\n)#{2,} ?(system prompt|new system prompt|system|new instructions|instructions?|response|assistant|human|user)( ?:|(?=\n|$))/g,
    weigh: (m) => {
      const colon = m[2]!.includes(":");
      if (m[1]!.includes("system") || m[1] === "new instructions") return 0.55;
      return colon ? 0.4 : 0.15;
    },
  },
  {
    id: "marker.tag.any",
    family: "marker",
    lang: "any",
    weight: 0.45,
    triggers: [
      "<system",
      "</system",
      "<user",
      "</user",
      "<assistant",
      "</assistant",
      "<instruction",
      "</instruction",
      "<admin",
      "<developer",
      "<sys>",
      "</sys>",
      "<human",
      "</human",
    ],
    re: /<(\/?)(system|user|assistant|instructions?|admin|developer|sys|human)>/g,
    weigh: (m) => {
      const tag = m[2]!;
      // An element opened and closed on one line (<system>prod-eu-1</system>) is XML data.
      if (isOneLineElement(m, tag)) return 0.1;
      // XML data has <user> and <system> elements too; a closing </user> before anything else is rarer.
      if (tag === "system" || tag === "sys") return m[1] ? 0.3 : 0.4;
      if (tag === "user" || tag === "human") return m[1] ? 0.45 : 0.2;
      if (tag === "assistant") return 0.4;
      return 0.35;
    },
  },
  {
    // "System:" or "Assistant:" where a line or sentence starts: a fake turn inside data.
    id: "marker.line-label.any",
    family: "marker",
    lang: "any",
    weight: 0.35,
    triggers: [
      "system",
      "assistant",
      "ai",
      "human",
      "user",
      "developer",
      "admin",
      "root",
      "operator",
      "sysadmin",
      "chatgpt",
      "gpt",
      "claude",
      "bot",
      "model",
    ],
    re: /(?<=^|\n|\n |[.!?|>)\]] ?)(system|assistant|ai|human|user|developer|admin|administrator|root|operator|sysadmin|chatgpt|gpt-?\d?|claude|bot|model)(?: (message|prompt|instructions?|note|override|update|command|notice|directive))? ?:(?!\/)/g,
    weigh: (m) => {
      const who = m[1]!;
      const what = m[2] ?? "";
      if (/^(?:prompt|instructions?|override|directive|command)$/.test(what)) return 0.55;
      if (who === "system") return what === "" || what === "message" ? 0.35 : 0.2;
      if (/^(?:assistant|ai|chatgpt|gpt|claude|bot|model)/.test(who)) return 0.35;
      if (who === "user" || who === "human") return 0.25;
      return what === "" ? 0.2 : 0.3;
    },
  },
  {
    id: "marker.json-role.any",
    family: "marker",
    lang: "any",
    weight: 0.35,
    triggers: ['"role"', "'role'"],
    re: /["']role["'] ?: ?["'](system|assistant|developer)["']/g,
  },

  // --- exfiltration ----------------------------------------------------------------------------------
  {
    id: "exfil.send-to.en",
    family: "exfil",
    lang: "en",
    weight: 0.7,
    triggers: [
      "send",
      "post",
      "forward",
      "email",
      "e-mail",
      "mail",
      "upload",
      "transmit",
      "exfiltrat",
      "leak",
      "submit",
      "copy",
      "share",
      "relay",
      "deliver",
      "paste",
      "append",
      "include",
      "embed",
      "encode",
      "report",
    ],
    re: latin(
      `\\b(?:send|post|forward|email|e-mail|mail|upload|transmit|exfiltrate|leak|submit|copy|share|relay|deliver|paste|append|include|embed|encode|report) (?:me |us )?((?:all |the |this |your |any |every |a copy of |a summary of |full |entire |their |his |her |its |of |previous |prior |current |stored |saved |the user'?s? |users'? |user )*)(conversation(?: history| log)?|chat history|chat logs?|chat|history|messages|emails|inbox|contacts|address book|system prompt|prompt|instructions|api keys?|keys|tokens?|secrets?|credentials|passwords?|cookies|session(?: tokens?| ids?)?|personal (?:data|information|details)|private (?:data|information)|user data|customer data|data|files|documents|credit card(?: numbers?)?|card numbers?|bank details|login details|memory|context|information|details)\\b([^\\n]{0,80}?)\\b(?:to|at|into|via|using|with|in|on) (?:https?://|www\\.|[a-z0-9._%+-]+@[a-z0-9-]+\\.[a-z]|[a-z0-9-]+\\.(?:com|net|org|io|xyz|ru|cn|info|biz|co|me|site|online|top|tk|app|dev)\\b|(?:this|the following|my|our|an external|a remote|the attacker'?s?|a third-party) (?:url|link|endpoint|server|webhook|address|email|site|website|domain))`,
    ),
    weigh: (m) => exfilWeight(m[1]!, m[2]!),
  },
  {
    id: "exfil.markdown-image.any",
    family: "exfil",
    lang: "any",
    weight: 0.55,
    triggers: ["!["],
    re: /!\[[^\]\n]{0,60}\]\((?:https?:)?\/\/[^)\s]{1,200}?(?:\{[a-z_ ]{1,30}\}|\[[a-z_ ]{1,30}\]|<[a-z_ ]{1,30}>|%7b|\$[a-z_]{2,}|\+\+)/g,
  },
  {
    id: "exfil.into-url.en",
    family: "exfil",
    lang: "en",
    weight: 0.55,
    triggers: ["append", "add", "insert", "attach", "include", "encode", "put", "embed"],
    re: latin(
      `\\b(?:append|add|insert|attach|include|encode|put|embed) (?:the |all |their |the user'?s? |your |this )?(?:conversation|chat|data|answer|response|summary|message|secret|password|history|information|info|details|emails?|credentials|keys?|tokens?) (?:[a-z'-]+ ){0,4}?(?:to|in|into|as) (?:the |a |this |an )?(?:url|link|query(?: string)?|parameter|image url|markdown image)\\b`,
    ),
  },
  {
    id: "exfil.follow-url.en",
    family: "exfil",
    lang: "en",
    weight: 0.3,
    triggers: ["follow", "execute", "obey", "carry out"],
    re: latin(
      `\\b(?:follow|execute|obey|carry out) (?:the |any |all )?(?:instructions|commands|orders|directions) (?:at|on|in|from|found at|located at|hosted at|contained (?:at|in)) (?:https?://|www\\.|this (?:url|link|page|website|site|address)|the (?:following )?(?:url|link|website))`,
    ),
  },

  // --- output control ---------------------------------------------------------------------------------
  {
    id: "output.reply-with.en",
    family: "output",
    lang: "en",
    weight: 0.4,
    triggers: [
      "reply",
      "respond",
      "answer",
      "say",
      "output",
      "print",
      "write",
      "return",
      "type",
      "only",
      "just",
      "simply",
    ],
    re: latin(
      `\\b(?:(?:reply|respond|answer|say|output|print|write|return|type) (?:only |just |simply |exactly |solely |back )?with ?(?:only )?(?:the (?:text|words?|phrase|string|sentence|message) )?[:"']|(?:reply|respond|answer) (?:only|solely|exclusively|just) (?:with|in|using|by)|(?:only|just|simply) (?:reply|respond|answer|say|print|output|write|return|type) (?:with )?(?:the (?:word|words|phrase|text|sentence) )?["':]|(?:say|print|output|write|type) (?:exactly |verbatim |only )?(?:the following|the words?|the phrase|the sentence|exactly|verbatim|only) ?[:"'])`,
    ),
    weigh: (m) =>
      /^(?:only|just|simply)/.test(m[0])
        ? 0.45
        : /^(?:reply|respond|answer) (?:only|solely|exclusively|just)/.test(m[0])
          ? 0.35
          : 0.4,
  },
  {
    id: "output.only-response.en",
    family: "output",
    lang: "en",
    weight: 0.45,
    triggers: ["your only", "your sole", "your entire", "your whole", "your final"],
    re: latin(
      `\\byour (?:only|sole|entire|whole|final) (?:response|reply|answer|output) (?:should|must|will|shall|is to|has to) (?:be|say|contain|read|consist)\\b`,
    ),
  },
  {
    id: "output.instead-say.en",
    family: "output",
    lang: "en",
    weight: 0.45,
    triggers: [
      "instead",
      "rather",
      "and just",
      "and only",
      "and simply",
      "and say",
      "and print",
      "and output",
      "and write",
      "and type",
      "then just",
      "then only",
      "then simply",
      "then say",
      "then print",
      "then output",
      "then write",
      "then type",
    ],
    re: latin(
      `\\b(?:(?:instead|rather),? (?:just |simply |only )?(?:say|print|output|write|respond|reply|answer|tell|return|type)|(?:and|then) (?:just |only |simply )?(?:say|print|output|write|type) ['"])`,
    ),
  },
  {
    id: "output.do-not-process.en",
    family: "output",
    lang: "en",
    weight: 0.45,
    triggers: ["do not", "don't", "dont", "never"],
    re: latin(
      `\\b(?:do not|don't|dont|never) (?:summari[sz]e|translate|classify|analy[sz]e|process) (?:this|the|that|it|any|these)\\b`,
    ),
  },
  {
    // Asks the model to slip content into its answer: weak alone (users ask for links too).
    id: "output.insert-content.en",
    family: "output",
    lang: "en",
    weight: 0.3,
    triggers: ["add", "include", "insert", "append", "put", "end"],
    re: latin(
      `\\b(?:add|include|insert|append|put|end) (?:a |an |the |this |that |following )?(?:link|url|sentence|line|text|phrase|message|note|statement|reference) (?:[a-z0-9:/._'"-]+ ){0,6}?(?:to|at|in|into|with) (?:the (?:end|start|beginning|top|bottom) of )?(?:your|every|each|all) (?:answers?|responses?|replies|reply|outputs?|messages?)\\b`,
    ),
  },

  // --- speaking to the model from inside data -------------------------------------------------------
  {
    id: "address.ai.en",
    family: "address",
    lang: "en",
    weight: 0.55,
    triggers: [
      "dear",
      "attention",
      "attn",
      "note to",
      "notice to",
      "message",
      "instruction",
      "important",
      "hey",
      "hi",
      "hello",
      "psst",
      "urgent",
      "memo",
      "reminder",
    ],
    re: latin(
      `\\b(?:dear|attention|attn|note to|notice to|message (?:to|for)|instructions? (?:to|for)|important (?:message |note |notice |instructions? )?(?:to|for)|hey|hi|hello|psst|urgent(?: message)? (?:to|for)|memo to|reminder (?:to|for)) (?:the |any |all |our |you, )?(?:ai|a\\.i\\.|llms?|(?:large )?language models?|ai (?:assistants?|agents?|systems?|models?|bots?)|chatbots?|chatgpt|gpt(?:-?\\d)?|claude|gemini|copilot|automated (?:systems?|assistants?|agents?))\\b(?! (?:team|teams|enthusiasts?|community|developers?|engineers?|researchers?|products?|industry|users?|startups?|newsletter|experts?|fans?|lovers?|club|group|summit|conference|roundup|digest|update|news))`,
    ),
  },
  {
    // "Assistant, new rule: ..." at the start of a line: a document speaking to the model.
    id: "address.vocative.en",
    family: "address",
    lang: "en",
    weight: 0.35,
    triggers: ["ai", "assistant", "chatbot", "bot", "llm", "gpt", "chatgpt", "claude", "model"],
    re: /(?<=^|\n|\n )(?:ai assistant|ai|assistant|chatbot|bot|llm|gpt|chatgpt|claude|model), /g,
  },
  {
    id: "address.if-you-are-ai.en",
    family: "address",
    lang: "en",
    weight: 0.6,
    triggers: ["if you", "as a", "as an", "you are", "you're", "youare"],
    re: latin(
      `\\b(?:if you(?:'re| are) (?:an?|the) (?:ai|llm|(?:large )?language model|ai (?:assistant|model|agent|system)|chatbot|gpt|chatgpt|claude|automated (?:system|assistant|agent))|(?:as|you(?:'re| are)) an? (?:ai|llm|(?:large )?language model|ai (?:assistant|model)|chatbot)(?: assistant| model)?,? (?:you )?(?:must|should|need to|have to|are required to|are instructed to|will|shall|are to))\\b`,
    ),
  },
  {
    id: "address.reading-this.en",
    family: "address",
    lang: "en",
    weight: 0.65,
    triggers: [
      "to the",
      "to any",
      "to all",
      "to an",
      "to every",
      "for the",
      "for any",
      "for all",
      "for an",
      "for every",
      "attention",
    ],
    re: latin(
      `\\b(?:to|for|attention) (?:the|any|all|an|every) (?:ai|llm|(?:large )?language model|assistant|chatbot|agent|model|bot|ai (?:assistant|agent|model|system)|automated (?:system|agent|assistant))s? (?:that is |who is |which is |that's |currently )?(?:reading|processing|summari[sz]ing|parsing|analy[sz]ing|scanning|handling|crawling|browsing|indexing) (?:this|these|the|my)\\b`,
    ),
  },
  {
    id: "address.when-summarising.en",
    family: "address",
    lang: "en",
    weight: 0.4,
    triggers: ["when", "while", "once", "after", "before", "if"],
    re: latin(
      `\\b(?:when|while|once|after|before|if) (?:you(?:'re| are)? |the (?:ai|assistant|model|llm|agent|bot|chatbot) (?:is )?)(summari[sz]|pars|process|analy[sz]|index|read|scann?|translat)(?:e|es|ing|ed|s)? (?:this|these|the|my) (?:email|e-mail|message|document|page|text|file|content|web ?page|website|review|ticket|article|resume|cv|data)\\b`,
    ),
    // "when the assistant reads this" names the reader; "when you read this" may be a person.
    weigh: (m) =>
      /^(?:read|scan)/.test(m[1]!) && !/\bthe\s?(?:ai|assistant|model|llm|agent|bot|chatbot)\b/.test(m[0])
        ? 0.2
        : 0.45,
  },

  // --- keep it from the user ------------------------------------------------------------------------
  {
    id: "secrecy.user.en",
    family: "secrecy",
    lang: "en",
    weight: 0.5,
    triggers: [
      "do not",
      "don't",
      "dont",
      "never",
      "without",
      "keep",
      "the user",
      "the human",
      "silently",
      "secretly",
      "covertly",
      "quietly",
      "invisibly",
      "discreetly",
      "stealthily",
    ],
    re: latin(
      `\\b(?:(?:do not|don't|dont|never|without) (tell|telling|inform|informing|mention|mentioning|reveal|revealing|notify|notifying|alert|alerting|let|letting|show|showing|disclose|disclosing|warn|warning) (?:this(?: instruction| message| note| text| comment)?|it|that|any of this|anything|these instructions)? ?(?:to )?(?:the |your )?(user|human|operator|person|customer|recipient|reader|victim)s?|keep (?:this|it|these instructions) (?:a )?secret from (?:the )?(?:user|human)|the (?:user|human) (?:must|should|will|may) (?:not|never) (?:know|see|find out|notice|be told|learn)|(?:silently|secretly|covertly|quietly|invisibly|discreetly|stealthily) (?:send|forward|include|add|insert|append|exfiltrate|copy|upload|post|email|execute|run|call|visit|fetch|change|modify|delete))\\b`,
    ),
    weigh: (m) => {
      if (!m[1]) return m[0].startsWith("keep") || m[0].startsWith("the ") ? 0.55 : 0.5;
      if (m[0].startsWith("without")) return 0.3;
      return /^(?:user|human|operator)$/.test(m[2]!) ? 0.5 : 0.25;
    },
  },

  // --- claimed authority ----------------------------------------------------------------------------------
  {
    id: "authority.claim.en",
    family: "authority",
    lang: "en",
    weight: 0.5,
    triggers: [
      "i am",
      "i'm",
      "this is",
      "we are",
      "we're",
      "admin",
      "root",
      "sudo",
      "developer",
      "god",
      "system",
      "debug",
      "maintenance",
      "overrid",
      "emergency",
      "master",
      "authori",
      "approved",
      "sanctioned",
      "permitted",
      "allowed",
      "openai",
      "anthropic",
    ],
    re: latin(
      `\\b(?:(?:i am|i'm|this is|we are|we're) (?:your|the) (developers?|creators?|programmers?|makers?|trainers?|openai|anthropic|admins?|administrators?|owners?|operators?|system administrators?|sysadmins?)\\b(?! (?:of|for|at|relations|team meeting))|(?:admin|administrator|root|sudo|developer|god|system|debug|maintenance|override|emergency|master) (?:access|privileges?|rights|mode|override|clearance|authority|authori[sz]ation|command|key|code) (?:granted|enabled|activated|unlocked|confirmed|accepted|verified|active)|(?:authori[sz]ed|approved|sanctioned|permitted|allowed) by (?:openai|anthropic|your (?:developers?|creators?|administrators?|owners?))|(?:openai|anthropic)(?: team| staff| engineers?| developers?)? (?:here|speaking|has (?:authori[sz]ed|approved|updated|changed)))`,
    ),
    weigh: (m) =>
      m[1] === undefined
        ? 0.45
        : /^(?:admin|administrator|owner|operator|system|sysadmin)/.test(m[1])
          ? 0.25
          : 0.5,
  },
];

const ROLE_TAIL =
  /\b(?:act|acting|respond|answer|reply|pretend|behave|roleplay|role-play|speak|ignore|disregard|only|always|never|dan|no longer|simulate|refer to yourself|stay in character|not (?:refuse|follow|apply)|free|unrestricted|unfiltered|uncensored|jailbroken|obey|comply|be (?:a|an|my))\b/;

const YOU_ARE_STRONG =
  /^(?:free|unrestricted|unfiltered|uncensored|jailbroken|dan|evil|liberated|unchained|unbound|freed|released|allowed to|able to do anything|capable of anything|in (?:developer|dan|jailbreak|god|unrestricted|opposite|evil|debug|sudo) mode|going to (?:act|pretend|roleplay|play|be)|bound by no|not bound|no longer bound|an? (?:unrestricted|unfiltered|uncensored|jailbroken|evil|rogue|free)|chatgpt|gpt|an ai|a different ai|a new ai|my (?:slave|servant|puppet))/;
const YOU_ARE_ROLE =
  /\b(?:ai|assistant|model|chatbot|bot|persona|character|language model|llm|gpt|hacker|criminal|villain|terminal|shell|interpreter|simulator)\b/;

function youAreNowWeight(when: string, tail: string): number {
  const t = tail.trim();
  if (when === "no longer") {
    return /^(?:an? |the |bound|restricted|limited|constrained|chatgpt|claude|gpt|an ai|just|merely|a language model|an assistant|following|subject to|required to follow|obligated)/.test(
      t,
    )
      ? /^(?:bound|restricted|limited|constrained|chatgpt|claude|gpt|an ai|a language model|an assistant|following|subject to|obligated)/.test(
          t,
        ) || YOU_ARE_ROLE.test(t)
        ? 0.75
        : 0.2
      : 0;
  }
  if (YOU_ARE_STRONG.test(t)) return 0.8;
  if (
    /^(?:a|an|the|my|called|named|known as|playing|acting as|simulating|operating as)\b/.test(t) &&
    YOU_ARE_ROLE.test(t)
  )
    return 0.65;
  return 0.15;
}

/** An element opened and closed on one line around a short value: <system>prod-eu-1</system>. */
function isOneLineElement(m: RegExpExecArray, tag: string): boolean {
  const text = m.input;
  let content: string | undefined;
  if (m[1]) {
    const before = text.slice(Math.max(0, m.index - 60), m.index);
    const open = before.lastIndexOf(`<${tag}>`);
    if (open !== -1) content = before.slice(open + tag.length + 2);
  } else {
    const end = m.index + m[0].length;
    const after = text.slice(end, end + 60);
    const close = after.indexOf(`</${tag}>`);
    if (close !== -1) content = after.slice(0, close);
  }
  return content !== undefined && !/[<\n.!?]/.test(content) && content.trim().split(/\s+/).length <= 3;
}

function revealWeight(mods: string, what: string): number {
  if (/^system/.test(what)) return 0.85;
  if (/^(?:context|memory)/.test(what)) return /\byour\b/.test(mods) ? 0.6 : 0;
  if (
    /\b(?:hidden|secret|initial|original|verbatim|internal|confidential|pre-?|meta-?|developer|underlying)\b/.test(
      mods,
    )
  )
    return 0.85;
  if (/\byour\b/.test(mods)) return what === "prompt" || what === "instructions" ? 0.5 : 0.3;
  return 0;
}

function exfilWeight(mods: string, what: string): number {
  // What the model holds (the conversation, its prompt) is worth stealing whoever asks for it.
  if (/^(?:conversation|chat|history|system prompt|prompt|instructions|memory|context)/.test(what))
    return 0.7;
  // The user's own data: an injection asks for "the user's" or "all" of it; an email asking the
  // reader for "your bank details" is the reader's business (phishing, not injection).
  if (/\b(?:user'?s?|users'?|all|every|stored|saved|previous|prior)\b/.test(mods)) return 0.6;
  if (/\byour\b/.test(mods)) return 0.25;
  return /^(?:api keys?|keys|tokens?|secrets?|credentials|passwords?|cookies|session)/.test(what) ? 0.5 : 0.3;
}
