import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { KeyStore } from "../../src/gateway/keys.js";
import { runCli } from "../helpers/cli.js";

const POLICY = join(import.meta.dirname, "../../examples/balanced.policygate.yaml");

describe("policygate keys", () => {
  let dataDir: string;
  // cwd is the empty data dir, so no ./policygate.yaml is picked up by accident.
  const keys = (...args: string[]) => runCli(["keys", ...args, "--data-dir", dataDir], { cwd: dataDir });
  const create = (...args: string[]) => keys("create", "--policy", POLICY, ...args);

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), "pg-keys-cli-"));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it("create prints the key once on stdout, warns on stderr, and the key verifies", async () => {
    const r = await create("--integration", "support-bot", "--label", "prod");
    expect(r.code).toBe(0);
    const key = r.stdout.trim();
    expect(key).toMatch(/^pgk_[0-9A-Za-z]{43}$/);
    expect(r.stderr).toMatch(/created gk_\w+ for integration support-bot \(prod\)/);
    expect(r.stderr).toMatch(/will not be shown again/);
    expect(r.stderr).not.toContain(key);
    const store = KeyStore.open(join(dataDir, "audit.sqlite"));
    expect((await store.verify(key))?.integration).toBe("support-bot");
    store.close();
  });

  it("refuses an integration the policy does not declare, listing those it does", async () => {
    const r = await create("--integration", "shadow-bot");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/declares no integration "shadow-bot"; declared: support-bot, docs-assistant/);
    expect(r.stdout).toBe("");
  });

  it("refuses when there is no policy, or the policy declares no integrations", async () => {
    const none = await keys("create", "--integration", "support-bot");
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/no policy file/);
    const empty = join(dataDir, "policygate.yaml");
    writeFileSync(empty, "version: 1\n");
    const r = await keys("create", "--integration", "support-bot", "--policy", empty);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/declares no integrations; add "support-bot" under integrations: first/);
  });

  it("list shows ids, integration, label, dates and last 4 characters, never a key", async () => {
    const a = (await create("--integration", "support-bot", "--label", "eu-west")).stdout.trim();
    const b = (await create("--integration", "docs-assistant")).stdout.trim();
    const r = await keys("list");
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^ID +INTEGRATION +LABEL +CREATED +REVOKED +KEY$/);
    expect(lines[1]).toMatch(new RegExp(`^gk_\\w+ +support-bot +eu-west +\\S+Z +- +pgk_…${a.slice(-4)}$`));
    expect(lines[2]).toMatch(new RegExp(`docs-assistant +- +\\S+Z +- +pgk_…${b.slice(-4)}$`));
    for (const k of [a, b]) expect(r.stdout).not.toContain(k.slice(4, 12));
    const json = JSON.parse((await keys("list", "--json")).stdout);
    expect(json.map((x: { integration: string }) => x.integration)).toEqual([
      "support-bot",
      "docs-assistant",
    ]);
    expect(JSON.stringify(json)).not.toContain(a.slice(4, 12));
  });

  it("revoke stops a key at once and says so; revoking again or an unknown id is clear", async () => {
    const key = (await create("--integration", "support-bot")).stdout.trim();
    const id = JSON.parse((await keys("list", "--json")).stdout)[0].id as string;
    const r = await keys("revoke", id);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      new RegExp(`revoked ${id} \\(integration support-bot, key …${key.slice(-4)}\\)`),
    );
    const store = KeyStore.open(join(dataDir, "audit.sqlite"));
    expect(await store.verify(key)).toBeNull();
    store.close();
    expect((await keys("revoke", id)).stdout).toMatch(/was already revoked at/);
    expect((await keys("list")).stdout).toMatch(new RegExp(`${id} .*Z +\\S+Z +pgk_`));
    const unknown = await keys("revoke", "gk_nosuchkey");
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no key with id gk_nosuchkey/);
  });

  it("list and revoke name the missing store instead of creating one", async () => {
    const r = await keys("list");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no key store at .*audit\.sqlite/);
  });

  it("keeps keys beside a JSONL audit log in keys.sqlite", async () => {
    const r = await create("--integration", "support-bot", "--audit", "jsonl:audit.jsonl");
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(join(dataDir, "keys.sqlite"));
  });
});
