import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { openAuditStore } from "../../src/audit/open.js";
import { PolicyViolation } from "../../src/enforce/violation.js";
import { parsePolicy, type LoadedPolicy } from "../../src/policy/load.js";
import { guard, type GuardOptions } from "../../src/sdk/index.js";
import { MemoryStore } from "../helpers/memory-store.js";
import { startMockUpstream, type MockUpstream } from "../helpers/mock-upstream.js";
import { APPROVAL_YAML, APPROVERS_YAML } from "../helpers/policy.js";

const SECRET = "ghp_R8fKq2ZpL0vT7mXw3NcB9sYhJ4dA6eUiQ1oG";
const EMAIL = "jane.okafor@brightwater.example";
const OPENAI_KEY = "sk-upstream-openai-from-env";
const ANTHROPIC_KEY = "sk-ant-upstream-from-env";

const POLICY = `
environments: [development, production]
environment: production
providers:
  openai:
    kind: openai
    api_key_env: PG_TEST_OPENAI_KEY
    base_url: "{{UPSTREAM}}/v1"
    environments: [production]
    max_class: internal
  anthropic:
    kind: anthropic
    api_key_env: PG_TEST_ANTHROPIC_KEY
    base_url: "{{UPSTREAM}}"
    environments: [production]
    max_class: confidential
  devmodel:
    kind: openai-compatible
    base_url: "{{UPSTREAM}}/v1"
    environments: [development]
integrations:
  support-bot:
    environments: [production]
    providers: [openai, anthropic]
${APPROVAL_YAML}  analytics:
    providers: [devmodel]
${APPROVERS_YAML}data_dictionary:
  columns:
    production.customers.name: confidential
    production.customers.plan: internal
`;

let mock: MockUpstream;
let loaded: LoadedPolicy;
let store: MemoryStore;

function opts(extra: Partial<GuardOptions> = {}): GuardOptions {
  return {
    policy: loaded,
    integration: "support-bot",
    user: "agent_7",
    audit: store,
    env: { PG_TEST_OPENAI_KEY: OPENAI_KEY, PG_TEST_ANTHROPIC_KEY: ANTHROPIC_KEY },
    ...extra,
  };
}
// The clients' own keys and URLs are placeholders: the guard must use the policy's.
const bareOpenAI = () =>
  new OpenAI({ apiKey: "not-the-key", baseURL: "http://127.0.0.1:9/v1", maxRetries: 0 });
const bareAnthropic = () =>
  new Anthropic({ apiKey: "not-the-key", baseURL: "http://127.0.0.1:9", maxRetries: 0 });

