import { watch, type FSWatcher } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { basename, dirname } from "node:path";
import { serve, type ServerType } from "@hono/node-server";
import { Hono, type Context } from "hono";
import type { Logger } from "pino";
import { AuditStoreError } from "../audit/errors.js";
import type { AuditEvent } from "../audit/event.js";
import type { AuditStore } from "../audit/store.js";
import type { InjectionClassifier } from "../detect/injection/classifier.js";
import { Engine } from "../enforce/engine.js";
import { formatPolicyError } from "../policy/errors.js";
import { fingerprintFilesBeside } from "../policy/fingerprints-load.js";
import { loadPolicyFile, type LoadedPolicy } from "../policy/load.js";
import type { WireAdapter } from "../providers/adapter.js";
import { adapterFor } from "../providers/index.js";
import type { Endpoint } from "../providers/types.js";
import { handleCall, type CallEnv, type IncomingCall } from "./handle.js";
import { AuditUnavailable } from "../enforce/violation.js";
import type { ProviderSwitch } from "../incident/provider-switch.js";
import { registerAdminRoutes } from "./admin.js";

/** Checks a presented gateway key. */
export interface KeyVerifier {
  verify(key: string): Promise<{ integration: string; id: string } | null>;
}

export interface GatewayOptions {
  policy: LoadedPolicy;
  /** Watch this file and reload the policy when it changes (a bad change is refused, the old policy stays). */
  policyFile?: string;
  environment?: string;
  store: AuditStore;
  keys: KeyVerifier;
  /** The kill switch (state in the data directory or the PostgreSQL database); without it no provider can be switched off. */
  providerSwitch?: ProviderSwitch;
  /** Bearer token for /admin/*; the admin routes exist only when it is set. */
  adminToken?: string;
  logger: Logger;
  /** Where provider keys are read from (the variables the policy names). */
  env: NodeJS.ProcessEnv;
  newId: () => string;
  now?: () => number;
  /** Called with each audit event after it is stored (metrics, alerts). */
  onEvent?: (e: AuditEvent) => void;
  /** Where events go when the store fails and the policy chooses availability (audit.on_failure: spool). */
  spool?: (e: AuditEvent, err: unknown) => Promise<void>;
  /** Serves GET /metrics when given (Prometheus text; see docs/alerts.md for its authentication). */
  metrics?: (
    authorization: string | undefined,
  ) => Promise<{ status: number; body: string; contentType: string }>;
  /** Called with a new policy before it takes effect; throwing refuses the reload. */
  onReload?: (policy: LoadedPolicy) => void;
  /** Called after the last call finished and before the store closes (flush alerts). */
  beforeClose?: () => Promise<void>;
  /** A model-based prompt-injection classifier (0..1 per text), consulted next to the heuristic. */
  injectionClassifier?: InjectionClassifier;
}

interface Loaded {
  engine: Engine;
  keys: Map<string, string | undefined>;
}

/** A request id the caller sent, if it is safe to echo and store. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const PROVIDER_SEGMENT = ":provider{[a-z0-9][a-z0-9_-]{0,62}}";

/**
 * The HTTP gateway: the providers' own routes, each guarded by the policy. Every route registered
 * here goes through `guarded`; anything else is a 404, never proxied.
 */
export class Gateway {
  readonly app = new Hono();
  private current: Loaded;
  private server: ServerType | undefined;
  private watcher: FSWatcher | undefined;
  private inFlight = 0;
  private draining = false;
  private readonly drained: (() => void)[] = [];
  private readonly now: () => number;

  constructor(private readonly opts: GatewayOptions) {
    this.now = opts.now ?? Date.now;
    this.current = this.build(opts.policy);
    this.routes();
  }

  /** Whether /admin/* is served (a token was configured). */
  get adminEnabled(): boolean {
    return Boolean(this.opts.adminToken && this.opts.providerSwitch);
  }

  get engine(): Engine {
    return this.current.engine;
  }

