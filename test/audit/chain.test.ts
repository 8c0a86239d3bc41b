import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { canonicalJson, eventHash, GENESIS_HASH } from "../../src/audit/chain.js";
import { loadOrCreateSigningKey, loadPublicKey, PUBLIC_KEY_FILE } from "../../src/audit/checkpoint.js";
import { JsonlAuditStore } from "../../src/audit/jsonl.js";
import { SqliteAuditStore } from "../../src/audit/sqlite.js";
import { verifyChain, type ChainedStore } from "../../src/audit/verify.js";
import type { AuditStore } from "../../src/audit/store.js";
import { makeEvent } from "../helpers/audit.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "pg-chain-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

type Store = AuditStore & ChainedStore & { purge: SqliteAuditStore["purge"] };

const day = (d: number) => `2025-06-${String(d).padStart(2, "0")}T12:00:00.000Z`;

describe("canonical form", () => {
  it("does not depend on key order or on a JSON round trip", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const again = JSON.parse(JSON.stringify(v)) as unknown;
        expect(canonicalJson(again)).toBe(canonicalJson(v));
        if (v && typeof v === "object" && !Array.isArray(v)) {
          const reversed = Object.fromEntries(Object.entries(v).reverse());
          expect(canonicalJson(reversed)).toBe(canonicalJson(v));
        }
      }),
    );
  });

  it("changes the hash when any field of the event changes", () => {
    const e = makeEvent();
    const h = eventHash(GENESIS_HASH, e);
    expect(eventHash(GENESIS_HASH, { ...e, user: "someone_else" })).not.toBe(h);
    expect(eventHash(GENESIS_HASH, { ...e, input: { ...e.input, findings: { "aws-key": 1 } } })).not.toBe(h);
    expect(eventHash("1".repeat(64), e)).not.toBe(h);
  });
});

const stores: [string, (path: string) => Promise<Store>, string][] = [
  ["sqlite", async (p) => SqliteAuditStore.open(p), "audit.sqlite"],
  [
    "sqlite (sync=full, writer thread)",
    async (p) => SqliteAuditStore.open(p, { synchronous: "full" }),
    "audit.sqlite",
  ],
  ["jsonl", (p) => JsonlAuditStore.open(p), "audit.jsonl"],
];

