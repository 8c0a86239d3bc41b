import { isUtf8 } from "node:buffer";
import type { IncomingMessage } from "node:http";
import type { AuditEvent } from "../audit/event.js";
import { globToRegExp } from "../detect/allowlist.js";
import { checkAccess, checkClassLimit } from "../enforce/access.js";
import { decideInput, decideOutput, type Decision } from "../enforce/decide.js";
import type { Engine } from "../enforce/engine.js";
import { PlaceholderAllocator } from "../enforce/redact.js";
import { OutputStreamGuard } from "../enforce/stream.js";
import { replaceTexts, type StreamRewriter, type Usage, type WireAdapter } from "../providers/adapter.js";
import { SseParser } from "../providers/sse.js";
import { WireError, type Endpoint, type ParsedRequest, type SseEvent } from "../providers/types.js";
import { AuditUnavailable, Refusal } from "./refusal.js";
import { readBody, sendUpstream, UpstreamError } from "./upstream.js";

/** Everything one call needs from the gateway, fixed when the call starts (a reload does not change it). */
export interface CallEnv {
  engine: Engine;
  adapter: WireAdapter;
  endpoint: Endpoint;
  /** Provider named in the path (/anthropic/v1/messages), if any. */
  providerFromPath?: string;
  integration: string;
  /** Provider keys by provider name, read from the environment at load time. */
  providerKey(provider: string): string | undefined;
  /** Records the call's audit event; rejects when the store cannot take it. */
  audit(event: AuditEvent): Promise<void>;
  newId(): string;
  now(): number;
}

export interface IncomingCall {
  requestId: string;
  /** Raw body bytes (already size-checked). Empty for GET. */
  body: Buffer;
  params: Record<string, string>;
  query: Record<string, string>;
  headers: Record<string, string>;
  /** Fires when the caller disconnects. */
  signal: AbortSignal;
}

export interface CallResult {
  status: number;
  headers: Record<string, string>;
  /** A JSON body, or a stream of bytes (SSE or Gemini's JSON array). */
  body: unknown | ReadableStream<Uint8Array>;
}

/** The answer body limit: generous, but a runaway upstream must not exhaust memory. */
const MAX_UPSTREAM_BODY = 64 * 1024 * 1024;

