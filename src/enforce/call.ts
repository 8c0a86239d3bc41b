import type { AuditEvent } from "../audit/event.js";
import {
  replaceTexts,
  type StreamRewriter,
  type StreamTextGuard,
  type Usage,
  type WireAdapter,
} from "../providers/adapter.js";
import { WireError, type Endpoint, type ParsedRequest } from "../providers/types.js";
import { checkAccess, checkClassLimit } from "./access.js";
import {
  applyInjectionAction,
  checkAnswerContainment,
  checkInstructions,
  containInput,
  containmentOf,
  rememberContainment,
} from "./containment.js";
import { decideInput, decideOutput, type Decision } from "./decide.js";
import type { Engine } from "./engine.js";
import { PlaceholderAllocator } from "./redact.js";
import { restoreSessionOf, restoreText, RestoringGuard, type RestoreSession } from "./restore.js";
import { commitRestore, planRestore, seedRestore } from "./restore-call.js";
import type { ConversationVault } from "./restore-vault.js";
import { OutputStreamGuard } from "./stream.js";
import { PolicyViolation } from "./violation.js";

/**
 * One LLM call's enforcement, independent of how the call travels: the gateway (HTTP) and the SDK
 * guard (in process) both run these steps, so a call means the same thing, is refused with the
 * same words and leaves the same audit event either way. Pure apart from the clock the caller
 * passes in; the network and the store are the caller's.
 */
export interface CallScope {
  engine: Engine;
  adapter: WireAdapter;
  endpoint: Endpoint;
  integration: string | null;
  /** The caller's conversation id, so placeholders stay the same across turns (integrations with restore). */
  conversation?: string | null;
  /** Who is calling (a gateway key id): a conversation's mapping is only ever opened for the same caller. */
  caller?: string | null;
  /** Where conversations' placeholder mappings are kept; default: the process's encrypted in-memory vault. */
  vault?: ConversationVault;
}

/** Optional inputs to prepareCall that only some callers have. */
export interface PrepareOptions {
  /**
   * Per-part scores (0..1, index = parsed.parts index) from a model-based injection classifier,
   * computed by the caller (it may be async); the integration's injection action treats a part at
   * or above its threshold like a heuristic finding. See scoreParts in classify.ts.
   */
  classifierScores?: readonly (number | undefined)[];
}

/** What the audit event needs, filled in as the call goes. */
export interface CallTrace {
  t0: number;
  provider: string | null;
  model: string | null;
  user: string | null;
  stream: boolean;
  input: Decision | null;
  output: Decision | null;
  upstreamMs: number | null;
  usage: Usage | null;
}

export function newTrace(t0: number): CallTrace {
  return {
    t0,
    provider: null,
    model: null,
    user: null,
    stream: false,
    input: null,
    output: null,
    upstreamMs: null,
    usage: null,
  };
}

/** The request in the wire's terms; a body the endpoint does not take is a 400 naming the problem. */
export function parseCall(
  scope: CallScope,
  body: unknown,
  params: Record<string, string>,
  trace: CallTrace,
): ParsedRequest {
  let parsed: ParsedRequest;
  try {
    parsed = scope.adapter.parseRequest(scope.endpoint, body, params);
  } catch (e) {
    if (e instanceof WireError) throw new PolicyViolation(e.status, "invalid_request", e.message);
    throw e;
  }
  trace.model = parsed.model || null;
  trace.stream = parsed.stream;
  trace.user ??= parsed.user ?? null;
  return parsed;
}

export interface PreparedCall {
  decision: Decision;
  /** The body to send to the provider: the original, or with redacted texts written back. */
  body: unknown;
  /** Placeholders handed out for this call; the answer's checks continue its numbering. */
  alloc: PlaceholderAllocator;
  /** Set when the integration restores: the placeholders the answer gets its original values back for. */
  restore?: RestoreSession;
}

/**
 * Everything that happens before the provider sees the call: access (provider, environment,
 * integration, model), unscannable content, the input decision (block, redact), and the class
 * limits of what would still go out. Throws PolicyViolation for every refusal; a failure of the
 * engine itself is a refusal too unless the policy says on_engine_error: allow.
 */
