import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import OpenAI, { APIError } from "openai";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AuditStoreError } from "../../src/audit/errors.js";
import { PostgresAuditStore } from "../../src/audit/postgres.js";
import { setUpGateway } from "../../src/cli/gateway-setup.js";
import type { CliIO } from "../../src/cli/io.js";
import { ProviderSwitch } from "../../src/incident/provider-switch.js";
import { PostgresSwitchSource } from "../../src/incident/switch-postgres.js";
import { runCli } from "../helpers/cli.js";
import { postgresHarness } from "../helpers/postgres.js";
import { startTestGateway, type TestGateway } from "../helpers/gateway.js";
import type { MemoryStore } from "../helpers/memory-store.js";
import { startMockUpstream, type MockUpstream } from "../helpers/mock-upstream.js";

const { url, skipReason, admin, freshSchema, urlIn } = await postgresHarness("kill switch", "switch");

const TOKEN = "admin-token-for-tests-0123456789";
const POLICY = `
environments: [development]
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
    base_url: "{{UPSTREAM}}/v1"
    environments: [development]
integrations:
  no-fallback:
    providers: [openai]
`;
const KEYS = { pgk_nofb: "no-fallback" };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Retries `f` every 20 ms until it holds; returns how long that took. */
async function within(ms: number, f: () => Promise<boolean>): Promise<number> {
  const start = Date.now();
  for (;;) {
    if (await f()) return Date.now() - start;
    if (Date.now() - start > ms) throw new Error(`not within ${ms} ms`);
    await sleep(20);
  }
}

