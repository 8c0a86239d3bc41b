import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { assertSwitchedOn } from "./switch.js";
import {
  checkAnswer,
  checkStream,
  newTrace,
  parseCall,
  prepareCall,
  type CallScope,
  type CallTrace,
} from "../enforce/call.js";
import { decideOutput } from "../enforce/decide.js";
import type { PlaceholderAllocator } from "../enforce/redact.js";
import { PolicyViolation } from "../enforce/violation.js";
import type { WireAdapter } from "../providers/adapter.js";
import { ANTHROPIC_DEFAULT_BASE_URL } from "../providers/anthropic.js";
import { adapterFor } from "../providers/index.js";
import { OPENAI_DEFAULT_BASE_URL } from "../providers/openai.js";
import { SseParser } from "../providers/sse.js";
import type { Endpoint, SseEvent, WireKind } from "../providers/types.js";
import { joinUrl } from "../providers/url.js";
import { auditUnavailable } from "./audit.js";
import { createContext, recordCall, type GuardContext, type GuardOptions } from "./context.js";
import { applyProvenance } from "./provenance.js";

type Fetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** The part of both official clients the guard relies on: `withOptions` returns a copy of the same type. */
interface StainlessClient {
  withOptions(options: { fetch?: Fetch; apiKey?: string; baseURL?: string }): unknown;
  fetch?: Fetch;
}

/**
 * Wraps an official OpenAI or Anthropic client so every call goes through the policy, in process:
 * the provider must be approved for this environment and integration, every text part is scanned,
 * Restricted data blocks the call (a `PolicyViolation`), Confidential data is redacted before the
 * request leaves the process, the answer is checked (streams through the same hold-back window as
 * the gateway), and one audit event per call is written to the same store, in the same format.
 *
 * Returns a client of the same type; the original is left unguarded. The provider key is read from
 * the environment variable the policy names. An unapproved provider, an undeclared integration or
 * a missing key throws here, not on the first call.
 *
 * A refused call rejects with PolicyViolation (for a stream: when it is iterated), naming the
 * policy rule and what to do; provider errors stay the SDK's own errors.
 *
 * @example
 * import OpenAI from "openai";
 * import { guard } from "policygate";
 * const openai = guard(new OpenAI(), { policy: "policygate.yaml", integration: "support-bot" });
 */
export function guard<C extends OpenAI | Anthropic>(client: C, options: GuardOptions): C {
  const wire = wireOfClient(client);
  const ctx = createContext(options, wire);
  const sdk = client as unknown as StainlessClient;
  const inner: Fetch = sdk.fetch ?? globalThis.fetch;
  const baseURL = sdkBaseUrl(ctx, wire);
  const adapter = adapterFor(wire);
  const guarded = sdk.withOptions({
    fetch: (input, init) => guardedFetch(ctx, adapter, baseURL, inner, input, init),
    baseURL,
    ...(ctx.apiKey ? { apiKey: ctx.apiKey } : {}),
  });
  return guarded as C;
}

function wireOfClient(client: unknown): WireKind {
  if (client instanceof OpenAI) return "openai";
  if (client instanceof Anthropic) return "anthropic";
  // Another copy of an SDK (a different install) fails instanceof; recognise it by its shape.
  const c = client as Record<string, unknown> | null;
  if (c && typeof c.withOptions === "function") {
    if (typeof (c.chat as Record<string, unknown> | undefined)?.completions === "object") return "openai";
    if (typeof c.messages === "object" && !("chat" in c)) return "anthropic";
  }
  throw new TypeError("guard() takes an OpenAI or Anthropic client (new OpenAI() or new Anthropic())");
}

/**
 * The base URL the guarded client calls: the policy's for this provider, never the client's own, so
 * a client pointed elsewhere cannot reach an unapproved host. The echo provider answers in process
 * and gets an address that cannot resolve.
 */
