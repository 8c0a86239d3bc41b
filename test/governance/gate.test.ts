import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { renderSecurityMd } from "../../src/docs/security-md.js";
import { GATE_RULES, runGate, type GateContext } from "../../src/governance/gate.js";
import { parsePolicy, type LoadedPolicy } from "../../src/policy/load.js";
import { runCli } from "../helpers/cli.js";
import { APPROVAL_YAML, APPROVERS_YAML } from "../helpers/policy.js";

const GOOD = `
environments: [development, testing, production]
providers:
  anthropic:
    kind: anthropic
    reason: Zero retention signed
    api_key_env: ANTHROPIC_API_KEY
    environments: [development, testing, production]
    max_class: confidential
    zero_data_retention: true
    vendor: { no_training: true, dpa_signed: true }
  echo: { kind: echo, environments: [development, testing] }
integrations:
  support-bot:
    purpose: Drafts replies
    environments: [development, production]
    providers: [anthropic, echo]
    max_class: confidential
${APPROVAL_YAML}${APPROVERS_YAML}alerts:
  levels:
    - { name: on call, notify: [pager] }
  notifiers:
    pager: { kind: webhook, url_env: ALERT_WEBHOOK_URL, format: json }
`;

function loaded(yaml: string): LoadedPolicy {
  const r = parsePolicy(yaml, { file: "policygate.yaml" });
  if (!r.ok) throw new Error(r.errors.map((e) => e.message).join("\n"));
  return r.value;
}

function gate(yaml: string, over: Partial<GateContext> = {}) {
  return runGate({
    loaded: loaded(yaml),
    environment: "production",
    env: { ANTHROPIC_API_KEY: "set", ALERT_WEBHOOK_URL: "https://hooks.example.com/x" },
    ...over,
  });
}

const rules = (yaml: string, over: Partial<GateContext> = {}) => gate(yaml, over).map((p) => p.rule);

describe("deployment gate rules (each: pass and fail)", () => {
  it("passes a policy with everything in place", () => {
    expect(gate(GOOD)).toEqual([]);
  });

  it("integration-approval: a missing approval fails; development is never gated", () => {
    const bad = GOOD.replace(/ {4}approval:[\s\S]*?rollback_plan: revoke the key\n/, "");
    expect(gate(bad)).toEqual([
      expect.objectContaining({
        rule: "integration-approval",
        path: ["integrations", "support-bot", "approval"],
        message: expect.stringMatching(
          /^integration support-bot is not approved for production: it has no approval record/,
        ),
      }),
    ]);
    expect(gate(bad, { environment: "development" })).toEqual([]);
  });

  it("integration-approval: one line per missing checklist answer group", () => {
    const bad = GOOD.replace("        logging: true\n", "");
    expect(gate(bad).map((p) => p.message)).toEqual([
      expect.stringMatching(/checklist is incomplete: logging \("Is logging in place\?"\)/),
    ]);
  });

  it("provider-approved: a requested provider declared for production fails", () => {
    expect(
      rules(
        GOOD.replace(
          "    zero_data_retention: true\n",
          "    zero_data_retention: true\n    status: requested\n",
        ),
      ),
    ).toContain("provider-approved");
  });

  it("provider-zero-retention: fails without it, passes when the policy does not require it", () => {
    const noZdr = GOOD.replace("zero_data_retention: true", "zero_data_retention: false");
    expect(rules(noZdr)).toEqual(["provider-zero-retention"]);
    expect(rules(noZdr + "governance:\n  rules:\n    required_vendor: [no_training, dpa_signed]\n")).toEqual(
      [],
    );
  });

  it("provider-vendor-terms: names each missing required term", () => {
    const bad = GOOD.replace(
      "vendor: { no_training: true, dpa_signed: true }",
      "vendor: { no_training: false }",
    );
    expect(gate(bad).map((p) => p.message)).toEqual([
      "provider anthropic lacks required vendor terms: no_training, dpa_signed (section 9)",
    ]);
  });

  it("integration-class: an integration allowed more than its provider fails", () => {
    const bad = GOOD.replace(
      "    max_class: confidential\n    approval",
      "    max_class: restricted\n    approval",
    );
    expect(gate(bad).map((p) => p.message)).toEqual([
      "integration support-bot may send restricted data, above provider anthropic's limit (confidential)",
    ]);
  });

  it("provider-key-set: an unset key variable fails, naming the variable and never a value", () => {
    expect(gate(GOOD, { env: { ALERT_WEBHOOK_URL: "https://hooks.example.com/x" } })).toEqual([
      expect.objectContaining({
        rule: "provider-key-set",
        message: "ANTHROPIC_API_KEY is not set; calls to provider anthropic would fail",
      }),
    ]);
  });

  it("security-md-current: missing or stale fails, the rendered file passes", () => {
    const dir = mkdtempSync(join(tmpdir(), "policygate-gate-"));
    const path = join(dir, "SECURITY.md");
    const securityMd = { path, shown: "SECURITY.md" };
    expect(gate(GOOD, { securityMd }).map((p) => p.message)).toEqual([
      "SECURITY.md does not exist; generate it with `policygate doc --output SECURITY.md`",
    ]);
    writeFileSync(
      path,
      renderSecurityMd(loaded(GOOD), { source: "policygate.yaml" }).text + "edited by hand\n",
    );
    expect(rules(GOOD, { securityMd, source: "policygate.yaml" })).toEqual(["security-md-current"]);
    writeFileSync(path, renderSecurityMd(loaded(GOOD), { source: "policygate.yaml" }).text);
    expect(rules(GOOD, { securityMd, source: "policygate.yaml" })).toEqual([]);
  });

  it("is a list a later branch can extend with one entry", () => {
    const ids = GATE_RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    const extra = {
      id: "alerting",
      description: "x",
      check: () => [{ rule: "alerting", path: ["alerts"], message: "alerting is not configured" }],
    };
    expect(
      runGate(
        {
          loaded: loaded(GOOD),
          environment: "production",
          env: { ANTHROPIC_API_KEY: "x", ALERT_WEBHOOK_URL: "https://hooks.example.com/x" },
        },
        [...GATE_RULES, extra],
      ),
    ).toHaveLength(1);
  });
});