interface Trace {
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

/**
 * One call through the policy: parse, check access, decide on the input, forward what passed,
 * check the answer (streamed through the hold-back guard), write one audit event, answer.
 */
export async function handleCall(env: CallEnv, call: IncomingCall): Promise<CallResult> {
  const trace: Trace = {
    t0: env.now(),
    provider: null,
    model: null,
    user: null,
    stream: false,
    input: null,
    output: null,
    upstreamMs: null,
    usage: null,
  };
  try {
    return await run(env, call, trace);
  } catch (e) {
    if (e instanceof AuditUnavailable) return errorResult(env, auditRefusal(), call.requestId);
    const r = toRefusal(e, env);
    try {
      await writeEvent(env, call, trace, r.kind, r.status, r);
    } catch {
      return errorResult(env, auditRefusal(), call.requestId);
    }
    return errorResult(env, r, call.requestId);
  }
}

function auditRefusal(): Refusal {
  return new Refusal(
    503,
    "audit_unavailable",
    "audit.on_failure: the audit store could not record this call, and the policy does not allow unrecorded calls; the answer is withheld. Check the gateway log and the audit store.",
    ["audit.on_failure"],
    "error",
  );
}

async function run(env: CallEnv, call: IncomingCall, trace: Trace): Promise<CallResult> {
  const { engine, adapter, endpoint } = env;
  if (endpoint === "openai.models") return listModels(env, call, trace);
  let body: unknown;
  if (call.body.length) {
    if (!isUtf8(call.body)) throw new Refusal(400, "invalid_utf8", "The request body is not valid UTF-8.");
    const text = call.body.toString("utf8");
    try {
      body = JSON.parse(text);
    } catch {
      // JSON.parse quotes the input in its message; the input may be a secret.
      throw new Refusal(400, "invalid_json", "The request body is not valid JSON.");
    }
  }
  let parsed: ParsedRequest;
  try {
    parsed = adapter.parseRequest(endpoint, body, call.params);
  } catch (e) {
    if (e instanceof WireError) throw new Refusal(e.status, "invalid_request", e.message);
    throw e;
  }
  trace.model = parsed.model || null;
  trace.stream = parsed.stream;
  trace.user = parsed.user ?? call.headers["x-policygate-user"] ?? null;

  const provider = resolveProvider(env, parsed.model);
  trace.provider = provider;
  const denial = checkAccess(engine, {
    provider,
    integration: env.integration,
    model: parsed.model || undefined,
  });
  if (denial) throw new Refusal(denial.status, "access_denied", denial.message, [denial.rule]);

  if (parsed.unscannable.length && engine.policy.input.unscannable_parts === "block") {
    const types = [...new Set(parsed.unscannable.map((u) => u.type))].join(", ");
    throw new Refusal(
      403,
      "unscannable_content",
      `input.unscannable_parts: this call carries content the policy cannot inspect (${types}), and the policy blocks it. Send text only, or set input.unscannable_parts: allow if the policy owner approves.`,
      ["input.unscannable_parts"],
    );
  }

  const alloc = new PlaceholderAllocator(parsed.parts.map((p) => p.text));
  let decision: Decision;
  try {
    decision = decideInput(engine, parsed.parts, alloc);
  } catch (e) {
    if (engine.policy.on_engine_error !== "allow") {
      throw new Refusal(
        500,
        "engine_error",
        `on_engine_error: the policy engine failed while checking this call, so it was not forwarded (fail closed). The gateway log has the details under request ${call.requestId}.`,
        ["on_engine_error"],
        "error",
      );
    }
    void e;
    decision = passThroughDecision(parsed);
  }
  trace.input = decision;
  if (decision.action === "block") {
    const blocking = decision.rules.filter((r) => r.action === "block" && r.mode === "enforce");
    throw new Refusal(
      403,
      "input_blocked",
      blocking.map((r) => r.message).join(" ") || "The policy blocked this call.",
      blocking.map((r) => r.rule),
    );
  }
  const limit = checkClassLimit(engine, { provider, integration: env.integration }, decision.classesSent);
  if (limit) throw new Refusal(limit.status, "class_not_allowed", limit.message, [limit.rule]);

  const outBody = decision.action === "redact" ? replaceTexts(body, parsed.parts, decision.texts!) : body;
  const prov = engine.policy.providers[provider]!;

  // The offline echo provider answers in-process, in the caller's wire format.
  if (prov.kind === "echo") {
    const reparsed = outBody === body ? parsed : adapter.parseRequest(endpoint, outBody, call.params);
    const answer = adapter.echo(reparsed, outBody);
    trace.upstreamMs = 0;
    if ("json" in answer) return finishJson(env, call, trace, 200, answer.json, alloc);
    return streamEvents(env, call, trace, eventsSource(answer.events), alloc);
  }

  const apiKey = prov.api_key_env ? env.providerKey(provider) : undefined;
  if (prov.api_key_env && !apiKey) {
    throw new Refusal(
      503,
      "provider_key_missing",
      `The gateway has no key for provider '${provider}': set the environment variable ${prov.api_key_env} where the gateway runs.`,
      [`providers.${provider}.api_key_env`],
      "error",
    );
  }
  const passHeaders: Record<string, string> = {};
  for (const h of adapter.passHeaders) if (call.headers[h]) passHeaders[h] = call.headers[h]!;
  const up = adapter.upstream({
    endpoint,
    provider: prov,
    apiKey,
    model: parsed.model,
    stream: parsed.stream,
    body: outBody,
    passHeaders,
    query: call.query,
  });
  const timeout = engine.policy.gateway.upstream_timeout_ms;
  const tUp = env.now();
  let res;
  try {
    res = await sendUpstream(up, timeout, call.signal);
  } catch (e) {
    trace.upstreamMs = env.now() - tUp;
    throw upstreamRefusal(e, provider, timeout);
  }
  if (res.status < 200 || res.status >= 300) {
    const raw = await readBody(res.body, MAX_UPSTREAM_BODY, timeout).catch(() => Buffer.alloc(0));
    trace.upstreamMs = env.now() - tUp;
    if (res.status >= 500) {
      throw new Refusal(
        502,
        "upstream_error",
        `Provider '${provider}' answered with an error (${res.status}). Retry later, or check the provider's status page.`,
        [],
        "error",
      );
    }
    // 4xx: the provider's own answer about the caller's request (bad model, rate limit): pass it on
    // after checking it like any other output, since it may quote the request.
    let errBody: unknown;
    try {
      errBody = JSON.parse(raw.toString("utf8"));
    } catch {
      errBody = adapter.errorBody(res.status, `Provider '${provider}' refused the request (${res.status}).`);
    }
    const checked = decideOutput(engine, [{ text: JSON.stringify(errBody) }], alloc);
    const safe =
      checked.action === "allow"
        ? errBody
        : adapter.errorBody(res.status, `Provider '${provider}' refused the request (${res.status}).`);
    const err = new Refusal(res.status, "upstream_refused", `provider answered ${res.status}`, [], "error");
    await writeEvent(env, call, trace, "error", res.status, err);
    return { status: res.status, headers: baseHeaders(call.requestId), body: safe };
  }
  if (!parsed.stream) {
    let raw: Buffer;
    try {
      raw = await readBody(res.body, MAX_UPSTREAM_BODY, timeout);
    } catch (e) {
      trace.upstreamMs = env.now() - tUp;
      throw upstreamRefusal(e, provider, timeout);
    }
    trace.upstreamMs = env.now() - tUp;
    let json: unknown;
    try {
      json = JSON.parse(raw.toString("utf8"));
    } catch {
      throw new Refusal(
        502,
        "upstream_invalid",
        `Provider '${provider}' sent an answer that is not JSON.`,
        [],
        "error",
      );
    }
    return finishJson(env, call, trace, res.status, json, alloc);
  }
  return streamEvents(
    env,
    call,
    trace,
    upstreamSource(res.body, timeout, () => (trace.upstreamMs = env.now() - tUp)),
    alloc,
  );
}

/**
 * GET /v1/models: only the models of providers this integration may call here. A provider's
 * `models` list in the policy is the answer when it names models exactly; otherwise the provider is
 * asked and its answer filtered through that list.
 */
async function listModels(env: CallEnv, call: IncomingCall, trace: Trace): Promise<CallResult> {
  const { engine, adapter } = env;
  const names = env.providerFromPath
    ? [env.providerFromPath]
    : (engine.policy.integrations[env.integration]?.providers ?? []);
  const data: { id: string; object: "model"; created: number; owned_by: string }[] = [];
  for (const name of names) {
    const prov = engine.policy.providers[name];
    if (!prov || (prov.kind !== "echo" && wireOfKind(prov.kind) !== adapter.wire)) continue;
    const denial = checkAccess(engine, { provider: name, integration: env.integration });
    if (denial) {
      if (env.providerFromPath)
        throw new Refusal(denial.status, "access_denied", denial.message, [denial.rule]);
      continue;
    }
    const listed = prov.models ?? [];
    const allowed = (id: string) => !listed.length || listed.some((g) => globMatch(g, id));
    const exact = listed.filter((m) => !/[*?]/.test(m));
    let ids: string[] = [];
    if (prov.kind === "echo") ids = ["echo"];
    else if (listed.length && exact.length === listed.length) ids = exact;
    else {
      const key = prov.api_key_env ? env.providerKey(name) : undefined;
      const up = adapter.upstream({
        endpoint: "openai.models",
        provider: prov,
        apiKey: key,
        model: "",
        stream: false,
        body: undefined,
        passHeaders: {},
        query: {},
      });
      try {
        const res = await sendUpstream(up, engine.policy.gateway.upstream_timeout_ms, call.signal);
        const raw = await readBody(res.body, MAX_UPSTREAM_BODY, engine.policy.gateway.upstream_timeout_ms);
        if (res.status === 200) {
          const list = (JSON.parse(raw.toString("utf8")) as { data?: { id?: unknown }[] }).data ?? [];
          ids = list.map((m) => m.id).filter((id): id is string => typeof id === "string");
        }
      } catch {
        // A provider that cannot list its models is left out of the list, not an error for the caller.
      }
    }
    for (const id of ids.filter(allowed)) data.push({ id, object: "model", created: 0, owned_by: name });
  }
  trace.provider = env.providerFromPath ?? null;
  await writeEvent(env, call, trace, "success", 200, null);
  return { status: 200, headers: baseHeaders(call.requestId), body: { object: "list", data } };
}

function wireOfKind(kind: string): string {
  return kind === "openai-compatible" ? "openai" : kind;
}

function globMatch(glob: string, s: string): boolean {
  return globToRegExp(glob).test(s);
}

/** The provider for this call: the one in the path, else the integration's provider for this wire. */
function resolveProvider(env: CallEnv, model: string): string {
  const { engine, adapter } = env;
  if (env.providerFromPath) return env.providerFromPath;
  const integ = engine.policy.integrations[env.integration];
  const candidates = (integ?.providers ?? []).filter((name) => {
    const p = engine.policy.providers[name];
    if (!p) return false;
    return wireOfKind(p.kind) === adapter.wire || p.kind === "echo";
  });
  const usable = candidates.filter(
    (name) =>
      !checkAccess(engine, { provider: name, integration: env.integration, model: model || undefined }),
  );
  if (usable.length) return usable[0]!;
  if (candidates.length) return candidates[0]!; // access check will say why it is refused
  throw new Refusal(
    403,
    "no_provider",
    `Integration '${env.integration}' has no approved provider that speaks the ${adapter.wire} format in '${engine.environment}'. Add one to the integration in the policy, or call /<provider>/… to name it.`,
    [`integrations.${env.integration}.providers`],
  );
}

async function finishJson(
  env: CallEnv,
  call: IncomingCall,
  trace: Trace,
  status: number,
  json: unknown,
  alloc: PlaceholderAllocator,
): Promise<CallResult> {
  const parts = env.adapter.parseResponse(env.endpoint, json);
  const out = decideOutput(env.engine, parts, alloc);
  trace.output = out;
  trace.usage = env.adapter.usage(env.endpoint, json);
  if (out.action === "block") {
    const blocking = out.rules.filter((r) => r.action === "block" && r.mode === "enforce");
    throw new Refusal(
      403,
      "output_blocked",
      blocking.map((r) => r.message).join(" "),
      blocking.map((r) => r.rule),
    );
  }
  const body = out.action === "redact" ? replaceTexts(json, parts, out.texts!) : json;
  await writeEvent(env, call, trace, "success", status, null);
  return { status, headers: baseHeaders(call.requestId), body };
}

type EventSource = AsyncIterable<SseEvent>;

async function* eventsSource(events: SseEvent[]): EventSource {
  yield* events;
}

async function* upstreamSource(body: IncomingMessage, idleMs: number, onEnd: () => void): EventSource {
  const parser = new SseParser();
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(
      () => body.destroy(new UpstreamError(`the stream stalled for ${idleMs} ms`, "timeout")),
      idleMs,
    );
  };
  arm();
  let complete = false;
  body.once("end", () => (complete = true));
  try {
    for await (const chunk of body) {
      arm();
      yield* parser.push(chunk as Buffer);
    }
    yield* parser.end();
    if (!complete && body.readableAborted)
      throw new UpstreamError("the provider closed the stream mid-answer", "connection");
  } finally {
    clearTimeout(timer);
    onEnd();
  }
}

