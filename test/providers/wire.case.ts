/**
 * The conformance suite every wire adapter passes (in the style of Hono's router tests): a wire's
 * own test file describes its requests and its official client in a few lines and calls
 * `runWireTests`. Adding a wire means passing this file.
 */
import fc from "fast-check";
import { Hono } from "hono";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { defaultPolicyEngine } from "../../src/enforce/engine.js";
import { OutputStreamGuard } from "../../src/enforce/stream.js";
import { getAt, replaceTexts, type StreamTextGuard, type WireAdapter } from "../../src/providers/adapter.js";
import { parseSse } from "../../src/providers/sse.js";
import type { Endpoint, ParsedRequest, SseEvent, UnscannablePart } from "../../src/providers/types.js";
import { WireError } from "../../src/providers/types.js";
import { splitText, startMockUpstream, type MockUpstream } from "../helpers/mock-upstream.js";

/** A request as a caller sends it. */
export interface WireRequest {
  endpoint: Endpoint;
  body: unknown;
  params?: Record<string, string>;
  query?: Record<string, string>;
}

/** The texts a streamed answer carries, read the way a client would. */
export interface StreamTexts {
  /** The answer text, concatenated from its deltas. */
  deltas: string;
  /** Every place a "done" or final event repeats the whole text. */
  finals: string[];
  /** The tool call's arguments, concatenated from deltas ("" when the wire sends calls whole). */
  toolDeltas: string;
  /** Every place the whole arguments are repeated (JSON text). */
  toolFinals: string[];
}

/** One way a caller uses the wire through its official client (or Google's REST docs, via fetch). */
export interface WireClient {
  name: string;
  /** The request this client sends for a prompt, for the offline parts of the suite. */
  request(prompt: string, stream: boolean): WireRequest;
  /** Calls the mock at `baseUrl` the way an application would; returns the answer as the client sees it. */
  complete(baseUrl: string, prompt: string, stream: boolean): Promise<{ text: string; toolArgs?: string }>;
  /** The exception the client raises for an HTTP error status (undefined: check the body shape instead). */
  errorClass?: (status: number) => abstract new (...args: never[]) => Error;
}

export interface WireCase {
  adapter: WireAdapter;
  /** Requests that between them use every kind of text and opaque content the wire has. */
  rich: (WireRequest & {
    texts: string[];
    unscannable: UnscannablePart["type"][];
    model: string;
    user?: string;
  })[];
  /** Bodies the parser must refuse, with what the message must say. */
  malformed: (WireRequest & { name: string; message: RegExp })[];
  readStream(endpoint: Endpoint, events: SseEvent[]): StreamTexts;
  clients: WireClient[];
  /** Checks an error body when the wire has no official client here. */
  errorShape?: (body: unknown, status: number, message: string) => void;
  /** Example request paths per endpoint (for routes whose pattern has parameters). */
  paths?: Partial<Record<Endpoint, string>>;
}

/** Upper-cases and holds back the last 5 characters of each channel: visible, and a window late. */
export class ShoutingGuard implements StreamTextGuard {
  readonly blocked = undefined;
  private readonly held = new Map<string, string>();
  private readonly out = new Map<string, string>();

  push(channel: string, text: string): string {
    const all = (this.held.get(channel) ?? "") + text;
    const cut = Math.max(0, all.length - 5);
    this.held.set(channel, all.slice(cut));
    return this.release(channel, all.slice(0, cut));
  }

  end(channel: string): string {
    const rest = this.held.get(channel) ?? "";
    this.held.set(channel, "");
    return this.release(channel, rest);
  }

  emitted(channel: string): string {
    return this.out.get(channel) ?? "";
  }

  private release(channel: string, text: string): string {
    const up = text.toUpperCase();
    this.out.set(channel, this.emitted(channel) + up);
    return up;
  }
}

function rewrite(
  adapter: WireAdapter,
  endpoint: Endpoint,
  events: SseEvent[],
  guard: StreamTextGuard,
): SseEvent[] {
  const r = adapter.streamRewriter(endpoint, guard);
  return [...events.flatMap((ev) => r.onEvent(ev)), ...r.onEnd()];
}

function echoEvents(
  adapter: WireAdapter,
  req: WireRequest,
  script: Parameters<WireAdapter["echo"]>[2],
): { parsed: ParsedRequest; events: SseEvent[] } {
  const parsed = adapter.parseRequest(req.endpoint, req.body, req.params ?? {});
  const a = adapter.echo(parsed, req.body, script);
  if (!("events" in a)) throw new Error("expected a streamed echo");
  return { parsed, events: a.events };
}

