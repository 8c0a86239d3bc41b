import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { run, tempDir } from "../cli/helpers.js";

const EXAMPLES = join(import.meta.dirname, "../../examples");
const BALANCED = join(EXAMPLES, "balanced.policygate.yaml");
const TOKEN = "ghp_R4nd0mLook1ngTok3nForT3st1ngOnly9aZq";

function testFile(body: string): string {
  const dir = tempDir();
  const path = join(dir, "policy.test.yaml");
  writeFileSync(path, body);
  return path;
}

describe("policygate test", () => {
  it("passes the example tests against the example policy", async () => {
    const r = await run(["test", join(EXAMPLES, "balanced.policygate.test.yaml")]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/10 passed, 0 failed/);
    expect(r.stdout).toContain("PASS  a GitHub token in a prompt blocks the call");
  });

  it("passes the conservative example's tests too", async () => {
    const r = await run(["test", join(EXAMPLES, "conservative.policygate.test.yaml")]);
    expect(r.stdout).toMatch(/6 passed, 0 failed/);
    expect(r.code).toBe(0);
  });

  it("reports a failing case by name with expected and actual, and exits 1", async () => {
    const f = testFile(`policy: ${BALANCED}
cases:
  - name: token slips through
    request: { provider: anthropic, text: "token ${TOKEN}" }
    expect: { decision: allow, rules: [] }
  - name: plain text passes
    request: { provider: anthropic, text: hello }
    expect: { decision: allow }
`);
    const r = await run(["test", f]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FAIL {2}token slips through {2}\(\S*policy\.test\.yaml:3\)/);
    expect(r.stdout).toMatch(/decision:\n\s+expected: "allow"\n\s+actual:\s+"block"/);
    expect(r.stdout).toContain("+ unexpected: classes.restricted");
    expect(r.stdout).toContain("PASS  plain text passes");
    expect(r.stdout).toMatch(/1 passed, 1 failed/);
    // The secret in the request never appears in the report.
    expect(r.stdout + r.stderr).not.toContain(TOKEN);
  });

  it("fails a file with no cases", async () => {
    const r = await run(["test", testFile(`policy: ${BALANCED}\ncases: []\n`)]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no test cases/);
  });

  it("names the line of a malformed case", async () => {
    const r = await run([
      "test",
      testFile(
        `policy: ${BALANCED}\ncases:\n  - name: x\n    request: { text: a, fields: { a.b.c: d } }\n    expect: { decision: maybe }\n`,
      ),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /policy\.test\.yaml:4:\d+ cases\.0\.request: a request has either "text" or "fields"/,
    );
    expect(r.stderr).toMatch(/policy\.test\.yaml:5:\d+ cases\.0\.expect\.decision/);
  });

  it("reports an unknown environment as that case's error", async () => {
    const f = testFile(`policy: ${BALANCED}
cases:
  - name: staging does not exist here
    request: { environment: staging, provider: anthropic, text: hi }
    expect: { decision: allow }
`);
    const r = await run(["test", f]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/error: unknown environment "staging"/);
  });

  it("shows audit-mode decisions and the enforced decision separately", async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, "p.yaml"),
      `mode: audit\nproviders:\n  echo: { kind: echo, environments: [development], max_class: restricted }\n`,
    );
    writeFileSync(
      join(dir, "t.yaml"),
      `policy: p.yaml\ncases:\n  - name: audit lets it through\n    request: { provider: echo, text: "${TOKEN}" }\n    expect: { decision: allow, enforced_decision: block, rules: [classes.restricted] }\n`,
    );
    const r = await run(["test", "t.yaml"], { cwd: dir });
    expect(r.stdout).toContain("PASS  audit lets it through");
    expect(r.code).toBe(0);
  });

  it("checks an answer without a provider: the content rules alone, with the redacted text", async () => {
    const f = testFile(`policy: ${BALANCED}
cases:
  - name: a leaked email in an answer
    request: { direction: output, text: "Write to jane.doe@acme-corp.com" }
    expect: { decision: redact, rules: [output.leak_classes], text: "Write to [EMAIL_1]" }
`);
    const r = await run(["test", f]);
    expect(r.stdout).toContain("PASS  a leaked email in an answer");
    expect(r.code).toBe(0);
  });

  it("--policy overrides the file's policy", async () => {
    const f = testFile(`cases:
  - name: openai in production
    request: { environment: production, provider: openai, text: hi }
    expect: { decision: block, code: access_denied }
`);
    const r = await run(["test", f, "--policy", BALANCED, "--json"]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.passed).toBe(1);
    expect(out.cases[0].actual.rules).toEqual(["providers.openai.environments"]);
  });
});
