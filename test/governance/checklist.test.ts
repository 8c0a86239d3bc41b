import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { examplesDir } from "../../src/cli/init.js";
import { evaluateChecklist } from "../../src/docs/checklist.js";
import { parsePolicy } from "../../src/policy/load.js";
import { runCli } from "../helpers/cli.js";

const status = (yaml: string, today = "2026-11-01") => {
  const r = parsePolicy(yaml, { file: "p.yaml" });
  if (!r.ok) throw new Error(r.errors.map((e) => e.message).join("\n"));
  return Object.fromEntries(evaluateChecklist({ loaded: r.value, today }).map((x) => [x.id, x.status]));
};

describe("policygate checklist (the article's ten pre-launch items)", () => {
  it("evaluates an empty policy: fails what the policy must say, manual for what only people know", () => {
    expect(status("{}")).toEqual({
      "risk-appetite": "fail",
      providers: "fail",
      "data-classified": "fail",
      "input-validation": "pass",
      "output-validation": "pass",
      "access-control": "fail",
      logging: "pass",
      monitoring: "fail",
      "team-trained": "manual",
      "security-md": "manual",
    });
  });

  it("passes each item once the policy records it", () => {
    const s = status(`
governance:
  risk_appetite: balanced
  training: { last_session: "2026-09-01" }
providers:
  anthropic: { kind: anthropic, reason: ZDR signed, environments: [production] }
data_dictionary:
  columns: { production.customers.email: confidential }
  reviewed: "2026-10-01"
people:
  a: { roles: [senior] }
  b: { roles: [security] }
`);
    expect(s).toMatchObject({
      "risk-appetite": "pass",
      providers: "pass",
      "data-classified": "pass",
      "access-control": "pass",
      "team-trained": "pass",
    });
    expect(status("mode: audit\n")["input-validation"]).toBe("fail");
    expect(status("classes: { confidential: { action: allow } }\n")["input-validation"]).toBe("fail");
    expect(status("output: { leak_classes: [] }\n")["output-validation"]).toBe("fail");
  });

  it("runs from the CLI on the balanced example: fails until SECURITY.md exists, names each item", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "policygate-checklist-"));
    for (const f of ["balanced.policygate.yaml", "data-classification.csv"])
      writeFileSync(
        join(cwd, f === "data-classification.csv" ? f : "policygate.yaml"),
        readFileSync(join(examplesDir(), f)),
      );
    const env = { POLICYGATE_TODAY: "2026-11-01" };
    let r = await runCli(["checklist"], { cwd, env });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /^\[ \] 10\. SECURITY\.md written and shared: fail \(SECURITY\.md does not exist/m,
    );
    expect(r.stdout).toMatch(/^\[x\] {2}1\. Risk appetite decided: pass/m);
    expect(r.stdout).toMatch(/^\[x\] {2}8\. Monitoring set up: pass/m);
    await runCli(["doc", "--output", "SECURITY.md"], { cwd, env });
    r = await runCli(["checklist", "--json"], { cwd, env });
    const items = JSON.parse(r.stdout);
    expect(items).toHaveLength(10);
    expect(items[9]).toMatchObject({ status: "pass" });
  });
});
