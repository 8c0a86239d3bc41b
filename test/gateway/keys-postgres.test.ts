import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AuditStoreError } from "../../src/audit/errors.js";
import { PostgresAuditStore } from "../../src/audit/postgres.js";
import { generateKey, openKeyStore, type GatewayKeyStore } from "../../src/gateway/keys.js";
import { PostgresKeyStore, type PostgresKeyStoreOptions } from "../../src/gateway/keys-postgres.js";
import { runCli } from "../helpers/cli.js";
import { postgresHarness } from "../helpers/postgres.js";

const { url, skipReason, admin, freshSchema } = await postgresHarness("key store", "keys");

/** Two replicas: separate stores (own pools) over one schema. */
async function replicas(opts: PostgresKeyStoreOptions = {}): Promise<[PostgresKeyStore, PostgresKeyStore]> {
  const schema = await freshSchema();
  const a = await PostgresKeyStore.open(url!, { ...opts, schema });
  const b = await PostgresKeyStore.open(url!, { ...opts, schema });
  return [a, b];
}

async function closeAll(...stores: GatewayKeyStore[]): Promise<void> {
  await Promise.all(stores.map((s) => s.close()));
}

/** Every stored row of a schema's key tables as text: what a database dump would hold. */
async function schemaText(schema: string): Promise<string> {
  const rows = await admin(async (c) => {
    const keys = await c.query(`SELECT t::text AS r FROM ${schema}.policygate_gateway_keys t`);
    const events = await c.query(`SELECT t::text AS r FROM ${schema}.policygate_key_events t`);
    return [...keys.rows, ...events.rows] as { r: string }[];
  });
  return rows.map((r) => r.r).join("\n");
}