for (const [name, open, file] of stores) {
  describe(`${name}: the chain`, () => {
    let path: string;
    beforeEach(() => {
      path = join(dir, file);
    });

    async function fill(n: number, ts = (i: number) => day(1 + (i % 28))): Promise<string[]> {
      const store = await open(path);
      const es = Array.from({ length: n }, (_, i) => makeEvent({ ts: ts(i) }));
      await Promise.all(es.map((e) => store.append(e)));
      await store.close();
      return es.map((e) => e.id);
    }

    async function verify(opts: Parameters<typeof verifyChain>[1] = {}) {
      const store = await open(path);
      try {
        return await verifyChain(store, opts);
      } finally {
        await store.close();
      }
    }

    it("verifies a log written by many concurrent appends, in the order they were stored", async () => {
      await fill(300);
      const r = await verify();
      expect(r.problems).toEqual([]);
      expect(r).toMatchObject({ ok: true, events: 300, chained: 300, unchained: 0 });
    });

    it("keeps one chain across reopening and a second writer", async () => {
      await fill(5);
      const a = await open(path);
      const b = name === "jsonl" ? a : await open(path);
      await Promise.all([
        ...Array.from({ length: 20 }, () => a.append(makeEvent())),
        ...Array.from({ length: 20 }, () => b.append(makeEvent())),
      ]);
      await a.close();
      if (b !== a) await b.close();
      const r = await verify();
      expect(r.problems).toEqual([]);
      expect(r.events).toBe(45);
    });

    it("detects an edited event and names it", async () => {
      const ids = await fill(6);
      edit(path, ids[2]!, (e) => ({ ...e, user: "nobody" }));
      const r = await verify();
      expect(r.ok).toBe(false);
      expect(r.problems).toHaveLength(1);
      expect(r.problems[0]).toMatchObject({ kind: "edited", id: ids[2], position: 3 });
      expect(r.problems[0]!.message).toContain(ids[2]);
    });

    it("detects a removed event and says where", async () => {
      const ids = await fill(6);
      remove(path, ids[3]!);
      const r = await verify();
      expect(r.problems).toHaveLength(1);
      expect(r.problems[0]).toMatchObject({ kind: "removed", id: ids[4], position: 4 });
      expect(r.problems[0]!.message).toMatch(/removed just before it/);
    });

    it("detects reordered events", async () => {
      const ids = await fill(6);
      swap(path, ids[1]!, ids[2]!);
      const r = await verify();
      expect(r.ok).toBe(false);
      expect(r.problems[0]).toMatchObject({ kind: "reordered", position: 2, id: ids[2] });
    });

    it("detects a truncated end against a head noted earlier", async () => {
      const ids = await fill(4);
      const { head } = await verify();
      remove(path, ids[3]!);
      const r = await verify({ expectHead: head });
      expect(r.problems.map((p) => p.kind)).toEqual(["removed"]);
      expect(r.problems[0]!.where).toBe("end of log");
    });

    it("purges old events behind a signed checkpoint, and the rest still verifies", async () => {
      const key = loadOrCreateSigningKey(dir);
      await fill(10, (i) => day(1 + i));
      const store = await open(path);
      const res = await store.purge(day(5), key);
      expect(res).toMatchObject({ purged: 4, keptOld: 0 });
      await store.append(makeEvent({ ts: day(20) }));
      const again = await store.purge(day(7), key);
      expect(again.purged).toBe(2);
      expect(await store.count()).toBe(5);
      await store.close();
      const publicKey = loadPublicKey(join(dir, PUBLIC_KEY_FILE));
      const r = await verify({ publicKey });
      expect(r.problems).toEqual([]);
      expect(r).toMatchObject({ ok: true, events: 5, checkpoints: 2, purged_total: 6 });
      // Without the key a checkpoint cannot be trusted, and verify says so.
      expect((await verify()).problems[0]!.kind).toBe("checkpoint");
    });

    it("after a purge, still detects removing the first remaining event", async () => {
      const key = loadOrCreateSigningKey(dir);
      const ids = await fill(6, (i) => day(1 + i));
      const store = await open(path);
      await store.purge(day(3), key);
      await store.close();
      remove(path, ids[2]!);
      const r = await verify({ publicKey: key.publicKey });
      expect(r.problems).toHaveLength(1);
      expect(r.problems[0]).toMatchObject({ kind: "removed", id: ids[3], position: 3 });
      expect(r.problems[0]!.message).toMatch(/checkpoint/);
    });

    it("purging everything keeps the next event linked to the checkpoint", async () => {
      const key = loadOrCreateSigningKey(dir);
      await fill(3, (i) => day(1 + i));
      const store = await open(path);
      await store.purge(day(28), key);
      await store.append(makeEvent({ ts: day(28) }));
      await store.close();
      const r = await verify({ publicKey: key.publicKey });
      expect(r.problems).toEqual([]);
      expect(r.events).toBe(1);
    });
  });
}