beforeAll(async () => {
  mock = await startMockUpstream();
  const r = parsePolicy(POLICY.replaceAll("{{UPSTREAM}}", mock.url), { file: "sdk-test.yaml" });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  loaded = r.value;
});
afterAll(() => mock.close());
beforeEach(() => {
  mock.reset();
  store = new MemoryStore();
});

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe("guard() with the OpenAI SDK", () => {
  it("lets an allowed call through with the key the policy names, and records one event", async () => {
    const openai = guard(bareOpenAI(), opts({ provider: "openai" }));
    const r = await openai.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "What is our refund window?" }],
    });
    expect(r.choices[0]!.message.content).toBe("Echo: What is our refund window?");
    expect(mock.requests).toHaveLength(1);
    expect(mock.requests[0]!.headers.authorization).toBe(`Bearer ${OPENAI_KEY}`);
    expect(store.events).toHaveLength(1);
    const ev = store.events[0]!;
    expect(ev).toMatchObject({
      source: "sdk",
      status: "success",
      integration: "support-bot",
      user: "agent_7",
      provider: "openai",
      model: "gpt-4o-mini",
      endpoint: "openai.chat",
      environment: "production",
      policy_revision: loaded.revision,
    });
    expect(JSON.stringify(ev)).not.toContain(OPENAI_KEY);
  });

  it("blocks a secret before anything reaches the provider, with the rule and the remedy", async () => {
    const openai = guard(bareOpenAI(), opts({ provider: "openai" }));
    const call = openai.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: `Why does this fail? token ${SECRET}` }],
    });
    const err = await call.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PolicyViolation);
    const v = err as PolicyViolation;
    expect(v.code).toBe("input_blocked");
    expect(v.rules).toContain("classes.restricted");
    expect(v.message).toMatch(/Remove it from the prompt/);
    expect(v.message).not.toContain(SECRET);
    expect(mock.requests).toHaveLength(0);
    expect(store.events).toHaveLength(1);
    expect(store.events[0]).toMatchObject({
      source: "sdk",
      status: "blocked",
      input: { decision: "block", restricted_detected: true, classes_sent: [] },
    });
    expect(JSON.stringify(store.events)).not.toMatch(/ghp_|R8fKq/);
  });

  it("redacts an email before the request leaves the process", async () => {
    const openai = guard(bareOpenAI(), opts({ provider: "openai" }));
    const err = await openai.chat.completions
      .create({
        model: "gpt-4o-mini",
        messages: [{ role: "user", content: `Write to ${EMAIL} about the delay` }],
      })
      .then(() => null);
    expect(err).toBeNull();
    const sent = JSON.stringify(mock.requests[0]!.body);
    expect(sent).toContain("[EMAIL_1]");
    expect(sent).not.toContain(EMAIL);
  });

  it("redacts an email in a streamed answer, even when it is split across chunks", async () => {
    const openai = guard(bareOpenAI(), opts({ provider: "openai" }));
    mock.script({ text: `Sure, write to ${EMAIL} today.`, splitAt: [12, 22, 30, 40] });
    const stream = await openai.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "Who do I contact?" }],
      stream: true,
    });
    const text = (await collect(stream)).map((c) => c.choices[0]?.delta?.content ?? "").join("");
    expect(text).toBe("Sure, write to [EMAIL_1] today.");
    expect(store.events).toHaveLength(1);
    expect(store.events[0]).toMatchObject({
      stream: true,
      status: "success",
      output: { decision: "redact" },
    });
    expect(JSON.stringify(store.events)).not.toContain(EMAIL);
  });

  it("a streamed call with a secret throws PolicyViolation when iterated, and sends nothing", async () => {
    const openai = guard(bareOpenAI(), opts({ provider: "openai" }));
    const stream = await openai.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: `deploy with ${SECRET}` }],
      stream: true,
    });
    await expect(collect(stream)).rejects.toBeInstanceOf(PolicyViolation);
    expect(mock.requests).toHaveLength(0);
  });

  it("covers responses.create (plain and streamed) and embeddings.create", async () => {
    const openai = guard(bareOpenAI(), opts({ provider: "openai" }));
    const r = await openai.responses.create({ model: "gpt-4o-mini", input: `Ping ${EMAIL}` });
    expect(r.output_text).toBe("Echo: Ping [EMAIL_1]");
    mock.script({ text: `Mail ${EMAIL} now`, splitAt: [3, 9, 15] });
    const s = await openai.responses.create({ model: "gpt-4o-mini", input: "hi", stream: true });
    let streamed = "";
    for await (const ev of s) if (ev.type === "response.output_text.delta") streamed += ev.delta;
    expect(streamed).toBe("Mail [EMAIL_1] now");
    await openai.embeddings.create({ model: "text-embedding-3-small", input: [`about ${EMAIL}`] });
    expect(JSON.stringify(mock.requests.at(-1)!.body)).not.toContain(EMAIL);
    await expect(
      openai.embeddings.create({ model: "text-embedding-3-small", input: [SECRET] }),
    ).rejects.toBeInstanceOf(PolicyViolation);
    expect(store.events.map((e) => e.endpoint)).toEqual([
      "openai.responses",
      "openai.responses",
      "openai.embeddings",
      "openai.embeddings",
    ]);
  });

  it("refuses endpoints it cannot inspect instead of sending them unchecked", async () => {
    const openai = guard(bareOpenAI(), opts({ provider: "openai" }));
    const err = await openai.completions
      .create({ model: "gpt-3.5-turbo-instruct", prompt: "hello" })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PolicyViolation);
    expect((err as PolicyViolation).code).toBe("unsupported_endpoint");
    expect(mock.requests).toHaveLength(0);
  });
});

