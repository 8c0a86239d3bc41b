import { describe, expect, it } from "vitest";
import { checkAccess, checkClassLimit } from "../../src/enforce/access.js";
import { engineFrom } from "../helpers/policy.js";

const POLICY = `
environments: [development, testing, production]
environment: production
providers:
  anthropic:
    kind: anthropic
    api_key_env: ANTHROPIC_API_KEY
    environments: [production, development, testing]
    max_class: confidential
    models: ["claude-*"]
  openai:
    kind: openai
    api_key_env: OPENAI_API_KEY
    environments: [development, testing]
  gemini:
    kind: gemini
    environments: [production]
    status: disabled
integrations:
  support-bot:
    environments: [production]
    providers: [anthropic]
    max_class: internal
    approval:
      proposed_by: alice
      approved_by: sam
      approved_at: "2026-01-10"
      checklist:
        data_sent: ticket text
        classification_compatible: true
        input_validation: true
        output_validation: true
        logging: true
        rollback_plan: revoke the key
people:
  alice: { roles: [senior] }
  sam: { roles: [security] }
`;

describe("checkAccess (the article's allowlist)", () => {
  const engine = engineFrom(POLICY);

  it("allows an approved provider in its environment", () => {
    expect(
      checkAccess(engine, { provider: "anthropic", integration: "support-bot", model: "claude-sonnet-4" }),
    ).toBeNull();
  });

  it("refuses a provider not approved for this environment, naming where it is allowed", () => {
    const d = checkAccess(engine, { provider: "openai" });
    expect(d).toMatchObject({ status: 403, rule: "providers.openai.environments" });
    expect(d!.message).toBe(
      "Provider 'openai' is not approved for 'production' environment. Allowed for: development, testing.",
    );
  });

  it("refuses an unknown provider and lists the approved ones", () => {
    expect(checkAccess(engine, { provider: "some_random_llm" })!.message).toMatch(
      /not approved. Approved providers in 'production': anthropic/,
    );
  });

  it("refuses a disabled provider", () => {
    expect(checkAccess(engine, { provider: "gemini" })).toMatchObject({ rule: "providers.gemini.status" });
  });

  it("refuses a provider the integration may not use, and an undeclared integration", () => {
    const e = engineFrom(POLICY, { environment: "development" });
    expect(checkAccess(e, { provider: "openai", integration: "support-bot" })).toMatchObject({
      rule: "integrations.support-bot.environments",
    });
    expect(checkAccess(engine, { provider: "anthropic", integration: "ghost" })).toMatchObject({
      rule: "integrations",
    });
  });

  it("refuses a model outside the provider's list", () => {
    expect(checkAccess(engine, { provider: "anthropic", model: "gpt-4o" })).toMatchObject({
      rule: "providers.anthropic.models",
    });
  });
});

describe("checkClassLimit", () => {
  const engine = engineFrom(POLICY);
  it("refuses classes above the provider's or the integration's limit", () => {
    expect(checkClassLimit(engine, { provider: "anthropic" }, ["internal", "confidential"])).toBeNull();
    expect(checkClassLimit(engine, { provider: "anthropic" }, ["restricted"])).toMatchObject({
      rule: "providers.anthropic.max_class",
    });
    expect(
      checkClassLimit(engine, { provider: "anthropic", integration: "support-bot" }, ["confidential"]),
    ).toMatchObject({
      rule: "integrations.support-bot.max_class",
    });
  });
});
