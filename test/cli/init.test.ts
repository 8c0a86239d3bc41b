import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { examplePolicyPath, examplesDir } from "../../src/cli/init.js";
import { loadPolicyFile } from "../../src/policy/load.js";
import { runBin } from "../helpers/cli.js";
import { run, tempDir } from "./helpers.js";

describe("policygate init", () => {
  it("writes the conservative starter and its data classification sheet to ./policygate.yaml", async () => {
    const dir = tempDir();
    const r = await run(["init"], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^wrote policygate\.yaml and data-classification\.csv \(conservative starter policy\)/,
    );
    expect(readFileSync(join(dir, "policygate.yaml"), "utf8")).toBe(
      readFileSync(examplePolicyPath("conservative"), "utf8"),
    );
    expect(readFileSync(join(dir, "data-classification.csv"), "utf8")).toBe(
      readFileSync(join(examplesDir(), "data-classification.csv"), "utf8"),
    );
    // What it wrote loads. Its default environment is production, where the alert webhook is
    // required: `check` names the missing variable, and accepts the policy once it is set.
    expect(loadPolicyFile(join(dir, "policygate.yaml")).ok).toBe(true);
    const unset = await run(["check"], { cwd: dir });
    expect(unset.code).toBe(2);
    expect(unset.stderr).toContain("POLICYGATE_ALERT_WEBHOOK_URL is not set");
    const env = { POLICYGATE_ALERT_WEBHOOK_URL: "https://hooks.example.com/x" };
    expect((await run(["check"], { cwd: dir, env })).code).toBe(0);
  });

  it("writes the balanced starter to --output, with the sheet beside it", async () => {
    const dir = tempDir();
    const r = await run(["init", "--risk", "balanced", "--output", "config/ai-policy.yaml"], { cwd: dir });
    expect(r.code).toBe(0);
    expect(readFileSync(join(dir, "config/ai-policy.yaml"), "utf8")).toMatch(
      /^# PolicyGate policy: balanced/,
    );
    expect(existsSync(join(dir, "config/data-classification.csv"))).toBe(true);
    expect(loadPolicyFile(join(dir, "config/ai-policy.yaml")).ok).toBe(true);
  });

  it("refuses to overwrite anything without --force, and writes nothing then", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "data-classification.csv"), "mine\n");
    const r = await run(["init"], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/data-classification\.csv already exists; pass --force to overwrite/);
    expect(existsSync(join(dir, "policygate.yaml"))).toBe(false);
    expect(readFileSync(join(dir, "data-classification.csv"), "utf8")).toBe("mine\n");

    const forced = await run(["init", "--force"], { cwd: dir });
    expect(forced.code).toBe(0);
    expect(readFileSync(join(dir, "data-classification.csv"), "utf8")).toMatch(/^Database,/);
  });

  // The compiled CLI finds examples/ relative to dist/cli/, as it does when installed from npm.
  const built = existsSync(join(import.meta.dirname, "../../dist/cli/init.js"));
  it.skipIf(!built)("works from the compiled CLI (npm run build first)", () => {
    const dir = tempDir();
    const r = runBin(["init", "--risk", "balanced"], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/balanced starter policy/);
    expect(loadPolicyFile(join(dir, "policygate.yaml")).ok).toBe(true);
  });

  it("rejects an unknown risk level", async () => {
    const r = await run(["init", "--risk", "reckless"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/conservative, balanced/);
  });
});
