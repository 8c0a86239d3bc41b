import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AuditEvent } from "../../src/audit/event.js";
import type { AuditQuery, AuditStore } from "../../src/audit/store.js";
import { blockedForSecret, makeEvent } from "../helpers/audit.js";

export interface StoreHarness {
  /** Opens the store kept in `dir`, a fresh temporary directory per test; the same dir reopens it. */
  open(dir: string): Promise<AuditStore>;
  /** Every byte the store has written; by default the contents of every file in `dir`. */
  rawBytes?(dir: string): Promise<Buffer>;
}

// Fake but realistic values, as a prompt would carry them; they must never reach a store.
const API_KEY = "ghp_R8fKq2ZpL0vT7mXw3NcB9sYhJ4dA6eUiQ1oG";
const EMAIL = "jane.okafor@brightwater.example";

/** The conformance suite every audit store passes (sqlite, jsonl, and postgres when it comes). */
export function runStoreTests(name: string, harness: StoreHarness): void {
  describe(`audit store conformance: ${name}`, () => {
    let dir: string;
    let store: AuditStore;

    beforeEach(async () => {
      dir = mkdtempSync(join(tmpdir(), "pg-audit-"));
      store = await harness.open(dir);
    });
    afterEach(async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it("gives back exactly the event it was given", async () => {
      const e = makeEvent({
        user: "zoë@tenant/42",
        stream: true,
        input: {
          decision: "redact",
          enforced_decision: "block",
          highest_class: "confidential",
          findings: { email: 2, "phone-number": 1 },
          classes_sent: ["internal", "confidential"],
          rules: ["classes.confidential", "integrations.support-bot.max_class"],
        },
        output: {
          decision: "redact",
          enforced_decision: "redact",
          findings: { email: 1 },
          rules: ["output.leak"],
        },
        error: null,
        tokens: { input: 1234, output: null },
      });
      await store.append(e);
      expect(await store.query()).toStrictEqual([e]);
      expect(await store.count()).toBe(1);
    });

    describe("filters", () => {
      // Each event differs from the base in the field named by its key.
      const base = { ts: "2025-06-24T10:00:00.000Z" };
      const events = {
        plain: makeEvent({ ...base }),
        otherUser: makeEvent({ ...base, ts: "2025-06-24T11:00:00.000Z", user: "user_456" }),
        otherIntegration: makeEvent({
          ...base,
          ts: "2025-06-24T12:00:00.000Z",
          integration: "sales-summariser",
        }),
        openai: makeEvent({ ...base, ts: "2025-06-24T13:00:00.000Z", provider: "openai", model: "gpt-4.1" }),
        blocked: blockedForSecret({ ts: "2025-06-24T14:00:00.000Z" }),
        redactedIn: makeEvent({
          ts: "2025-06-24T15:00:00.000Z",
          input: {
            decision: "redact",
            enforced_decision: "redact",
            highest_class: "confidential",
            findings: { email: 1 },
          },
        }),
        redactedOut: makeEvent({
          ts: "2025-06-24T16:00:00.000Z",
          output: { decision: "redact", enforced_decision: "redact", findings: { email: 1 } },
        }),
        error: makeEvent({
          ts: "2025-06-24T17:00:00.000Z",
          status: "error",
          http_status: 502,
          error: { code: "upstream.timeout", message: "the provider did not answer within 30 s" },
          output: null,
          user: null,
          integration: null,
        }),
        public: makeEvent({ ts: "2025-06-24T18:00:00.000Z", input: { highest_class: "public" } }),
      };
      const all = Object.values(events);
      const ids = (es: AuditEvent[]) => es.map((e) => e.id);
      const pick = (...names: (keyof typeof events)[]) => names.map((n) => events[n].id);

      beforeEach(async () => {
        // Appended out of time order: stores must sort, not trust arrival order.
        for (const e of [...all].reverse()) await store.append(e);
      });

      const cases: [string, AuditQuery, (keyof typeof events)[]][] = [
        ["user", { user: "user_456" }, ["otherUser"]],
        ["integration", { integration: "sales-summariser" }, ["otherIntegration"]],
        ["provider", { provider: "openai" }, ["openai"]],
        ["decision block", { decision: "block" }, ["blocked"]],
        ["decision redact (input or output)", { decision: "redact" }, ["redactedIn", "redactedOut"]],
        ["status blocked", { status: "blocked" }, ["blocked"]],
        ["status error", { status: "error" }, ["error"]],
        ["minClass confidential", { minClass: "confidential" }, ["blocked", "redactedIn"]],
        ["minClass restricted", { minClass: "restricted" }, ["blocked"]],
        ["minClass internal excludes public", { minClass: "internal" }, keysExcept(events, "public")],
        ["since is inclusive", { since: "2025-06-24T17:00:00.000Z" }, ["error", "public"]],
        ["until is exclusive", { until: "2025-06-24T11:00:00.000Z" }, ["plain"]],
        [
          "since and until in other ISO spellings",
          { since: "2025-06-24T13:00:00+00:00", until: "2025-06-24T17:00:00+02:00" },
          ["openai", "blocked"],
        ],
        [
          "filters combine with AND",
          { user: "user_123", decision: "redact", minClass: "confidential" },
          ["redactedIn"],
        ],
        ["no match", { user: "nobody" }, []],
        ["limit keeps the oldest", { limit: 2 }, ["plain", "otherUser"]],
        ["newestFirst", { newestFirst: true, limit: 3 }, ["public", "error", "redactedOut"]],
        ["limit 0", { limit: 0 }, []],
      ];

      it.each(cases)("%s", async (_name, q, expected) => {
        expect(ids(await store.query(q))).toEqual(pick(...expected));
        expect(await store.count(q)).toBe(expected.length);
      });

      it("returns every event oldest first with no query", async () => {
        expect(ids(await store.query())).toEqual(ids(all));
        expect(ids(await store.query({ newestFirst: true }))).toEqual(ids(all).reverse());
        expect(await store.count()).toBe(all.length);
      });

      it("refuses a malformed query instead of matching everything", async () => {
        await expect(store.query({ since: "yesterday-ish" })).rejects.toThrow(/since/);
        await expect(store.query({ decision: "maybe" as never })).rejects.toThrow(/decision/);
        await expect(store.query({ minClass: "secret" as never })).rejects.toThrow(/minClass/);
        await expect(store.count({ limit: -1 })).rejects.toThrow(/limit/);
      });
    });

    it("orders events of the same millisecond by id", async () => {
      const ts = "2025-06-24T09:00:00.000Z";
      const es = Array.from({ length: 20 }, () => makeEvent({ ts }));
      for (const e of [...es].reverse()) await store.append(e);
      expect((await store.query()).map((e) => e.id)).toEqual(es.map((e) => e.id));
    });

    it("loses none of 1,000 appends made at once", async () => {
      const es = Array.from({ length: 1000 }, (_, i) =>
        makeEvent({ ts: new Date(Date.UTC(2025, 5, 24) + i).toISOString(), user: `user_${i % 7}` }),
      );
      await Promise.all(es.map((e) => store.append(e)));
      const got = await store.query();
      expect(got).toHaveLength(1000);
      expect(new Set(got.map((e) => e.id)).size).toBe(1000);
      expect(got.map((e) => e.id)).toEqual(es.map((e) => e.id));
      expect(await store.count({ user: "user_3" })).toBe(es.filter((e) => e.user === "user_3").length);
    });

    it("keeps its events across close and reopen", async () => {
      const a = makeEvent({ ts: "2025-06-24T08:00:00.000Z" });
      const b = blockedForSecret({ ts: "2025-06-24T08:00:01.000Z" });
      await store.append(a);
      await store.append(b);
      await store.close();
      store = await harness.open(dir);
      expect(await store.query()).toStrictEqual([a, b]);
      const c = makeEvent({ ts: "2025-06-24T08:00:02.000Z" });
      await store.append(c);
      expect(await store.count()).toBe(3);
    });

    it("records an event once when its id is appended twice (at-least-once forwarding)", async () => {
      const e = makeEvent();
      await store.append(e);
      await store.append(structuredClone(e));
      expect(await store.count()).toBe(1);
    });

    it("refuses a malformed event without echoing its content, and keeps its neighbours", async () => {
      const bad = { ...makeEvent(), ts: API_KEY } as AuditEvent;
      const good = makeEvent();
      const results = await Promise.allSettled([store.append(bad), store.append(good)]);
      expect(results[0]!.status).toBe("rejected");
      const reason = String((results[0] as PromiseRejectedResult).reason);
      expect(reason).toMatch(/ts/);
      expect(reason).not.toContain(API_KEY);
      expect(results[1]!.status).toBe("fulfilled");
      expect((await store.query()).map((e) => e.id)).toEqual([good.id]);
    });

    it("refuses appends after close", async () => {
      await store.close();
      await expect(store.append(makeEvent())).rejects.toThrow(/closed/);
      store = await harness.open(dir);
    });

    it("never writes a value from the calls it records, only counts and detector ids", async () => {
      // What the gateway records for a prompt carrying an API key (blocked) and one carrying an
      // email (redacted): detector ids and counts, not the key or the address.
      const prompts = [`deploy with ${API_KEY}`, `reply to ${EMAIL} about the refund`];
      expect(prompts.join()).toContain(API_KEY);
      const events = [
        blockedForSecret({ input: { findings: { "github-token": 1 } } }),
        makeEvent({
          input: {
            decision: "redact",
            enforced_decision: "redact",
            highest_class: "confidential",
            findings: { email: 1 },
            classes_sent: ["internal"],
            rules: ["classes.confidential"],
          },
          output: {
            decision: "redact",
            enforced_decision: "redact",
            findings: { email: 1 },
            rules: ["output.leak"],
          },
        }),
      ];
      for (const e of events) await store.append(e);
      const check = async () => {
        const bytes = await (harness.rawBytes ?? allFileBytes)(dir);
        expect(bytes.length).toBeGreaterThan(0);
        for (const v of [API_KEY, EMAIL]) {
          expect(bytes.includes(Buffer.from(v, "utf8"))).toBe(false);
          expect(bytes.includes(Buffer.from(v, "utf16le"))).toBe(false);
        }
        // The store did record the calls: their detector ids are there.
        expect(bytes.includes(Buffer.from("github-token"))).toBe(true);
      };
      await check();
      await store.close();
      await check();
      store = await harness.open(dir);
    });
  });
}

function keysExcept<T extends object>(o: T, ...not: (keyof T)[]): (keyof T)[] {
  return (Object.keys(o) as (keyof T)[]).filter((k) => !not.includes(k));
}

async function allFileBytes(dir: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else parts.push(readFileSync(p));
    }
  };
  walk(dir);
  return Buffer.concat(parts);
}
