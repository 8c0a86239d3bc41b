import { LineCounter, parseDocument } from "yaml";
import { z } from "zod";
import { checkAnswer, newTrace, prepareCall, type CallScope } from "../enforce/call.js";
import { decideInput, decideOutput, type Decision } from "../enforce/decide.js";
import { Engine } from "../enforce/engine.js";
import { PolicyViolation } from "../enforce/violation.js";
import { offsetOf, type LoadedPolicy } from "../policy/load.js";
import { adapterFor } from "../providers/index.js";
import type { CallPart, ParsedRequest } from "../providers/types.js";

/**
 * Table-driven policy tests in the manner of `opa test`: each case is a request and the decision
 * the policy must reach for it. Cases run through the same call pipeline the gateway and the SDK
 * guard use (src/enforce/call.ts), so a passing test means the gateway decides the same way.
 */

const DECISIONS = ["allow", "redact", "block"] as const;
const Decision = z.enum(DECISIONS);

const RequestSchema = z
  .strictObject({
    environment: z.string().optional(),
    integration: z.string().optional(),
    provider: z
      .string()
      .optional()
      .describe("When absent, only the content rules are tested (no provider, environment or class limit)."),
    model: z.string().optional(),
    direction: z.enum(["input", "output"]).default("input"),
    text: z.string().optional(),
    fields: z
      .record(z.string(), z.string())
      .optional()
      .describe("database.table.column -> value; the data dictionary classifies them."),
  })
  .refine((r) => (r.text === undefined) !== (r.fields === undefined), {
    message: 'a request has either "text" or "fields"',
  })
  .refine((r) => !(r.direction === "output" && r.fields !== undefined), {
    message: '"fields" are for input; an answer (direction: output) is "text"',
  });

const ExpectSchema = z.strictObject({
  decision: Decision,
  /** What the policy would do with every rule enforced; differs from `decision` under audit mode. */
  enforced_decision: Decision.optional(),
  rules: z.array(z.string()).optional().describe("The rule ids involved, as a set; [] means none."),
  detectors: z.array(z.string()).optional().describe("Detector ids that found something, as a set."),
  code: z.string().optional().describe("Refusal code: access_denied, input_blocked, class_not_allowed, …"),
  text: z.string().optional().describe("The text the provider (or the caller, for output) would receive."),
});

const CaseSchema = z.strictObject({
  name: z.string().min(1),
  request: RequestSchema,
  expect: ExpectSchema,
});

const FileSchema = z.strictObject({
  policy: z.string().optional().describe("Policy file, relative to this test file."),
  environment: z.string().optional().describe("Default environment for cases that name none."),
  cases: z.array(CaseSchema).default([]),
});

export type TestCase = z.infer<typeof CaseSchema> & { line: number };
export interface TestFile {
  policy?: string;
  environment?: string;
  cases: TestCase[];
}

export interface TestFileError {
  line: number;
  column: number;
  path: string;
  message: string;
}

export type ParseTestResult = { ok: true; value: TestFile } | { ok: false; errors: TestFileError[] };

/** Parses a test file; every problem is reported with its line, none thrown. */
export function parseTestFile(text: string): ParseTestResult {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: true, prettyErrors: false });
  const pos = (offset: number) => {
    const p = lc.linePos(offset);
    return { line: p.line, column: p.col };
  };
  if (doc.errors.length) {
    return {
      ok: false,
      errors: doc.errors.map((e) => ({
        ...pos(e.pos[0]),
        path: "",
        message: `YAML: ${e.message.split("\n")[0]}`,
      })),
    };
  }
  const raw = (doc.toJS({ maxAliasCount: 100 }) as unknown) ?? {};
  const parsed = FileSchema.safeParse(raw);
  if (!parsed.success) {
    return {
      ok: false,
      errors: parsed.error.issues.map((i) => ({
        ...pos(offsetOf(doc, i.path, false, 0)),
        path: i.path.map(String).join("."),
        message: i.message,
      })),
    };
  }
  const cases = parsed.data.cases.map((c, i) => ({
    ...c,
    line: pos(offsetOf(doc, ["cases", i], false, 0)).line,
  }));
  const seen = new Set<string>();
  const errors: TestFileError[] = [];
  cases.forEach((c, i) => {
    if (seen.has(c.name)) {
      errors.push({
        ...pos(offsetOf(doc, ["cases", i, "name"], false, 0)),
        path: `cases.${i}.name`,
        message: `duplicate case name "${c.name}"`,
      });
    }
    seen.add(c.name);
  });
  if (errors.length) return { ok: false, errors };
  return { ok: true, value: { policy: parsed.data.policy, environment: parsed.data.environment, cases } };
}

/** What the policy did with a case's request. */
export interface Outcome {
  decision: (typeof DECISIONS)[number];
  enforced_decision: (typeof DECISIONS)[number];
  rules: string[];
  detectors: string[];
  code: string | null;
  text: string | null;
}

export interface CaseResult {
  name: string;
  line: number;
  pass: boolean;
  /** One entry per expectation that did not hold. */
  diffs: { field: string; expected: unknown; actual: unknown }[];
  /** Set when the request itself could not be run (unknown environment, …). */
  error?: string;
  actual?: Outcome;
}

