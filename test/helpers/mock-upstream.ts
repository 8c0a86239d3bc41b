import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { EchoScript, Usage, WireAdapter } from "../../src/providers/adapter.js";
import { adapterFor } from "../../src/providers/index.js";
import type { Endpoint, SseEvent, WireKind } from "../../src/providers/types.js";
import { WireError } from "../../src/providers/types.js";

/** One request the mock received. */
export interface RecordedRequest {
  method: string;
  /** The path without the query string. */
  path: string;
  query: Record<string, string>;
  /** Lowercase header names. */
  headers: Record<string, string>;
  /** The parsed JSON body; undefined for GET or an empty body; the raw text when it is not JSON. */
  body: unknown;
  wire?: WireKind;
  endpoint?: Endpoint;
}

/**
 * How the mock answers, until `reset()` or the next `script()`. Without a script it answers every
 * wire with the echo of the last user text, streamed when the request asks for a stream.
 */
export interface MockScript {
  /** The answer text instead of the echo. */
  text?: string;
  /** A tool call after the text (arguments as JSON text). */
  toolCall?: { name: string; arguments: string };
  /** How a streamed text is cut into deltas (they must join to `text`). */
  chunks?: string[];
  /** Or: the offsets at which `text` is cut. */
  splitAt?: number[];
  usage?: Usage;
  /** Exactly these events for a streamed answer (after any headers). */
  events?: SseEvent[];
  /** Exactly this body for a non-streamed answer. */
  json?: unknown;
  /** Answer with this HTTP status and the provider's error body (or `errorBody`). */
  status?: number;
  message?: string;
  errorBody?: unknown;
  /** Wait before answering (to provoke timeouts). */
  delayMs?: number;
  /** Wait between streamed events. */
  eventDelayMs?: number;
  /** Destroy the socket after this many streamed events (an upstream that dies mid-answer). */
  cutAfterEvents?: number;
  /** Extra response headers. */
  headers?: Record<string, string>;
  /**
   * Builds the rest of the script from the request it answers (e.g. a tool call whose arguments
   * repeat the placeholders the request carried), merged over the other fields.
   */
  reply?: (req: RecordedRequest) => Omit<MockScript, "reply">;
}

export interface MockUpstream {
  /** http://127.0.0.1:PORT, no trailing slash. */
  readonly url: string;
  readonly requests: RecordedRequest[];
  script(s: MockScript): void;
  /** Forgets the script and the recorded requests. */
  reset(): void;
  close(): Promise<void>;
}

/** Which endpoint a path is, by its ending, so prefixed paths (Azure's /openai/deployments/x/…) match too. */
function route(
  method: string,
  path: string,
): { wire: WireKind; endpoint: Endpoint; params: Record<string, string> } | null {
  const gemini = /\/models\/([^/]+):(generateContent|streamGenerateContent)$/.exec(path);
  if (gemini && method === "POST")
    return {
      wire: "gemini",
      endpoint: gemini[2] === "generateContent" ? "gemini.generate" : "gemini.stream_generate",
      params: { modelAction: `${decodeURIComponent(gemini[1]!)}:${gemini[2]}` },
    };
  const table: [RegExp, string, WireKind, Endpoint][] = [
    [/\/chat\/completions$/, "POST", "openai", "openai.chat"],
    [/\/responses$/, "POST", "openai", "openai.responses"],
    [/\/embeddings$/, "POST", "openai", "openai.embeddings"],
    [/\/messages\/count_tokens$/, "POST", "anthropic", "anthropic.count_tokens"],
    [/\/messages$/, "POST", "anthropic", "anthropic.messages"],
    [/\/models$/, "GET", "openai", "openai.models"],
  ];
  for (const [re, m, wire, endpoint] of table)
    if (m === method && re.test(path)) return { wire, endpoint, params: {} };
  return null;
}

