import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMockUpstream, type MockUpstream } from "../helpers/mock-upstream.js";
import { startTestGateway, type TestGateway } from "../helpers/gateway.js";
import type { MemoryStore } from "../helpers/memory-store.js";

const POLICY = `
environments: [development, production]
providers:
  openai:
    kind: openai
    api_key_env: OPENAI_API_KEY
    base_url: "{{UPSTREAM}}/v1"
    environments: [development, production]
    zero_data_retention: true
integrations:
  approved-bot:
    providers: [openai]
    approval:
      proposed_by: alice
      approved_by: sam
      approved_at: "2026-01-10"
      checklist: { data_sent: tickets, classification_compatible: true, input_validation: true, output_validation: true, logging: true, rollback_plan: revoke }
  draft-bot:
    providers: [openai]
    approval:
      proposed_by: alice
      checklist: { data_sent: tickets }
people:
  alice: { roles: [senior] }
  sam: { roles: [security] }
`;

let upstream: MockUpstream;
let prod: TestGateway;
let dev: TestGateway;
const keys = { pgk_approved: "approved-bot", pgk_draft: "draft-bot" };

beforeAll(async () => {
  upstream = await startMockUpstream();
  prod = await startTestGateway(POLICY, { upstream: upstream.url, keys, environment: "production" });
  dev = await startTestGateway(POLICY, { upstream: upstream.url, keys, environment: "development" });
});
afterAll(async () => {
  await prod.close();
  await dev.close();
  await upstream.close();
});

const ask = (gw: TestGateway, apiKey: string) =>
  new OpenAI({ baseURL: `${gw.url}/v1`, apiKey, maxRetries: 0 }).chat.completions.create({
    model: "gpt-4.1-mini",
    messages: [{ role: "user", content: "Summarise: the printer is out of toner." }],
  });

describe("the gateway refuses production traffic for an unapproved integration", () => {
  it("forwards an approved integration in production", async () => {
    const r = await ask(prod, "pgk_approved");
    expect(r.choices[0]?.message).toBeDefined();
  });

  it("refuses a proposed-but-unapproved integration in production, naming what is missing, and sends nothing", async () => {
    upstream.reset();
    const err = await ask(prod, "pgk_draft").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    const e = err as InstanceType<typeof OpenAI.APIError>;
    expect(e.status).toBe(403);
    expect(e.message).toMatch(
      /Integration 'draft-bot' is not approved for 'production': it is not approved yet/,
    );
    expect(e.message).toMatch(/checklist is incomplete: classification_compatible/);
    expect(upstream.requests).toHaveLength(0);
    const events = await (prod.store as MemoryStore).query({});
    expect(events.at(-1)).toMatchObject({ integration: "draft-bot", environment: "production" });
    expect(JSON.stringify(events.at(-1))).toContain("integrations.draft-bot.approval");
  });

  it("lets the same integration through in development", async () => {
    const r = await ask(dev, "pgk_draft");
    expect(r.choices[0]?.message).toBeDefined();
  });
});