describe("sqlite: files from before the chain", () => {
  it("opens a version 1 file, reads its events and reports them as unchained", async () => {
    const path = join(dir, "old.sqlite");
    const first = SqliteAuditStore.open(path);
    const old = makeEvent();
    await first.append(old);
    await first.close();
    // Turn the file back into what version 1 wrote.
    const db = new Database(path);
    db.exec("UPDATE audit_events SET prev_hash = NULL, hash = NULL");
    db.exec("DROP TABLE audit_checkpoints");
    db.exec("ALTER TABLE audit_events DROP COLUMN prev_hash");
    db.exec("ALTER TABLE audit_events DROP COLUMN hash");
    db.exec("UPDATE schema_version SET version = 1");
    db.close();
    const store = SqliteAuditStore.open(path);
    expect(await store.query()).toStrictEqual([old]);
    await store.append(makeEvent());
    const r = await verifyChain(store);
    await store.close();
    expect(r).toMatchObject({ ok: true, events: 2, chained: 1, unchained: 1 });
  });

  it("detects an edited index column that queries would see", async () => {
    const path = join(dir, "a.sqlite");
    const store = SqliteAuditStore.open(path);
    const e = makeEvent();
    await store.append(e);
    await store.close();
    const db = new Database(path);
    db.prepare("UPDATE audit_events SET user_id = 'someone_else'").run();
    db.close();
    const again = SqliteAuditStore.open(path);
    const r = await verifyChain(again);
    await again.close();
    expect(r.problems[0]).toMatchObject({ kind: "edited", id: e.id });
    expect(r.problems[0]!.message).toMatch(/indexed column/);
  });
});

// Tampering, done the way someone with access to the file would.

function edit(path: string, id: string, f: (e: Record<string, unknown>) => Record<string, unknown>): void {
  if (path.endsWith(".jsonl")) {
    rewriteLines(path, (lines) =>
      lines.map((l) => {
        const v = JSON.parse(l) as Record<string, unknown>;
        return v.id === id ? JSON.stringify(f(v)) : l;
      }),
    );
    return;
  }
  const db = new Database(path);
  const text = db.prepare("SELECT event FROM audit_events WHERE id = ?").pluck().get(id) as string;
  const changed = f(JSON.parse(text) as Record<string, unknown>);
  db.prepare("UPDATE audit_events SET event = ?, user_id = ? WHERE id = ?").run(
    JSON.stringify(changed),
    changed.user as string,
    id,
  );
  db.close();
}

function remove(path: string, id: string): void {
  if (path.endsWith(".jsonl")) {
    rewriteLines(path, (lines) => lines.filter((l) => (JSON.parse(l) as { id?: string }).id !== id));
    return;
  }
  const db = new Database(path);
  db.prepare("DELETE FROM audit_events WHERE id = ?").run(id);
  db.close();
}

function swap(path: string, a: string, b: string): void {
  if (path.endsWith(".jsonl")) {
    rewriteLines(path, (lines) => {
      const ia = lines.findIndex((l) => l.includes(a));
      const ib = lines.findIndex((l) => l.includes(b));
      const out = [...lines];
      [out[ia], out[ib]] = [lines[ib]!, lines[ia]!];
      return out;
    });
    return;
  }
  // Swap everything but the sequence number: the rows trade places in append order.
  const db = new Database(path);
  const cols = (
    db.prepare("SELECT name FROM pragma_table_info('audit_events')").pluck().all() as string[]
  ).filter((c) => c !== "seq");
  const row = (id: string) =>
    db.prepare(`SELECT seq, ${cols.join(", ")} FROM audit_events WHERE id = ?`).get(id) as Record<
      string,
      unknown
    >;
  const ra = row(a);
  const rb = row(b);
  const set = `UPDATE audit_events SET ${cols.map((c) => `${c} = @${c}`).join(", ")} WHERE seq = @seq`;
  db.transaction(() => {
    db.prepare("UPDATE audit_events SET id = 'tmp-' || seq WHERE seq IN (?, ?)").run(ra.seq, rb.seq);
    db.prepare(set).run({ ...rb, seq: ra.seq });
    db.prepare(set).run({ ...ra, seq: rb.seq });
  })();
  db.close();
}

function rewriteLines(path: string, f: (lines: string[]) => string[]): void {
  const lines = readFileSync(path, "utf8").split("\n").filter(Boolean);
  const checkpoints = lines.filter((l) => l.startsWith('{"checkpoint"'));
  const events = lines.filter((l) => !l.startsWith('{"checkpoint"'));
  writeFileSync(path, [...checkpoints, ...f(events)].map((l) => l + "\n").join(""));
}
