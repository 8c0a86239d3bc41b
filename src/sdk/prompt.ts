import type { DataClass } from "../policy/classes.js";
import type { Engine } from "../enforce/engine.js";
import { closeMarker, isFieldName, isSource, markValue, openMarker, UNTRUSTED_NOTICE } from "./marking.js";
import { resolveEngine, type PolicySource } from "./policy.js";

const FIELD = Symbol("policygate.field");

/** A value with the column it came from, so the data dictionary classifies it by where it came from. */
export interface Field {
  readonly [FIELD]: true;
  readonly source: string;
  readonly value: string;
}

/**
 * Tags a value with its provenance (`database.table.column`, or `table.column` when unambiguous).
 * The data dictionary then classifies it even when no detector could: a customer's name from
 * `production.customers.name` is Confidential although it looks like any other words.
 *
 * @example
 * field("production.customers.email", customer.email)
 */
export function field(source: string, value: string | number | boolean): Field {
  if (!isSource(source))
    throw new TypeError(
      `field(): "${source.slice(0, 80)}" is not a column name; use database.table.column (or table.column) as in the data dictionary`,
    );
  return { [FIELD]: true, source, value: String(value) };
}

function isField(v: unknown): v is Field {
  return typeof v === "object" && v !== null && (v as Field)[FIELD] === true;
}

export interface PromptSpec {
  /** Your instructions: the system role, the only layer the model is told to obey. */
  instructions: string;
  /** The data to work on, by name: plain values, or field(source, value) for values with provenance. */
  data: Record<string, string | number | boolean | Field>;
  /**
   * The policy to classify fields with before the prompt is built (needed for `exclude` and
   * `minimise`). Without it the guard still classifies every field when the call is made.
   */
  policy?: PolicySource;
  environment?: string;
  /** Fields whose dictionary class is listed are left out of the prompt entirely. */
  exclude?: DataClass[];
  /** Fields whose dictionary class is listed are sent as a placeholder naming the class, not the value. */
  minimise?: DataClass[];
}

export interface PromptField {
  name: string;
  source?: string;
  /** The dictionary's class for the source (when a policy was given and the column is listed). */
  class?: DataClass;
  treatment: "sent" | "minimised" | "excluded";
}

type TextBlock = { type: "text"; text: string };

/** A prompt with instructions and data kept apart, ready for each SDK's request shape. */
export interface Prompt {
  /** The system text: your instructions and the notice about untrusted markers. */
  readonly system: string;
  /** The user-role texts, in order: for each field an opening marker, the value, a closing marker. */
  readonly parts: readonly string[];
  readonly fields: readonly PromptField[];
  /** OpenAI Chat Completions: `messages`. */
  readonly openai: {
    messages: [{ role: "system"; content: string }, { role: "user"; content: TextBlock[] }];
  };
  /** OpenAI Responses: `instructions` and `input`. */
  readonly responses: {
    instructions: string;
    input: [{ role: "user"; content: { type: "input_text"; text: string }[] }];
  };
  /** Anthropic Messages: `system` and `messages`. */
  readonly anthropic: { system: string; messages: [{ role: "user"; content: TextBlock[] }] };
}

/**
 * Builds a prompt whose instructions go to the system role and whose data goes to the user role,
 * each field delimited and marked as untrusted, never concatenated into the instructions (the
 * first defence against prompt injection).
 *
 * @example
 * const p = prompt({
 *   instructions: "Summarise the ticket in two sentences.",
 *   data: { ticket: ticket.body, email: field("production.customers.email", customer.email) },
 * });
 * await openai.chat.completions.create({ model: "gpt-4o-mini", messages: p.openai.messages });
 * await anthropic.messages.create({ model, max_tokens: 300, ...p.anthropic });
 */
export function prompt(spec: PromptSpec): Prompt {
  if (typeof spec?.instructions !== "string" || !spec.instructions.trim())
    throw new TypeError("prompt(): instructions must be a non-empty string");
  if (typeof spec.data !== "object" || spec.data === null)
    throw new TypeError("prompt(): data must be an object of named values");
  const byClass = (spec.exclude?.length ?? 0) + (spec.minimise?.length ?? 0) > 0;
  if (byClass && !spec.policy)
    throw new TypeError("prompt(): exclude and minimise need the policy (pass policy: 'policygate.yaml')");
  const engine: Engine | null = spec.policy ? resolveEngine(spec.policy, spec.environment) : null;

  const parts: string[] = [];
  const fields: PromptField[] = [];
  for (const [name, raw] of Object.entries(spec.data)) {
    if (!isFieldName(name))
      throw new TypeError(
        `prompt(): data field names are letters, digits, '_', '.', '-' (got "${name.slice(0, 40)}")`,
      );
    const f = isField(raw) ? raw : null;
    const value = f ? f.value : String(raw);
    const cls = f && engine ? engine.classify(f.source)?.class : undefined;
    const info: PromptField = { name, treatment: "sent" };
    if (f) info.source = f.source;
    if (cls) info.class = cls;
    fields.push(info);
    if (cls && spec.exclude?.includes(cls)) {
      info.treatment = "excluded";
      continue;
    }
    if (cls && spec.minimise?.includes(cls)) {
      info.treatment = "minimised";
      parts.push(openMarker(name), `[withheld: ${cls}]`, closeMarker());
      continue;
    }
    parts.push(openMarker(name, f?.source), markValue(value) || "(empty)", closeMarker());
  }
  if (!parts.length) parts.push(openMarker("none"), "(no data)", closeMarker());

  const system = `${spec.instructions.trim()}\n\n${UNTRUSTED_NOTICE}`;
  const text = (): TextBlock[] => parts.map((t) => ({ type: "text", text: t }));
  return {
    system,
    parts,
    fields,
    openai: {
      messages: [
        { role: "system", content: system },
        { role: "user", content: text() },
      ],
    },
    responses: {
      instructions: system,
      input: [{ role: "user", content: parts.map((t) => ({ type: "input_text", text: t })) }],
    },
    anthropic: { system, messages: [{ role: "user", content: text() }] },
  };
}
