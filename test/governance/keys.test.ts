import { copyFileSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { examplesDir } from "../../src/cli/init.js";
import { KeyStore } from "../../src/gateway/keys.js";
import { runCli } from "../helpers/cli.js";

const dir = () => mkdtempSync(join(tmpdir(), "policygate-keys-gov-"));

describe("key rotation with a grace period", () => {
  it("keeps the old key working during the grace period and refuses it after", async () => {
    const store = KeyStore.open(join(dir(), "k.sqlite"));
    const { key, record } = store.create({ integration: "support-bot", owner: "alice" });
    const r = store.rotate(record.id, { graceMs: 3_600_000 })!;
    expect(r.record).toMatchObject({ integration: "support-bot", owner: "alice" });
    expect(await store.verify(key)).toEqual({ integration: "support-bot", id: record.id });
    expect(await store.verify(r.key)).toEqual({ integration: "support-bot", id: r.record.id });
    // A second rotation of the replaced key is refused: rotate the new one instead.
    expect(store.rotate(record.id, { graceMs: 0 })).toBeUndefined();
    const now = store.rotate(r.record.id, { graceMs: 0 })!;
    expect(await store.verify(r.key)).toBeNull();
    expect(await store.verify(now.key)).not.toBeNull();
    expect(store.events().map((e) => e.kind)).toEqual(["rotate", "rotate"]);
    expect(JSON.stringify(store.events())).not.toContain(key.slice(4));
    store.close();
  });

  it("migrates a version-1 key store in place: existing keys keep working", async () => {
    const path = join(dir(), "old.sqlite");
    const store = KeyStore.open(path);
    const { key, record } = store.create({ integration: "support-bot" });
    store.close();
    // Put the file back to the version-1 layout, as an older PolicyGate wrote it.
    const db = new Database(path);
    db.exec(`CREATE TABLE v1 AS SELECT id, key_sha256, integration, label, last4, created_at, revoked_at FROM gateway_keys;
      DROP TABLE gateway_keys; DROP TABLE key_events;
      CREATE TABLE gateway_keys (id TEXT PRIMARY KEY, key_sha256 BLOB NOT NULL UNIQUE, integration TEXT NOT NULL,
        label TEXT, last4 TEXT NOT NULL, created_at TEXT NOT NULL, revoked_at TEXT) STRICT;
      INSERT INTO gateway_keys SELECT * FROM v1; DROP TABLE v1;
      UPDATE schema_version SET version = 1 WHERE component = 'gateway_keys';`);
    db.close();
    const again = KeyStore.open(path);
    expect(await again.verify(key)).toEqual({ integration: "support-bot", id: record.id });
    expect(again.list()[0]).toMatchObject({ id: record.id, owner: null, expires_at: null });
    expect(again.rotate(record.id, { graceMs: 0 })).toBeDefined();
    again.close();
  });
});

describe("keys rotate / keys inventory / offboard (CLI)", () => {
  function project() {
    const cwd = dir();
    copyFileSync(join(examplesDir(), "balanced.policygate.yaml"), join(cwd, "policygate.yaml"));
    copyFileSync(join(examplesDir(), "data-classification.csv"), join(cwd, "data-classification.csv"));
    const env = { POLICYGATE_TODAY: "2026-11-01", ANTHROPIC_API_KEY: "sk-ant-api03-secretvalue" };
    const run = (...a: string[]) => runCli([...a, "--data-dir", join(cwd, ".pg")], { cwd, env });
    return { cwd, run };
  }

  it("rotate prints the new key once; inventory lists keys and provider variables, never values", async () => {
    const { run } = project();
    const created = await run("keys", "create", "--integration", "support-bot", "--owner", "alice");
    const oldKey = created.stdout.trim();
    const id = /created (gk_\w+)/.exec(created.stderr)![1]!;
    const r = await run("keys", "rotate", id, "--grace", "1h");
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^pgk_\w{43}$/);
    expect(r.stderr).toMatch(
      new RegExp(`rotated ${id} -> gk_\\w+ \\(integration support-bot\\); the old key works until `),
    );
    const inv = await run("keys", "inventory", "--json");
    const j = JSON.parse(inv.stdout);
    expect(j.gateway_keys).toHaveLength(2);
    expect(j.gateway_keys[0]).toMatchObject({ id, owner: "alice", expires_at: expect.any(String) });
    expect(j.provider_keys).toEqual([
      expect.objectContaining({
        provider: "anthropic",
        variable: "ANTHROPIC_API_KEY",
        set: true,
        holders: ["bob"],
        rotated: "2026-09-01",
        days_since_rotation: 61,
      }),
      expect.objectContaining({
        provider: "openai",
        variable: "OPENAI_API_KEY",
        set: false,
        holders: ["bob", "dana"],
      }),
    ]);
    const text = (await run("keys", "inventory")).stdout;
    expect(text + inv.stdout).not.toContain("secretvalue");
    expect(text + inv.stdout).not.toContain(oldKey);
    expect((await run("keys", "rotate", "gk_nope")).stderr).toMatch(/no live gateway key with id gk_nope/);
  });

  it("keys rotate --provider records the rotation date in the policy, keeping its comments", async () => {
    const { cwd, run } = project();
    const before = readFileSync(join(cwd, "policygate.yaml"), "utf8");
    expect((await run("keys", "rotate", "--provider", "openai")).code).toBe(0);
    const after = readFileSync(join(cwd, "policygate.yaml"), "utf8");
    expect(after).toMatch(/holders: \[bob, dana\]\n {6}created: "2025-03-01"\n {6}rotated: "2026-11-01"\n/);
    expect(after.split("\n").filter((l) => l.includes("#"))).toEqual(
      before.split("\n").filter((l) => l.includes("#")),
    );
  });

  it("offboard lists what the person holds, rotates it, records it, and marks them as left", async () => {
    const { cwd, run } = project();
    const a = await run("keys", "create", "--integration", "docs-assistant", "--owner", "bob");
    const b = await run("keys", "create", "--integration", "support-bot", "--owner", "alice");
    const dry = await run("offboard", "bob", "--dry-run");
    expect(dry.stdout).toMatch(
      /bob holds:\n {2}roles: lead\n {2}gateway key gk_\w+ \(integration docs-assistant, pgk_…\w{4}\)\n {2}provider key ANTHROPIC_API_KEY \(anthropic\)\n {2}provider key OPENAI_API_KEY \(openai\)\n$/,
    );
    const r = await run("offboard", "bob");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/new key for docs-assistant \(replaces gk_\w+\): pgk_\w{43}/);
    expect(r.stderr).toMatch(
      /rotate ANTHROPIC_API_KEY at the provider within 24 hours, then run: policygate keys rotate --provider anthropic/,
    );
    const store = KeyStore.open(join(cwd, ".pg", "audit.sqlite"));
    expect(await store.verify(a.stdout.trim())).toBeNull(); // grace 0: bob's key is dead at once
    expect(await store.verify(b.stdout.trim())).not.toBeNull(); // alice's is untouched
    const ev = store.events().find((e) => e.kind === "offboard")!;
    expect(ev).toMatchObject({
      person: "bob",
      detail: { provider_keys_to_rotate: ["ANTHROPIC_API_KEY", "OPENAI_API_KEY"] },
    });
    store.close();
    const policy = readFileSync(join(cwd, "policygate.yaml"), "utf8");
    expect(policy).toMatch(
      /bob: \{ name: Bob Lead, email: eng-lead@example.com, roles: \[lead\], left: "2026-11-01" \}/,
    );
    expect(policy).toMatch(/holders: \[\]/);
    expect(policy).toMatch(/holders: \[dana\]/);
    // bob can no longer approve anything.
    const approve = await runCli(["integration", "approve", "docs-assistant", "--by", "bob"], { cwd });
    expect(approve.stderr).toMatch(/bob has left/);
  });
});
