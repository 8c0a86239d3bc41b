import {
  checkStream,
  newTrace,
  prepareCall,
  type CallScope,
  type CallTrace,
  type StreamCheck,
} from "../enforce/call.js";
import type { Part } from "../enforce/decide.js";
import { PlaceholderAllocator } from "../enforce/redact.js";
import { PolicyViolation } from "../enforce/violation.js";
import type { DataClass } from "../policy/classes.js";
import type { Action } from "../policy/schema.js";
import { openaiAdapter } from "../providers/openai.js";
import type { CallPart, ParsedRequest } from "../providers/types.js";
import { auditUnavailable } from "./audit.js";
import { createContext, recordCall, type GuardContext, type GuardOptions } from "./context.js";
import type { Prompt } from "./prompt.js";
import { applyProvenance } from "./provenance.js";

/** A call made with some other client: its texts (or a prompt()), and the model if known. */
export interface PlainCall {
  model?: string;
  /** Texts, parts (`{ text, provenance? }`), or a prompt() whose system text and parts are checked. */
  parts: readonly (string | Part)[] | Prompt;
}

/** What may be sent, after the policy: the texts in the order given, redacted where needed. */
export interface InputResult {
  /** For a prompt(): its system text first, then its parts. */
  texts: string[];
  provider: string;
  action: Action;
  highestClass: DataClass;
  /** Classes of the data that goes out (what the audit event records). */
  classesSent: DataClass[];
  /** The rules that acted, with what to do; never a value. */
  rules: { rule: string; message: string }[];
  /** Pass to enforceOutput so its placeholders continue this call's numbering. */
  readonly allocator: PlaceholderAllocator;
}

const STREAM_CHANNEL = "text";

function isPrompt(p: PlainCall["parts"]): p is Prompt {
  return !Array.isArray(p) && typeof (p as Prompt).system === "string";
}

function scopeOf(ctx: GuardContext): CallScope {
  // The plain functions have no wire; the adapter is never asked to parse anything here.
  return {
    engine: ctx.engine,
    adapter: openaiAdapter,
    endpoint: "openai.chat",
    integration: ctx.integration,
    conversation: ctx.conversation,
    caller: "sdk",
  };
}

/**
 * Checks what you are about to send with a client the guard does not wrap: the provider is approved
 * for this integration and environment, Restricted data throws PolicyViolation, Confidential data
 * comes back redacted. Writes one audit event (source "sdk").
 *
 * @example
 * const checked = await enforceInput({ parts: [userText] }, { policy: "policygate.yaml", integration: "support-bot" });
 * await myClient.send(checked.texts[0]);
 */
export async function enforceInput(call: PlainCall, options: GuardOptions): Promise<InputResult> {
  const ctx = createContext(options, null, false);
  const scope = scopeOf(ctx);
  const trace = newTrace(ctx.now());
  trace.user = ctx.user;
  trace.model = call.model ?? null;
  const given: Part[] = isPrompt(call.parts)
    ? [
        { text: call.parts.system, role: "system" },
        ...call.parts.parts.map((text) => ({ text, role: "user" })),
      ]
    : (call.parts ?? []).map((p) => (typeof p === "string" ? { text: p } : p));
  const parts: CallPart[] = given.map((p, i) => {
    if (typeof p?.text !== "string") throw new TypeError(`enforceInput(): part ${i} has no text`);
    return { ...p, at: [i, "text"], source: p.role === "system" ? "system" : "message" };
  });
  applyProvenance(parts);
  const body = parts.map((p) => ({ text: p.text }));
  const parsed: ParsedRequest = {
    endpoint: "openai.chat",
    model: call.model ?? "",
    stream: false,
    parts,
    unscannable: [],
  };
  try {
    const prepared = prepareCall(scope, ctx.provider, parsed, body, trace);
    trace.upstreamMs = 0;
    await recordCall(ctx, scope, trace, null, null);
    const d = prepared.decision;
    return {
      texts: (prepared.body as { text: string }[]).map((b) => b.text),
      provider: ctx.provider,
      action: d.action,
      highestClass: d.highestClass,
      classesSent: d.classesSent,
      rules: d.rules.map((r) => ({ rule: r.rule, message: r.message })),
      allocator: prepared.alloc,
    };
  } catch (e) {
    if (!(e instanceof PolicyViolation)) throw e;
    await recordOrRefuse(ctx, scope, trace, e);
    throw e;
  }
}

export interface OutputOptions extends GuardOptions {
  /** The input check of the same call, so placeholders continue its numbering. */
  input?: InputResult;
}

/**
 * Checks a model's answer from a client the guard does not wrap: leaks are redacted (or the answer
 * withheld, as output.on_leak says). A string resolves to the checked string; a stream of text
 * chunks becomes a stream of released text, held back by the same window as the gateway, which
 * throws PolicyViolation if the policy withholds the rest. Writes one audit event (source "sdk").
 *
 * @example
 * const safe = await enforceOutput(answerText, { policy: "policygate.yaml", integration: "support-bot" });
 * for await (const piece of enforceOutput(textChunks, opts)) process.stdout.write(piece);
 */
export function enforceOutput(text: string, options: OutputOptions): Promise<string>;
export function enforceOutput(stream: AsyncIterable<string>, options: OutputOptions): AsyncIterable<string>;
export function enforceOutput(
  answer: string | AsyncIterable<string>,
  options: OutputOptions,
): Promise<string> | AsyncIterable<string> {
  const ctx = createContext(options, null, false);
  const scope = scopeOf(ctx);
  const alloc = options.input?.allocator ?? new PlaceholderAllocator([]);
  if (typeof answer === "string") {
    return (async () => {
      const trace = newTrace(ctx.now());
      trace.user = ctx.user;
      trace.provider = ctx.provider;
      const check = checkStream(scope, alloc);
      const out = check.text.push(STREAM_CHANNEL, answer) + check.text.end(STREAM_CHANNEL);
      await endOutput(ctx, scope, trace, check);
      return out;
    })();
  }
  return outputStream(ctx, scope, alloc, answer);
}

async function* outputStream(
  ctx: GuardContext,
  scope: CallScope,
  alloc: PlaceholderAllocator,
  source: AsyncIterable<string>,
): AsyncIterable<string> {
  const trace = newTrace(ctx.now());
  trace.user = ctx.user;
  trace.provider = ctx.provider;
  trace.stream = true;
  const check = checkStream(scope, alloc);
  for await (const chunk of source) {
    const out = check.text.push(STREAM_CHANNEL, chunk);
    if (out) yield out;
    if (check.guard.blocked) break;
  }
  if (!check.guard.blocked) {
    const tail = check.text.end(STREAM_CHANNEL);
    if (tail) yield tail;
  }
  await endOutput(ctx, scope, trace, check);
}

async function endOutput(
  ctx: GuardContext,
  scope: CallScope,
  trace: CallTrace,
  check: StreamCheck,
): Promise<void> {
  const withheld = check.finish(trace);
  await recordOrRefuse(ctx, scope, trace, withheld);
  if (withheld) throw withheld;
}

async function recordOrRefuse(
  ctx: GuardContext,
  scope: CallScope,
  trace: CallTrace,
  err: PolicyViolation | null,
): Promise<void> {
  try {
    await recordCall(ctx, scope, trace, err, null);
  } catch {
    throw auditUnavailable();
  }
}
