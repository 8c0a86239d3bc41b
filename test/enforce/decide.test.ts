import { describe, expect, it } from "vitest";
import { decideInput, decideOutput, decideText } from "../../src/enforce/decide.js";
import { defaultPolicyEngine } from "../../src/enforce/engine.js";
import { engineFrom } from "../helpers/policy.js";

const KEY = "ghp_R8fKq2ZpL0vT7mXw3NcB9sYhJ4dA6eUiQ1oG";
const EMAIL = "jane.okafor@brightwater.example";

const noValues = (v: unknown) => {
  const s = JSON.stringify(v);
  expect(s).not.toContain(KEY);
  expect(s).not.toContain(EMAIL);
};

describe("input decisions with the default policy (the article's classes)", () => {
  const engine = defaultPolicyEngine();

  it("blocks Restricted data and names the rule and the remedy", () => {
    const d = decideText(engine, `use ${KEY} to deploy, then mail ${EMAIL}`);
    expect(d.action).toBe("block");
    expect(d.texts).toBeNull();
    expect(d.restrictedDetected).toBe(true);
    expect(d.highestClass).toBe("restricted");
    expect(d.rules[0]).toMatchObject({
      rule: "classes.restricted",
      action: "block",
      mode: "enforce",
      detectors: ["github-token"],
    });
    expect(d.rules[0]!.message).toMatch(/Remove it from the prompt/);
    noValues(d.rules);
    noValues(d.findings);
  });

  it("redacts Confidential data with typed placeholders, consistently across parts", () => {
    const d = decideInput(engine, [
      { text: `ticket from ${EMAIL}` },
      { text: `reply to ${EMAIL} and ops@acme-corp.io` },
    ]);
    expect(d.action).toBe("redact");
    expect(d.texts).toEqual(["ticket from [EMAIL_1]", "reply to [EMAIL_1] and [EMAIL_2]"]);
    expect(d.counts).toEqual({ email: 3 });
  });

  it("allows clean text untouched", () => {
    const d = decideText(engine, "Summarise the quarterly report.");
    expect(d).toMatchObject({
      action: "allow",
      texts: ["Summarise the quarterly report."],
      highestClass: "public",
      rules: [],
    });
  });
});

describe("policy rules", () => {
  it("audit mode records what would happen and lets the text through", () => {
    const engine = engineFrom("mode: audit\n");
    const d = decideText(engine, `token ${KEY}`);
    expect(d.action).toBe("allow");
    expect(d.enforcedAction).toBe("block");
    expect(d.texts).toEqual([`token ${KEY}`]);
    expect(d.rules[0]).toMatchObject({ rule: "classes.restricted", mode: "audit" });
    expect(d.rules[0]!.message).toMatch(/audit mode/);
  });

  it("a detector in audit mode does not act while the others still do", () => {
    const engine = engineFrom("detectors:\n  builtin:\n    email: { mode: audit }\n");
    const d = decideText(engine, `mail ${EMAIL}`);
    expect(d.action).toBe("allow");
    expect(d.enforcedAction).toBe("redact");
    expect(d.rules[0]).toMatchObject({ rule: "detectors.builtin.email", mode: "audit" });
    expect(decideText(engine, KEY).action).toBe("block");
  });

  it("a disabled detector finds nothing, and an allowlisted value is not reported", () => {
    expect(
      decideText(engineFrom("detectors:\n  builtin:\n    email: { enabled: false }\n"), EMAIL).findings,
    ).toEqual([]);
    const allow = engineFrom("detectors:\n  allowlist:\n    patterns: ['*@brightwater.example']\n");
    expect(decideText(allow, `mail ${EMAIL} and ops@acme-corp.io`).counts).toEqual({ email: 1 });
  });

  it("class actions come from the policy: confidential may block", () => {
    const engine = engineFrom("classes:\n  confidential: { action: block }\n");
    expect(decideText(engine, `mail ${EMAIL}`).action).toBe("block");
  });

  it("custom rules run in RE2 and name themselves in the decision", () => {
    const engine = engineFrom(
      "detectors:\n  custom:\n    - id: acme-employee-id\n      pattern: 'EMP-[0-9]{6}'\n      keywords: ['emp-']\n      kind: employee_id\n      class: confidential\n",
    );
    const d = decideText(engine, "escalate to EMP-204518 today");
    expect(d.texts).toEqual(["escalate to [EMPLOYEE_ID_1] today"]);
    expect(d.rules[0]!.rule).toBe("detectors.custom.acme-employee-id");
  });

  it("a catastrophic-backtracking custom pattern runs in linear time", () => {
    const engine = engineFrom(
      "detectors:\n  custom:\n    - id: evil\n      pattern: '(a+)+$'\n      class: internal\n",
    );
    const text = "a".repeat(100_000) + "!";
    // With a backtracking engine this would not finish; RE2 answers at once.
    expect(decideText(engine, text).findings.length).toBeGreaterThanOrEqual(0);
  });

  it("classifies a field by its provenance in the data dictionary", () => {
    const engine = engineFrom(
      "data_dictionary:\n  columns:\n    production.customers.name: { class: confidential, reason: PII }\n    secrets.api_keys.key_value: restricted\n",
    );
    const d = decideInput(engine, [
      { text: "Jane Okafor", provenance: "production.customers.name" },
      { text: "Summarise the account history", provenance: "internal.docs.content" },
    ]);
    expect(d.texts).toEqual(["[NAME_1]", "Summarise the account history"]);
    expect(d.rules[0]!.rule).toBe('data_dictionary.columns["production.customers.name"]');
    const blocked = decideInput(engine, [{ text: "anything", provenance: "secrets.api_keys.key_value" }]);
    expect(blocked.action).toBe("block");
  });

  it("accepts table.column provenance when the dictionary is unambiguous", () => {
    const engine = engineFrom("data_dictionary:\n  columns:\n    production.customers.name: confidential\n");
    expect(decideInput(engine, [{ text: "Jane", provenance: "customers.name" }]).action).toBe("redact");
  });
});

describe("output decisions", () => {
  it("redacts leaks of the leak classes and the policy's internal hosts", () => {
    const engine = engineFrom("output:\n  internal_hosts: ['*.corp.acme.example']\n");
    const d = decideOutput(engine, [
      { text: `Ask ${EMAIL} or see https://wiki.corp.acme.example/runbooks/refunds?id=4 for details.` },
    ]);
    expect(d.action).toBe("redact");
    expect(d.texts).toEqual(["Ask [EMAIL_1] or see [INTERNAL_URL_1] for details."]);
    expect(d.rules.map((r) => r.rule).sort()).toEqual(["output.internal_hosts", "output.leak_classes"]);
  });

  it("withholds the answer when on_leak is block", () => {
    const engine = engineFrom("output:\n  on_leak: block\n");
    const d = decideOutput(engine, [{ text: `Contact ${EMAIL}` }]);
    expect(d.action).toBe("block");
    expect(d.texts).toBeNull();
    expect(d.rules[0]!.message).toMatch(/withheld/);
  });
});
