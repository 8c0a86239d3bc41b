import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import type { UpstreamRequest } from "../providers/adapter.js";

/** Kept-alive connections to providers: a new TLS handshake per call would dominate the overhead. */
const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 256, keepAliveMsecs: 10_000 });
const httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: 256, keepAliveMsecs: 10_000 });

export class UpstreamError extends Error {
  constructor(
    message: string,
    readonly code: "timeout" | "connection" | "too_large" | "aborted",
  ) {
    super(message);
    this.name = "UpstreamError";
  }
}

export interface UpstreamResponse {
  status: number;
  headers: IncomingMessage["headers"];
  /** The raw response; read it with readBody or as a stream. */
  body: IncomingMessage;
}

/**
 * Sends a request to a provider. Resolves when the response headers arrive; rejects with an
 * UpstreamError on timeout (no headers within `timeoutMs`), connection failure, or abort.
 * The URL always comes from the policy's provider entry, never from the caller's request.
 */
export function sendUpstream(
  req: UpstreamRequest,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<UpstreamResponse> {
  return new Promise((resolve, reject) => {
    let url: URL;
    try {
      url = new URL(req.url);
    } catch {
      reject(new UpstreamError("the provider's base_url is not a valid URL", "connection"));
      return;
    }
    const isHttps = url.protocol === "https:";
    const body = req.body === undefined ? undefined : Buffer.from(req.body);
    const headers: Record<string, string | number> = { ...req.headers };
    if (body) headers["content-length"] = body.length;
    const r = (isHttps ? httpsRequest : httpRequest)(
      url,
      { method: req.method, headers, agent: isHttps ? httpsAgent : httpAgent },
      (res) => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 502, headers: res.headers, body: res });
      },
    );
    const timer = setTimeout(() => {
      r.destroy(new UpstreamError(`no answer within ${timeoutMs} ms`, "timeout"));
    }, timeoutMs);
    const onAbort = () => r.destroy(new UpstreamError("the caller went away", "aborted"));
    signal?.addEventListener("abort", onAbort, { once: true });
    r.on("error", (e) => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      reject(
        e instanceof UpstreamError
          ? e
          : new UpstreamError(
              `connection failed (${(e as NodeJS.ErrnoException).code ?? e.message})`,
              "connection",
            ),
      );
    });
    r.end(body);
  });
}

/** Reads a whole response body, refusing more than `limit` bytes, with an idle timeout. */
export function readBody(res: IncomingMessage, limit: number, idleMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const idle = () => res.destroy(new UpstreamError(`the answer stalled for ${idleMs} ms`, "timeout"));
    let timer = setTimeout(idle, idleMs);
    res.on("data", (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        res.destroy(new UpstreamError(`the answer is larger than ${limit} bytes`, "too_large"));
        return;
      }
      chunks.push(c);
      clearTimeout(timer);
      timer = setTimeout(idle, idleMs);
    });
    res.on("end", () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
    res.on("error", (e) => {
      clearTimeout(timer);
      reject(
        e instanceof UpstreamError
          ? e
          : new UpstreamError(`the connection broke (${e.message})`, "connection"),
      );
    });
    res.on("aborted", () => {
      clearTimeout(timer);
      reject(new UpstreamError("the provider closed the connection mid-answer", "connection"));
    });
  });
}