  /** Replaces the policy for new calls; calls in flight finish under the policy they started with. */
  reload(policy: LoadedPolicy): void {
    const next = this.build(policy);
    this.opts.onReload?.(policy);
    this.current = next;
    this.opts.logger.info({ revision: policy.revision }, "policy reloaded");
  }

  private build(policy: LoadedPolicy): Loaded {
    const engine = new Engine(policy, { environment: this.opts.environment });
    const keys = new Map<string, string | undefined>();
    for (const [name, p] of Object.entries(policy.policy.providers)) {
      keys.set(name, p.api_key_env ? this.opts.env[p.api_key_env] || undefined : undefined);
    }
    return { engine, keys };
  }

  /** The routes actually registered, for the test that proves each is guarded. */
  registeredRoutes(): { method: string; path: string }[] {
    return this.app.routes.map((r) => ({ method: r.method, path: r.path }));
  }

  private routes(): void {
    this.app.get("/healthz", (c) => c.json({ status: "ok" }));
    if (this.opts.adminToken && this.opts.providerSwitch) {
      registerAdminRoutes(this.app, {
        token: this.opts.adminToken,
        providerSwitch: this.opts.providerSwitch,
        engine: () => this.engine,
        record: (e) => this.record(e),
        logger: this.opts.logger,
      });
    }
    this.app.get("/readyz", async (c) => {
      if (this.draining) return c.json({ status: "draining" }, 503);
      try {
        await this.opts.store.count({ limit: 1 });
      } catch {
        return c.json({ status: "audit store unavailable" }, 503);
      }
      return c.json({
        status: "ready",
        policy_revision: this.engine.revision,
        environment: this.engine.environment,
      });
    });
    const metrics = this.opts.metrics;
    if (metrics) {
      this.app.get("/metrics", async (c) => {
        const r = await metrics(c.req.header("authorization"));
        return c.body(r.body, r.status as 200, { "content-type": r.contentType });
      });
    }
    for (const adapter of (["openai", "anthropic", "gemini"] as const).map(adapterFor)) {
      for (const route of adapter.routes) {
        const handler = this.guarded(adapter, route.endpoint);
        this.app.on(route.method, [route.path, `/${PROVIDER_SEGMENT}${route.path}`], handler);
      }
    }
    this.app.notFound((c) =>
      c.json(
        {
          error: {
            message: `No such route: ${c.req.method} ${new URL(c.req.url).pathname}. The gateway serves the providers' own API paths.`,
            type: "not_found",
          },
        },
        404,
      ),
    );
    this.app.onError((err, c) => {
      this.opts.logger.error({ err: { name: err.name } }, "unhandled gateway error");
      return c.json(
        { error: { message: "internal gateway error; the call was not forwarded", type: "internal_error" } },
        500,
      );
    });
  }