describe("guard() with the Anthropic SDK", () => {
  it("lets an allowed call through and redacts an email before it leaves", async () => {
    const anthropic = guard(bareAnthropic(), opts());
    const r = await anthropic.messages.create({
      model: "claude-sonnet-4-6",
      max_tokens: 100,
      messages: [{ role: "user", content: `Reply to ${EMAIL} politely` }],
    });
    expect(r.content[0]).toMatchObject({ type: "text", text: "Echo: Reply to [EMAIL_1] politely" });
    const h = mock.requests[0]!.headers;
    // The SDK chooses the header (x-api-key or a bearer token); the key is the policy's either way.
    expect(h["x-api-key"] ?? h.authorization).toContain(ANTHROPIC_KEY);
    expect(JSON.stringify(mock.requests[0]!.body)).not.toContain(EMAIL);
    expect(store.events[0]).toMatchObject({
      source: "sdk",
      provider: "anthropic",
      endpoint: "anthropic.messages",
      input: { decision: "redact", findings: { email: 1 } },
    });
    expect(JSON.stringify(store.events)).not.toContain(EMAIL);
  });

  it("blocks a secret with no request upstream", async () => {
    const anthropic = guard(bareAnthropic(), opts());
    await expect(
      anthropic.messages.create({
        model: "claude-sonnet-4-6",
        max_tokens: 100,
        messages: [{ role: "user", content: `my token is ${SECRET}` }],
      }),
    ).rejects.toThrow(/classes\.restricted/);
    expect(mock.requests).toHaveLength(0);
  });

  it("redacts a streamed answer", async () => {
    const anthropic = guard(bareAnthropic(), opts());
    mock.script({ text: `Her address is ${EMAIL}, ok?`, splitAt: [5, 17, 25, 33] });
    const stream = await anthropic.messages.create({
      model: "claude-sonnet-4-6",
      max_tokens: 100,
      messages: [{ role: "user", content: "Where do I write?" }],
      stream: true,
    });
    let text = "";
    for await (const ev of stream)
      if (ev.type === "content_block_delta" && ev.delta.type === "text_delta") text += ev.delta.text;
    expect(text).toBe("Her address is [EMAIL_1], ok?");
    // The SDK's stream helper sees the same thing.
    mock.script({ text: `Her address is ${EMAIL}, ok?`, splitAt: [5, 17, 25, 33] });
    const final = await anthropic.messages
      .stream({ model: "claude-sonnet-4-6", max_tokens: 100, messages: [{ role: "user", content: "again" }] })
      .finalText();
    expect(final).toBe("Her address is [EMAIL_1], ok?");
  });
});

describe("creating a guarded client", () => {
  it("rejects a provider not approved for this environment when the client is created", () => {
    let err: unknown;
    try {
      guard(bareOpenAI(), opts({ integration: "analytics" }));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PolicyViolation);
    expect((err as PolicyViolation).rules).toEqual(["providers.devmodel.environments"]);
    expect((err as PolicyViolation).message).toMatch(/not approved for 'production'/);
    expect(mock.requests).toHaveLength(0);
  });

  it("rejects a provider the integration may not use, and one that does not speak the SDK's format", () => {
    expect(() => guard(bareOpenAI(), opts({ provider: "devmodel" }))).toThrow(PolicyViolation);
    expect(() => guard(bareOpenAI(), opts({ provider: "anthropic" }))).toThrow(
      /does not speak the openai format/,
    );
    expect(() => guard(bareOpenAI(), opts({ integration: "nobody" }))).toThrow(/not declared/);
  });

  it("refuses production use of an integration without an approval record, naming what is missing", () => {
    const yaml = POLICY.replaceAll("{{UPSTREAM}}", mock.url).replace("    approval:\n", "    unapproved:\n");
    const r = parsePolicy(yaml.replace(/ {4}unapproved:\n(?: {6}.*\n| {8}.*\n)+/, ""), { file: "x.yaml" });
    if (!r.ok) throw new Error(r.errors.map((e) => e.message).join("\n"));
    let err: unknown;
    try {
      guard(bareOpenAI(), opts({ policy: r.value, provider: "openai" }));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PolicyViolation);
    expect((err as PolicyViolation).rules).toEqual(["integrations.support-bot.approval"]);
    expect((err as PolicyViolation).message).toMatch(/no approval record/);
    expect(mock.requests).toHaveLength(0);
  });

  it("fails when the key's environment variable is not set, naming the variable and not a value", () => {
    expect(() => guard(bareAnthropic(), opts({ env: {} }))).toThrow(
      /set the environment variable PG_TEST_ANTHROPIC_KEY/,
    );
  });

  it("keeps the SDK's type and leaves the original client unguarded", () => {
    const bare = bareOpenAI();
    const g = guard(bare, opts({ provider: "openai" }));
    expect(g).toBeInstanceOf(OpenAI);
    expect(g).not.toBe(bare);
    expect(bare.baseURL).toBe("http://127.0.0.1:9/v1");
  });
});

