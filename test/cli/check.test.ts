import { copyFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { examplesDir } from "../../src/cli/init.js";
import { run, tempDir } from "./helpers.js";

const example = (name: string) => join(examplesDir(), name);

/** A directory holding the balanced example as ./policygate.yaml. */
function projectWithBalancedPolicy(): string {
  const dir = tempDir();
  copyFileSync(example("balanced.policygate.yaml"), join(dir, "policygate.yaml"));
  copyFileSync(example("data-classification.csv"), join(dir, "data-classification.csv"));
  return dir;
}

/** Review dates and SECURITY.md gaps have their own tests (test/governance). */
const notGovernance = (code: string) => code !== "review-overdue" && code !== "doc-missing";

describe("policygate check", () => {
  it("summarises a valid policy: providers per environment, classes, detectors, dictionary, integrations", async () => {
    const r = await run(["check", example("conservative.policygate.yaml")], {
      env: {
        ANTHROPIC_API_KEY: "set",
        POLICYGATE_ALERT_WEBHOOK_URL: "https://hooks.example.com/x",
        POLICYGATE_TODAY: "2026-11-01",
      },
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    const out = r.stdout;
    expect(out).toMatch(/conservative\.policygate\.yaml: OK \(revision sha256:[0-9a-f]{64}\)/);
    expect(out).toMatch(
      / {2}production\n {4}anthropic +anthropic +approved +up to internal +zero data retention\n/,
    );
    expect(out).toMatch(/openai +openai +requested +up to internal +retains data/);
    expect(out).toMatch(/restricted +block +enforce +min confidence 0\.3/);
    expect(out).toMatch(/Detectors: \d+ built-in, \d+ enabled, 0 disabled/);
    expect(out).toContain("1 custom rule: customer-account-id (confidential, enforce)");
    expect(out).toMatch(/Data dictionary: 23 columns \(restricted 3, confidential 9, internal 9, public 2\)/);
    expect(out).toContain("support-summary: anthropic, echo in production, staging, development, testing");
    // Alerting is configured and its variable set: nothing to warn about there.
    expect(out).not.toContain("alerting is not configured");
    expect(out).not.toContain("notifier");
  });

  it("finds ./policygate.yaml without an argument and narrows to one environment with --env", async () => {
    const cwd = projectWithBalancedPolicy();
    expect((await run(["doc", "--output", "SECURITY.md"], { cwd })).code).toBe(0);
    const r = await run(["check", "--env", "production"], {
      cwd,
      env: {
        ANTHROPIC_API_KEY: "set",
        POLICYGATE_SLACK_WEBHOOK_URL: "https://hooks.example.com/x",
        POLICYGATE_TODAY: "2026-11-01",
      },
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Deployment gate for production: passed.");
    expect(r.stdout).toMatch(/^policygate\.yaml: OK/);
    expect(r.stdout).toContain("Providers in production\n  anthropic ");
    expect(r.stdout).not.toMatch(/^ +openai /m);
    expect(r.stdout).toContain("Integrations in production\n  support-bot:");
    expect(r.stdout).not.toContain("docs-assistant");
  });

  it("uses $POLICYGATE_POLICY when no file is given", async () => {
    const r = await run(["check", "--json"], {
      env: { POLICYGATE_POLICY: example("balanced.policygate.yaml") },
    });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).organisation).toBe("Example Corp (balanced)");
  });

  it("refuses to pass vacuously when there is no policy file", async () => {
    const r = await run(["check"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no policy file/);
  });

  it("rejects an environment the policy does not declare", async () => {
    const r = await run(["check", example("balanced.policygate.yaml"), "--env", "staging"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown environment "staging"/);
  });

  it("prints the same summary as JSON", async () => {
    const r = await run(["check", example("balanced.policygate.yaml"), "--json"], { env: {} });
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ ok: true, mode: "enforce", on_engine_error: "block" });
    expect(j.revision).toMatch(/^sha256:/);
    const prod = j.providers.find((e: { environment: string }) => e.environment === "production");
    expect(prod.providers).toEqual([
      {
        id: "anthropic",
        kind: "anthropic",
        status: "approved",
        max_class: "confidential",
        zero_data_retention: true,
      },
    ]);
    expect(j.classes.map((c: { class: string; action: string }) => `${c.class}:${c.action}`)).toEqual([
      "restricted:block",
      "confidential:redact",
      "internal:allow",
      "public:allow",
    ]);
    expect(j.detectors.custom).toEqual([
      { id: "customer-account-id", class: "confidential", mode: "enforce", keywords: 1 },
      { id: "project-codename", class: "internal", mode: "audit", keywords: 1 },
    ]);
    expect(j.data_dictionary).toMatchObject({ columns: 23, imports: ["data-classification.csv"] });
    expect(j.integrations.map((i: { id: string }) => i.id)).toEqual(["support-bot", "docs-assistant"]);
    expect(j.warnings.map((w: { code: string }) => w.code).filter(notGovernance)).toEqual([
      "api-key-unset",
      "api-key-unset",
      // The slack notifier's variable: only a warning outside production.
      "notifier-unset",
    ]);
  });

  it("prints every error with file:line:column and exits 2", async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, "policygate.yaml"),
      "providers:\n  anthropic: { kind: anthropic, environments: [prod] }\nclases: {}\n",
    );
    const r = await run(["check"], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(
      "policygate.yaml: 2 errors\n" +
        '  policygate.yaml:2:48 providers.anthropic.environments[0]: unknown environment "prod"; expected one of development, testing, staging, production\n' +
        '  policygate.yaml:3:1 clases: unknown key "clases" at the top level\n',
    );
    const j = await run(["check", "--json"], { cwd: dir });
    expect(j.code).toBe(2);
    expect(JSON.parse(j.stdout)).toMatchObject({
      ok: false,
      errors: [
        { file: "policygate.yaml", line: 2, column: 48, path: "providers.anthropic.environments[0]" },
        { file: "policygate.yaml", line: 3, column: 1, path: "clases" },
      ],
    });
  });

  it("names an imported sheet's errors by its path from the working directory", async () => {
    const dir = projectWithBalancedPolicy();
    writeFileSync(
      join(dir, "data-classification.csv"),
      "Database,Schema/Table,Column Name,Data Type,Classification,Reason,AI Safe?\nproduction,customers,email,string,Secret,PII,✗\n",
    );
    const r = await run(["check"], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('  data-classification.csv:2:35: unknown classification "Secret"');
  });

  it("warns about risky choices but still exits 0", async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, "policygate.yaml"),
      [
        "mode: audit",
        "on_engine_error: allow",
        "input: { unscannable_parts: allow }",
        "classes:",
        "  restricted: { action: redact }",
        "  confidential: { action: allow }",
        "providers:",
        "  openai:",
        "    kind: openai",
        "    api_key_env: OPENAI_API_KEY",
        "    environments: [production]",
        "  anthropic:",
        "    kind: anthropic",
        "    reason: Enterprise terms",
        "    api_key_env: ANTHROPIC_API_KEY",
        "    environments: [production]",
        "    zero_data_retention: true",
      ].join("\n"),
    );
    const key = "sk-proj-Zq8vN2mK7xR4tY9wB3cF6hJ1pL5sD0gA";
    const r = await run(["check", "--json"], { cwd: dir, env: { ANTHROPIC_API_KEY: key } });
    expect(r.code).toBe(0);
    const warnings = JSON.parse(r.stdout).warnings as { code: string; path: string; message: string }[];
    expect(warnings.filter((w) => notGovernance(w.code)).map((w) => `${w.code} ${w.path}`)).toEqual([
      "global-audit mode",
      "engine-error-allow on_engine_error",
      "unscannable-allow input.unscannable_parts",
      "no-reason providers.openai",
      "api-key-unset providers.openai.api_key_env",
      "production-retention providers.openai.zero_data_retention",
      "weak-class-action classes.restricted.action",
      "weak-class-action classes.confidential.action",
    ]);
    expect(warnings.find((w) => w.code === "api-key-unset")?.message).toMatch(/^OPENAI_API_KEY is not set/);
    const text = await run(["check"], { cwd: dir, env: { ANTHROPIC_API_KEY: key } });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/\d+ warnings\n {2}mode: the whole policy is in audit mode/);
    // The key's variable is set: its name may appear, its value never.
    expect(text.stdout + r.stdout).not.toContain(key);
  });
});