export function prepareCall(
  scope: CallScope,
  provider: string,
  parsed: ParsedRequest,
  body: unknown,
  trace: CallTrace,
  options: PrepareOptions = {},
): PreparedCall {
  const { engine } = scope;
  trace.provider = provider;
  const denial = checkAccess(engine, {
    provider,
    integration: scope.integration,
    model: parsed.model || undefined,
  });
  if (denial) throw new PolicyViolation(denial.status, "access_denied", denial.message, [denial.rule]);
  // The pinned instruction layer: a call that rewrites the system prompt is refused before any scan.
  const pinned = checkInstructions(engine, scope.integration, parsed.parts);

  if (parsed.unscannable.length && engine.policy.input.unscannable_parts === "block") {
    const types = [...new Set(parsed.unscannable.map((u) => u.type))].join(", ");
    throw new PolicyViolation(
      403,
      "unscannable_content",
      `input.unscannable_parts: this call carries content the policy cannot inspect (${types}), and the policy blocks it. Send text only, or set input.unscannable_parts: allow if the policy owner approves.`,
      ["input.unscannable_parts"],
    );
  }

  const restorePlan = planRestore(scope);
  const alloc = new PlaceholderAllocator(parsed.parts.map((p) => p.text));
  if (restorePlan) seedRestore(restorePlan, alloc);
  let decision: Decision;
  try {
    decision = decideInput(engine, parsed.parts, alloc);
  } catch {
    if (engine.policy.on_engine_error !== "allow") {
      throw new PolicyViolation(
        500,
        "engine_error",
        "on_engine_error: the policy engine failed while checking this call, so it was not forwarded (fail closed).",
        ["on_engine_error"],
        "error",
      );
    }
    decision = passThroughDecision(parsed);
  }
  trace.input = decision;
  if (pinned) decision.rules.push(pinned);
  applyInjectionAction(engine, scope.integration, parsed.parts, decision, options.classifierScores);
  if (decision.action === "block") {
    const blocking = decision.rules.filter((r) => r.action === "block" && r.mode === "enforce");
    throw new PolicyViolation(
      403,
      "input_blocked",
      blocking.map((r) => r.message).join(" ") || "The policy blocked this call.",
      blocking.map((r) => r.rule),
    );
  }
  const limit = checkClassLimit(engine, { provider, integration: scope.integration }, decision.classesSent);
  if (limit) throw new PolicyViolation(limit.status, "class_not_allowed", limit.message, [limit.rule]);
  // Spotlighting and the canary rewrite what goes out, on top of any redaction; the answer's checks
  // find this call's canary through `alloc`.
  const redacted = decision.action === "redact" ? decision.texts! : parsed.parts.map((p) => p.text);
  const contained = containInput(engine, scope.integration, parsed.parts, redacted);
  rememberContainment(alloc, contained.state);
  if (contained.texts) {
    if (decision.action === "redact") decision.texts = contained.texts;
    else body = replaceTexts(body, parsed.parts, contained.texts);
  }
  const out = decision.action === "redact" ? replaceTexts(body, parsed.parts, decision.texts!) : body;
  if (restorePlan) return { decision, body: out, alloc, restore: commitRestore(restorePlan, alloc) };
  return { decision, body: out, alloc };
}

/** Checks a whole (non-streamed) answer; returns it with leaks redacted, or throws when withheld. */
export function checkAnswer(
  scope: CallScope,
  json: unknown,
  alloc: PlaceholderAllocator,
  trace: CallTrace,
): unknown {
  const parts = scope.adapter.parseResponse(scope.endpoint, json);
  const out = decideOutput(scope.engine, parts, alloc);
  trace.output = out;
  trace.usage = scope.adapter.usage(scope.endpoint, json);
  if (out.action !== "block") {
    // Canary leaks and answers of the wrong shape are refused; exfiltration links are removed
    // (which makes the output decision a redact).
    const texts = out.texts ?? parts.map((p) => p.text);
    const contained = checkAnswerContainment(
      scope.engine,
      containmentOf(alloc),
      scope.integration,
      parts,
      texts,
      out,
    );
    if (contained) out.texts = contained;
  }
  if (out.action === "block") {
    const blocking = out.rules.filter((r) => r.action === "block" && r.mode === "enforce");
    throw new PolicyViolation(
      403,
      "output_blocked",
      blocking.map((r) => r.message).join(" "),
      blocking.map((r) => r.rule),
    );
  }
  // Restored after the output scan: the scan judged the model's own text, never the caller's values.
  // One rewrite of the answer carries both the redactions and the restored values.
  const session = restoreSessionOf(alloc);
  const restoring = session !== undefined && session.map.size > 0;
  if (out.action !== "redact" && !restoring) return json;
  const texts = out.texts ?? parts.map((p) => p.text);
  return replaceTexts(json, parts, restoring ? texts.map((t) => restoreText(t, session.map)) : texts);
}