/** A TCP proxy to the server, to take the database away from a store that is using it. */
async function startProxy(target: URL): Promise<{ port: number; stop: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("error", () => undefined);
      s.on("close", () => sockets.delete(s));
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    stop: async () => {
      const closed = new Promise((resolve) => server.close(resolve));
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}

describe.skipIf(skipReason !== undefined)("postgres key store", () => {
  it("verifies on one replica a key created on another, and refuses unknown and altered keys", async () => {
    const [a, b] = await replicas();
    try {
      const { key, record } = await a.create({ integration: "support-bot", label: "prod" });
      expect(await b.verify(key)).toEqual({ integration: "support-bot", id: record.id });
      expect(await b.verify(generateKey())).toBeNull();
      expect(await b.verify(key.slice(0, -1) + (key.endsWith("a") ? "b" : "a"))).toBeNull();
      expect(await b.verify("")).toBeNull();
      expect(await b.verify("x".repeat(10_000))).toBeNull();
      expect((await b.list()).map((r) => r.id)).toEqual([record.id]);
    } finally {
      await closeAll(a, b);
    }
  });

  it("a revocation on one replica refuses the key on the other at once, keeping the first time", async () => {
    const [a, b] = await replicas();
    try {
      const { key, record } = await a.create({ integration: "support-bot" });
      const other = await a.create({ integration: "docs-assistant" });
      expect(await b.verify(key)).not.toBeNull();
      const first = await a.revoke(record.id, new Date("2025-06-24T10:00:00Z"));
      expect(first?.revoked_at).toBe("2025-06-24T10:00:00.000Z");
      expect(await b.verify(key)).toBeNull();
      expect((await b.verify(other.key))?.integration).toBe("docs-assistant");
      expect((await b.revoke(record.id, new Date("2025-06-25T10:00:00Z")))?.revoked_at).toBe(
        first?.revoked_at,
      );
      expect(await b.revoke("gk_nosuchkey")).toBeUndefined();
    } finally {
      await closeAll(a, b);
    }
  });

  it("rotates with a grace period: the old key works until it ends, then never again", async () => {
    const [a, b] = await replicas();
    try {
      const { key, record } = await a.create({ integration: "support-bot", owner: "jane" });
      const r = await a.rotate(record.id, { graceMs: 400 });
      expect(r?.record).toMatchObject({ integration: "support-bot", owner: "jane" });
      expect(r?.old).toMatchObject({ id: record.id, replaced_by: r?.record.id });
      expect((await b.verify(r!.key))?.id).toBe(r?.record.id);
      expect((await b.verify(key))?.id).toBe(record.id);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(await b.verify(key)).toBeNull();
      expect(await b.verify(r!.key)).not.toBeNull();
      // A replaced key cannot be rotated again.
      expect(await b.rotate(record.id, { graceMs: 0 })).toBeUndefined();
      expect(await b.events()).toEqual([
        {
          at: expect.any(String),
          kind: "rotate",
          person: "jane",
          detail: { old: record.id, new: r?.record.id, expires_at: r?.old.expires_at },
        },
      ]);
    } finally {
      await closeAll(a, b);
    }
  });

  it("lets exactly one of two replicas rotating the same key at once succeed", async () => {
    const [a, b] = await replicas();
    try {
      for (let i = 0; i < 5; i++) {
        const { record } = await a.create({ integration: "support-bot" });
        const results = await Promise.all([
          a.rotate(record.id, { graceMs: 60_000 }),
          b.rotate(record.id, { graceMs: 60_000 }),
        ]);
        expect(results.filter(Boolean)).toHaveLength(1);
      }
      const all = await a.list();
      expect(all).toHaveLength(10);
      expect(all.filter((r) => r.replaced_by)).toHaveLength(5);
      expect(await a.events()).toHaveLength(5);
    } finally {
      await closeAll(a, b);
    }
  });

  it("never holds a key in a list, an event or a row: only its hash, which list and events never show", async () => {
    const schema = await freshSchema();
    const store = await PostgresKeyStore.open(url!, { schema });
    try {
      const { key, record } = await store.create({ integration: "support-bot", owner: "jane" });
      const r = await store.rotate(record.id, { graceMs: 0 });
      await store.recordEvent({ at: new Date().toISOString(), kind: "offboard", person: "jane", detail: {} });
      const shown = JSON.stringify([await store.list(), await store.events()]);
      for (const k of [key, r!.key]) {
        const hash = (await import("node:crypto")).createHash("sha256").update(k).digest("hex");
        expect(shown).not.toContain(k.slice(4, 20));
        expect(shown).not.toContain(hash);
        expect(shown).not.toContain(hash.slice(0, 16));
        expect(await schemaText(schema)).not.toContain(k.slice(4, 16));
      }
      expect(shown).not.toContain("key_sha256");
    } finally {
      await store.close();
    }
  });

  it("shares the audit database and its schema version table, each component with its own row", async () => {
    const schema = await freshSchema();
    const keys = await PostgresKeyStore.open(url!, { schema });
    const audit = await PostgresAuditStore.open(url!, { schema });
    try {
      const rows = await admin((c) =>
        c.query(`SELECT component, version FROM ${schema}.policygate_audit_schema ORDER BY component`),
      );
      expect(rows.rows).toEqual([
        { component: "audit", version: 1 },
        { component: "keys", version: 1 },
      ]);
      const indexes = await admin((c) =>
        c.query(
          `SELECT indexdef FROM pg_indexes WHERE schemaname = $1 AND tablename = 'policygate_gateway_keys'`,
          [schema],
        ),
      );
      expect(indexes.rows.map((r: { indexdef: string }) => r.indexdef).join("\n")).toMatch(
        /UNIQUE INDEX .* \(key_sha256\)/,
      );
    } finally {
      await closeAll(keys);
      await audit.close();
    }
    await admin((c) =>
      c.query(`UPDATE ${schema}.policygate_audit_schema SET version = 99 WHERE component = 'keys'`),
    );
    await expect(PostgresKeyStore.open(url!, { schema })).rejects.toThrow(
      /key schema version 99, newer than this PolicyGate knows \(1\)/,
    );
  });

  it("tells a reader there are no keys yet, creating nothing", async () => {
    const schema = await freshSchema();
    await expect(PostgresKeyStore.open(url!, { schema, create: false })).rejects.toThrow(
      /no gateway keys in postgres:\/\/.*policygate_gateway_keys does not exist/,
    );
    const tables = await admin((c) =>
      c.query(`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = $1`, [schema]),
    );
    expect(tables.rows[0]).toEqual({ n: 0 });
  });

  it("fails verify, naming the database without its password, when the database cannot be reached", async () => {
    // A port that accepts nothing: the store opened against the real server, then loses it.
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const u = new URL(url!);
    u.password = "s3cr3t-pw";
    u.host = `127.0.0.1:${port}`;
    const err = await PostgresKeyStore.open(u.toString(), { connectTimeoutMs: 1000 }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(AuditStoreError);
    expect(String(err)).toMatch(/cannot reach the audit database postgres:\/\/127\.0\.0\.1:/);
    expect(String(err)).not.toContain("s3cr3t-pw");

    // An open store whose database goes away (through a proxy we stop): verify rejects, and the
    // gateway then refuses the call (test/gateway/gateway.test.ts).
    const proxy = await startProxy(new URL(url!));
    const via = new URL(url!);
    via.host = `127.0.0.1:${proxy.port}`;
    via.password = "s3cr3t-pw";
    via.searchParams.set("options", `-c search_path=${await freshSchema()}`);
    const store = await PostgresKeyStore.open(via.toString(), {
      connectTimeoutMs: 1000,
      statementTimeoutMs: 1000,
    });
    const { key } = await store.create({ integration: "support-bot" });
    expect(await store.verify(key)).not.toBeNull();
    await proxy.stop();
    const failed = await store.verify(key).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(AuditStoreError);
    expect(String(failed)).toMatch(/audit database postgres:\/\/127\.0\.0\.1:\d+\/\S+/);
    expect(String(failed)).not.toContain("s3cr3t-pw");
    expect(String(failed)).not.toContain(key.slice(4, 16));
    await store.close();
  });

  it("is what openKeyStore returns for a postgres:// spec, described without credentials", async () => {
    const u = new URL(url!);
    u.password = "s3cr3t-pw";
    u.searchParams.set("options", `-c search_path=${await freshSchema()}`);
    const store = await openKeyStore(u.toString(), { dataDir: "/nonexistent" });
    try {
      expect(store).toBeInstanceOf(PostgresKeyStore);
      expect(store.description).toBe(`postgres://${u.host}${u.pathname}`);
    } finally {
      await store.close();
    }
  });

  it("serves keys create, list, revoke, rotate and inventory from the CLI", async () => {
    const schema = await freshSchema();
    // The schema rides in the URL (libpq's options parameter), as a deployment could set it.
    const u = new URL(url!);
    u.searchParams.set("options", `-c search_path=${schema}`);
    const dataDir = mkdtempSync(join(tmpdir(), "pg-keys-cli-"));
    const policy = join(dataDir, "policy.yaml");
    writeFileSync(
      policy,
      "providers:\n  openai:\n    kind: openai\n    api_key_env: OPENAI_API_KEY\nintegrations:\n  support-bot:\n    providers: [openai]\n",
    );
    const cli = (...args: string[]) => runCli([...args, "--audit", u.toString(), "--data-dir", dataDir]);
    try {
      const none = await cli("keys", "list");
      expect(none.code).not.toBe(0);
      expect(none.stderr).toMatch(/no gateway keys in postgres:\/\//);

      const created = await cli("keys", "create", "--integration", "support-bot", "--policy", policy);
      expect(created.code).toBe(0);
      const key = created.stdout.trim();
      expect(key).toMatch(/^pgk_/);
      expect(created.stderr).toContain(`stored in postgres://${u.host}${u.pathname}`);
      expect(created.stderr).not.toContain("search_path");

      const listed = await cli("keys", "list", "--json");
      const [record] = JSON.parse(listed.stdout) as { id: string; last4: string }[];
      expect(record?.last4).toBe(key.slice(-4));
      expect(listed.stdout).not.toContain(key.slice(4, 20));

      // The "replica": a store of its own over the same schema accepts the key the CLI created.
      const replica = await PostgresKeyStore.open(url!, { schema });
      try {
        expect((await replica.verify(key))?.id).toBe(record!.id);
        const inventory = await cli("keys", "inventory", "--json", "--policy", policy);
        expect(JSON.parse(inventory.stdout).gateway_keys).toHaveLength(1);

        const revoked = await cli("keys", "revoke", record!.id);
        expect(revoked.code).toBe(0);
        expect(revoked.stdout).toContain(`revoked ${record!.id}`);
        expect(await replica.verify(key)).toBeNull();
        const rotated = await cli("keys", "rotate", record!.id);
        expect(rotated.code).not.toBe(0);
        expect(rotated.stderr).toMatch(/no live gateway key/);
      } finally {
        await replica.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