  /** Authentication, body limits and the policy pipeline around one wire route. */
  private guarded(adapter: WireAdapter, endpoint: Endpoint) {
    return async (c: Context): Promise<Response> => {
      const { engine, keys } = this.current;
      // On Node, read the raw request directly: building a web Request (headers, body stream, signal)
      // for every call costs more than the whole policy scan of a 2 KB prompt.
      const node = (c.env as NodeBindings | undefined)?.incoming ? (c.env as NodeBindings) : undefined;
      const headers = node ? flatHeaders(node.incoming.headers) : webHeaders(c.req.raw.headers);
      const requestId = pickRequestId(headers["x-request-id"], this.opts.newId);
      const fail = (status: number, message: string, code: string) =>
        c.json(adapter.errorBody(status, message, code) as object, status as 400, {
          "x-request-id": requestId,
          "x-policygate-refusal": code,
        });
      if (this.draining)
        return fail(503, "The gateway is shutting down; retry on another instance.", "draining");

      const presented = presentedKey(headers, c);
      let who: { integration: string; id: string } | null;
      try {
        who = presented ? await this.opts.keys.verify(presented) : null;
      } catch (e) {
        // Fail closed: a key that cannot be checked (key database down) is not let through. Store
        // errors name the database without credentials; anything else is logged by name only.
        this.opts.logger.error(
          e instanceof AuditStoreError ? { error: e.message } : { err: { name: (e as Error).name } },
          "gateway keys cannot be verified; refusing the call",
        );
        return fail(
          503,
          "The gateway cannot check gateway keys right now (its key store is unavailable); the call was not forwarded. Retry shortly.",
          "key_store_unavailable",
        );
      }
      if (!who) {
        return fail(
          401,
          presented
            ? "Unknown or revoked gateway key. Use the key issued for your integration (policygate keys create --integration NAME)."
            : "Missing gateway key. Send it as the provider SDK's API key (Authorization: Bearer …, x-api-key or x-goog-api-key).",
          "unknown_key",
        );
      }

      const limit = engine.policy.gateway.max_body_bytes;
      let body: Buffer;
      try {
        body = node ? await readIncomingBody(node.incoming, headers, limit) : await readRequestBody(c, limit);
      } catch (e) {
        if (e instanceof BodyTooLarge) {
          return fail(
            413,
            `The request body is larger than ${limit} bytes (gateway.max_body_bytes).`,
            "too_large",
          );
        }
        return fail(400, "The request body could not be read.", "bad_body");
      }

      const provider = c.req.param("provider");
      const params: Record<string, string> = { ...c.req.param() };
      delete params.provider;
      const rawUrl = node ? (node.incoming.url ?? "") : c.req.url;
      const qi = rawUrl.indexOf("?");
      const query = qi === -1 ? {} : Object.fromEntries(new URLSearchParams(rawUrl.slice(qi + 1)));
      delete query.key;

      const env: CallEnv = {
        engine,
        adapter,
        endpoint,
        providerFromPath: provider,
        integration: who.integration,
        caller: who.id,
        providerKey: (name) => keys.get(name),
        audit: (e) => this.record(e),
        newId: this.opts.newId,
        now: this.now,
        injectionClassifier: this.opts.injectionClassifier,
        switchedOff: this.opts.providerSwitch && ((p) => this.opts.providerSwitch!.disabled(p)),
      };
      const signal = node ? closeSignal(node) : c.req.raw.signal;
      const call: IncomingCall = { requestId, body, params, query, headers, signal };
      this.inFlight++;
      let release = true;
      try {
        const result = await handleCall(env, call);
        const h = new Headers(result.headers);
        if (result.body instanceof ReadableStream) {
          // The stream outlives this function: count it in flight until it is done.
          release = false;
          let counted = true;
          const done = () => {
            if (counted) this.done();
            counted = false;
          };
          const tracked = result.body.pipeThrough(
            new TransformStream({
              flush: done,
            }),
          );
          signal.addEventListener("abort", done, { once: true });
          return new Response(tracked, { status: result.status, headers: h });
        }
        h.set("content-type", "application/json");
        return new Response(JSON.stringify(result.body), { status: result.status, headers: h });
      } finally {
        if (release) this.done();
      }
    };
  }