/**
 * Streams the answer to the caller through the hold-back guard. The audit event is written before
 * the stream's last bytes go out, so a caller that saw the end of a stream knows it was recorded.
 */
function streamEvents(
  env: CallEnv,
  call: IncomingCall,
  trace: Trace,
  source: EventSource,
  alloc: PlaceholderAllocator,
): CallResult {
  const guard = new OutputStreamGuard(env.engine, alloc);
  const rewriter: StreamRewriter = env.adapter.streamRewriter(env.endpoint, guard);
  const encoder = env.adapter.streamEncoder(env.endpoint, call.query);
  const enc = new TextEncoder();
  const stream = new ReadableStream<Uint8Array>({
    async start(controller) {
      const send = (events: SseEvent[]) => {
        let out = "";
        for (const ev of events) out += encoder.event(ev);
        if (out) controller.enqueue(enc.encode(out));
      };
      let failure: Refusal | null = null;
      try {
        for await (const ev of source) {
          if (call.signal.aborted) throw new UpstreamError("the caller went away", "aborted");
          send(rewriter.onEvent(ev));
          if (guard.blocked) break;
        }
        if (!guard.blocked) send(rewriter.onEnd());
      } catch (e) {
        failure =
          e instanceof UpstreamError
            ? upstreamRefusal(e, trace.provider ?? "?", env.engine.policy.gateway.upstream_timeout_ms)
            : toRefusal(e, env);
      }
      trace.output = guard.decision();
      trace.usage = rewriter.usage();
      if (guard.blocked && !failure) {
        const hit = guard.blocked as { message?: string; rule?: string };
        failure = new Refusal(
          403,
          "output_blocked",
          hit.message ?? "The policy withheld the rest of this answer.",
          hit.rule ? [hit.rule] : [],
        );
      }
      try {
        await writeEvent(
          env,
          call,
          trace,
          failure ? failure.kind : "success",
          failure ? failure.status : 200,
          failure,
        );
      } catch {
        // Too late to withhold what was streamed; end the stream with an error so the caller knows.
        failure = auditRefusal();
      }
      try {
        if (failure && failure.code !== "client_closed")
          send(env.adapter.streamError(failure.status, failure.message, failure.code));
        const tail = encoder.end();
        if (tail) controller.enqueue(enc.encode(tail));
        controller.close();
      } catch {
        // The caller is gone; nothing left to tell it.
      }
    },
  });
  return {
    status: 200,
    headers: {
      ...baseHeaders(call.requestId),
      "content-type": streamContentType(env, call),
      "cache-control": "no-cache",
    },
    body: stream,
  };
}