/** The guard and rewriter a streamed answer flows through, and what to record when it ends. */
export interface StreamCheck {
  guard: OutputStreamGuard;
  /** What text goes through when there is no wire to rewrite: the guard, restoring if the call redacted reversibly. */
  text: StreamTextGuard;
  rewriter: StreamRewriter;
  /** Fills the trace from what was seen; returns the refusal if the guard withheld the rest. */
  finish(trace: CallTrace): PolicyViolation | null;
}

export function checkStream(scope: CallScope, alloc: PlaceholderAllocator): StreamCheck {
  const guard = new OutputStreamGuard(scope.engine, alloc);
  const session = restoreSessionOf(alloc);
  const text = session?.map.size ? new RestoringGuard(guard, session) : guard;
  const rewriter = scope.adapter.streamRewriter(scope.endpoint, text);
  return {
    guard,
    text,
    rewriter,
    finish(trace) {
      trace.output = guard.decision();
      trace.usage = rewriter.usage();
      const hit = guard.blocked;
      if (!hit) return null;
      return new PolicyViolation(
        403,
        "output_blocked",
        hit.message || "The policy withheld the rest of this answer.",
        [hit.rule],
      );
    },
  };
}

export interface EventMeta {
  id: string;
  requestId: string;
  source: AuditEvent["source"];
  status: AuditEvent["status"];
  httpStatus: number;
  error: PolicyViolation | null;
  /** When the call ended (same clock as trace.t0). */
  now: number;
}

/** The call's one audit event: decisions, classes, rule ids and counts; never a value. */
export function auditEvent(scope: CallScope, trace: CallTrace, meta: EventMeta): AuditEvent {
  const total = meta.now - trace.t0;
  const input = trace.input;
  const output = trace.output;
  const err = meta.error;
  const rules = (d: Decision | null) => [...new Set(d?.rules.map((r) => r.rule) ?? [])];
  // Nothing left for the provider when the call was refused before it was sent.
  const sent = err && trace.upstreamMs === null ? [] : (input?.classesSent ?? []);
  return {
    id: meta.id,
    ts: new Date(trace.t0).toISOString(),
    request_id: meta.requestId,
    policy_revision: scope.engine.revision,
    source: meta.source,
    environment: scope.engine.environment,
    integration: scope.integration,
    user: trace.user,
    provider: trace.provider,
    model: trace.model,
    endpoint: scope.endpoint,
    stream: trace.stream,
    input: {
      decision: input ? input.action : err ? "block" : "allow",
      enforced_decision: input?.enforcedAction ?? (err ? "block" : "allow"),
      highest_class: input?.highestClass ?? "public",
      restricted_detected: input?.restrictedDetected ?? false,
      findings: input?.counts ?? {},
      classes_sent: sent,
      rules: [...new Set([...rules(input), ...(err && err.code !== "output_blocked" ? err.rules : [])])],
    },
    output: output
      ? {
          decision: output.action,
          enforced_decision: output.enforcedAction,
          findings: output.counts,
          rules: rules(output),
        }
      : null,
    status: meta.status,
    http_status: meta.httpStatus,
    error: err ? { code: err.code, message: err.message } : null,
    latency_ms: { total, upstream: trace.upstreamMs, gateway: Math.max(0, total - (trace.upstreamMs ?? 0)) },
    tokens: trace.usage,
  };
}

function passThroughDecision(parsed: ParsedRequest): Decision {
  return {
    direction: "input",
    action: "allow",
    enforcedAction: "allow",
    findings: [],
    texts: parsed.parts.map((p) => p.text),
    rules: [
      {
        rule: "on_engine_error",
        action: "allow",
        mode: "enforce",
        detectors: [],
        count: 1,
        message:
          "on_engine_error: the engine failed; the call was forwarded unscanned, as the policy allows.",
      },
    ],
    highestClass: "public",
    restrictedDetected: false,
    classesSent: [],
    counts: {},
  };
}
