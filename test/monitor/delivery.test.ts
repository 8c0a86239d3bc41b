import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import { pino } from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { readDeadLetters } from "../../src/monitor/delivery.js";
import { Monitor, MonitorConfigError } from "../../src/monitor/monitor.js";
import { formatPolicyError } from "../../src/policy/errors.js";
import { parsePolicy, type LoadedPolicy } from "../../src/policy/load.js";
import { startTestGateway, type TestGateway } from "../helpers/gateway.js";
import { MemoryStore } from "../helpers/memory-store.js";
import { startMockUpstream, type MockUpstream } from "../helpers/mock-upstream.js";
import { startWebhookReceiver, type WebhookReceiver } from "../helpers/webhook-receiver.js";

const SECRET = "ghp_R8fKq2ZpL0vT7mXw3NcB9sYhJ4dA6eUiQ1oG";

const POLICY = `
environments: [development, production]
environment: development
organisation:
  name: Acme
  contacts:
    security: { name: Sec Lead, email: sec@example.com }
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
alerts:
  levels:
    - contacts: [security]
      notify: [slack, generic]
  notifiers:
    slack: { kind: webhook, url_env: SLACK_URL, format: slack, timeout_ms: 300 }
    generic: { kind: webhook, url_env: HOOK_URL, format: json, timeout_ms: 300 }
  delivery: { retries: 2, backoff_ms: 50, max_backoff_ms: 400, queue_size: 10 }
`;

let upstream: MockUpstream;
let receiver: WebhookReceiver;
let dir: string;
const open: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  upstream = await startMockUpstream();
  receiver = await startWebhookReceiver();
});
afterAll(async () => {
  await upstream.close();
  await receiver.close();
});
afterEach(async () => {
  for (const o of open.splice(0)) await o.close();
  receiver.received.length = 0;
  receiver.script(200);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function load(yaml = POLICY): LoadedPolicy {
  const r = parsePolicy(yaml.replaceAll("{{UPSTREAM}}", upstream.url), { file: "alerts-test.yaml" });
  if (!r.ok) throw new Error(r.errors.map(formatPolicyError).join("\n"));
  return r.value;
}

/** A gateway with its monitor, the notifiers pointing at the local receiver. */
async function start(
  yaml = POLICY,
): Promise<{ gw: TestGateway; monitor: Monitor; store: MemoryStore; client: OpenAI }> {
  dir = mkdtempSync(join(tmpdir(), "pg-alerts-"));
  const store = new MemoryStore();
  const env = { OPENAI_API_KEY: "sk-upstream", SLACK_URL: receiver.url, HOOK_URL: receiver.url + "/generic" };
  const monitor = Monitor.create({
    policy: load(yaml),
    environment: "development",
    env,
    store,
    dataDir: dir,
    logger: pino({ level: "silent" }),
    newId: (() => {
      let i = 0;
      return () => `id-${++i}`;
    })(),
  });
  const gw = await startTestGateway(yaml, {
    upstream: upstream.url,
    store,
    env,
    extra: monitor.gatewayOptions(),
  });
  open.push(gw);
  const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: "pgk_test_support", maxRetries: 0 });
  return { gw, monitor, store, client };
}

async function leakKey(client: OpenAI): Promise<number> {
  const t0 = Date.now();
  await expect(
    client.chat.completions.create({
      model: "gpt-4o",
      messages: [{ role: "user", content: `why does ${SECRET} fail?` }],
    }),
  ).rejects.toMatchObject({ status: 403 });
  return Date.now() - t0;
}

