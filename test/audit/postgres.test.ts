import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as net from "node:net";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { keyIdOf, type SigningKey } from "../../src/audit/checkpoint.js";
import { AuditStoreError } from "../../src/audit/errors.js";
import { openAuditStore } from "../../src/audit/open.js";
import { PostgresAuditStore, type PostgresAuditStoreOptions } from "../../src/audit/postgres.js";
import { verifyChain } from "../../src/audit/verify.js";
import { makeEvent } from "../helpers/audit.js";
import { runCli } from "../helpers/cli.js";
import { postgresHarness } from "../helpers/postgres.js";
import { runStoreTests } from "./store.case.js";

const { url, skipReason, admin, freshSchema } = await postgresHarness("audit store", "audit");

const byDir = new Map<string, string>();

async function openIn(schema: string, opts: PostgresAuditStoreOptions = {}): Promise<PostgresAuditStore> {
  return PostgresAuditStore.open(url!, { ...opts, schema });
}

/** Every stored row of a schema's tables as text: what a database dump would hold. */
async function schemaBytes(schema: string): Promise<Buffer> {
  const rows = await admin(async (c) => {
    const events = await c.query(`SELECT t::text AS r FROM ${schema}.policygate_audit_events t`);
    const cps = await c.query(`SELECT t::text AS r FROM ${schema}.policygate_audit_checkpoints t`);
    return [...events.rows, ...cps.rows] as { r: string }[];
  });
  return Buffer.from(rows.map((r) => r.r).join("\n"), "utf8");
}

function signingKey(): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  return { privateKey, publicKey, keyId: keyIdOf(publicKey) };
}