describe("the audit store", () => {
  it("writes one event per call to a SQLite store, in the gateway's format, with no sensitive value", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pg-sdk-audit-"));
    const spec = `sqlite:${join(dir, "audit.sqlite")}`;
    const anthropic = guard(bareAnthropic(), opts({ audit: spec }));
    await anthropic.messages.create({
      model: "claude-sonnet-4-6",
      max_tokens: 50,
      messages: [{ role: "user", content: `Customer ${EMAIL} asked about invoice 42` }],
    });
    await anthropic.messages
      .create({ model: "claude-sonnet-4-6", max_tokens: 50, messages: [{ role: "user", content: SECRET }] })
      .catch(() => undefined);
    const reader = await openAuditStore(spec, { dataDir: dir, create: false });
    const events = await reader.query({});
    await reader.close();
    expect(events.map((e) => [e.source, e.status])).toEqual([
      ["sdk", "success"],
      ["sdk", "blocked"],
    ]);
    const all = JSON.stringify(events);
    expect(all).not.toContain(EMAIL);
    expect(all).not.toMatch(/ghp_|R8fKq/);
    expect(all).not.toContain(ANTHROPIC_KEY);
  });

  it("fails closed when the store cannot record the call", async () => {
    store.failing = true;
    const anthropic = guard(bareAnthropic(), opts());
    const err = await anthropic.messages
      .create({ model: "claude-sonnet-4-6", max_tokens: 50, messages: [{ role: "user", content: "hello" }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PolicyViolation);
    expect((err as PolicyViolation).rules).toEqual(["audit.on_failure"]);
  });
});

describe("edges", () => {
  it("withholds the rest of a streamed answer when the policy blocks leaks, and says why", async () => {
    const r = parsePolicy(
      POLICY.replaceAll("{{UPSTREAM}}", mock.url) + "output:\n  on_leak: block\n  stream_window: 16\n",
      { file: "block.yaml" },
    );
    if (!r.ok) throw new Error("policy");
    const openai = guard(bareOpenAI(), opts({ policy: r.value, provider: "openai" }));
    mock.script({
      text: `A long and harmless opening sentence, then ${EMAIL} and more.`,
      splitAt: [10, 30, 50],
    });
    const stream = await openai.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "hi" }],
      stream: true,
    });
    let text = "";
    const err = await (async () => {
      for await (const c of stream) text += c.choices[0]?.delta?.content ?? "";
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PolicyViolation);
    expect((err as PolicyViolation).code).toBe("output_blocked");
    expect((err as PolicyViolation).rules).toEqual(["output.leak_classes"]);
    expect(text).not.toContain("jane");
    expect(store.events[0]).toMatchObject({ status: "blocked", output: { decision: "block" } });
  });

  it("refuses a request aimed at a host other than the policy's", async () => {
    const openai = guard(bareOpenAI(), opts({ provider: "openai" }));
    const err = await openai
      .post("http://127.0.0.1:9/v1/chat/completions", {
        body: { model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] },
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PolicyViolation);
    expect((err as PolicyViolation).rules).toEqual(["providers.openai.base_url"]);
    expect(store.events[0]).toMatchObject({ status: "blocked", error: { code: "unapproved_host" } });
  });

  it("answers in process with the echo provider, so nothing leaves the machine", async () => {
    const r = parsePolicy(
      `
environments: [development]
providers:
  echo:
    kind: echo
    environments: [development]
integrations:
  offline:
    providers: [echo]
`,
      { file: "echo.yaml" },
    );
    if (!r.ok) throw new Error("policy");
    const openai = guard(bareOpenAI(), opts({ policy: r.value, integration: "offline" }));
    const reply = await openai.chat.completions.create({
      model: "echo",
      messages: [{ role: "user", content: `hello ${EMAIL}` }],
    });
    expect(reply.choices[0]!.message.content).toBe("Echo: hello [EMAIL_1]");
    const anthropic = guard(bareAnthropic(), opts({ policy: r.value, integration: "offline" }));
    const text = await anthropic.messages
      .stream({ model: "echo", max_tokens: 10, messages: [{ role: "user", content: "ping" }] })
      .finalText();
    expect(text).toBe("Echo: ping");
    expect(mock.requests).toHaveLength(0);
    expect(store.events.map((e) => e.provider)).toEqual(["echo", "echo"]);
  });

  it("covers Anthropic's count_tokens too", async () => {
    const anthropic = guard(bareAnthropic(), opts());
    await expect(
      anthropic.messages.countTokens({
        model: "claude-sonnet-4-6",
        messages: [{ role: "user", content: SECRET }],
      }),
    ).rejects.toBeInstanceOf(PolicyViolation);
    expect(mock.requests).toHaveLength(0);
  });
});
