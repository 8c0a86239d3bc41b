import { describe, expect, it } from "vitest";
import { formatPolicyError } from "../../src/policy/errors.js";
import { parsePolicy } from "../../src/policy/load.js";

const base = (integration: string) => `
providers:
  openai: { kind: openai, environments: [development] }
  local: { kind: openai-compatible, base_url: "http://127.0.0.1:9/v1", environments: [development] }
integrations:
  bot:
${integration}
audit:
  retention_days: 30
`;

function errors(yaml: string): string[] {
  const r = parsePolicy(yaml, { file: "p.yaml" });
  return r.ok ? [] : r.errors.map(formatPolicyError);
}

describe("integrations.<name>.fallback and audit.retention_days", () => {
  it("accepts a fallback the integration is approved to use", () => {
    const r = parsePolicy(base("    providers: [openai, local]\n    fallback: local"), { file: "p.yaml" });
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.value.policy.integrations.bot!.fallback).toBe("local");
      expect(r.value.policy.audit.retention_days).toBe(30);
    }
  });

  it("refuses an unknown fallback, one not in the integration's providers, and the only provider, with the line", () => {
    expect(errors(base("    providers: [openai]\n    fallback: nosuch"))[0]).toMatch(
      /p\.yaml:\d+:\d+.*unknown provider "nosuch"/,
    );
    expect(errors(base("    providers: [openai]\n    fallback: local"))[0]).toContain(
      'the fallback "local" must also be listed in integrations.bot.providers',
    );
    expect(errors(base("    providers: [local]\n    fallback: local"))[0]).toContain(
      "a fallback must be another provider",
    );
  });

  it("refuses a retention period that is not a whole number of days", () => {
    expect(
      errors(base("    providers: [openai]").replace("retention_days: 30", "retention_days: 0")).length,
    ).toBe(1);
    expect(
      errors(base("    providers: [openai]").replace("retention_days: 30", 'retention_days: "90d"')).length,
    ).toBe(1);
  });
});