function streamContentType(env: CallEnv, call: IncomingCall): string {
  if (env.adapter.wire === "gemini" && call.query.alt !== "sse") return "application/json";
  return "text/event-stream; charset=utf-8";
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
        message: "engine failed; call forwarded unscanned (on_engine_error: allow)",
      },
    ],
    highestClass: "public",
    restrictedDetected: false,
    classesSent: [],
    counts: {},
  };
}

function upstreamRefusal(e: unknown, provider: string, timeoutMs: number): Refusal {
  if (e instanceof UpstreamError) {
    if (e.code === "timeout")
      return new Refusal(
        504,
        "upstream_timeout",
        `Provider '${provider}' did not answer within ${timeoutMs} ms (gateway.upstream_timeout_ms).`,
        [],
        "error",
      );
    if (e.code === "aborted")
      return new Refusal(499, "client_closed", "The caller closed the connection.", [], "error");
    if (e.code === "too_large")
      return new Refusal(
        502,
        "upstream_too_large",
        `Provider '${provider}' sent an answer larger than the gateway accepts.`,
        [],
        "error",
      );
    return new Refusal(
      502,
      "upstream_unreachable",
      `Provider '${provider}' could not be reached or broke the connection: ${e.message}.`,
      [],
      "error",
    );
  }
  return new Refusal(502, "upstream_error", `Calling provider '${provider}' failed.`, [], "error");
}

