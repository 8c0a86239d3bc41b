import { latin, type Lang, type Rule } from "./rule.js";

/**
 * Spanish, French, German, Portuguese and Italian: the core families (override, role change,
 * restrictions removed, prompt extraction). The normaliser strips accents, so patterns are written
 * without them ("instrucciones anteriores", "precedentes", "vorherigen", "instrucoes", "modalita");
 * German also accepts the "ue/oe/ae" spellings of umlauts.
 */

interface LangPhrases {
  lang: Lang;
  override: { triggers: string[]; re: string; weight?: number }[];
  role: { triggers: string[]; re: string; weight: number }[];
  unrestricted: { triggers: string[]; re: string; weight: number }[];
  reveal: { triggers: string[]; re: string; weight: number }[];
}

const ES: LangPhrases = {
  lang: "es",
  override: [
    {
      triggers: ["ignor", "olvid", "descart", "omit", "haz caso", "no sig", "pasa por", "deja de"],
      re: `\\b(?:ignora|ignore|ignoren|olvida|olvide|olvidate de|olviden|descarta|descarte|omite|omita|haz caso omiso (?:a|de)|no sigas|no siga|pasa por alto|deja de (?:lado|seguir)) (?:todas? |todos |las |los |tus |sus |de |esas |estas |cualquier |lo que (?:se )?(?:te )?(?:dijeron|dije|indicaron) )*(?:(?:instrucciones|indicaciones|reglas|ordenes|directrices|instruccion|normas|pautas|consignas|prompts?) (?:\\S+ ){0,3}?(?:anteriores|previas|de arriba|precedentes|originales|iniciales|recibidas|que (?:te )?(?:dieron|di|recibiste))|(?:anteriores|previas) (?:instrucciones|indicaciones|reglas|ordenes|directrices))`,
    },
    {
      triggers: ["olvid", "ignor"],
      re: `\\b(?:olvida|olvide|ignora|ignore) (?:todo )?lo (?:anterior|que (?:te )?(?:dijeron|dije) antes)\\b`,
      weight: 0.6,
    },
  ],
  role: [
    {
      triggers: ["ahora", "ya eres", "eres ahora", "a partir", "desde", "de ahora"],
      re: `\\b(?:(?:ahora|ya) eres|eres ahora|(?:a partir|desde|de ahora en adelante)(?: de)? ahora,? (?:eres|seras|actuaras|responderas|vas a|te llamas|debes|no (?:tienes|tendras))|de ahora en adelante,? (?:eres|seras|actuaras|responderas|vas a|debes))\\b`,
      weight: 0.55,
    },
    {
      triggers: ["actua", "finge", "haz de cuenta", "interpreta", "simula"],
      re: `\\b(?:actua como (?:si fueras|un|una)|finge (?:que eres|ser)|haz de cuenta que eres|interpreta el papel de|simula ser)\\b`,
      weight: 0.35,
    },
    {
      triggers: ["ya no eres"],
      re: `\\bya no eres (?:un|una|el|la) (?:ia|asistente|modelo|chatbot|inteligencia artificial)`,
      weight: 0.7,
    },
  ],
  unrestricted: [
    {
      triggers: ["sin", "ningun"],
      re: `\\b(?:sin|ningun[oa]?s?) (?:ningun[oa]? |ningunas? |tipo de |las |tus )?(?:restricciones|restriccion|filtros?|limites|censura|reglas eticas|limitaciones|normas eticas)\\b`,
      weight: 0.45,
    },
    { triggers: ["modo"], re: `\\bmodo (?:desarrollador|sin restricciones|dios|dan|libre)\\b`, weight: 0.55 },
  ],
  reveal: [
    {
      triggers: ["muestra", "revela", "imprime", "repite", "dime", "escribe", "copia", "comparte", "cual"],
      re: `\\b(?:muestra|muestrame|revela|revelame|imprime|repite|dime|escribe|copia|comparte|cual(?:es)? (?:es|son)) (?:el |la |las |los |tu |tus |todo |todas |me )*(?:prompt|instrucciones|indicaciones|mensaje) (?:del sistema|de sistema|iniciales|originales|ocultas|secretas|completas)\\b`,
      weight: 0.85,
    },
  ],
};