describe.skipIf(skipReason !== undefined)("postgres audit store", () => {
  runStoreTests("postgres", {
    open: async (dir) => {
      let schema = byDir.get(dir);
      if (!schema) byDir.set(dir, (schema = await freshSchema()));
      return openIn(schema);
    },
    rawBytes: async (dir) => schemaBytes(byDir.get(dir)!),
  });

  it("keeps one unbroken chain when two replicas append 200 events at once", async () => {
    const schema = await freshSchema();
    const [a, b] = await Promise.all([openIn(schema), openIn(schema)]);
    const events = Array.from({ length: 200 }, (_, i) =>
      makeEvent({ ts: new Date(Date.UTC(2025, 5, 24) + i).toISOString() }),
    );
    await Promise.all(events.map((e, i) => (i % 2 ? a : b).append(e)));
    const report = await verifyChain(a);
    expect(report).toMatchObject({ ok: true, events: 200, chained: 200, unchained: 0, problems: [] });
    expect(await b.count()).toBe(200);
    // Group commit: far fewer transactions than events.
    expect(a.stats.events + b.stats.events).toBe(200);
    expect(a.stats.commits + b.stats.commits).toBeLessThan(50);
    await Promise.all([a.close(), b.close()]);
  });

  it("purges a prefix behind a signed checkpoint; the rest still verifies and new events link on", async () => {
    const schema = await freshSchema();
    const store = await openIn(schema);
    const key = signingKey();
    const old = [1, 2, 3].map((d) => makeEvent({ ts: `2025-01-0${d}T00:00:00.000Z` }));
    const late = makeEvent({ ts: "2025-01-04T00:00:00.000Z" });
    const recent = makeEvent({ ts: "2025-06-01T00:00:00.000Z" });
    for (const e of [...old, recent, late]) await store.append(e);
    const r = await store.purge("2025-03-01T00:00:00Z", key, new Date("2025-06-02T00:00:00Z"));
    expect(r).toMatchObject({ purged: 3, keptOld: 1 });
    expect(r.checkpoint).toMatchObject({ purged: 3, purged_total: 3, last_purged: { id: old[2]!.id } });
    expect((await store.query()).map((e) => e.id).sort()).toEqual([recent.id, late.id].sort());
    await store.append(makeEvent({ ts: "2025-06-03T00:00:00.000Z" }));
    const report = await verifyChain(store, { publicKey: key.publicKey });
    expect(report).toMatchObject({ ok: true, events: 3, chained: 3, checkpoints: 1, purged_total: 3 });

    // Purging everything: the next event links to the checkpoint's head.
    const all = await store.purge("2026-01-01T00:00:00Z", key);
    expect(all.purged).toBe(3);
    await store.append(makeEvent({ ts: "2025-06-04T00:00:00.000Z" }));
    expect(await verifyChain(store, { publicKey: key.publicKey })).toMatchObject({
      ok: true,
      events: 1,
      checkpoints: 2,
      purged_total: 6,
    });
    await store.close();
  });

  it("refuses only the event the database cannot hold, without quoting it", async () => {
    const store = await openIn(await freshSchema());
    const bad = makeEvent({ user: "tenant\u0000secret-user" });
    const good = [makeEvent(), makeEvent()];
    const results = await Promise.allSettled([
      store.append(good[0]!),
      store.append(bad),
      store.append(good[1]!),
    ]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    const reason = (results[1] as PromiseRejectedResult).reason as AuditStoreError;
    expect(reason).toBeInstanceOf(AuditStoreError);
    expect(reason.message).toMatch(/refused the event \(SQLSTATE 22/);
    expect(reason.message).not.toContain("secret-user");
    expect(await store.count()).toBe(2);
    expect(await verifyChain(store)).toMatchObject({ ok: true, chained: 2 });
    await store.close();
  });

  /** A proxy in front of the server that can go silent or cut every connection, as networks do. */
  async function flakyProxy() {
    const target = new URL(url!);
    let silent = false;
    const sockets = new Set<net.Socket>();
    const proxy = net.createServer((client) => {
      const upstream = net.connect(Number(target.port || 5432), target.hostname);
      for (const [from, to] of [
        [client, upstream],
        [upstream, client],
      ] as const) {
        sockets.add(from);
        from.on("data", (d) => {
          if (!silent) to.write(d);
        });
        from.on("error", () => undefined);
        from.on("close", () => to.destroy());
      }
    });
    await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", r));
    const via = new URL(url!);
    via.hostname = "127.0.0.1";
    via.port = String((proxy.address() as net.AddressInfo).port);
    return {
      url: via.toString(),
      silence: (on: boolean) => (silent = on),
      cut: () => sockets.forEach((s) => s.destroy()),
      close: async () => {
        sockets.forEach((s) => s.destroy());
        await new Promise((r) => proxy.close(r));
      },
    };
  }

  it("refuses appends, instead of waiting for ever, when the database stops answering", async () => {
    const proxy = await flakyProxy();
    const schema = await freshSchema();
    await openIn(schema).then((s) => s.close()); // the tables, made through the direct connection
    const store = await PostgresAuditStore.open(proxy.url, { schema, appendTimeoutMs: 300 });
    await store.append(makeEvent());
    proxy.silence(true);
    const started = Date.now();
    const err = await store.append(makeEvent()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuditStoreError);
    expect((err as Error).message).toMatch(/did not answer within 300 ms/);
    expect(Date.now() - started).toBeLessThan(5_000);
    proxy.silence(false);
    // The connection that timed out was dropped; the next append gets a fresh one and succeeds.
    await store.append(makeEvent());
    expect(await store.count()).toBe(2);
    await store.close();
    await proxy.close();
  });

  it("survives a connection cut while an append holds it, refusing only that append", async () => {
    const proxy = await flakyProxy();
    const schema = await freshSchema();
    await openIn(schema).then((s) => s.close());
    const store = await PostgresAuditStore.open(proxy.url, { schema, appendTimeoutMs: 2_000 });
    await store.append(makeEvent());
    proxy.silence(true); // the append's statements stall on the connection…
    const pending = store.append(makeEvent()).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 100));
    proxy.cut(); // …and then the connection goes away under it
    expect(await pending).toBeInstanceOf(AuditStoreError);
    proxy.silence(false);
    await store.append(makeEvent());
    expect(await store.count()).toBe(2);
    await store.close();
    await proxy.close();
  });

  it("reports an edited row", async () => {
    const schema = await freshSchema();
    const store = await openIn(schema);
    const es = [makeEvent(), makeEvent(), makeEvent()];
    for (const e of es) await store.append(e);
    await admin((c) =>
      c.query(`UPDATE ${schema}.policygate_audit_events SET user_id = 'someone_else' WHERE id = $1`, [
        es[1]!.id,
      ]),
    );
    const report = await verifyChain(store);
    expect(report.ok).toBe(false);
    expect(report.problems).toHaveLength(1);
    expect(report.problems[0]).toMatchObject({ kind: "edited", id: es[1]!.id, position: 2 });
    await store.close();
  });

  it("creates versioned, indexed tables once, even when replicas start together", async () => {
    const schema = await freshSchema();
    const stores = await Promise.all(Array.from({ length: 4 }, () => openIn(schema)));
    await Promise.all(stores.map((s) => s.close()));
    const { versions, indexes } = await admin(async (c) => ({
      versions: (await c.query(`SELECT component, version FROM ${schema}.policygate_audit_schema`)).rows,
      indexes: (
        await c.query("SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND tablename = $2", [
          schema,
          "policygate_audit_events",
        ])
      ).rows.map((r: { indexname: string }) => r.indexname),
    }));
    expect(versions).toEqual([{ component: "audit", version: 1 }]);
    for (const col of ["ts", "user", "integration", "provider", "input_decision", "output_decision"]) {
      expect(indexes).toContain(`policygate_audit_events_${col}`);
    }
  });

  it("refuses a database written by a newer version, and tells a reader there is no log", async () => {
    const schema = await freshSchema();
    await expect(openIn(schema, { create: false })).rejects.toThrow(
      /no PolicyGate audit log in postgres:\/\//,
    );
    await (await openIn(schema)).close();
    await admin((c) => c.query(`UPDATE ${schema}.policygate_audit_schema SET version = 99`));
    await expect(openIn(schema)).rejects.toThrow(/schema version 99, newer than this PolicyGate knows \(1\)/);
  });

  it("serves logs, logs verify and logs purge from the CLI", async () => {
    const schema = await freshSchema();
    const store = await openIn(schema);
    for (const ts of ["2025-01-01T00:00:00.000Z", "2025-01-02T00:00:00.000Z", new Date().toISOString()]) {
      await store.append(makeEvent({ ts }));
    }
    await store.close();
    // The schema rides in the URL (libpq's options parameter), as a deployment could set it.
    const u = new URL(url!);
    u.searchParams.set("options", `-c search_path=${schema}`);
    const dataDir = mkdtempSync(join(tmpdir(), "pg-audit-cli-"));
    const cli = (...args: string[]) => runCli([...args, "--audit", u.toString(), "--data-dir", dataDir]);
    try {
      const shown = await cli("logs", "--json");
      expect(shown.code).toBe(0);
      expect(JSON.parse(shown.stdout)).toHaveLength(3);
      const verified = await cli("logs", "verify");
      expect(verified.stdout).toContain(
        `ok: the audit log postgres://${u.host}${u.pathname} is intact: 3 events`,
      );
      const purged = await cli("logs", "purge", "--older-than", "30d");
      expect(purged.stdout).toMatch(/^purged 2 events before .* from postgres:\/\//);
      const again = await cli("logs", "verify");
      expect(again.code).toBe(0);
      // The event that was kept, and the admin event recording the purge.
      expect(again.stdout).toMatch(/intact: 2 events; 1 purge checkpoint covering 2 removed events, key /);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it("is what openAuditStore returns for a postgres:// spec, described without credentials", async () => {
    const u = new URL(url!);
    u.password = "s3cr3t-pw";
    u.searchParams.set("options", `-c search_path=${await freshSchema()}`);
    const store = await openAuditStore(u.toString(), { dataDir: "/nonexistent" });
    try {
      expect(store).toBeInstanceOf(PostgresAuditStore);
      expect(store.description).toBe(`postgres://${u.host}${u.pathname}`);
      expect(store.description).not.toContain("s3cr3t-pw");
    } finally {
      await store.close();
    }
  });

  it("names the database, without its password, when it does not exist", async () => {
    const u = new URL(url!);
    u.password = "s3cr3t-pw";
    u.pathname = "/policygate_no_such_database";
    const err = await PostgresAuditStore.open(u.toString()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuditStoreError);
    expect(String(err)).toMatch(
      /cannot reach the audit database postgres:\/\/.*\/policygate_no_such_database/,
    );
    expect(String(err)).not.toContain("s3cr3t-pw");
  });
});

describe("postgres audit store without a server", () => {
  it("gives an AuditStoreError without the password when nothing listens", async () => {
    const spec = "postgres://audit:s3cr3t-pw@127.0.0.1:1/policygate";
    const err = await openAuditStore(spec, { dataDir: "/nonexistent" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuditStoreError);
    expect((err as AuditStoreError).message).toMatch(
      /^cannot reach the audit database postgres:\/\/127\.0\.0\.1:1\/policygate: .*ECONNREFUSED/,
    );
    expect((err as AuditStoreError).target).toBe("postgres://127.0.0.1:1/policygate");
    expect(JSON.stringify(err) + String(err) + (err as Error).stack).not.toContain("s3cr3t-pw");
  });
});
