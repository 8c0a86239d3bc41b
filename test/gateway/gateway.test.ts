import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { AuditStoreError } from "../../src/audit/errors.js";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startMockUpstream, type MockUpstream } from "../helpers/mock-upstream.js";
import { startTestGateway, type TestGateway } from "../helpers/gateway.js";
import type { MemoryStore } from "../helpers/memory-store.js";

const KEY = "ghp_R8fKq2ZpL0vT7mXw3NcB9sYhJ4dA6eUiQ1oG";
const EMAIL = "jane.okafor@brightwater.example";
const GW_KEY = "pgk_test_support";

const POLICY = `
environments: [development, testing, production]
environment: development
providers:
  openai:
    kind: openai
    api_key_env: OPENAI_API_KEY
    base_url: "{{UPSTREAM}}/v1"
    environments: [development, testing]
    max_class: confidential
  anthropic:
    kind: anthropic
    api_key_env: ANTHROPIC_API_KEY
    base_url: "{{UPSTREAM}}"
    environments: [development, production]
    max_class: confidential
  gemini:
    kind: gemini
    api_key_env: GEMINI_API_KEY
    base_url: "{{UPSTREAM}}"
    environments: [development]
  prodonly:
    kind: openai
    api_key_env: OPENAI_API_KEY
    base_url: "{{UPSTREAM}}/v1"
    environments: [production]
integrations:
  support-bot:
    providers: [openai, anthropic, gemini, prodonly]
output:
  internal_hosts: ["*.corp.acme.example"]
gateway:
  max_body_bytes: 1048576
  upstream_timeout_ms: 1500
`;

let upstream: MockUpstream;
let gw: TestGateway;
let openai: OpenAI;
let anthropic: Anthropic;

beforeAll(async () => {
  upstream = await startMockUpstream();
  gw = await startTestGateway(POLICY, { upstream: upstream.url });
  openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: GW_KEY, maxRetries: 0 });
  anthropic = new Anthropic({ baseURL: gw.url, apiKey: GW_KEY, maxRetries: 0 });
});
afterAll(async () => {
  await gw.close();
  await upstream.close();
});
beforeEach(() => upstream.reset());

const events = () => (gw.store as MemoryStore).events;

describe("allowed calls pass through with the provider key, not the gateway key", () => {
  it("OpenAI chat completions", async () => {
    const before = events().length;
    const r = await openai.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "Summarise our roadmap" }],
    });
    expect(r.choices[0]!.message.content).toContain("Summarise our roadmap");
    expect(upstream.requests).toHaveLength(1);
    expect(upstream.requests[0]!.headers.authorization).toBe("Bearer sk-upstream-openai");
    expect(JSON.stringify(upstream.requests[0]!.headers)).not.toContain(GW_KEY);
    expect(events().length).toBe(before + 1);
    expect(events().at(-1)).toMatchObject({
      status: "success",
      provider: "openai",
      integration: "support-bot",
      input: { decision: "allow" },
    });
  });

  it("Anthropic messages", async () => {
    const r = await anthropic.messages.create({
      model: "claude-sonnet-4-5",
      max_tokens: 100,
      messages: [{ role: "user", content: "Hello there" }],
    });
    expect(r.content[0]).toMatchObject({ type: "text" });
    expect(upstream.requests[0]!.headers["x-api-key"]).toBe("sk-ant-upstream");
  });
});

