import type { Direction, Finding } from "../detect/types.js";
import { classRank, type DataClass } from "../policy/classes.js";
import type { Action, Mode } from "../policy/schema.js";
import type { Engine } from "./engine.js";
import { PlaceholderAllocator, redactText, type RedactionSpan } from "./redact.js";

/** One piece of text a call carries: a system prompt, a message, a tool result, a field. */
export interface Part {
  text: string;
  /** Where it sits in the call, for reports: "messages[2].content[0].text". */
  path?: string;
  role?: string;
  /** database.table.column the value came from; the data dictionary then classifies it. */
  provenance?: string;
}

/** A finding located in one part of the call. */
export interface PartFinding extends Finding {
  part: number;
}

/** Which policy rule acted, what it did, and what the developer should do about it. */
export interface RuleHit {
  /** Policy path of the rule: "classes.restricted", "detectors.custom.acme-id", "output.on_leak". */
  rule: string;
  action: Action;
  mode: Mode;
  class?: DataClass;
  detectors: string[];
  count: number;
  /** One sentence that names the rule and says what to do. Never contains a matched value. */
  message: string;
}

export interface Decision {
  direction: Direction;
  /** What happens: in audit mode a rule only records what it would have done. */
  action: Action;
  /** What the policy would do if every rule were enforced. Differs from `action` only under audit. */
  enforcedAction: Action;
  findings: PartFinding[];
  /** The parts' texts after redaction; null when the call is blocked. */
  texts: string[] | null;
  rules: RuleHit[];
  /** The most sensitive class found ("public" when nothing was found). */
  highestClass: DataClass;
  restrictedDetected: boolean;
  /** Classes of data that still go out after the decision (findings let through), most sensitive last. */
  classesSent: DataClass[];
  /** Findings per detector id. */
  counts: Record<string, number>;
}

const ACTION_RANK: Record<Action, number> = { allow: 0, redact: 1, block: 2 };
const stronger = (a: Action, b: Action): Action => (ACTION_RANK[a] >= ACTION_RANK[b] ? a : b);

/** The pseudo-detector for values classified by where they came from. */
export const DICTIONARY_DETECTOR = "data-dictionary";

export interface Judged {
  finding: PartFinding;
  rule: string;
  action: Action;
  mode: Mode;
}

/**
 * The decision for text going to a model: Restricted blocks, Confidential is redacted,
 * Internal and Public pass, unless the policy says otherwise. Pure: no I/O, no clock.
 */
export function decideInput(engine: Engine, parts: readonly Part[], alloc?: PlaceholderAllocator): Decision {
  const judged: Judged[] = [];
  parts.forEach((part, i) => {
    for (const f of engine.scan(part.text, "input")) judged.push(judgeByClass(engine, { ...f, part: i }));
    if (part.provenance && part.text.length) {
      const entry = engine.classify(part.provenance);
      if (entry) {
        const column = part.provenance.split(".").pop()!;
        const finding: PartFinding = {
          detector: DICTIONARY_DETECTOR,
          kind: column.toLowerCase(),
          class: entry.class,
          start: 0,
          end: part.text.length,
          confidence: 1,
          part: i,
        };
        const rule = engine.policy.classes[entry.class];
        judged.push({
          finding,
          rule: `data_dictionary.columns["${part.provenance}"]`,
          action: rule.action,
          mode: engine.policy.mode === "audit" ? "audit" : (rule.mode ?? "enforce"),
        });
      }
    }
  });
  return conclude(engine, "input", parts, judged, alloc);
}

/**
 * The decision for a model's answer: findings of a leak class (and internal hosts) are redacted or
 * the answer rejected, as `output.on_leak` says; other findings pass.
 */
export function decideOutput(engine: Engine, parts: readonly Part[], alloc?: PlaceholderAllocator): Decision {
  const judged: Judged[] = [];
  parts.forEach((part, i) => {
    for (const f of engine.scan(part.text, "output")) judged.push(judgeOutput(engine, { ...f, part: i }));
  });
  return conclude(engine, "output", parts, judged, alloc);
}

/** How the output rules treat one finding in a model's answer. */
export function judgeOutput(engine: Engine, finding: PartFinding): Judged {
  const out = engine.policy.output;
  const mode: Mode = engine.policy.mode === "audit" ? "audit" : (out.mode ?? "enforce");
  if (finding.kind === "internal_url")
    return { finding, rule: "output.internal_hosts", action: out.on_leak, mode };
  if (out.leak_classes.includes(finding.class))
    return { finding, rule: "output.leak_classes", action: out.on_leak, mode };
  return { finding, rule: "output.leak_classes", action: "allow", mode };
}