describe("alert delivery", () => {
  it("sends a Slack-compatible and a generic JSON payload with counts and detector ids, never the value", async () => {
    const { client, monitor, store } = await start();
    await leakKey(client);
    await monitor.idle(5000);
    expect(receiver.received).toHaveLength(2);
    const slack = receiver.received.find((r) => !r.path.endsWith("/generic"))!.body as {
      text: string;
      blocks: unknown[];
    };
    expect(slack.text).toMatch(/\[PolicyGate L1\] Restricted data sent by integration support-bot/);
    expect(slack.blocks.length).toBeGreaterThan(0);
    const generic = receiver.received.find((r) => r.path.endsWith("/generic"))!.body as {
      type: string;
      alert: {
        rule: string;
        level: number;
        counts: Record<string, number>;
        detectors: string[];
        people: unknown[];
      };
    };
    expect(generic.type).toBe("policygate.alert");
    expect(generic.alert).toMatchObject({ rule: "restricted_data", level: 1, counts: { occurrences: 1 } });
    expect(generic.alert.detectors.length).toBeGreaterThan(0);
    expect(generic.alert.people).toEqual([{ role: "security", name: "Sec Lead", email: "sec@example.com" }]);
    for (const r of receiver.received) expect(r.raw).not.toContain(SECRET.slice(4, 30));

    // The alert is an audit event too, and it carries no value either.
    const alerts = store.events.filter((e) => e.status === "alert");
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.alert).toMatchObject({
      rule: "restricted_data",
      level: 1,
      notifiers: ["slack", "generic"],
    });
    expect(JSON.stringify(store.events)).not.toContain(SECRET.slice(4, 30));
  });

  it("retries a failing receiver with growing delays until it recovers, without a dead letter", async () => {
    const { client, monitor } = await start(POLICY.replace("notify: [slack, generic]", "notify: [generic]"));
    receiver.script(500, 503, 200);
    await leakKey(client);
    await monitor.idle(5000);
    expect(receiver.received).toHaveLength(3);
    const [a, b, c] = receiver.received.map((r) => r.at);
    expect(b! - a!).toBeGreaterThanOrEqual(45);
    expect(c! - b!).toBeGreaterThanOrEqual(95); // doubled
    const { letters } = await readDeadLetters(join(dir, "alerts-dead-letter.jsonl"));
    expect(letters).toEqual([]);
    const metrics = (await monitor.gatewayOptions().metrics(undefined)).body;
    expect(metrics).toMatch(/policygate_alert_deliveries_total\{notifier="generic",outcome="retry"\} 2/);
    expect(metrics).toMatch(/policygate_alert_deliveries_total\{notifier="generic",outcome="sent"\} 1/);
  });

  it("writes a dead letter when the receiver keeps timing out, and the call is not slowed", async () => {
    const { client, monitor } = await start(POLICY.replace("notify: [slack, generic]", "notify: [generic]"));
    receiver.script("hang");
    const ms = await leakKey(client);
    // Delivery takes over a second (three attempts of 300 ms plus 50 and 100 ms of backoff); the
    // call waited for none of it.
    expect(ms).toBeLessThan(1000);
    // An ordinary call right after is unaffected too.
    const ok = await client.chat.completions.create({
      model: "gpt-4o",
      messages: [{ role: "user", content: "hi" }],
    });
    expect(ok.choices[0]?.message.content).toBeTruthy();
    await monitor.idle(10_000);
    expect(receiver.received).toHaveLength(3);
    const file = join(dir, "alerts-dead-letter.jsonl");
    const { letters } = await readDeadLetters(file);
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ notifier: "generic", attempts: 3, reason: "no answer within 300 ms" });
    expect(letters[0]!.alert.rule).toBe("restricted_data");
    const text = readFileSync(file, "utf8");
    expect(text).not.toContain("s3cr3t-path-token");
    expect(text).not.toContain(SECRET.slice(4, 30));
  });

  it("does not retry a permanent refusal (4xx)", async () => {
    const { client, monitor } = await start(POLICY.replace("notify: [slack, generic]", "notify: [generic]"));
    receiver.script(404);
    await leakKey(client);
    await monitor.idle(5000);
    expect(receiver.received).toHaveLength(1);
    const { letters } = await readDeadLetters(join(dir, "alerts-dead-letter.jsonl"));
    expect(letters[0]).toMatchObject({ attempts: 1, reason: "the receiver answered 404" });
  });

  it("dead-letters alerts beyond the bounded queue instead of growing without limit", async () => {
    const { monitor } = await start(
      POLICY.replace("queue_size: 10", "queue_size: 2").replace(
        "notify: [slack, generic]",
        "notify: [generic]",
      ),
    );
    receiver.script("hang");
    for (let i = 0; i < 5; i++) {
      monitor.raise({
        rule: "volume_spike",
        level: 1,
        title: `spike ${i}`,
        key: { integration: "support-bot" },
        counts: {},
        detectors: [],
        classes: [],
        request_ids: [],
      });
    }
    await monitor.close(50);
    const { letters } = await readDeadLetters(join(dir, "alerts-dead-letter.jsonl"));
    expect(letters.filter((l) => l.reason === "the alert queue was full")).toHaveLength(3);
    expect(letters).toHaveLength(5);
  });
});

describe("notifier configuration", () => {
  it("refuses to start where a required webhook variable is missing, and only warns elsewhere", () => {
    const base = {
      policy: load(
        POLICY.replace("format: slack, timeout_ms: 300", "format: slack, required_in: [production]"),
      ),
      store: new MemoryStore(),
      dataDir: tmpdir(),
      logger: pino({ level: "silent" }),
      newId: () => "x",
    };
    expect(() =>
      Monitor.create({ ...base, environment: "production", env: { HOOK_URL: receiver.url } }),
    ).toThrow(MonitorConfigError);
    try {
      Monitor.create({ ...base, environment: "production", env: { HOOK_URL: receiver.url } });
    } catch (e) {
      expect((e as Error).message).toMatch(/alerts\.notifiers\.slack\.url_env: SLACK_URL is not set/);
    }
    const dev = Monitor.create({ ...base, environment: "development", env: {} });
    expect(dev.problems.map((p) => [p.notifier, p.error])).toEqual([
      ["slack", false],
      ["generic", false],
    ]);
  });

  it("refuses a policy reload that would leave a required notifier without its variable", async () => {
    const { gw } = await start();
    const before = gw.gateway.engine.revision;
    const broken = load(
      POLICY.replace(
        "format: json, timeout_ms: 300",
        "format: json, timeout_ms: 300, required_in: [development]",
      ).replace("url_env: HOOK_URL", "url_env: UNSET_HOOK_URL"),
    );
    expect(() => gw.gateway.reload(broken)).toThrow(/UNSET_HOOK_URL is not set/);
    expect(gw.gateway.engine.revision).toBe(before);
  });

  it("an alert with no working notifier is still recorded in the audit log", async () => {
    dir = mkdtempSync(join(tmpdir(), "pg-alerts-"));
    const store = new MemoryStore();
    const monitor = Monitor.create({
      policy: load(),
      environment: "development",
      env: {},
      store,
      dataDir: dir,
      logger: pino({ level: "silent" }),
      newId: () => `id-${Math.random()}`,
    });
    monitor.observe({
      ...(await import("./events.js")).restricted(),
    });
    await monitor.idle(1000);
    expect(store.events.map((e) => e.status)).toEqual(["alert"]);
    expect(store.events[0]!.alert!.notifiers).toEqual([]);
  });
});
