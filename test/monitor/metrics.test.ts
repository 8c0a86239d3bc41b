import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { builtinDetectors } from "../../src/detect/catalogue.js";
import { Monitor } from "../../src/monitor/monitor.js";
import { parsePolicy } from "../../src/policy/load.js";
import { startTestGateway, type TestGateway } from "../helpers/gateway.js";
import { MemoryStore } from "../helpers/memory-store.js";
import { startMockUpstream, type MockUpstream } from "../helpers/mock-upstream.js";

const SECRET = "ghp_R8fKq2ZpL0vT7mXw3NcB9sYhJ4dA6eUiQ1oG";
const EMAIL = "jane.okafor@brightwater.example";
const USER = "alice.private@customer.example";
const TOKEN = "metrics-token-7f3a";

const POLICY = `
environments: [development]
providers:
  openai:
    kind: openai
    api_key_env: OPENAI_API_KEY
    base_url: "{{UPSTREAM}}/v1"
    environments: [development]
    max_class: confidential
integrations:
  support-bot:
    providers: [openai]
gateway:
  upstream_timeout_ms: 500
`;

let upstream: MockUpstream;
let gw: TestGateway;
let dir: string;

beforeAll(async () => {
  upstream = await startMockUpstream();
  dir = mkdtempSync(join(tmpdir(), "pg-metrics-"));
  const yaml = POLICY.replaceAll("{{UPSTREAM}}", upstream.url);
  const r = parsePolicy(yaml, { file: "m.yaml" });
  if (!r.ok) throw new Error("policy");
  const store = new MemoryStore();
  const env = { OPENAI_API_KEY: "sk-up", POLICYGATE_METRICS_TOKEN: TOKEN };
  const monitor = Monitor.create({
    policy: r.value,
    environment: "development",
    env,
    store,
    dataDir: dir,
    logger: pino({ level: "silent" }),
    newId: () => `id-${Math.random()}`,
  });
  gw = await startTestGateway(yaml, {
    upstream: upstream.url,
    store,
    env,
    // A key for an integration the policy does not declare: its name must not become a label.
    keys: { pgk_test_support: "support-bot", pgk_rogue: `rogue-${EMAIL}` },
    extra: monitor.gatewayOptions(),
  });
});
afterAll(async () => {
  await gw.close();
  await upstream.close();
  rmSync(dir, { recursive: true, force: true });
});

async function scrape(): Promise<string> {
  const res = await fetch(`${gw.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/text\/plain/);
  return res.text();
}

/** Every label value in an exposition, by label name. */
function labelValues(text: string): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const line of text.split("\n")) {
    if (line.startsWith("#")) continue;
    for (const m of line.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
      if (!out.has(m[1]!)) out.set(m[1]!, new Set());
      out.get(m[1]!)!.add(m[2]!);
    }
  }
  return out;
}

describe("/metrics", () => {
  it("counts calls, findings, latency and upstream failures with bounded, value-free labels", async () => {
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: "pgk_test_support", maxRetries: 0 });
    await client.chat.completions.create({
      model: "gpt-4o",
      user: USER,
      messages: [{ role: "user", content: "hello" }],
    });
    await client.chat.completions.create({
      model: "gpt-4o",
      user: USER,
      messages: [{ role: "user", content: `Write to ${EMAIL} please` }],
    });
    await expect(
      client.chat.completions.create({
        model: `gpt-4o-${SECRET}`,
        user: USER,
        messages: [{ role: "user", content: `token ${SECRET}` }],
      }),
    ).rejects.toMatchObject({ status: 403 });
    upstream.script({ delayMs: 2000 });
    await expect(
      client.chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "slow" }] }),
    ).rejects.toMatchObject({ status: 504 });
    upstream.reset();
    const rogue = new OpenAI({ baseURL: `${gw.url}/openai/v1`, apiKey: "pgk_rogue", maxRetries: 0 });
    await rogue.chat.completions
      .create({ model: "gpt-4o", messages: [{ role: "user", content: "hi" }] })
      .catch(() => {});

    const text = await scrape();
    expect(text).toMatch(
      /policygate_calls_total\{provider="openai",integration="support-bot",decision="allow",status="success"\} 1/,
    );
    expect(text).toMatch(
      /policygate_calls_total\{provider="openai",integration="support-bot",decision="redact",status="success"\} 1/,
    );
    expect(text).toMatch(/policygate_calls_total\{[^}]*decision="block",status="blocked"\} 1/);
    expect(text).toMatch(
      /policygate_findings_total\{detector="email",class="confidential",direction="input"\} 1/,
    );
    expect(text).toMatch(/policygate_upstream_failures_total\{provider="openai",kind="timeout"\} 1/);
    expect(text).toMatch(/policygate_gateway_overhead_seconds_count\{provider="openai"\} \d+/);
    expect(text).toMatch(/policygate_upstream_seconds_bucket\{le="[^"]+",provider="openai"\} \d+/);
    expect(text).toMatch(/policygate_audit_store_lag_seconds \d/);

    // Nothing from a call appears anywhere in the exposition.
    for (const v of [SECRET, EMAIL, USER, "jane.okafor", "alice.private", "rogue-"])
      expect(text).not.toContain(v);
    // Every label value comes from a closed set.
    const allowed: Record<string, Set<string>> = {
      provider: new Set(["openai", "other", "none"]),
      integration: new Set(["support-bot", "other", "none"]),
      decision: new Set(["allow", "redact", "block"]),
      status: new Set(["success", "blocked", "error"]),
      detector: new Set([
        ...builtinDetectors().map((d) => d.id),
        "other",
        "data-dictionary",
        "policy-internal-hosts",
      ]),
      class: new Set(["public", "internal", "confidential", "restricted", "dictionary", "other"]),
      direction: new Set(["input", "output"]),
      kind: new Set(["error", "timeout"]),
      le: new Set<string>(),
    };
    for (const [name, values] of labelValues(text)) {
      if (name === "le") continue;
      expect(allowed[name], `unexpected label ${name}`).toBeDefined();
      for (const v of values) expect(allowed[name]!.has(v), `${name}="${v}"`).toBe(true);
    }
  });

  it("asks for the bearer token when POLICYGATE_METRICS_TOKEN is set", async () => {
    expect((await fetch(`${gw.url}/metrics`)).status).toBe(401);
    const wrong = await fetch(`${gw.url}/metrics`, { headers: { authorization: "Bearer nope" } });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).not.toContain(TOKEN);
    await scrape();
  });
});
