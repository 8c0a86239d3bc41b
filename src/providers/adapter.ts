import type { ProviderConfig } from "../policy/schema.js";
import type { CallPart, Endpoint, JsonPath, ParsedRequest, SseEvent, WireKind } from "./types.js";

/** A route a wire serves. Paths are Hono patterns; the gateway also mounts each under /{provider}. */
export interface WireRoute {
  method: "GET" | "POST";
  path: string;
  endpoint: Endpoint;
}

/** What the upstream call looks like, built from the policy's provider entry (never from the request). */
export interface UpstreamRequest {
  url: string;
  method: "GET" | "POST";
  headers: Record<string, string>;
  body?: string;
}

export interface UpstreamInput {
  endpoint: Endpoint;
  provider: ProviderConfig;
  /** The provider key from the environment variable the policy names; undefined for keyless providers. */
  apiKey: string | undefined;
  model: string;
  stream: boolean;
  /** The request body after enforcement (redacted). Undefined for GET. */
  body: unknown;
  /** Request headers the wire lets through (anthropic-version, anthropic-beta, openai-beta). */
  passHeaders: Record<string, string>;
  /** Query string parameters the wire lets through (Gemini's alt=sse), already filtered. */
  query: Record<string, string>;
}

/** Token counts a provider reported, when it did. */
export interface Usage {
  input: number | null;
  output: number | null;
}

/** The part of OutputStreamGuard a stream rewriter uses (see src/enforce/stream.ts). */
export interface StreamTextGuard {
  push(channel: string, text: string): string;
  end(channel: string): string;
  /** Everything released on a channel so far: what "done" events that repeat the whole text must carry. */
  emitted(channel: string): string;
  readonly blocked: unknown;
}

/**
 * Rewrites a streamed answer event by event. Text deltas go through the guard; what the guard
 * releases replaces the delta (so the caller receives redacted text, a window late). Events that
 * repeat the full text ("done" events, final response objects) are rewritten to what was released.
 * When a channel ends, the rewriter emits an extra delta event carrying the held-back text.
 */
export interface StreamRewriter {
  /** Events to send to the caller for one upstream event (none, it, or several). */
  onEvent(ev: SseEvent): SseEvent[];
  /** The upstream stream ended; flush every open channel. */
  onEnd(): SseEvent[];
  usage(): Usage | null;
}

/**
 * One wire format. The gateway and the SDK guard know nothing about provider JSON beyond this
 * interface; adding a wire is one file implementing it, passing test/providers/wire.case.ts.
 */
export interface WireAdapter {
  readonly wire: WireKind;
  readonly routes: readonly WireRoute[];
  /** Request headers (lowercase) the caller may pass to the provider: API versions and betas, never auth. */
  readonly passHeaders: readonly string[];
  /**
   * Every text a request carries (system prompts, messages and their parts, tool definitions'
   * descriptions, tool results, tool-call arguments, embeddings inputs), each with its JSON path,
   * and the parts that cannot be scanned. Throws WireError on a body the endpoint does not accept.
   */
  parseRequest(endpoint: Endpoint, body: unknown, params: Record<string, string>): ParsedRequest;
  /** Every text of a non-streamed answer (message text, tool-call arguments), with JSON paths. */
  parseResponse(endpoint: Endpoint, body: unknown): CallPart[];
  upstream(input: UpstreamInput): UpstreamRequest;
  streamRewriter(endpoint: Endpoint, guard: StreamTextGuard): StreamRewriter;
  /**
   * How streamed events are written to the caller: SSE for every wire, except Gemini callers that
   * did not ask for `alt=sse`, who get a JSON array written element by element.
   */
  streamEncoder(endpoint: Endpoint, query: Record<string, string>): StreamEncoder;
  /**
   * The error body this provider sends, so the official SDK raises its usual exception. `code` is
   * a machine-readable reason where the wire has a field for it (OpenAI's `error.code`).
   */
  errorBody(status: number, message: string, code?: string): unknown;
  /** The events that end a stream with an error, in this provider's shape. */
  streamError(status: number, message: string, code?: string): SseEvent[];
  usage(endpoint: Endpoint, body: unknown): Usage | null;
  /**
   * The offline `echo` provider's answer to a request (development and testing only): the last
   * user text repeated, in this wire's response shape; streamed as SSE events when asked.
   */
  echo(req: ParsedRequest, body: unknown, script?: EchoScript): { json: unknown } | { events: SseEvent[] };
}

/**
 * What the offline provider answers instead of the echo, so tests (and the mock upstream) can
 * script any answer in any wire with one builder.
 */
export interface EchoScript {
  /** The answer text; default "Echo: " + the last user text. */
  text?: string;
  /** How a streamed text is cut into deltas; default pieces of 3-8 characters. Joined, they must equal `text`. */
  chunks?: string[];
  /** A tool call after the text. `arguments` is JSON text; it is streamed in pieces too. */
  toolCall?: { name: string; arguments: string };
  usage?: Usage;
}

/** Writes a stream's events to the caller, in order: `event()` for each, then `end()` once. */
export interface StreamEncoder {
  readonly contentType: string;
  event(ev: SseEvent): string;
  end(): string;
}

/** Reads the value at a JSON path. */
export function getAt(doc: unknown, path: JsonPath): unknown {
  let node = doc;
  for (const key of path) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<string | number, unknown>)[key];
  }
  return node;
}

/**
 * A copy of `doc` with the string at each part's path replaced by the matching text. Only the
 * objects along the changed paths are copied; the rest is shared.
 */
export function replaceTexts(
  doc: unknown,
  parts: readonly { at: JsonPath }[],
  texts: readonly string[],
): unknown {
  let root = doc;
  parts.forEach((part, i) => {
    const text = texts[i];
    if (text === undefined || getAt(root, part.at) === text) return;
    root = setAt(root, part.at, text);
  });
  return root;
}

function setAt(node: unknown, path: JsonPath, value: unknown): unknown {
  if (path.length === 0) return value;
  const [key, ...rest] = path;
  if (Array.isArray(node)) {
    const copy = node.slice();
    copy[key as number] = setAt(copy[key as number], rest, value);
    return copy;
  }
  const obj = (node ?? {}) as Record<string, unknown>;
  return { ...obj, [key as string]: setAt(obj[key as string], rest, value) };
}
