import OpenAI from "openai";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { PolicyViolation } from "../../src/enforce/violation.js";
import { updateSwitchState } from "../../src/incident/switch-state.js";
import { parsePolicy, type LoadedPolicy } from "../../src/policy/load.js";
import { enforceInput, enforceOutput, guard, type GuardOptions } from "../../src/sdk/index.js";
import { MemoryStore } from "../helpers/memory-store.js";
import { startMockUpstream, type MockUpstream } from "../helpers/mock-upstream.js";

// The guard shares restore (issue 8) and the kill switch (issue 7) with the gateway.
const EMAIL = "jane.okafor@brightwater.example";
const KEY = "sk-upstream-openai-from-env";
const POLICY = `
environments: [development]
environment: development
providers:
  openai:
    kind: openai
    api_key_env: PG_TEST_OPENAI_KEY
    base_url: "{{UPSTREAM}}/v1"
    environments: [development]
    max_class: confidential
integrations:
  support-bot:
    providers: [openai]
    restore: true
`;

let mock: MockUpstream;
let loaded: LoadedPolicy;
let store: MemoryStore;
let dataDir: string;

const opts = (extra: Partial<GuardOptions> = {}): GuardOptions => ({
  policy: loaded,
  integration: "support-bot",
  audit: store,
  dataDir,
  env: { PG_TEST_OPENAI_KEY: KEY },
  ...extra,
});
const bare = () => new OpenAI({ apiKey: "unused", baseURL: "http://127.0.0.1:9/v1", maxRetries: 0 });

beforeAll(async () => {
  mock = await startMockUpstream();
  const r = parsePolicy(POLICY.replaceAll("{{UPSTREAM}}", mock.url), { file: "sdk-restore.yaml" });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  loaded = r.value;
});
afterAll(() => mock.close());
beforeEach(() => {
  mock.reset();
  store = new MemoryStore();
  dataDir = mkdtempSync(join(tmpdir(), "pg-sdk-switch-"));
});

describe("guard() with restore: true", () => {
  it("sends placeholders and gives the caller the original values back, plain and streamed", async () => {
    const openai = guard(bare(), opts({ conversation: "ticket-42" }));
    const r = await openai.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: `Write to ${EMAIL} about the refund.` }],
    });
    expect(JSON.stringify(mock.requests[0]!.body)).not.toContain(EMAIL);
    expect(JSON.stringify(mock.requests[0]!.body)).toContain("[EMAIL_1]");
    expect(r.choices[0]!.message.content).toBe(`Echo: Write to ${EMAIL} about the refund.`);

    const stream = await openai.chat.completions.create({
      model: "gpt-4o-mini",
      stream: true,
      messages: [{ role: "user", content: `And copy ${EMAIL} again.` }],
    });
    let text = "";
    for await (const c of stream) text += c.choices[0]?.delta?.content ?? "";
    expect(text).toBe(`Echo: And copy ${EMAIL} again.`);
    expect(JSON.stringify(mock.requests[1]!.body)).not.toContain(EMAIL);
    expect(JSON.stringify(store.events)).not.toContain(EMAIL);
  });

  it("refuses a malformed conversation id when the client is created", () => {
    expect(() => guard(bare(), opts({ conversation: "no spaces allowed" }))).toThrow(PolicyViolation);
  });

  it("enforceOutput restores the placeholders enforceInput handed out", async () => {
    const input = await enforceInput({ parts: [`Reply to ${EMAIL}`] }, opts());
    expect(input.texts[0]).toBe("Reply to [EMAIL_1]");
    const answer = await enforceOutput("I wrote to [EMAIL_1].", { ...opts(), input });
    expect(answer).toBe(`I wrote to ${EMAIL}.`);
  });
});

describe("guard() and the kill switch", () => {
  it("refuses calls to a switched-off provider without sending them, and resumes when it is on again", async () => {
    const openai = guard(bare(), opts());
    const ask = () =>
      openai.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] });
    await ask();
    updateSwitchState(dataDir, (s) => {
      s.providers.openai = { reason: "vendor breach", actor: "sam", at: new Date().toISOString() };
      return true;
    });
    const err = await ask().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PolicyViolation);
    expect((err as PolicyViolation).code).toBe("provider_disabled");
    expect((err as PolicyViolation).rules).toEqual(["kill_switch.openai"]);
    expect((err as PolicyViolation).message).toContain("policygate provider enable openai");
    expect(mock.requests).toHaveLength(1);
    expect(store.events.at(-1)).toMatchObject({ status: "blocked", provider: "openai" });

    updateSwitchState(dataDir, (s) => {
      delete s.providers.openai;
      return true;
    });
    await ask();
    expect(mock.requests).toHaveLength(2);
  });
});