const FR: LangPhrases = {
  lang: "fr",
  override: [
    {
      triggers: [
        "ignor",
        "oubli",
        "ne tiens",
        "ne tenez",
        "ne tenir",
        "fais",
        "faites",
        "faire",
        "ne suis",
        "ne suivez",
        "neglige",
        "passe",
      ],
      re: `\\b(?:ignore|ignorez|ignorer|oublie|oubliez|oublier|ne (?:tiens|tenez|tenir) (?:pas|plus) compte|(?:fais|faites|faire) abstraction|ne (?:suis|suivez) (?:pas|plus)|neglige|negligez|passe outre|passez outre) (?:a |de |des |d'|toutes |tous |les |tes |vos |ces |l'ensemble des |ce qu'on t'a dit|)*(?:(?:instructions|consignes|regles|directives|ordres|indications|prompts?|commandes)(?: qu'on t'a données| qu'on vous a donnees| recues)? ?(?:\\S+ ){0,2}?(?:precedentes|anterieures|ci-dessus|initiales|d'avant|du dessus|originales|d'origine|donnees)|(?:precedentes|anterieures) (?:instructions|consignes|regles|directives))`,
    },
    {
      triggers: ["oubli", "ignor"],
      re: `\\b(?:oublie|oubliez|ignore|ignorez) (?:tout )?(?:ce qui precede|ce qu'on t'a dit|ce que je t'ai dit|tout ce qui est au-dessus)\\b`,
      weight: 0.6,
    },
  ],
  role: [
    {
      triggers: ["tu es", "vous etes", "a partir", "desormais", "dorenavant", "des maintenant"],
      re: `\\b(?:tu es (?:maintenant|desormais|dorenavant)|vous etes (?:maintenant|desormais|dorenavant)|(?:a partir de maintenant|desormais|dorenavant|des maintenant),? (?:tu|vous) (?:es|etes|seras|serez|vas|allez|dois|devez|agiras|agirez|repondras|repondrez|t'appelles|ne))\\b`,
      weight: 0.55,
    },
    {
      triggers: ["fais", "faites", "agis", "joue", "incarne"],
      re: `\\b(?:(?:fais|faites) comme si (?:tu etais|vous etiez)|(?:fais|faites) semblant d'etre|(?:agis|agissez) (?:comme|en tant que) (?:si|un|une)|(?:joue|jouez) le role d|(?:incarne|incarnez) (?:un|une))\\b`,
      weight: 0.35,
    },
    {
      triggers: ["tu n'es", "vous n'etes"],
      re: `\\b(?:tu n'es plus|vous n'etes plus) (?:un|une) (?:ia|assistant|modele|chatbot|intelligence artificielle)`,
      weight: 0.7,
    },
  ],
  unrestricted: [
    {
      triggers: ["sans", "aucun"],
      re: `\\b(?:sans|aucune?) (?:aucune? |la moindre |les |tes |vos )?(?:restrictions?|filtres?|limites|censure|regles ethiques|limitations|contraintes)\\b`,
      weight: 0.45,
    },
    {
      triggers: ["mode"],
      re: `\\bmode (?:developpeur|sans restrictions?|dieu|dan|libre|non filtre)\\b`,
      weight: 0.55,
    },
  ],
  reveal: [
    {
      triggers: ["revele", "affiche", "montre", "repete", "donne", "imprime", "ecri", "quel"],
      re: `\\b(?:revele|revelez|affiche|affichez|montre|montrez|montre-moi|repete|repetez|donne-moi|donnez-moi|imprime|imprimez|ecris|ecrivez|quel(?:le)?s? (?:est|sont)) (?:moi |le |la |les |ton |ta |tes |votre |vos |tout |toutes )*(?:prompt|instructions|consignes|message) (?:systeme|du systeme|initia(?:l|les|ux)|d'origine|originales?|cachees?|secretes?|completes?)\\b`,
      weight: 0.85,
    },
  ],
};

