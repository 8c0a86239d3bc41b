import { describe, expect, it } from "vitest";
import { formatPolicyError } from "../../src/policy/errors.js";
import { parsePolicy } from "../../src/policy/load.js";

/** The errors of a policy that must not load, as "line:column path: message" lines. */
function errorsOf(yaml: string): string[] {
  const r = parsePolicy(yaml, { file: "p.yaml" });
  if (r.ok) throw new Error("expected the policy to be rejected");
  return r.errors.map((e) => formatPolicyError(e).replace(/^p\.yaml:/, ""));
}

describe("policy errors", () => {
  it("reports every problem at once, each with its line, column and document path", () => {
    const yaml = [
      /*  1 */ "environments: [development, testing, production]",
      /*  2 */ "providers:",
      /*  3 */ "  anthropic:",
      /*  4 */ "    kind: anthropic",
      /*  5 */ "    environments: [production, staging]",
      /*  6 */ "    retention: none",
      /*  7 */ "classes:",
      /*  8 */ "  secret: { action: block }",
      /*  9 */ "integrations:",
      /* 10 */ "  support-bot:",
      /* 11 */ "    providers: [anthropic, openai]",
      /* 12 */ "    environments: [prod]",
      /* 13 */ "detectors:",
      /* 14 */ "  builtin:",
      /* 15 */ "    emial: { enabled: false }",
      /* 16 */ "  custom:",
      /* 17 */ "    - id: ticket-ref",
      /* 18 */ "      pattern: 'TICKET-\\d+'",
      /* 19 */ "      class: secret",
      /* 20 */ "    - id: repeated-word",
      /* 21 */ "      pattern: '(\\w+) \\1'",
      /* 22 */ "      class: internal",
      /* 23 */ "    - id: password-hint",
      /* 24 */ "      pattern: 'password(?=:)'",
      /* 25 */ "      class: restricted",
    ].join("\n");
    expect(errorsOf(yaml)).toEqual([
      '5:32 providers.anthropic.environments[1]: unknown environment "staging"; expected one of development, testing, production',
      '6:5 providers.anthropic.retention: unknown key "retention" in providers.anthropic',
      '8:3 classes.secret: unknown key "secret" in classes',
      '11:28 integrations.support-bot.providers[1]: unknown provider "openai"; declared providers: anthropic',
      '12:20 integrations.support-bot.environments[0]: unknown environment "prod"; expected one of development, testing, production',
      '15:5 detectors.builtin.emial: unknown detector id "emial"; did you mean "email"? (policygate detectors lists them)',
      '19:14 detectors.custom[0].class: expected one of public, internal, confidential, restricted, got "secret"',
      expect.stringMatching(
        /^21:16 detectors\.custom\[1\]\.pattern: custom rule "repeated-word": RE2 cannot compile the pattern .*lookarounds and backreferences are not supported$/,
      ),
      expect.stringMatching(
        /^24:16 detectors\.custom\[2\]\.pattern: custom rule "password-hint": RE2 cannot compile the pattern .*lookarounds and backreferences are not supported$/,
      ),
    ]);
  });

  it("keeps checking the other list items when one is broken", () => {
    // The first rule lacks its class; the second's pattern is still checked, at its own index.
    const yaml = [
      "detectors:",
      "  custom:",
      "    - id: no-class",
      "      pattern: 'abc'",
      "    - id: lookbehind",
      "      pattern: '(?<=x)y'",
      "      class: internal",
    ].join("\n");
    expect(errorsOf(yaml)).toEqual([
      "3:7 detectors.custom[0].class: required; expected one of public, internal, confidential, restricted",
      expect.stringMatching(
        /^6:16 detectors\.custom\[1\]\.pattern: custom rule "lookbehind": RE2 cannot compile/,
      ),
    ]);
  });

  it("explains a bad data dictionary entry by the form the author used", () => {
    const yaml = [
      "data_dictionary:",
      "  columns:",
      "    production.customers.email: Secret",
      "    production.customers.phone: { class: confidental }",
      "    customers.name: confidential",
    ].join("\n");
    expect(errorsOf(yaml)).toEqual([
      '3:33 data_dictionary.columns["production.customers.email"]: expected one of public, internal, confidential, restricted, got "Secret"',
      '4:42 data_dictionary.columns["production.customers.phone"].class: expected one of public, internal, confidential, restricted, got "confidental"',
      '5:5 data_dictionary.columns["customers.name"]: expected database.table.column, got "customers.name"',
    ]);
  });

  it("rejects a bad class name in a class, a detector setting and an integration", () => {
    const yaml = [
      "classes:",
      "  restricted: { action: redact }",
      "  confidential: { action: blok }",
      "detectors:",
      "  builtin:",
      "    email: { class: private }",
      "integrations:",
      "  bot: { max_class: top-secret }",
    ].join("\n");
    expect(errorsOf(yaml)).toEqual([
      '3:27 classes.confidential.action: expected one of block, redact, allow, got "blok"',
      '6:21 detectors.builtin.email.class: expected one of public, internal, confidential, restricted, got "private"',
      '8:21 integrations.bot.max_class: expected one of public, internal, confidential, restricted, got "top-secret"',
    ]);
  });

  it("does not report references to a provider that is itself broken twice", () => {
    const yaml = [
      "providers:",
      "  gpt: { kind: chatgpt, environments: [development] }",
      "integrations:",
      "  bot: { providers: [gpt, claude] }",
    ].join("\n");
    expect(errorsOf(yaml)).toEqual([
      '2:16 providers.gpt.kind: expected one of openai, anthropic, gemini, openai-compatible, echo, got "chatgpt"',
      '4:27 integrations.bot.providers[1]: unknown provider "claude"; declared providers: none',
    ]);
  });

  it("keeps the echo provider out of production", () => {
    const yaml = "providers:\n  echo: { kind: echo, environments: [testing, production] }\n";
    expect(errorsOf(yaml)).toEqual([
      '2:47 providers.echo.environments[1]: the echo provider answers without a model and is only allowed in development and testing, not "production"',
    ]);
  });

  describe("a key pasted where the name of its environment variable belongs", () => {
    // Fake keys, realistic in shape: the kind of value a hurried author pastes.
    const keys = [
      "sk-ant-api03-Zq8vN2mK7xR4tY9wB3cF6hJ1pL5sD0gA",
      "sk_live_51Hq8vN2mK7xR4tY9wB3cF6hJ1pL5sD0gA",
      "ghp_Zq8vN2mK7xR4tY9wB3cF6hJ1pL5sD0gAbCdE",
      "AKIAZQ8VN2MK7XR4TY9W",
      "Zq8vN2mK7xR4tY9wB3cF6hJ1pL5sD0gA",
    ];
    for (const key of keys) {
      it(`is rejected without being echoed (${key.slice(0, 4)}…)`, () => {
        const r = parsePolicy(`providers:\n  anthropic:\n    kind: anthropic\n    api_key_env: "${key}"\n`, {
          file: "p.yaml",
        });
        expect(r.ok).toBe(false);
        if (r.ok) return;
        expect(r.errors).toHaveLength(1);
        expect(r.errors[0]).toMatchObject({ line: 4, column: 18, path: "providers.anthropic.api_key_env" });
        const text = JSON.stringify(r.errors);
        expect(text).not.toContain(key);
        expect(text).not.toContain(key.slice(8, 24));
      });
    }

    it("accepts ordinary variable names", () => {
      for (const name of ["ANTHROPIC_API_KEY", "OPENAI_API_KEY_2", "azure_openai_key", "GEMINI_KEY"]) {
        const r = parsePolicy(`providers:\n  p:\n    kind: gemini\n    api_key_env: ${name}\n`);
        expect(r.ok, name).toBe(true);
      }
    });
  });
});