  private done(): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
    if (this.inFlight === 0) for (const f of this.drained.splice(0)) f();
  }

  private async record(e: AuditEvent): Promise<void> {
    try {
      await this.opts.store.append(e);
    } catch (err) {
      this.opts.logger.error(
        { store: this.opts.store.description, request_id: e.request_id },
        "audit store write failed",
      );
      if (this.current.engine.policy.audit.on_failure === "spool" && this.opts.spool) {
        await this.opts.spool(e, err);
      } else {
        throw new AuditUnavailable(err);
      }
    }
    this.opts.onEvent?.(e);
  }

  /** Starts listening (and watching the kill switch). Resolves with the bound port. */
  listen(port: number, hostname = "127.0.0.1"): Promise<number> {
    this.opts.providerSwitch?.start();
    return new Promise((resolve, reject) => {
      const server = serve({ fetch: this.app.fetch, port, hostname }, (info) => resolve(info.port));
      server.on("error", reject);
      this.server = server;
    });
  }

  /** Watches the policy file; a valid change takes effect at once, an invalid one is refused loudly. */
  watchPolicy(): void {
    const file = this.opts.policyFile;
    if (!file) return;
    let timer: NodeJS.Timeout | undefined;
    const check = () => {
      const r = loadPolicyFile(file);
      if (!r.ok) {
        this.opts.logger.error(
          { file, errors: r.errors.map(formatPolicyError) },
          "policy change refused: the new policy does not load; the previous policy stays in force",
        );
        return;
      }
      if (r.value.revision === this.engine.revision) return;
      try {
        this.reload(r.value);
      } catch (e) {
        this.opts.logger.error(
          { file, error: (e as Error).message },
          "policy change refused; the previous policy stays in force",
        );
      }
    };
    // Watch the directory: editors replace files by renaming, which a file watch would miss.
    this.watcher = watch(dirname(file), (_event, name) => {
      if (name && name !== basename(file) && !fingerprintFilesBeside(this.engine.policy, file).has(name))
        return;
      clearTimeout(timer);
      timer = setTimeout(check, 50);
    });
  }

  /** Stops accepting calls, lets calls in flight finish (up to `graceMs`), then closes the store. */
  async close(graceMs = 30_000): Promise<void> {
    this.draining = true;
    this.watcher?.close();
    const switchClosed = this.opts.providerSwitch?.close();
    const server = this.server;
    const closed = new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    if (this.inFlight > 0) {
      await Promise.race([
        new Promise<void>((r) => this.drained.push(r)),
        new Promise((r) => setTimeout(r, graceMs).unref()),
      ]);
    }
    if (server && "closeAllConnections" in server)
      (server as { closeAllConnections(): void }).closeAllConnections();
    await closed;
    await switchClosed;
    await this.opts.beforeClose?.().catch(() => undefined);
    await this.opts.store.close();
  }
}

class BodyTooLarge extends Error {}

/** What @hono/node-server passes as `c.env`: the raw Node request and response. */
interface NodeBindings {
  incoming: IncomingMessage;
  outgoing: ServerResponse;
}

function flatHeaders(h: IncomingMessage["headers"]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k in h) {
    const v = h[k];
    if (v !== undefined) out[k] = Array.isArray(v) ? v.join(", ") : v;
  }
  return out;
}

function webHeaders(h: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  h.forEach((v, k) => (out[k] = v));
  return out;
}

function readIncomingBody(
  req: IncomingMessage,
  headers: Record<string, string>,
  limit: number,
): Promise<Buffer> {
  const declared = Number(headers["content-length"] ?? NaN);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(new BodyTooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on("data", (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        // Stop buffering; the rest of the body is read and dropped so the 413 can be sent.
        reject(new BodyTooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (!failed) resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    });
    req.on("error", (e) => {
      if (!failed) reject(e);
    });
  });
}

/** Aborts when the caller goes away before the answer is complete. */
function closeSignal(node: NodeBindings): AbortSignal {
  const ac = new AbortController();
  node.outgoing.once("close", () => {
    if (!node.outgoing.writableFinished) ac.abort();
  });
  return ac.signal;
}

async function readRequestBody(c: Context, limit: number): Promise<Buffer> {
  const declared = Number(c.req.header("content-length") ?? NaN);
  if (Number.isFinite(declared) && declared > limit) throw new BodyTooLarge();
  const stream = c.req.raw.body;
  if (!stream) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > limit) throw new BodyTooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function presentedKey(headers: Record<string, string>, c: Context): string | undefined {
  const auth = headers.authorization;
  if (auth) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (m) return m[1];
  }
  return headers["x-api-key"] ?? headers["x-goog-api-key"] ?? c.req.query("key") ?? undefined;
}

function pickRequestId(sent: string | undefined, newId: () => string): string {
  return sent && REQUEST_ID.test(sent) ? sent : newId();
}
