import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI, { APIError } from "openai";
import { afterEach, beforeEach, describe, expect, it, onTestFinished } from "vitest";
import { SqliteAuditStore } from "../../src/audit/sqlite.js";
import { ProviderSwitch } from "../../src/incident/provider-switch.js";
import { runCli } from "../helpers/cli.js";
import { startTestGateway, type TestGateway } from "../helpers/gateway.js";
import type { MemoryStore } from "../helpers/memory-store.js";
import { startMockUpstream, type MockUpstream } from "../helpers/mock-upstream.js";

const EMAIL = "jane.okafor@brightwater.example";
const TOKEN = "admin-token-for-tests-0123456789";

const POLICY = `
environments: [development, production]
environment: development
classes:
  confidential: { action: allow }
providers:
  openai:
    kind: openai
    api_key_env: OPENAI_API_KEY
    base_url: "{{UPSTREAM}}/v1"
    environments: [development]
    max_class: confidential
  backup:
    kind: openai-compatible
    api_key_env: OPENAI_API_KEY
    base_url: "{{BACKUP}}/v1"
    environments: [development]
    max_class: internal
  prodonly:
    kind: openai-compatible
    api_key_env: OPENAI_API_KEY
    base_url: "{{BACKUP}}/v1"
    environments: [production]
integrations:
  support-bot:
    providers: [openai, backup]
    fallback: backup
  no-fallback:
    providers: [openai]
  prod-fallback:
    providers: [openai, prodonly]
    fallback: prodonly
`;

const KEYS = { pgk_support: "support-bot", pgk_nofb: "no-fallback", pgk_prod: "prod-fallback" };

let primary: MockUpstream;
let backup: MockUpstream;
let gw: TestGateway;
let dir: string;
let providerSwitch: ProviderSwitch;
let policyFile: string;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "pg-switch-"));
  primary = await startMockUpstream();
  backup = await startMockUpstream();
  const yaml = POLICY.replaceAll("{{BACKUP}}", backup.url);
  policyFile = join(dir, "policygate.yaml");
  writeFileSync(policyFile, yaml.replaceAll("{{UPSTREAM}}", primary.url));
  providerSwitch = new ProviderSwitch({ dataDir: dir, pollMs: 100 });
  gw = await startTestGateway(yaml, {
    upstream: primary.url,
    keys: KEYS,
    extra: { providerSwitch, adminToken: TOKEN },
  });
});
afterEach(async () => {
  await gw.close();
  await primary.close();
  await backup.close();
  rmSync(dir, { recursive: true, force: true });
});

const client = (key: string) => new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: key, maxRetries: 0 });
const ask = (key: string, content: string) =>
  client(key).chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content }] });