describe.skipIf(skipReason !== undefined)("kill switch in PostgreSQL", () => {
  let schema: string;
  let upstream: MockUpstream;
  let dir: string;
  let policyFile: string;
  const replicas: TestGateway[] = [];
  const switches: ProviderSwitch[] = [];

  /** A gateway replica with its own switch on the shared database (another host, in effect). */
  async function replica(): Promise<TestGateway> {
    const source = await PostgresSwitchSource.open(url!, { schema });
    const providerSwitch = await ProviderSwitch.open({ source, pollMs: 100 });
    switches.push(providerSwitch);
    const gw = await startTestGateway(POLICY, {
      upstream: upstream.url,
      keys: KEYS,
      extra: { providerSwitch, adminToken: TOKEN },
    });
    replicas.push(gw);
    return gw;
  }

  const ask = (gw: TestGateway) =>
    new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: "pgk_nofb", maxRetries: 0 }).chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "What are your opening hours?" }],
    });
  const refused = (gw: TestGateway) =>
    ask(gw).then(
      () => false,
      (e: unknown) => (e as APIError).status === 503,
    );
  const post = (gw: TestGateway, path: string, body: unknown) =>
    fetch(`${gw.url}/admin/providers${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });

  beforeEach(async () => {
    schema = await freshSchema();
    upstream = await startMockUpstream();
    dir = mkdtempSync(join(tmpdir(), "pg-switch-pg-"));
    policyFile = join(dir, "policygate.yaml");
    writeFileSync(policyFile, POLICY.replaceAll("{{UPSTREAM}}", upstream.url));
  });
  afterEach(async () => {
    await Promise.all(replicas.splice(0).map((g) => g.close()));
    switches.length = 0;
    await upstream.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("admin endpoint of one replica: the other refuses the provider within a second; enable resumes it", async () => {
    const [a, b] = [await replica(), await replica()];
    await ask(b);
    const res = await post(a, "/openai/disable", { reason: "INC-9 key leak" });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ disabled: true, revision: 1, recorded: true });
    // In force on the replica that was asked before it answered...
    expect(await refused(a)).toBe(true);
    // ...and on the other within a second, with no restart.
    expect(await within(1000, () => refused(b))).toBeLessThan(1000);
    const err = (await ask(b).catch((e: unknown) => e)) as APIError;
    expect(err.message).toContain("INC-9 key leak");
    expect((a.store as MemoryStore).events.filter((e) => e.admin)[0]!.admin).toMatchObject({
      action: "provider.disable",
      target: "openai",
    });

    expect((await post(b, "/openai/enable", {})).status).toBe(200);
    expect(await within(1000, async () => !(await refused(a)))).toBeLessThan(1000);
    expect(switches.map((s) => s.current.revision)).toEqual([2, 2]);
  });

  it("CLI: `provider disable --audit postgres://…` waits for both replicas' acks and records the event", async () => {
    const [a, b] = [await replica(), await replica()];
    const audit = urlIn(schema);
    const cli = (...args: string[]) =>
      runCli([...args, "--audit", audit, "--data-dir", dir], { env: { POLICYGATE_ACTOR: "oncall" } });
    const r = await cli("provider", "disable", "openai", "--reason", "INC-7 breach", "--policy", policyFile);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("in force on 2 running gateways sharing the database");
    // Both acknowledged, so both refuse at once.
    expect(await refused(a)).toBe(true);
    expect(await refused(b)).toBe(true);

    const status = await cli("provider", "status", "--json");
    const s = JSON.parse(status.stdout) as {
      revision: number;
      gateways: { revision: number; host: string }[];
    };
    expect(s.revision).toBe(1);
    expect(s.gateways).toHaveLength(2);
    expect(s.gateways.every((g) => g.revision === 1 && g.host)).toBe(true);
    const text = await cli("provider", "status");
    expect(text.stdout).toMatch(/openai: OFF since .* by oncall: INC-7 breach/);
    expect(text.stdout).toContain("2 running gateways sharing postgres://");
    expect(text.stdout).not.toContain("search_path");

    // Recorded in the shared audit log.
    const store = await PostgresAuditStore.open(url!, { schema, create: false });
    const events = await store.query();
    await store.close();
    expect(events.map((e) => [e.admin?.action, e.user])).toEqual([["provider.disable", "oncall"]]);

    const on = await cli("provider", "enable", "openai", "--policy", policyFile);
    expect(on.code).toBe(0);
    expect(await refused(a)).toBe(false);
    expect(await refused(b)).toBe(false);

    // A replica that stopped withdraws its ack; the switch then waits only for the one left.
    await replicas.shift()!.close();
    const again = await cli("provider", "status", "--json");
    expect((JSON.parse(again.stdout) as { gateways: unknown[] }).gateways).toHaveLength(1);
  });

  it("keeps one consistent revision under concurrent changes from several writers", async () => {
    const sources = await Promise.all([1, 2, 3].map(() => PostgresSwitchSource.open(url!, { schema })));
    try {
      const names = Array.from({ length: 30 }, (_, i) => `p${i}`);
      const results = await Promise.all(
        names.map((name, i) =>
          sources[i % 3]!.update((s) => {
            s.providers[name] = { reason: "drill", actor: null, at: new Date().toISOString() };
            return true;
          }),
        ),
      );
      // Each change saw the one before it: revisions 1..30, each handed out once.
      expect(results.map((r) => r.revision).sort((x, y) => x - y)).toEqual(names.map((_, i) => i + 1));
      const final = await sources[0]!.read();
      expect(final.revision).toBe(30);
      expect(Object.keys(final.providers).sort()).toEqual([...names].sort());
      // A change that changes nothing does not bump the revision.
      const same = await sources[1]!.update(() => false);
      expect(same.revision).toBe(30);
    } finally {
      await Promise.all(sources.map((s) => s.close()));
    }
  });

  it("a gateway that cannot read the switch does not start; a failing poll keeps the last state", async () => {
    const source = await PostgresSwitchSource.open(url!, { schema });
    const errors: unknown[] = [];
    const sw = await ProviderSwitch.open({ source, pollMs: 50, onError: (e) => errors.push(e) });
    sw.start();
    await sw.set("openai", { reason: "drill", actor: null, at: new Date().toISOString() });
    // Damaged behind its back: the poll reports it and the provider stays off.
    await admin((c) =>
      c.query(`UPDATE ${schema}.policygate_provider_switch SET providers = '[]', revision = revision + 1`),
    );
    await within(1000, async () => errors.length > 0);
    expect(sw.disabled("openai")).toMatchObject({ reason: "drill" });
    expect(String(errors[0])).toContain("does not hold a provider switch");
    await sw.close();

    // At start the same state is fatal: no gateway with a provider on that should be off.
    const again = await PostgresSwitchSource.open(url!, { schema });
    await expect(ProviderSwitch.open({ source: again })).rejects.toThrow(/does not hold a provider switch/);
    await again.close();
    const io: CliIO = {
      stdout: { write: () => true },
      stderr: { write: () => true },
      stdin: Readable.from([]),
      env: {},
      cwd: dir,
    };
    await expect(
      setUpGateway({ policy: policyFile, dataDir: dir, audit: urlIn(schema), logLevel: "silent" }, io),
    ).rejects.toThrow(/the kill switch state in postgres:\/\/\S+ cannot be read/);
  });

  it("creates its tables once, beside the audit tables, even when replicas start together", async () => {
    const sources = await Promise.all([1, 2, 3, 4].map(() => PostgresSwitchSource.open(url!, { schema })));
    await Promise.all(sources.map((s) => s.close()));
    await (await PostgresAuditStore.open(url!, { schema })).close();
    const versions = await admin(
      async (c) =>
        (await c.query(`SELECT component, version FROM ${schema}.policygate_audit_schema ORDER BY 1`)).rows,
    );
    expect(versions).toEqual([
      { component: "audit", version: 1 },
      { component: "switch", version: 1 },
    ]);
  });
});

describe("kill switch in PostgreSQL without a server", () => {
  it("names the database without its password when nothing listens", async () => {
    const err = await PostgresSwitchSource.open("postgres://ops:s3cr3t-pw@127.0.0.1:1/policygate").catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(AuditStoreError);
    expect((err as Error).message).toMatch(
      /^cannot reach the audit database postgres:\/\/127\.0\.0\.1:1\/policygate/,
    );
    expect(String(err) + (err as Error).stack).not.toContain("s3cr3t-pw");
  });
});