describe("input enforcement", () => {
  it("blocks Restricted data: the SDK raises, the upstream receives nothing", async () => {
    const err = await openai.chat.completions
      .create({ model: "gpt-4o-mini", messages: [{ role: "user", content: `deploy with ${KEY}` }] })
      .catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect(err.message).toMatch(/classes\.restricted/);
    expect(err.message).not.toContain(KEY);
    expect(upstream.requests).toHaveLength(0);
    expect(events().at(-1)).toMatchObject({
      status: "blocked",
      input: { decision: "block", restricted_detected: true, findings: { "github-token": 1 } },
    });
  });

  it("redacts Confidential data: the upstream receives placeholders", async () => {
    const r = await anthropic.messages.create({
      model: "claude-sonnet-4-5",
      max_tokens: 100,
      system: "You answer support tickets.",
      messages: [{ role: "user", content: `Customer ${EMAIL} asks about invoice 4411` }],
    });
    const sent = JSON.stringify(upstream.requests[0]!.body);
    expect(sent).not.toContain(EMAIL);
    expect(sent).toContain("[EMAIL_1]");
    // The answer echoes the placeholder, not the address.
    expect(JSON.stringify(r)).not.toContain(EMAIL);
    expect(events().at(-1)!.input).toMatchObject({ decision: "redact", findings: { email: 1 } });
  });

  it("refuses a provider not approved for the environment, naming the rule", async () => {
    const client = new OpenAI({ baseURL: `${gw.url}/prodonly/v1`, apiKey: GW_KEY, maxRetries: 0 });
    const err = await client.chat.completions
      .create({ model: "gpt-4o", messages: [{ role: "user", content: "hi" }] })
      .catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect(err.message).toMatch(/not approved for 'development' environment/);
    expect(upstream.requests).toHaveLength(0);
  });

  it("rejects an unknown gateway key with 401 in the provider's shape", async () => {
    const client = new Anthropic({ baseURL: gw.url, apiKey: "pgk_wrong", maxRetries: 0 });
    const err = await client.messages
      .create({ model: "c", max_tokens: 5, messages: [{ role: "user", content: "x" }] })
      .catch((e) => e);
    expect(err).toBeInstanceOf(Anthropic.AuthenticationError);
    expect(err.message).not.toContain("pgk_wrong");
  });

  it("answers malformed JSON with 400 and no echo of the body", async () => {
    const r = await fetch(`${gw.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${GW_KEY}`, "content-type": "application/json" },
      body: `{"model": "x", "messages": [${KEY}`,
    });
    expect(r.status).toBe(400);
    const text = await r.text();
    expect(text).toMatch(/not valid JSON/);
    expect(text).not.toContain(KEY);
  });

  it("refuses a body over the limit with 413", async () => {
    const big = "a".repeat(10 * 1024 * 1024);
    const r = await fetch(`${gw.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${GW_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "x", messages: [{ role: "user", content: big }] }),
    });
    expect(r.status).toBe(413);
    expect(upstream.requests).toHaveLength(0);
  });
});

describe("output enforcement", () => {
  it("redacts a key split across three chunks of a stream", async () => {
    const text = `Here you go: ${KEY} and that is all.`;
    const i = text.indexOf(KEY);
    upstream.script({ text, splitAt: [i + 5, i + 20, i + 33] });
    const stream = await openai.chat.completions.create({
      model: "gpt-4o-mini",
      stream: true,
      messages: [{ role: "user", content: "the token please" }],
    });
    let out = "";
    const pieces: string[] = [];
    for await (const chunk of stream) {
      const d = chunk.choices[0]?.delta?.content ?? "";
      pieces.push(d);
      out += d;
    }
    expect(out).toBe("Here you go: [TOKEN_1] and that is all.");
    for (const p of pieces) expect(p).not.toMatch(/ghp_|R8fKq|vT7mX/);
    expect(events().at(-1)!.output).toMatchObject({ decision: "redact", findings: { "github-token": 1 } });
  });

  it("redacts an internal URL in a non-streamed Anthropic answer", async () => {
    upstream.script({ text: "See https://wiki.corp.acme.example/runbooks/42 for the steps." });
    const r = await anthropic.messages.create({
      model: "claude-sonnet-4-5",
      max_tokens: 100,
      messages: [{ role: "user", content: "where?" }],
    });
    expect(r.content[0]).toMatchObject({ text: "See [INTERNAL_URL_1] for the steps." });
  });

  it("redacts in an Anthropic stream", async () => {
    upstream.script({ text: `Write to ${EMAIL} today.`, splitAt: [10, 14, 20] });
    const stream = anthropic.messages.stream({
      model: "claude-sonnet-4-5",
      max_tokens: 100,
      messages: [{ role: "user", content: "who?" }],
    });
    const final = await stream.finalText();
    expect(final).toBe("Write to [EMAIL_1] today.");
  });
});

describe("upstream trouble", () => {
  it("maps an upstream 500 to 502", async () => {
    upstream.script({ status: 500 });
    const err = await openai.chat.completions
      .create({ model: "m", messages: [{ role: "user", content: "x" }] })
      .catch((e) => e);
    expect(err.status).toBe(502);
    expect(events().at(-1)).toMatchObject({ status: "error", error: { code: "upstream_error" } });
  });

  it("answers 504 naming the provider when the upstream is too slow", async () => {
    upstream.script({ delayMs: 3000 });
    const err = await openai.chat.completions
      .create({ model: "m", messages: [{ role: "user", content: "x" }] })
      .catch((e) => e);
    expect(err.status).toBe(504);
    expect(err.message).toMatch(/openai/);
  });

  it("ends a stream cut mid-way with an error event, not a silent truncation", async () => {
    upstream.script({ text: "one two three four five six seven eight nine ten", cutAfterEvents: 3 });
    const stream = await openai.chat.completions.create({
      model: "m",
      stream: true,
      messages: [{ role: "user", content: "count" }],
    });
    const err = await (async () => {
      for await (const _ of stream) void _;
    })().catch((e) => e);
    expect(err).toBeInstanceOf(Error);
    expect(events().at(-1)).toMatchObject({ status: "error" });
  });
});

describe("the gateway's own surface", () => {
  it("guards every registered route except health checks, and 404s the rest", async () => {
    const routes = gw.gateway.registeredRoutes().filter((r) => r.method !== "ALL");
    const open = routes.filter((r) => !["/healthz", "/readyz"].includes(r.path));
    for (const r of open) {
      const path = r.path
        .replace(":provider{[a-z0-9][a-z0-9_-]{0,62}}", "openai")
        .replace(/:modelAction\{[^}]*?(generateContent|streamGenerateContent)\}/, "gemini-pro:$1");
      const res = await fetch(`${gw.url}${path}`, {
        method: r.method,
        body: r.method === "POST" ? "{}" : undefined,
      });
      expect(res.status, `${r.method} ${r.path}`).toBe(401);
    }
    expect(open.length).toBeGreaterThanOrEqual(16);
    const nf = await fetch(`${gw.url}/v1/files`, { headers: { authorization: `Bearer ${GW_KEY}` } });
    expect(nf.status).toBe(404);
    expect(upstream.requests).toHaveLength(0);
  });

  it("never takes the upstream host from the request", async () => {
    await openai.chat.completions.create(
      { model: "m", messages: [{ role: "user", content: "hi" }] },
      { headers: { host: "evil.example", "x-forwarded-host": "evil.example" } },
    );
    expect(upstream.requests).toHaveLength(1);
  });

  it("refuses the call with a 503, without forwarding it, when keys cannot be verified", async () => {
    const down = await startTestGateway(POLICY, {
      upstream: upstream.url,
      extra: {
        keys: {
          verify: () =>
            Promise.reject(new AuditStoreError("cannot reach the audit database", "postgres://db/x")),
        },
      },
    });
    try {
      const res = await fetch(`${down.url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${GW_KEY}`, "content-type": "application/json" },
        body: JSON.stringify({ model: "m", messages: [{ role: "user", content: "hi" }] }),
      });
      expect(res.status).toBe(503);
      expect(res.headers.get("x-policygate-refusal")).toBe("key_store_unavailable");
      expect(JSON.stringify(await res.json())).toMatch(/cannot check gateway keys/);
      expect(upstream.requests).toHaveLength(0);
      // The gateway is still up for the next call.
      expect((await fetch(`${down.url}/healthz`)).status).toBe(200);
    } finally {
      await down.close();
    }
  });

  it("lists only approved providers' models", async () => {
    const list = await openai.models.list();
    const ids = [];
    for await (const m of list) ids.push(m.owned_by);
    expect(ids.every((o) => o === "openai")).toBe(true);
  });
});