function admin(path: string, body?: unknown, token = TOKEN) {
  return fetch(`${gw.url}/admin/providers${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/** Keeps `workers` calls in flight until stopped; counts answers and refusals. */
function traffic(key: string, workers: number) {
  let running = true;
  const stats = { ok: 0, refused: 0, codes: new Set<string>() };
  const loops = Array.from({ length: workers }, async () => {
    while (running) {
      try {
        await ask(key, "What are your opening hours?");
        stats.ok++;
      } catch (e) {
        stats.refused++;
        stats.codes.add(String((e as { status?: number }).status));
      }
    }
  });
  return {
    stats,
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until the upstream has seen `n` more requests: the traffic is flowing at full speed. */
async function flowing(up: MockUpstream, n = 20): Promise<void> {
  const target = up.requests.length + n;
  const deadline = Date.now() + 10_000;
  while (up.requests.length < target) {
    if (Date.now() > deadline) throw new Error("the traffic did not start");
    await sleep(10);
  }
}

describe("kill switch", () => {
  it("admin endpoint: no request reaches the provider after the switch returns, under concurrent traffic", async () => {
    const load = traffic("pgk_support", 16);
    onTestFinished(load.stop);
    await flowing(primary);
    const res = await admin("/openai/disable", { reason: "suspected key leak INC-42" });
    expect(res.status).toBe(200);
    const atSwitch = primary.requests.length;
    // Calls already handed to the network before the switch may land a moment later; at most one per worker.
    await sleep(100);
    const settled = primary.requests.length;
    expect(settled - atSwitch).toBeLessThanOrEqual(16);
    const backupBefore = backup.requests.length;
    await sleep(700);
    await load.stop();
    expect(primary.requests.length).toBe(settled);
    expect(backup.requests.length).toBeGreaterThan(backupBefore);
    expect(load.stats.refused).toBe(0);
    // Recorded: an admin event with the reason.
    const events = (gw.store as MemoryStore).events.filter((e) => e.admin);
    expect(events).toHaveLength(1);
    expect(events[0]!.admin).toMatchObject({
      action: "provider.disable",
      target: "openai",
      reason: "suspected key leak INC-42",
    });

    const on = await admin("/openai/enable", {});
    expect(on.status).toBe(200);
    await ask("pgk_support", "hello again");
    expect(primary.requests.length).toBe(settled + 1);
  });

  it("CLI: `provider disable` returns once the running gateway applied it; nothing reaches the provider after", async () => {
    const load = traffic("pgk_nofb", 8);
    onTestFinished(load.stop);
    await flowing(primary);
    const r = await runCli(
      [
        "provider",
        "disable",
        "openai",
        "--reason",
        "INC-7 provider breach",
        "--policy",
        policyFile,
        "--data-dir",
        dir,
      ],
      { env: { POLICYGATE_ACTOR: "oncall" } },
    );
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("in force on 1 running gateway");
    const atSwitch = primary.requests.length;
    await sleep(100);
    const settled = primary.requests.length;
    expect(settled - atSwitch).toBeLessThanOrEqual(8);
    await sleep(500);
    await load.stop();
    expect(primary.requests.length).toBe(settled);
    // No fallback for this integration: refused with 503, naming the rule.
    expect(load.stats.codes).toEqual(new Set(["503"]));
    const err = await ask("pgk_nofb", "hi").catch((e: unknown) => e as APIError);
    expect((err as APIError).status).toBe(503);
    expect((err as APIError).message).toMatch(
      /kill switch.*INC-7 provider breach.*integrations\.no-fallback\.fallback.*policygate provider enable openai/s,
    );

    const status = await runCli(["provider", "status", "--data-dir", dir]);
    expect(status.stdout).toMatch(/openai: OFF since .* by oncall: INC-7 provider breach/);
    expect(status.stdout).toContain("1 running gateway on this host, all applied");

    const store = SqliteAuditStore.open(join(dir, "audit.sqlite"), { create: false });
    const recorded = await store.query();
    await store.close();
    expect(recorded.map((e) => e.admin?.action)).toEqual(["provider.disable"]);
    expect(recorded[0]!.user).toBe("oncall");

    const on = await runCli(["provider", "enable", "openai", "--policy", policyFile, "--data-dir", dir]);
    expect(on.code).toBe(0);
    await ask("pgk_nofb", "back");
    expect(primary.requests.length).toBe(settled + 1);
  });

  it("fails over to the fallback when it may receive the call's data", async () => {
    providerSwitch.set("openai", { reason: "outage", actor: null, at: new Date().toISOString() });
    const r = await ask("pgk_support", "What are your opening hours?");
    expect(r.choices[0]!.message.content).toContain("opening hours");
    expect(primary.requests).toHaveLength(0);
    expect(backup.requests).toHaveLength(1);
    const e = (gw.store as MemoryStore).events.at(-1)!;
    expect(e.provider).toBe("backup");
  });

  it("refuses the failover when the fallback may not receive the call's data class, naming the rules", async () => {
    providerSwitch.set("openai", { reason: "outage", actor: null, at: new Date().toISOString() });
    const err = (await ask("pgk_support", `Customer ${EMAIL} asks about an invoice`).catch(
      (e: unknown) => e,
    )) as APIError;
    expect(err.status).toBe(403);
    expect(err.message).toContain("switched off by the kill switch (reason: outage)");
    expect(err.message).toContain("fallback 'backup' cannot take this call");
    expect(err.message).toContain("may receive at most internal");
    expect(err.message).not.toContain(EMAIL);
    expect(primary.requests).toHaveLength(0);
    expect(backup.requests).toHaveLength(0);
    const e = (gw.store as MemoryStore).events.at(-1)!;
    expect(e.error?.code).toBe("failover_refused");
    expect(e.input.rules).toEqual(
      expect.arrayContaining(["kill_switch.openai", "providers.backup.max_class"]),
    );
    expect(JSON.stringify(e)).not.toContain(EMAIL);
  });

  it("refuses the failover when the fallback is not approved for the environment", async () => {
    providerSwitch.set("openai", { reason: "outage", actor: null, at: new Date().toISOString() });
    const err = (await ask("pgk_prod", "hello").catch((e: unknown) => e)) as APIError;
    expect(err.status).toBe(503);
    expect(err.message).toMatch(
      /fallback 'prodonly' cannot take this call: Provider 'prodonly' is not approved for 'development'/,
    );
    expect(backup.requests).toHaveLength(0);
  });

  it("admin endpoint: needs the token, a known provider and a reason", async () => {
    expect((await admin("/openai/disable", { reason: "x" }, "wrong")).status).toBe(401);
    expect((await admin("", undefined, "wrong")).status).toBe(401);
    expect((await admin("/nosuch/disable", { reason: "x" })).status).toBe(404);
    expect((await admin("/openai/disable", {})).status).toBe(400);
    const s = (await (await admin("")).json()) as { disabled: object };
    expect(s.disabled).toEqual({});
  });

  it("CLI: refuses an unknown provider and a missing reason", async () => {
    const a = await runCli([
      "provider",
      "disable",
      "nosuch",
      "--reason",
      "x",
      "--policy",
      policyFile,
      "--data-dir",
      dir,
    ]);
    expect(a.code).toBe(2);
    expect(a.stderr).toContain('unknown provider "nosuch"; the policy declares: openai, backup, prodonly');
    const b = await runCli(["provider", "disable", "openai", "--policy", policyFile, "--data-dir", dir]);
    expect(b.code).toBe(2);
    expect(b.stderr).toContain("--reason");
  });
});
