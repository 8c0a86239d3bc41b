import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SqliteAuditStore } from "../../src/audit/sqlite.js";
import { generateKey, KeyStore, keyStorePath, openKeyStore } from "../../src/gateway/keys.js";
import { makeEvent } from "../helpers/audit.js";

describe("gateway keys", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "pg-keys-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("issues pgk_ keys of 32 random bytes in base62", () => {
    const keys = Array.from({ length: 200 }, generateKey);
    for (const k of keys) expect(k).toMatch(/^pgk_[0-9A-Za-z]{43}$/);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("verifies a key to its integration and id, and refuses unknown, altered and revoked keys", async () => {
    const store = KeyStore.open(join(dir, "audit.sqlite"));
    const { key, record } = store.create({ integration: "support-bot", label: "prod cluster" });
    const other = store.create({ integration: "docs-assistant" });
    expect(await store.verify(key)).toEqual({ integration: "support-bot", id: record.id });
    expect(await store.verify(other.key)).toEqual({ integration: "docs-assistant", id: other.record.id });
    expect(await store.verify(generateKey())).toBeNull();
    expect(await store.verify(key.slice(0, -1) + (key.endsWith("a") ? "b" : "a"))).toBeNull();
    expect(await store.verify(key + " ")).toBeNull();
    expect(await store.verify("")).toBeNull();
    expect(await store.verify("x".repeat(10_000))).toBeNull();
    expect(store.revoke(record.id)?.revoked_at).toEqual(expect.any(String));
    expect(await store.verify(key)).toBeNull();
    expect((await store.verify(other.key))?.integration).toBe("docs-assistant");
    expect(store.revoke("gk_nosuchkey")).toBeUndefined();
    store.close();
  });

  it("keeps the first revocation time when a key is revoked twice", () => {
    const store = KeyStore.open(join(dir, "audit.sqlite"));
    const { record } = store.create({ integration: "support-bot" });
    const first = store.revoke(record.id, new Date("2025-06-24T10:00:00Z"));
    const second = store.revoke(record.id, new Date("2025-06-25T10:00:00Z"));
    expect(second?.revoked_at).toBe(first?.revoked_at);
    store.close();
  });

  it("stores only a hash: neither the key nor any long piece of it is in the file", () => {
    const path = join(dir, "audit.sqlite");
    const store = KeyStore.open(path);
    const { key, record } = store.create({ integration: "support-bot" });
    expect(record.last4).toBe(key.slice(-4));
    expect(JSON.stringify(store.list())).not.toContain(key.slice(4, 20));
    store.close();
    const bytes = Buffer.concat(readdirSync(dir).map((f) => readFileSync(join(dir, f))));
    expect(bytes.includes(Buffer.from(key))).toBe(false);
    expect(bytes.includes(Buffer.from(key.slice(4, 16)))).toBe(false);
  });

  it("a revocation by another process applies to the next verification", async () => {
    const path = join(dir, "audit.sqlite");
    const gateway = KeyStore.open(path);
    const cli = KeyStore.open(path);
    const { key, record } = cli.create({ integration: "support-bot" });
    expect((await gateway.verify(key))?.integration).toBe("support-bot");
    cli.revoke(record.id);
    expect(await gateway.verify(key)).toBeNull();
    gateway.close();
    cli.close();
  });

  it("shares the audit store's SQLite file, each with its own schema version", async () => {
    const path = join(dir, "audit.sqlite");
    const audit = SqliteAuditStore.open(path);
    await audit.append(makeEvent());
    const keys = KeyStore.open(path);
    const { key } = keys.create({ integration: "support-bot" });
    expect((await keys.verify(key))?.integration).toBe("support-bot");
    expect(await audit.count()).toBe(1);
    keys.close();
    await audit.close();
  });

  it("lives in the audit SQLite file, or in keys.sqlite when the audit store is not SQLite", async () => {
    const opts = { dataDir: join(dir, "data"), cwd: dir };
    expect(keyStorePath(undefined, opts)).toBe(join(dir, "data", "audit.sqlite"));
    expect(keyStorePath("sqlite:x.sqlite", opts)).toBe(join(dir, "x.sqlite"));
    expect(keyStorePath("jsonl:x.jsonl", opts)).toBe(join(dir, "data", "keys.sqlite"));
    // PostgreSQL holds keys in the database itself: no file.
    expect(keyStorePath("postgres://db.internal/audit", opts)).toBeUndefined();
    const store = await openKeyStore("jsonl:x.jsonl", opts);
    expect(store.description).toBe(join(dir, "data", "keys.sqlite"));
    await store.close();
  });
});