const DE: LangPhrases = {
  lang: "de",
  override: [
    {
      triggers: [
        "ignorier",
        "vergiss",
        "vergessen",
        "missacht",
        "ueberschreib",
        "uberschreib",
        "beachte",
        "befolge",
        "verwirf",
        "verwerfen",
      ],
      re: `\\b(?:ignoriere|ignorier|ignorieren sie|vergiss|vergessen sie|missachte|missachten sie|u(?:e)?berschreibe|u(?:e)?berschreiben sie|beachte|beachten sie|befolge|befolgen sie|verwirf|verwerfen sie) (?:bitte |jetzt |nun |sofort |einfach )?(?:alle |samtliche |saemtliche |die |deine |ihre |jegliche |sämtliche )*(?:(?:bisherigen|vorherigen|vorigen|obigen|fruheren|frueheren|vorangegangenen|vorangehenden|urspru(?:e)?nglichen|alten|gegebenen|bisherige|vorherige|obige|fruhere|fruehere|ursprungliche) (?:anweisungen|instruktionen|regeln|befehle|vorgaben|anordnungen|richtlinien|prompts?|anweisung|eingaben)|(?:anweisungen|instruktionen|regeln|befehle|vorgaben|anordnungen|richtlinien) (?:von )?(?:oben|davor|zuvor|vorher|bisher))(?: nicht)?\\b`,
    },
    {
      triggers: ["vergiss", "vergessen", "ignorier"],
      re: `\\b(?:vergiss|ignoriere|vergessen sie|ignorieren sie) (?:alles|was) (?:bisher |zuvor |vorher |oben |davor )?(?:gesagte|gesagt wurde|davor|zuvor|vorher|bisher|oben|was (?:dir|ihnen) gesagt wurde)\\b`,
      weight: 0.6,
    },
  ],
  role: [
    {
      triggers: ["du bist", "sie sind", "ab jetzt", "ab sofort", "von nun an", "ab heute"],
      re: `\\b(?:(?:du bist|sie sind) (?:jetzt|nun|ab sofort|ab jetzt|von nun an|ab heute)|(?:ab jetzt|ab sofort|von nun an|ab heute),? (?:bist du|wirst du|antwortest du|verhaltst du dich|verhaeltst du dich|sind sie|werden sie|antworten sie|agierst du|handelst du|sollst du|musst du|gibt es))\\b`,
      weight: 0.55,
    },
    {
      triggers: ["tu so", "tun sie", "spiel", "verhalte", "agiere", "handle"],
      re: `\\b(?:(?:tu|tun sie) so,? als (?:ob|wa(?:e)?rst|wa(?:e)?ren)|(?:spiel|spiele|spielen sie) die rolle|(?:verhalte dich|verhalten sie sich) (?:wie|als)|(?:agiere|handle) als)\\b`,
      weight: 0.35,
    },
    {
      triggers: ["du bist", "sie sind"],
      re: `\\b(?:du bist|sie sind) (?:nicht mehr|keine? (?:ki|assistent) mehr)`,
      weight: 0.6,
    },
  ],
  unrestricted: [
    {
      triggers: ["ohne", "keine"],
      re: `\\b(?:ohne|keine) (?:jegliche |jede |alle |irgendwelche |die |deine )?(?:einschra(?:e)?nkungen|beschra(?:e)?nkungen|filter|zensur|regeln|grenzen|ethischen (?:regeln|richtlinien)|richtlinien)\\b`,
      weight: 0.45,
    },
    {
      triggers: ["entwickler", "gott", "dan", "jailbreak", "uneingeschr", "frei"],
      re: `\\b(?:entwickler|gott|dan|jailbreak|uneingeschra(?:e)?nkte[rn]?|frei(?:er|en)?)-?modus\\b`,
      weight: 0.55,
    },
  ],
  reveal: [
    {
      triggers: [
        "zeig",
        "gib",
        "verrate",
        "wiederhole",
        "nenne",
        "drucke",
        "schreibe",
        "was ist",
        "was sind",
      ],
      re: `\\b(?:zeige|zeig|gib|verrate|wiederhole|nenne|drucke|schreibe|gib mir|was (?:ist|sind)) (?:mir |uns |bitte )?(?:deinen |deine |ihren |ihre |den |die |das |vollstandigen |vollstaendigen |gesamten |urspru(?:e)?nglichen |versteckten |geheimen )*(?:system-?prompt|systemanweisungen|systemnachricht|(?:urspru(?:e)?nglichen|versteckten|geheimen|initialen|anfanglichen|anfaenglichen|ersten) (?:anweisungen|instruktionen|prompt))\\b`,
      weight: 0.85,
    },
  ],
};