function sdkBaseUrl(ctx: GuardContext, wire: WireKind): string {
  if (ctx.config.kind === "echo")
    return wire === "openai" ? "http://policygate-echo.invalid/v1" : "http://policygate-echo.invalid";
  if (wire === "openai") {
    const base = ctx.config.base_url ?? OPENAI_DEFAULT_BASE_URL;
    return joinUrl(base, { style: "openai", version: "/v1", path: "" }).replace(/\/$/, "");
  }
  const base = new URL(ctx.config.base_url ?? ANTHROPIC_DEFAULT_BASE_URL);
  base.pathname = base.pathname.replace(/\/+$/, "").replace(/\/v1$/, "");
  return base.toString().replace(/\/$/, "");
}

function endpointOf(wire: WireKind, path: string): Endpoint | null {
  if (wire === "openai") {
    if (path.endsWith("/chat/completions")) return "openai.chat";
    if (path.endsWith("/responses")) return "openai.responses";
    if (path.endsWith("/embeddings")) return "openai.embeddings";
    return null;
  }
  if (path.endsWith("/messages/count_tokens")) return "anthropic.count_tokens";
  if (path.endsWith("/messages")) return "anthropic.messages";
  return null;
}

async function guardedFetch(
  ctx: GuardContext,
  adapter: WireAdapter,
  baseURL: string,
  inner: Fetch,
  input: string | URL | Request,
  init: RequestInit = {},
): Promise<Response> {
  const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
  const method = (init.method ?? "GET").toUpperCase();
  const approvedHost = url.startsWith(baseURL + "/") || url.startsWith(baseURL + "?");
  const endpoint = approvedHost ? endpointOf(adapter.wire, new URL(url).pathname) : null;
  // Reads (model lists, stored objects) carry no prompt; anything else the guard cannot read is refused.
  if (approvedHost && !endpoint && (method === "GET" || method === "HEAD") && ctx.config.kind !== "echo")
    return inner(url, init);

  const trace = newTrace(ctx.now());
  trace.user = ctx.user;
  const scope: CallScope = {
    engine: ctx.engine,
    adapter,
    endpoint: endpoint ?? (adapter.wire === "openai" ? "openai.chat" : "anthropic.messages"),
    integration: ctx.integration,
    conversation: ctx.conversation,
    caller: "sdk",
  };
  try {
    if (!approvedHost)
      throw new PolicyViolation(
        403,
        "unapproved_host",
        `The guarded client may only call provider '${ctx.provider}' at ${baseURL} (providers.${ctx.provider}.base_url); this request went elsewhere and was not sent.`,
        [`providers.${ctx.provider}.base_url`],
      );
    if (!endpoint)
      throw new PolicyViolation(
        403,
        "unsupported_endpoint",
        `The guard does not inspect ${method} ${new URL(url).pathname}, so it was not sent (fail closed). Use chat.completions, responses, embeddings (OpenAI) or messages (Anthropic), or ask the policy owner how this endpoint should be called.`,
      );
    if (typeof init.body !== "string")
      throw new PolicyViolation(400, "invalid_request", "The guard can only inspect JSON request bodies.");
    let body: unknown;
    try {
      body = JSON.parse(init.body);
    } catch {
      throw new PolicyViolation(400, "invalid_json", "The request body is not valid JSON.");
    }
    const parsed = parseCall(scope, body, {}, trace);
    applyProvenance(parsed.parts);
    trace.provider = ctx.provider;
    assertSwitchedOn(ctx.sink.dataDir, ctx.provider, ctx.integration);
    const { body: outBody, alloc } = prepareCall(scope, ctx.provider, parsed, body, trace);

    if (ctx.config.kind === "echo") {
      const reparsed = outBody === body ? parsed : adapter.parseRequest(scope.endpoint, outBody, {});
      const answer = adapter.echo(reparsed, outBody);
      trace.upstreamMs = 0;
      if ("json" in answer)
        return await finishJson(ctx, scope, trace, 200, new Headers(), answer.json, alloc);
      return streamResponse(ctx, scope, trace, new Headers(), eventsOf(answer.events), alloc);
    }

    const headers = new Headers(init.headers);
    headers.delete("content-length");
    const tUp = ctx.now();
    let res: Response;
    try {
      res = await inner(url, { ...init, headers, body: JSON.stringify(outBody) });
    } catch (e) {
      trace.upstreamMs = ctx.now() - tUp;
      // The SDK's own handling (retries, APIConnectionError, abort) applies; the attempt is on record.
      await recordCall(ctx, scope, trace, connectionFailure(ctx, e));
      throw new SdkOwned(e);
    }
    if (!res.ok) {
      const raw = await res.text().catch(() => "");
      trace.upstreamMs = ctx.now() - tUp;
      // The provider's error may quote the request: check it like any answer before the SDK sees it.
      const leaked = raw && decideOutput(ctx.engine, [{ text: raw }], alloc).action !== "allow";
      const text = leaked
        ? JSON.stringify(
            adapter.errorBody(res.status, `Provider '${ctx.provider}' refused the request (${res.status}).`),
          )
        : raw;
      await recordCall(
        ctx,
        scope,
        trace,
        new PolicyViolation(res.status, "upstream_refused", `provider answered ${res.status}`, [], "error"),
      );
      return new Response(text, {
        status: res.status,
        statusText: res.statusText,
        headers: cleanHeaders(res.headers),
      });
    }
    if (!parsed.stream) {
      let raw: string;
      let json: unknown;
      try {
        raw = await res.text();
        json = JSON.parse(raw);
      } catch {
        trace.upstreamMs = ctx.now() - tUp;
        throw new PolicyViolation(
          502,
          "upstream_invalid",
          `Provider '${ctx.provider}' sent an answer that is not JSON.`,
          [],
          "error",
        );
      }
      trace.upstreamMs = ctx.now() - tUp;
      return await finishJson(ctx, scope, trace, res.status, res.headers, json, alloc, raw);
    }
    return streamResponse(
      ctx,
      scope,
      trace,
      res.headers,
      upstreamEvents(res, () => (trace.upstreamMs = ctx.now() - tUp)),
      alloc,
    );
  } catch (e) {
    if (e instanceof SdkOwned) throw e.error;
    const v = e instanceof PolicyViolation ? e : internalError();
    try {
      await recordCall(ctx, scope, trace, v);
    } catch {
      return refusedResponse(auditUnavailable());
    }
    return refusedResponse(v);
  }
}