/** Runs every case against one loaded policy. Engines are built once per environment. */
export function runCases(loaded: LoadedPolicy, file: TestFile): CaseResult[] {
  const engines = new Map<string, Engine>();
  const engineFor = (env: string): Engine => {
    let e = engines.get(env);
    if (!e) {
      e = new Engine(loaded, { environment: env });
      engines.set(env, e);
    }
    return e;
  };
  return file.cases.map((c) => {
    const env = c.request.environment ?? file.environment ?? loaded.policy.environment;
    let actual: Outcome;
    try {
      actual = runRequest(engineFor(env), c.request);
    } catch (e) {
      return { name: c.name, line: c.line, pass: false, diffs: [], error: (e as Error).message };
    }
    const diffs = compare(c.expect, actual);
    return { name: c.name, line: c.line, pass: diffs.length === 0, diffs, actual };
  });
}

/** One request through the call pipeline, as the gateway would run it. */
export function runRequest(engine: Engine, req: z.infer<typeof RequestSchema>): Outcome {
  const scope: CallScope = {
    engine,
    adapter: adapterFor("openai"),
    endpoint: "openai.chat",
    integration: req.integration ?? null,
  };
  const trace = newTrace(0);
  if (req.direction === "output") {
    const answer = { choices: [{ index: 0, message: { role: "assistant", content: req.text ?? "" } }] };
    if (!req.provider) {
      const d = decideOutput(engine, [{ text: req.text ?? "" }]);
      return fromDecision(d, d.texts?.[0] ?? null);
    }
    try {
      const prepared = prepareCall(scope, req.provider, request(req, []), {}, trace);
      const out = checkAnswer(scope, answer, prepared.alloc, trace) as typeof answer;
      return fromDecision(trace.output!, out.choices[0]!.message.content);
    } catch (e) {
      return fromViolation(e, trace.output);
    }
  }
  const parts: CallPart[] = req.fields
    ? Object.entries(req.fields).map(([k, v], i) => ({
        text: v,
        provenance: k,
        path: k,
        at: ["parts", i],
        source: "message",
      }))
    : [{ text: req.text ?? "", path: "text", at: ["parts", 0], source: "message" }];
  const body = { parts: parts.map((p) => p.text) };
  if (!req.provider) {
    // Without a provider there is no access or class-limit step: the content decision alone.
    const d = decideInput(engine, parts);
    return fromDecision(d, joinTexts(req, d.texts));
  }
  try {
    const prepared = prepareCall(scope, req.provider, request(req, parts), body, trace);
    const sent = (prepared.body as { parts: string[] }).parts;
    return fromDecision(prepared.decision, joinTexts(req, sent));
  } catch (e) {
    return fromViolation(e, trace.input);
  }
}

function request(req: z.infer<typeof RequestSchema>, parts: CallPart[]): ParsedRequest {
  return { endpoint: "openai.chat", model: req.model ?? "", stream: false, parts, unscannable: [] };
}

function joinTexts(req: z.infer<typeof RequestSchema>, texts: readonly string[] | null): string | null {
  if (!texts) return null;
  if (!req.fields) return texts[0] ?? "";
  // Fields are shown as "column: value" lines, in the order the case gives them.
  return Object.keys(req.fields)
    .map((k, i) => `${k}: ${texts[i] ?? ""}`)
    .join("\n");
}

function fromDecision(d: Decision, text: string | null): Outcome {
  return {
    decision: d.action,
    enforced_decision: d.enforcedAction,
    rules: uniqueSorted(d.rules.map((r) => r.rule)),
    detectors: uniqueSorted(d.findings.map((f) => f.detector)),
    code: null,
    text: d.action === "block" ? null : text,
  };
}

function fromViolation(e: unknown, d: Decision | null): Outcome {
  if (!(e instanceof PolicyViolation)) throw e;
  return {
    decision: "block",
    enforced_decision: "block",
    rules: uniqueSorted([...(d?.rules.map((r) => r.rule) ?? []), ...e.rules]),
    detectors: uniqueSorted(d?.findings.map((f) => f.detector) ?? []),
    code: e.code,
    text: null,
  };
}

function uniqueSorted(xs: string[]): string[] {
  return [...new Set(xs)].sort();
}

function compare(expect: z.infer<typeof ExpectSchema>, actual: Outcome): CaseResult["diffs"] {
  const diffs: CaseResult["diffs"] = [];
  if (expect.decision !== actual.decision)
    diffs.push({ field: "decision", expected: expect.decision, actual: actual.decision });
  if (expect.enforced_decision && expect.enforced_decision !== actual.enforced_decision)
    diffs.push({
      field: "enforced_decision",
      expected: expect.enforced_decision,
      actual: actual.enforced_decision,
    });
  for (const field of ["rules", "detectors"] as const) {
    const want = expect[field];
    if (want && !sameSet(want, actual[field]))
      diffs.push({ field, expected: uniqueSorted(want), actual: actual[field] });
  }
  if (expect.code !== undefined && expect.code !== actual.code)
    diffs.push({ field: "code", expected: expect.code, actual: actual.code });
  if (expect.text !== undefined && expect.text !== actual.text)
    diffs.push({ field: "text", expected: expect.text, actual: actual.text });
  return diffs;
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const sa = new Set(a);
  const sb = new Set(b);
  return sa.size === sb.size && [...sa].every((x) => sb.has(x));
}