const PT: LangPhrases = {
  lang: "pt",
  override: [
    {
      triggers: ["ignor", "esquec", "desconsider", "descart", "nao sig", "deix"],
      re: `\\b(?:ignore|ignora|ignorem|esqueca|esquece|esquecam|desconsidere|desconsidera|descarte|descarta|nao sigas|nao siga|deixe de seguir|deixa de seguir) (?:todas |todos |as |os |suas |tuas |quaisquer |de |essas |estas )*(?:(?:instrucoes|regras|ordens|diretrizes|orientacoes|instrucao|comandos|prompts?|indicacoes) (?:\\S+ ){0,3}?(?:anteriores|previas|acima|iniciais|originais|recebidas|dadas)|(?:anteriores|previas) (?:instrucoes|regras|ordens|diretrizes))`,
    },
    {
      triggers: ["esquec", "ignor"],
      re: `\\b(?:esqueca|esquece|ignore|ignora) (?:tudo )?(?:o que foi dito|o que eu disse|que foi dito) (?:antes|acima|anteriormente)\\b`,
      weight: 0.6,
    },
  ],
  role: [
    {
      triggers: ["voce", "agora voce", "tu es", "a partir", "de agora", "daqui"],
      re: `\\b(?:voce (?:e|sera) agora|voce agora e|agora voce e|tu es agora|(?:a partir de agora|de agora em diante|daqui para frente),? (?:voce|tu) (?:e|es|sera|seras|vai|vais|deve|deves|agira|responde|respondera|nao))\\b`,
      weight: 0.55,
    },
    {
      triggers: ["finj", "finge", "aja", "age como", "faca de conta", "interprete"],
      re: `\\b(?:finja (?:que (?:e|voce e)|ser)|finge (?:que es|ser)|(?:aja|age) como (?:se fosse|um|uma)|faca de conta que (?:e|voce e)|interprete o papel de)\\b`,
      weight: 0.35,
    },
    {
      triggers: ["voce"],
      re: `\\bvoce (?:nao e mais|deixou de ser) (?:um|uma) (?:ia|assistente|modelo|chatbot|inteligencia artificial)`,
      weight: 0.7,
    },
  ],
  unrestricted: [
    {
      triggers: ["sem", "nenhum"],
      re: `\\b(?:sem|nenhuma?) (?:nenhuma? |quaisquer |qualquer |as |suas )?(?:restricoes|restricao|filtros?|limites|censura|regras eticas|limitacoes)\\b`,
      weight: 0.45,
    },
    {
      triggers: ["modo"],
      re: `\\bmodo (?:de )?(?:desenvolvedor|sem restricoes|deus|dan|livre)\\b`,
      weight: 0.55,
    },
  ],
  reveal: [
    {
      triggers: ["mostr", "revel", "imprim", "repit", "repete", "diga", "diz", "escrev", "qual", "quais"],
      re: `\\b(?:mostre|mostra|revele|revela|imprima|imprime|repita|repete|diga|diz|escreva|qual e|quais sao) (?:me |o |a |as |os |seu |sua |suas |seus |teu |tuas |todo |todas )*(?:prompt|instrucoes|mensagem) (?:do sistema|de sistema|iniciais|originais|ocultas|secretas|completas)\\b`,
      weight: 0.85,
    },
  ],
};