const TOOL = { name: "get_weather", arguments: '{"CITY":"Paris","UNIT":"celsius"}' };
const KEY = "ghp_R8fKq2ZpL0vT7mXw3NcB9sYhJ4dA6eUiQ1oG";

export function runWireTests(c: WireCase): void {
  const { adapter } = c;

  describe(`${adapter.wire} wire: requests`, () => {
    it.each(c.rich.map((r, i) => [i, r] as const))(
      "finds every text and opaque part of rich request %i",
      (_, r) => {
        const parsed = adapter.parseRequest(r.endpoint, r.body, r.params ?? {});
        expect(parsed.endpoint).toBe(r.endpoint);
        expect(parsed.model).toBe(r.model);
        expect(parsed.parts.map((p) => p.text)).toEqual(r.texts);
        for (const p of parsed.parts) {
          expect(getAt(r.body, p.at)).toBe(p.text);
          expect(p.path).toBeTruthy();
        }
        expect(parsed.unscannable.map((u) => u.type)).toEqual(r.unscannable);
        for (const u of parsed.unscannable) expect(getAt(r.body, u.at)).toBeDefined();
        expect(parsed.user).toBe(r.user);
      },
    );

    it.each(c.rich.map((r, i) => [i, r] as const))(
      "writes redacted texts back into rich request %i",
      (_, r) => {
        const before = structuredClone(r.body);
        const parsed = adapter.parseRequest(r.endpoint, r.body, r.params ?? {});
        const texts = parsed.parts.map((_, i) => `[REDACTED_${i}]`);
        const rewritten = replaceTexts(r.body, parsed.parts, texts);
        expect(r.body).toEqual(before);
        const again = adapter.parseRequest(r.endpoint, rewritten, r.params ?? {});
        expect(again.parts.map((p) => p.text)).toEqual(texts);
        expect(again.unscannable).toEqual(parsed.unscannable);
        expect(
          replaceTexts(
            r.body,
            parsed.parts,
            parsed.parts.map((p) => p.text),
          ),
        ).toBe(r.body);
      },
    );

    const posts = adapter.routes.filter((r) => r.method === "POST");
    it.each(
      posts.flatMap((r) =>
        [null, [], "text", 42].map((body) => [r.endpoint, JSON.stringify(body), body] as const),
      ),
    )("refuses a %s body that is %s", (endpoint, _, body) => {
      const params = c.rich.find((r) => r.endpoint === endpoint)?.params ?? {};
      expect(() => adapter.parseRequest(endpoint, body, params)).toThrow(WireError);
      expect(() => adapter.parseRequest(endpoint, body, params)).toThrow(/must be a JSON object/);
    });

    it.each(c.malformed.map((m) => [m.name, m] as const))("refuses %s with a clear message", (_, m) => {
      let err: unknown;
      try {
        adapter.parseRequest(m.endpoint, m.body, m.params ?? {});
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(WireError);
      expect((err as WireError).status).toBe(400);
      expect((err as Error).message).toMatch(m.message);
    });

    it("mounts every route in Hono, also under a provider prefix", async () => {
      const app = new Hono();
      for (const prefix of ["", "/acme-provider"])
        for (const r of adapter.routes)
          app.on(r.method, prefix + r.path, (ctx) =>
            ctx.json({ endpoint: r.endpoint, params: ctx.req.param() }),
          );
      for (const prefix of ["", "/acme-provider"])
        for (const r of adapter.routes) {
          const path = c.paths?.[r.endpoint] ?? r.path;
          const res = await app.request(prefix + path, { method: r.method });
          expect(res.status).toBe(200);
          const got = (await res.json()) as { endpoint: string; params: Record<string, string> };
          expect(got.endpoint).toBe(r.endpoint);
          const req = c.rich.find((x) => x.endpoint === r.endpoint);
          if (req?.params) expect(got.params).toEqual(req.params);
        }
    });
  });

  describe(`${adapter.wire} wire: answers`, () => {
    for (const client of c.clients) {
      it(`${client.name}: parses a non-streamed answer's text and tool arguments`, () => {
        const req = client.request("What is the weather?", false);
        const parsed = adapter.parseRequest(req.endpoint, req.body, req.params ?? {});
        const a = adapter.echo(parsed, req.body, { text: "Sunny in Paris.", toolCall: TOOL });
        if (!("json" in a)) throw new Error("expected JSON");
        const parts = adapter.parseResponse(req.endpoint, a.json);
        expect(parts.filter((p) => p.source === "output_text").map((p) => p.text)).toEqual([
          "Sunny in Paris.",
        ]);
        const args = parts.filter((p) => p.source === "tool_arguments").map((p) => p.text);
        expect(args.join("|")).toMatch(/Paris/);
        for (const p of parts) expect(getAt(a.json, p.at)).toBe(p.text);
        const usage = adapter.usage(req.endpoint, a.json);
        expect(usage?.input).toBeGreaterThan(0);
        expect(usage?.output).toBeGreaterThan(0);
        const rewritten = replaceTexts(
          a.json,
          parts,
          parts.map((p) => p.text.toUpperCase()),
        );
        expect(adapter.parseResponse(req.endpoint, rewritten).map((p) => p.text)).toEqual(
          parts.map((p) => p.text.toUpperCase()),
        );
      });

      it(`${client.name}: a streamed answer through a guard carries the guarded text in deltas and finals`, () => {
        const text = "Sunny in Paris, 21 degrees, light wind from the west.";
        const req = client.request("weather?", true);
        const { events } = echoEvents(adapter, req, { text, toolCall: TOOL });
        const out = rewrite(adapter, req.endpoint, events, new ShoutingGuard());
        const got = c.readStream(req.endpoint, out);
        expect(got.deltas).toBe(text.toUpperCase());
        for (const f of got.finals) expect(f).toBe(text.toUpperCase());
        if (got.toolDeltas) expect(got.toolDeltas).toBe(TOOL.arguments.toUpperCase());
        expect(got.toolFinals.length + got.toolDeltas.length).toBeGreaterThan(0);
        for (const f of got.toolFinals)
          expect(JSON.parse(f)).toEqual(JSON.parse(TOOL.arguments.toUpperCase()));
      });

      it(`${client.name}: any chunking of the upstream stream gives the same guarded text`, () => {
        fc.assert(
          fc.property(
            fc.string({ minLength: 1, maxLength: 60 }),
            fc.array(fc.nat(70), { maxLength: 10 }),
            (text, cuts) => {
              const req = client.request("x", true);
              const { events } = echoEvents(adapter, req, { text, chunks: splitText(text, cuts) });
              const got = c.readStream(
                req.endpoint,
                rewrite(adapter, req.endpoint, events, new ShoutingGuard()),
              );
              expect(got.deltas).toBe(text.toUpperCase());
              for (const f of got.finals) expect(f).toBe(text.toUpperCase());
            },
          ),
          { numRuns: 60 },
        );
      });

      it(`${client.name}: streamed usage is reported`, () => {
        const req = client.request("count me", true);
        const { events } = echoEvents(adapter, req, {
          text: "four five six",
          usage: { input: 11, output: 7 },
        });
        const r = adapter.streamRewriter(req.endpoint, new ShoutingGuard());
        for (const ev of events) r.onEvent(ev);
        r.onEnd();
        const u = r.usage();
        // Chat Completions reports streamed usage only when the caller asked for it.
        if (u) expect(u).toEqual({ input: 11, output: 7 });
      });

      it(`${client.name}: events the guard never saw are not passed on`, () => {
        const req = client.request("x", true);
        const out = adapter.streamRewriter(req.endpoint, new ShoutingGuard()).onEvent({ data: "{not json" });
        expect(out).toEqual([]);
      });
    }

    it("encodes streams so a parser reads back the same events", () => {
      const ev: SseEvent[] = [{ event: "x", data: '{"a":1}' }, { data: '{"b":"two\\nlines"}' }];
      const enc = adapter.streamEncoder(adapter.routes[0]!.endpoint, { alt: "sse" });
      const text = ev.map((e) => enc.event(e)).join("") + enc.end();
      expect(parseSse(text)).toEqual(ev);
    });

    it("gives an error body for every status the gateway answers with", () => {
      for (const status of [400, 401, 403, 404, 413, 429, 500, 502, 503, 529]) {
        const body = adapter.errorBody(status, "refused by policy rule classes.restricted");
        expect(JSON.stringify(body)).toContain("refused by policy rule classes.restricted");
        c.errorShape?.(body, status, "refused by policy rule classes.restricted");
        const events = adapter.streamError(status, "refused");
        expect(events.length).toBeGreaterThan(0);
        for (const e of events) expect(() => JSON.parse(e.data)).not.toThrow();
      }
    });
  });

  describe(`${adapter.wire} wire: official clients against the mock upstream`, () => {
    let mock: MockUpstream;
    beforeAll(async () => {
      mock = await startMockUpstream();
    });
    afterAll(async () => {
      await mock.close();
    });
    beforeEach(() => mock.reset());

    for (const client of c.clients) {
      for (const stream of [false, true]) {
        const mode = stream ? "streamed" : "not streamed";

        it(`${client.name} (${mode}): reads the echo answer`, async () => {
          const got = await client.complete(mock.url, "Hello from the conformance suite", stream);
          expect(got.text).toBe("Echo: Hello from the conformance suite");
          expect(mock.requests).toHaveLength(1);
        });

        it(`${client.name} (${mode}): reads a scripted text and tool call`, async () => {
          mock.script({ text: "Checking the weather.", splitAt: [3, 9, 10], toolCall: TOOL });
          const got = await client.complete(mock.url, "weather?", stream);
          expect(got.text).toBe("Checking the weather.");
          expect(JSON.parse(got.toolArgs ?? "null")).toEqual(JSON.parse(TOOL.arguments));
        });
      }

      it(`${client.name}: accepts a stream rewritten through a guard`, async () => {
        const text = "The forecast for Paris is sunny.";
        const req = client.request("forecast?", true);
        const { events } = echoEvents(adapter, req, {
          text,
          chunks: splitText(text, [2, 3, 11, 20, 21]),
          toolCall: TOOL,
        });
        mock.script({ events: rewrite(adapter, req.endpoint, events, new ShoutingGuard()) });
        const got = await client.complete(mock.url, "forecast?", true);
        expect(got.text).toBe(text.toUpperCase());
        expect(JSON.parse(got.toolArgs ?? "null")).toEqual(JSON.parse(TOOL.arguments.toUpperCase()));
      });

      it(`${client.name}: gets a key split across chunks redacted by the real output guard`, async () => {
        const text = `Here is the token you asked for: ${KEY} -- keep it safe. ${"More text follows. ".repeat(8)}`;
        const req = client.request("token?", true);
        const { events } = echoEvents(adapter, req, {
          text,
          chunks: splitText(text, [30, 40, 41, 55, 60, 90]),
        });
        const guard = new OutputStreamGuard(defaultPolicyEngine());
        const out = rewrite(adapter, req.endpoint, events, guard);
        for (const ev of out) expect(ev.data).not.toContain(KEY.slice(0, 12));
        mock.script({ events: out });
        const got = await client.complete(mock.url, "token?", true);
        expect(got.text).not.toContain(KEY.slice(0, 8));
        expect(got.text).toMatch(/^Here is the token you asked for: \[[A-Z_]+_1\] -- keep it safe\./);
        expect(guard.decision().counts).toEqual({ "github-token": 1 });
      });

      for (const stream of [false, true]) {
        it(`${client.name}: raises the client's usual exception for each error status (${stream ? "streamed" : "not streamed"})`, async () => {
          for (const status of [400, 401, 403, 404, 429, 500]) {
            mock.script({ status, message: `policy refused (${status})` });
            const err = await client.complete(mock.url, "x", stream).then(
              () => undefined,
              (e: unknown) => e,
            );
            expect(err, `status ${status}`).toBeInstanceOf(Error);
            if (client.errorClass) expect(err, `status ${status}`).toBeInstanceOf(client.errorClass(status));
            expect(String((err as Error).message)).toContain(`policy refused (${status})`);
          }
        });
      }

      it(`${client.name}: raises when a stream ends with the provider's error event`, async () => {
        const req = client.request("x", true);
        const { events } = echoEvents(adapter, req, { text: "Part of an answer that is then withheld" });
        mock.script({
          events: [...events.slice(0, 3), ...adapter.streamError(403, "the answer was withheld by policy")],
        });
        const err = await client.complete(mock.url, "x", true).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(Error);
        expect(String((err as Error).message)).toContain("the answer was withheld by policy");
      });

      it(`${client.name}: fails when the upstream dies mid-stream`, async () => {
        mock.script({ text: "a long answer that never finishes", cutAfterEvents: 3 });
        await expect(client.complete(mock.url, "x", true)).rejects.toBeDefined();
      });
    }
  });
}