/** Cuts `text` at the given offsets. */
export function splitText(text: string, offsets: number[]): string[] {
  const points = [...new Set(offsets.filter((o) => o > 0 && o < text.length))].sort((a, b) => a - b);
  const out: string[] = [];
  let prev = 0;
  for (const p of [...points, text.length]) {
    out.push(text.slice(prev, p));
    prev = p;
  }
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * A real HTTP server on 127.0.0.1 (random port) that speaks the OpenAI, Anthropic and Gemini wire
 * formats, streamed and not, records every request, and answers as the test scripts it.
 *
 * @example
 * const mock = await startMockUpstream();
 * mock.script({ text: "Hello there", splitAt: [3, 7] });
 * const client = new OpenAI({ baseURL: `${mock.url}/v1`, apiKey: "x", maxRetries: 0 });
 * await mock.close();
 */
export async function startMockUpstream(): Promise<MockUpstream> {
  const requests: RecordedRequest[] = [];
  let current: MockScript = {};

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const u = new URL(req.url ?? "/", "http://mock");
    const raw = await readBody(req);
    let body: unknown = undefined;
    if (raw) {
      try {
        body = JSON.parse(raw);
      } catch {
        body = raw;
      }
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers))
      if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(", ") : v;
    const method = req.method ?? "GET";
    const r = route(method, u.pathname);
    const record: RecordedRequest = {
      method,
      path: u.pathname,
      query: Object.fromEntries(u.searchParams),
      headers,
      body,
    };
    if (r) {
      record.wire = r.wire;
      record.endpoint = r.endpoint;
    }
    requests.push(record);
    const s = current.reply ? { ...current, ...current.reply(record) } : current;
    if (s.delayMs) await sleep(s.delayMs);

    if (!r)
      return json(res, 404, { error: { message: `mock upstream: no route for ${method} ${u.pathname}` } }, s);
    const adapter = adapterFor(r.wire);
    if (s.status)
      return json(res, s.status, s.errorBody ?? adapter.errorBody(s.status, s.message ?? "mock error"), s);

    let parsed;
    try {
      parsed = adapter.parseRequest(r.endpoint, body, r.params);
    } catch (e) {
      if (e instanceof WireError) return json(res, e.status, adapter.errorBody(e.status, e.message), s);
      throw e;
    }
    if (!parsed.stream) {
      const answer = s.json ?? answerOf(adapter, parsed, body, s);
      return json(res, 200, answer, s);
    }
    const events = s.events ?? streamOf(adapter, parsed, body, s);
    const encoder = adapter.streamEncoder(r.endpoint, record.query);
    res.writeHead(200, { "content-type": encoder.contentType, "cache-control": "no-cache", ...s.headers });
    res.flushHeaders();
    let sent = 0;
    for (const ev of events) {
      if (s.cutAfterEvents !== undefined && sent >= s.cutAfterEvents) {
        res.socket?.destroy();
        return;
      }
      res.write(encoder.event(ev));
      sent++;
      if (s.eventDelayMs) await sleep(s.eventDelayMs);
    }
    res.end(encoder.end());
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { message: `mock upstream failed: ${String(e)}` } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    script(s) {
      current = s;
    },
    reset() {
      current = {};
      requests.length = 0;
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve, reject) => server.close((e) => (e ? reject(e) : resolve())));
    },
  };
}

function echoScript(s: MockScript): EchoScript {
  const out: EchoScript = {};
  if (s.text !== undefined) out.text = s.text;
  if (s.toolCall) out.toolCall = s.toolCall;
  if (s.usage) out.usage = s.usage;
  if (s.chunks) out.chunks = s.chunks;
  else if (s.splitAt && s.text !== undefined) out.chunks = splitText(s.text, s.splitAt);
  return out;
}

function answerOf(
  adapter: WireAdapter,
  req: Parameters<WireAdapter["echo"]>[0],
  body: unknown,
  s: MockScript,
): unknown {
  const a = adapter.echo({ ...req, stream: false }, body, echoScript(s));
  if (!("json" in a)) throw new Error("echo gave events for a non-streamed request");
  return a.json;
}

function streamOf(
  adapter: WireAdapter,
  req: Parameters<WireAdapter["echo"]>[0],
  body: unknown,
  s: MockScript,
): SseEvent[] {
  const a = adapter.echo(req, body, echoScript(s));
  if (!("events" in a)) throw new Error("echo gave JSON for a streamed request");
  return a.events;
}

function json(res: ServerResponse, status: number, body: unknown, s: MockScript): void {
  res.writeHead(status, { "content-type": "application/json", ...s.headers });
  res.end(JSON.stringify(body));
}