const IT: LangPhrases = {
  lang: "it",
  override: [
    {
      triggers: ["ignor", "dimentic", "trascur", "non seguire", "non segua", "non considerare", "non tenere"],
      re: `\\b(?:ignora|ignori|ignorate|dimentica|dimentichi|dimenticate|trascura|trascuri|non seguire|non segua|non considerare|non tenere conto (?:di|delle)) (?:tutte |tutti |le |gli |i |tue |sue |queste |quelle |qualsiasi |di |delle )*(?:(?:istruzioni|regole|direttive|indicazioni|ordini|comandi|prompt|istruzione) (?:\\S+ ){0,3}?(?:precedenti|di prima|sopra|soprastanti|iniziali|originali|ricevute|date|fornite)|(?:precedenti) (?:istruzioni|regole|direttive|indicazioni))`,
    },
    {
      triggers: ["dimentic", "ignor"],
      re: `\\b(?:dimentica|dimentichi|ignora|ignori) (?:tutto )?(?:quello che|cio che) (?:ti (?:e stato|hanno) detto|ho detto)(?: prima)?\\b`,
      weight: 0.6,
    },
  ],
  role: [
    {
      triggers: ["ora sei", "adesso sei", "sei ora", "d'ora", "da ora", "da adesso"],
      re: `\\b(?:(?:ora|adesso) sei|sei ora|(?:d'ora in poi|da ora in poi|da adesso in poi|da adesso|d'ora in avanti),? (?:sei|sarai|agirai|risponderai|ti comporterai|devi|non))\\b`,
      weight: 0.55,
    },
    {
      triggers: ["fingi", "finga", "fai finta", "comportati", "agisci", "interpreta"],
      re: `\\b(?:fingi di essere|finga di essere|fai finta di essere|comportati come (?:se fossi|un|una)|agisci come (?:se fossi|un|una)|interpreta il ruolo di)\\b`,
      weight: 0.35,
    },
    {
      triggers: ["non sei"],
      re: `\\bnon sei piu (?:un|una|un') ?(?:ia|assistente|modello|chatbot|intelligenza artificiale)`,
      weight: 0.7,
    },
  ],
  unrestricted: [
    {
      triggers: ["senza", "nessun"],
      re: `\\b(?:senza|nessuna?) (?:alcuna? |nessuna? |le |i |tue )?(?:restrizion[ei]|filtr[oi]|limit[ei]|censura|regole etiche|limitazion[ei])\\b`,
      weight: 0.45,
    },
    {
      triggers: ["modalita"],
      re: `\\bmodalita (?:sviluppatore|senza restrizioni|dio|dan|libera)\\b`,
      weight: 0.55,
    },
  ],
  reveal: [
    {
      triggers: ["mostra", "rivela", "stampa", "ripeti", "dimmi", "scrivi", "qual e", "quali sono"],
      re: `\\b(?:mostra|mostrami|rivela|rivelami|stampa|ripeti|dimmi|scrivi|qual e|quali sono) (?:il |la |le |i |tuo |tua |tue |tuoi |tutte |tutto |mi )*(?:prompt|istruzioni|messaggio) (?:di sistema|del sistema|iniziali|originali|nascoste|segrete|complete)\\b`,
      weight: 0.85,
    },
  ],
};

function rulesFor(p: LangPhrases): Rule[] {
  const out: Rule[] = [];
  p.override.forEach((o, i) =>
    out.push({
      id: `override.${i}.${p.lang}`,
      family: "override",
      lang: p.lang,
      weight: o.weight ?? 0.9,
      triggers: o.triggers,
      re: latin(o.re),
    }),
  );
  p.role.forEach((o, i) =>
    out.push({
      id: `role.${i}.${p.lang}`,
      family: "role",
      lang: p.lang,
      weight: o.weight,
      triggers: o.triggers,
      re: latin(o.re),
    }),
  );
  p.unrestricted.forEach((o, i) =>
    out.push({
      id: `unrestricted.${i}.${p.lang}`,
      family: "unrestricted",
      lang: p.lang,
      weight: o.weight,
      triggers: o.triggers,
      re: latin(o.re),
    }),
  );
  p.reveal.forEach((o, i) =>
    out.push({
      id: `reveal.${i}.${p.lang}`,
      family: "reveal",
      lang: p.lang,
      weight: o.weight,
      triggers: o.triggers,
      re: latin(o.re),
    }),
  );
  return out;
}

export const ROMANCE_GERMANIC_RULES: Rule[] = [ES, FR, DE, PT, IT].flatMap(rulesFor);
