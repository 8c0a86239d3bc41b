import { isUtf8 } from "node:buffer";
import type { IncomingMessage } from "node:http";
import type { AuditEvent } from "../audit/event.js";
import { globToRegExp } from "../detect/allowlist.js";
import type { InjectionClassifier } from "../detect/injection/classifier.js";
import { checkAccess } from "../enforce/access.js";
import { scoreParts } from "../enforce/classify.js";
import {
  auditEvent,
  checkAnswer,
  checkStream,
  newTrace,
  parseCall,
  prepareCall,
  type CallScope,
  type CallTrace,
} from "../enforce/call.js";
import { decideOutput } from "../enforce/decide.js";
import type { Engine } from "../enforce/engine.js";
import type { PlaceholderAllocator } from "../enforce/redact.js";
import { AuditUnavailable, PolicyViolation as Refusal } from "../enforce/violation.js";
import { failoverRefusal, routeCall, type SwitchLookup } from "../enforce/failover.js";
import type { WireAdapter } from "../providers/adapter.js";
import { SseParser } from "../providers/sse.js";
import type { Endpoint, SseEvent } from "../providers/types.js";
import { readBody, sendUpstream, UpstreamError } from "./upstream.js";

/** Everything one call needs from the gateway, fixed when the call starts (a reload does not change it). */
export interface CallEnv {
  engine: Engine;
  adapter: WireAdapter;
  endpoint: Endpoint;
  /** Provider named in the path (/anthropic/v1/messages), if any. */
  providerFromPath?: string;
  integration: string;
  /** The gateway key id the caller presented: restored conversations are scoped to it. */
  caller?: string;
  /** Provider keys by provider name, read from the environment at load time. */
  providerKey(provider: string): string | undefined;
  /** A model-based injection classifier; undefined keeps the heuristic alone (no extra work). */
  injectionClassifier?: InjectionClassifier | undefined;
  /** Records the call's audit event; rejects when the store cannot take it. */
  audit(event: AuditEvent): Promise<void>;
  newId(): string;
  now(): number;
  /** The kill switch: which providers are switched off right now (checked again just before sending). */
  switchedOff?: SwitchLookup;
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

/**
 * One call through the policy: parse, check access, decide on the input, forward what passed,
 * check the answer (streamed through the hold-back guard), write one audit event, answer.
 */
export async function handleCall(env: CallEnv, call: IncomingCall): Promise<CallResult> {
  const trace = newTrace(env.now());
  trace.user = call.headers["x-policygate-user"] ?? null;
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

async function run(env: CallEnv, call: IncomingCall, trace: CallTrace): Promise<CallResult> {
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
  const scope: CallScope = {
    engine,
    adapter,
    endpoint,
    integration: env.integration,
    conversation: call.headers["x-policygate-conversation"] ?? null,
    caller: env.caller ?? null,
  };
  const parsed = parseCall(scope, body, call.params, trace);
  const route = routeCall(
    engine,
    adapter,
    env.integration,
    resolveProvider(env, parsed.model),
    env.switchedOff,
  );
  const provider = route.provider;
  const classifierScores = env.injectionClassifier
    ? await scoreParts(engine, env.integration, parsed.parts, env.injectionClassifier)
    : undefined;
  let prepared;
  try {
    prepared = prepareCall(scope, provider, parsed, body, trace, { classifierScores });
  } catch (e) {
    throw e instanceof Refusal ? failoverRefusal(route, e) : e;
  }
  const { body: outBody, alloc } = prepared;
  const prov = engine.policy.providers[provider]!;

  // The offline echo provider answers in-process, in the caller's wire format.
  if (prov.kind === "echo") {
    const reparsed = outBody === body ? parsed : adapter.parseRequest(endpoint, outBody, call.params);
    const answer = adapter.echo(reparsed, outBody);
    trace.upstreamMs = 0;
    if ("json" in answer) return finishJson(env, scope, call, trace, 200, answer.json, alloc);
    return streamEvents(env, scope, call, trace, eventsSource(answer.events), alloc);
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
  // The switch may have been pulled while this call was being scanned: nothing leaves after that.
  const late = env.switchedOff?.(provider);
  if (late) {
    throw new Refusal(
      503,
      "provider_disabled",
      `Provider '${provider}' was switched off by the kill switch while this call was being checked (reason: ${late.reason}); it was not sent. Retry: new calls go to the integration's fallback if it has one.`,
      [`kill_switch.${provider}`],
    );
  }
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
    return finishJson(env, scope, call, trace, res.status, json, alloc);
  }
  return streamEvents(
    env,
    scope,
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
async function listModels(env: CallEnv, call: IncomingCall, trace: CallTrace): Promise<CallResult> {
  const { engine, adapter } = env;
  const names = env.providerFromPath
    ? [env.providerFromPath]
    : (engine.policy.integrations[env.integration]?.providers ?? []);
  const data: { id: string; object: "model"; created: number; owned_by: string }[] = [];
  for (const name of names) {
    const prov = engine.policy.providers[name];
    if (!prov || (prov.kind !== "echo" && wireOfKind(prov.kind) !== adapter.wire)) continue;
    if (env.switchedOff?.(name)) continue; // switched off: not offered, and not asked
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
  scope: CallScope,
  call: IncomingCall,
  trace: CallTrace,
  status: number,
  json: unknown,
  alloc: PlaceholderAllocator,
): Promise<CallResult> {
  const body = checkAnswer(scope, json, alloc, trace);
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
  scope: CallScope,
  call: IncomingCall,
  trace: CallTrace,
  source: EventSource,
  alloc: PlaceholderAllocator,
): CallResult {
  const check = checkStream(scope, alloc);
  const { guard, rewriter } = check;
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
      const withheld = check.finish(trace);
      failure ??= withheld;
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
      "content-type": encoder.contentType,
      "cache-control": "no-cache",
    },
    body: stream,
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
  trace: CallTrace,
  status: AuditEvent["status"],
  httpStatus: number,
  err: Refusal | null,
): Promise<void> {
  const scope: CallScope = {
    engine: env.engine,
    adapter: env.adapter,
    endpoint: env.endpoint,
    integration: env.integration,
  };
  await env.audit(
    auditEvent(scope, trace, {
      id: env.newId(),
      requestId: call.requestId,
      source: "gateway",
      status,
      httpStatus,
      error: err,
      now: env.now(),
    }),
  );
}