describe("alerting-configured", () => {
  it("fails without an alerts section, without a notifier in use, or with its variable unset; passes when alerts reach someone", () => {
    const noAlerts = GOOD.slice(0, GOOD.indexOf("alerts:"));
    expect(rules(noAlerts)).toEqual(["alerting-configured"]);
    const unused = GOOD.replace("notify: [pager]", "notify: []");
    expect(gate(unused)).toEqual([
      expect.objectContaining({
        rule: "alerting-configured",
        message: expect.stringContaining("no escalation level"),
      }),
    ]);
    const unset = gate(GOOD, { env: { ANTHROPIC_API_KEY: "set" } });
    expect(unset).toEqual([
      expect.objectContaining({
        rule: "alerting-configured",
        message: expect.stringContaining("ALERT_WEBHOOK_URL"),
      }),
    ]);
    expect(rules(GOOD)).toEqual([]);
  });
});

describe("policygate check --env production (the CLI gate)", () => {
  function project(yaml: string) {
    const dir = mkdtempSync(join(tmpdir(), "policygate-gate-cli-"));
    writeFileSync(join(dir, "policygate.yaml"), yaml);
    return dir;
  }
  const env = {
    ANTHROPIC_API_KEY: "sk-ant-api03-never-printed",
    POLICYGATE_TODAY: "2026-02-01",
    ALERT_WEBHOOK_URL: "https://hooks.example.com/x",
  };

  it("exits 1 with one file:line problem per line, and 0 once fixed", async () => {
    const cwd = project(GOOD.replace("zero_data_retention: true", "zero_data_retention: false"));
    const r = await runCli(["check", "--env", "production"], { cwd, env });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("Deployment gate for production: 2 problems\n");
    expect(r.stdout).toMatch(
      /^policygate\.yaml:10: provider-zero-retention: provider anthropic is approved for production without zero data retention confirmed$/m,
    );
    expect(r.stdout).toMatch(/^policygate\.yaml:\d+: security-md-current: SECURITY\.md does not exist/m);
    expect(r.stdout).not.toContain(env.ANTHROPIC_API_KEY);
    // Development is not gated.
    expect((await runCli(["check", "--env", "development"], { cwd, env })).code).toBe(0);
    const fixed = project(GOOD);
    await runCli(["doc", "--output", "SECURITY.md"], { cwd: fixed, env });
    expect((await runCli(["check", "--env", "production"], { cwd: fixed, env })).code).toBe(0);
  });

  it("writes SARIF 2.1.0 with rule ids, levels and policy lines", async () => {
    const cwd = project(GOOD);
    const r = await runCli(["check", "--env", "production", "--sarif", "-"], {
      cwd,
      env: { ALERT_WEBHOOK_URL: "https://hooks.example.com/x" },
    });
    expect(r.code).toBe(1);
    const sarif = JSON.parse(r.stdout);
    expect(sarif.version).toBe("2.1.0");
    const run = sarif.runs[0];
    expect(run.tool.driver.name).toBe("policygate");
    expect(run.tool.driver.rules.map((x: { id: string }) => x.id)).toEqual(
      expect.arrayContaining(GATE_RULES.map((g) => g.id)),
    );
    const key = run.results.find((x: { ruleId: string }) => x.ruleId === "provider-key-set");
    expect(key).toMatchObject({
      level: "error",
      message: { text: "ANTHROPIC_API_KEY is not set; calls to provider anthropic would fail" },
      locations: [
        { physicalLocation: { artifactLocation: { uri: "policygate.yaml" }, region: { startLine: 7 } } },
      ],
    });
    expect(run.results.some((x: { level: string }) => x.level === "warning")).toBe(true);
    for (const x of run.results) expect(run.tool.driver.rules[x.ruleIndex].id).toBe(x.ruleId);
  });
});

describe("review dates (check warns when a review is overdue)", () => {
  it("warns for an overdue quarterly review and not for a recent one", async () => {
    const yaml = GOOD + 'data_dictionary:\n  reviewed: "2026-01-01"\n';
    const cwd = mkdtempSync(join(tmpdir(), "policygate-rev-"));
    writeFileSync(join(cwd, "policygate.yaml"), yaml);
    const warn = async (today: string) =>
      JSON.parse(
        (await runCli(["check", "--json"], { cwd, env: { POLICYGATE_TODAY: today } })).stdout,
      ).warnings.filter((w: { path: string }) => w.path === "data_dictionary.reviewed");
    expect(await warn("2026-02-01")).toEqual([]);
    expect(await warn("2026-06-01")).toEqual([
      {
        code: "review-overdue",
        path: "data_dictionary.reviewed",
        message:
          "the data dictionary was last reviewed 2026-01-01, 151 days ago; the review is due every 92 days",
      },
    ]);
  });
});