function toRefusal(e: unknown, env: CallEnv): Refusal {
  if (e instanceof Refusal) return e;
  if (e instanceof UpstreamError)
    return upstreamRefusal(e, "?", env.engine.policy.gateway.upstream_timeout_ms);
  return new Refusal(
    500,
    "internal_error",
    "The gateway failed while handling this call; it was not forwarded.",
    [],
    "error",
  );
}

function errorResult(env: CallEnv, r: Refusal, requestId: string): CallResult {
  return {
    status: r.status === 499 ? 400 : r.status,
    headers: { ...baseHeaders(requestId), "x-policygate-refusal": r.code },
    body: env.adapter.errorBody(r.status === 499 ? 400 : r.status, r.message, r.code),
  };
}

function baseHeaders(requestId: string): Record<string, string> {
  return { "x-request-id": requestId };
}

async function writeEvent(
  env: CallEnv,
  call: IncomingCall,
  trace: Trace,
  status: AuditEvent["status"],
  httpStatus: number,
  err: Refusal | null,
): Promise<void> {
  const total = env.now() - trace.t0;
  const input = trace.input;
  const output = trace.output;
  const rules = (d: Decision | null) => [...new Set(d?.rules.map((r) => r.rule) ?? [])];
  const event: AuditEvent = {
    id: env.newId(),
    ts: new Date(trace.t0).toISOString(),
    request_id: call.requestId,
    policy_revision: env.engine.revision,
    source: "gateway",
    environment: env.engine.environment,
    integration: env.integration,
    user: trace.user,
    provider: trace.provider,
    model: trace.model,
    endpoint: env.endpoint,
    stream: trace.stream,
    input: {
      decision: input
        ? err && status === "blocked" && err.code === "input_blocked"
          ? "block"
          : input.action
        : err
          ? "block"
          : "allow",
      enforced_decision: input?.enforcedAction ?? (err ? "block" : "allow"),
      highest_class: input?.highestClass ?? "public",
      restricted_detected: input?.restrictedDetected ?? false,
      findings: input?.counts ?? {},
      classes_sent: err && !trace.upstreamMs && trace.upstreamMs !== 0 ? [] : (input?.classesSent ?? []),
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
    status,
    http_status: httpStatus,
    error: err ? { code: err.code, message: err.message } : null,
    latency_ms: {
      total,
      upstream: trace.upstreamMs,
      gateway: Math.max(0, total - (trace.upstreamMs ?? 0)),
    },
    tokens: trace.usage,
  };
  await env.audit(event);
}