/** Decides a single text in either direction. */
export function decideText(engine: Engine, text: string, direction: Direction = "input"): Decision {
  return direction === "input" ? decideInput(engine, [{ text }]) : decideOutput(engine, [{ text }]);
}

function judgeByClass(engine: Engine, finding: PartFinding): Judged {
  const r = engine.ruleFor(finding.detector);
  const classRule = engine.policy.classes[finding.class];
  // A detector rule (builtin override or custom rule) names the detector; the class rule decides the action.
  const rule = r.overridden ? r.rule : `classes.${finding.class}`;
  return { finding, rule, action: classRule.action, mode: r.mode };
}

export function conclude(
  engine: Engine,
  direction: Direction,
  parts: readonly Part[],
  judged: Judged[],
  alloc = new PlaceholderAllocator(parts.map((p) => p.text)),
): Decision {
  let action: Action = "allow";
  let enforcedAction: Action = "allow";
  let highestClass: DataClass = "public";
  const counts: Record<string, number> = {};
  const hits = new Map<string, RuleHit>();
  for (const j of judged) {
    const f = j.finding;
    counts[f.detector] = (counts[f.detector] ?? 0) + 1;
    if (classRank(f.class) > classRank(highestClass)) highestClass = f.class;
    enforcedAction = stronger(enforcedAction, j.action);
    if (j.mode === "enforce") action = stronger(action, j.action);
    if (j.action === "allow") continue;
    const key = `${j.rule}\u0000${j.action}\u0000${j.mode}`;
    const hit = hits.get(key);
    if (hit) {
      hit.count++;
      if (!hit.detectors.includes(f.detector)) hit.detectors.push(f.detector);
    } else {
      hits.set(key, {
        rule: j.rule,
        action: j.action,
        mode: j.mode,
        class: f.class,
        detectors: [f.detector],
        count: 1,
        message: "",
      });
    }
  }
  const rules = [...hits.values()].sort((a, b) => ACTION_RANK[b.action] - ACTION_RANK[a.action]);
  for (const r of rules) r.message = explain(engine, direction, r);

  let texts: string[] | null = null;
  if (action !== "block") {
    texts = parts.map((p, i) => {
      const spans: RedactionSpan[] = judged
        .filter((j) => j.finding.part === i && j.mode === "enforce" && j.action === "redact")
        .map((j) => j.finding);
      return redactText(p.text, spans, alloc);
    });
  }
  const sent = new Set<DataClass>();
  if (action !== "block") {
    for (const j of judged) if (j.mode === "audit" || j.action === "allow") sent.add(j.finding.class);
  }
  return {
    direction,
    action,
    enforcedAction,
    classesSent: [...sent].sort((a, b) => classRank(a) - classRank(b)),
    findings: judged.map((j) => j.finding),
    texts,
    rules,
    highestClass,
    restrictedDetected: judged.some((j) => j.finding.class === "restricted"),
    counts,
  };
}

/** The sentence a developer reads when a rule acts: what was found, which rule, what to do. */
function explain(engine: Engine, direction: Direction, r: RuleHit): string {
  const what = `${r.count} finding${r.count === 1 ? "" : "s"} (${r.detectors.join(", ")})`;
  const audit = r.mode === "audit" ? " [audit mode: recorded only, the call went through]" : "";
  if (direction === "output") {
    const verb = r.action === "block" ? "the answer was withheld" : "the leaked values were redacted";
    return `${r.rule}: the model's answer contained ${r.rule === "output.internal_hosts" ? "internal hosts or URLs" : `${r.class} data`}: ${what}; ${verb}. Check the prompt for data the model should not repeat, or narrow output.leak_classes in the policy if this is expected.${audit}`;
  }
  if (r.action === "block") {
    const cls = r.class ?? "restricted";
    const contact = engine.policy.organisation.contacts.security?.email;
    return `${r.rule}: ${cls} data may not be sent to a model: ${what}. Remove it from the prompt (send a reference or a redacted value instead)${r.rule.startsWith("data_dictionary") ? ", or reclassify the column in the data dictionary" : ", or add a documented test value to detectors.allowlist if it is not real"}${contact ? `; questions: ${contact}` : ""}.${audit}`;
  }
  return `${r.rule}: ${r.class} data was replaced with placeholders before the call: ${what}. Nothing to do unless the model needs the values; if so, ask for an approved exception in the policy.${audit}`;
}