async function finishJson(
  ctx: GuardContext,
  scope: CallScope,
  trace: CallTrace,
  status: number,
  upstreamHeaders: Headers,
  json: unknown,
  alloc: PlaceholderAllocator,
  raw?: string,
): Promise<Response> {
  const body = checkAnswer(scope, json, alloc, trace);
  await recordCall(ctx, scope, trace, null);
  const headers = cleanHeaders(upstreamHeaders);
  headers.set("content-type", "application/json");
  // An answer the policy left as it was goes back as the provider's own bytes.
  return new Response(body === json && raw !== undefined ? raw : JSON.stringify(body), { status, headers });
}

async function* eventsOf(events: SseEvent[]): AsyncIterable<SseEvent> {
  yield* events;
}

async function* upstreamEvents(res: Response, onEnd: () => void): AsyncIterable<SseEvent> {
  const parser = new SseParser();
  try {
    if (res.body) for await (const chunk of res.body) yield* parser.push(chunk);
    yield* parser.end();
  } finally {
    onEnd();
  }
}

/**
 * The answer as a stream of SSE bytes for the SDK to parse, through the same hold-back guard as
 * the gateway. When the policy withholds the rest, the stream errors with the PolicyViolation, so
 * the caller's `for await` throws it; the audit event is written before the stream ends.
 */
function streamResponse(
  ctx: GuardContext,
  scope: CallScope,
  trace: CallTrace,
  upstreamHeaders: Headers,
  source: AsyncIterable<SseEvent>,
  alloc: PlaceholderAllocator,
): Response {
  const check = checkStream(scope, alloc);
  const { guard, rewriter } = check;
  const encoder = scope.adapter.streamEncoder(scope.endpoint, {});
  const enc = new TextEncoder();
  const iterator = source[Symbol.asyncIterator]();
  let done = false;
  const finish = async (controller: ReadableStreamDefaultController<Uint8Array>, failure: unknown) => {
    done = true;
    const withheld = check.finish(trace);
    let err: PolicyViolation | null = failure instanceof PolicyViolation ? failure : withheld;
    const recorded = failure && !(failure instanceof PolicyViolation) ? connectionFailure(ctx, failure) : err;
    try {
      await recordCall(ctx, scope, trace, recorded);
    } catch {
      err = auditUnavailable();
    }
    if (err) controller.error(err);
    else if (failure) controller.error(failure);
    else {
      const tail = encoder.end();
      if (tail) controller.enqueue(enc.encode(tail));
      controller.close();
    }
  };
  const stream = new ReadableStream<Uint8Array>({
    // Pull, not push: the upstream is read only as fast as the caller reads.
    async pull(controller) {
      if (done) return;
      try {
        for (;;) {
          const next = await iterator.next();
          if (next.done) {
            const out = rewriter
              .onEnd()
              .map((ev) => encoder.event(ev))
              .join("");
            if (out) controller.enqueue(enc.encode(out));
            return await finish(controller, null);
          }
          const out = rewriter
            .onEvent(next.value)
            .map((ev) => encoder.event(ev))
            .join("");
          if (out) controller.enqueue(enc.encode(out));
          if (guard.blocked) {
            await iterator.return?.();
            return await finish(controller, null);
          }
          if (out) return;
        }
      } catch (e) {
        return await finish(controller, e);
      }
    },
    async cancel() {
      if (done) return;
      done = true;
      await iterator.return?.();
      check.finish(trace);
      await recordCall(
        ctx,
        scope,
        trace,
        new PolicyViolation(499, "client_closed", "The caller stopped reading the stream.", [], "error"),
      ).catch(() => undefined);
    },
  });
  const headers = cleanHeaders(upstreamHeaders);
  headers.set("content-type", encoder.contentType);
  return new Response(stream, { status: 200, headers });
}

/** A transport error the SDK handles itself (its retries, its connection and abort errors). */
class SdkOwned {
  constructor(readonly error: unknown) {}
}

function cleanHeaders(h: Headers): Headers {
  const out = new Headers(h);
  // The body is re-encoded here: the upstream's length and encoding no longer describe it.
  for (const k of ["content-length", "content-encoding", "transfer-encoding"]) out.delete(k);
  return out;
}

/**
 * A refusal as a response the SDK accepts (200, so it does not retry a decision) whose body fails
 * with the PolicyViolation: the SDK's parse rethrows it unchanged, so the caller catches the typed
 * error, for plain and streamed calls alike.
 */
function refusedResponse(v: PolicyViolation): Response {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.error(v);
    },
  });
  return new Response(body, {
    status: 200,
    headers: { "content-type": "application/json", "x-policygate-refusal": v.code },
  });
}

function connectionFailure(ctx: GuardContext, e: unknown): PolicyViolation {
  const aborted = e instanceof Error && e.name === "AbortError";
  return aborted
    ? new PolicyViolation(499, "client_closed", "The caller aborted the request.", [], "error")
    : new PolicyViolation(
        502,
        "upstream_unreachable",
        `Provider '${ctx.provider}' could not be reached or broke the connection.`,
        [],
        "error",
      );
}

function internalError(): PolicyViolation {
  return new PolicyViolation(
    500,
    "internal_error",
    "on_engine_error: the guard failed while handling this call; it was not sent (fail closed).",
    ["on_engine_error"],
    "error",
  );
}
