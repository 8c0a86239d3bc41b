import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { examplesDir } from "../../src/cli/init.js";
import { renderSecurityMd } from "../../src/docs/security-md.js";
import { loadPolicyFile, parsePolicy } from "../../src/policy/load.js";
import { runCli } from "../helpers/cli.js";

function example(name: string) {
  const r = loadPolicyFile(join(examplesDir(), `${name}.policygate.yaml`));
  if (!r.ok) throw new Error("example does not load");
  return r.value;
}

describe("policygate doc (SECURITY.md from the policy)", () => {
  for (const name of ["conservative", "balanced"]) {
    it(`renders the ${name} example's ten sections (snapshot)`, async () => {
      const { text } = renderSecurityMd(example(name), { source: `${name}.policygate.yaml` });
      const titles = [...text.matchAll(/^## (\d+)\. /gm)].map((m) => Number(m[1]));
      expect(titles).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      await expect(text).toMatchFileSnapshot(`../fixtures/security-md/${name}.md`);
    });
  }

  it("flags what the policy lacks in the document and as gaps", () => {
    const r = parsePolicy("providers:\n  openai: { kind: openai, environments: [production] }\n", {
      file: "p.yaml",
    });
    if (!r.ok) throw new Error("bad fixture");
    const { text, gaps } = renderSecurityMd(r.value);
    expect(text).toContain(
      "> **Missing from the policy:** no address to report vulnerabilities to (`governance.disclosure.contact`).",
    );
    expect(text).toContain("**missing: why this provider**");
    expect(gaps.map((g) => `${g.section} ${g.path}`)).toEqual(
      expect.arrayContaining([
        "1 governance.disclosure.contact",
        "2 governance.patching",
        "3 providers.openai.reason",
        "4 data_dictionary.columns",
        "6 alerts",
        "7 organisation.contacts.security",
        "9 providers.openai.vendor.no_training",
        "10 governance.reviews.policy_reviewed",
      ]),
    );
  });

  it("keeps policy text from breaking the markdown tables", () => {
    const r = parsePolicy(
      'providers:\n  x: { kind: anthropic, reason: "a | b <script>", environments: [development] }\n',
      { file: "p.yaml" },
    );
    if (!r.ok) throw new Error("bad fixture");
    expect(renderSecurityMd(r.value).text).toContain("a \\| b \\<script\\>");
  });

  it("doc --check passes on the generated file and fails with the first differing line", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "policygate-doc-"));
    writeFileSync(
      join(cwd, "policygate.yaml"),
      readFileSync(join(examplesDir(), "conservative.policygate.yaml")),
    );
    writeFileSync(
      join(cwd, "data-classification.csv"),
      readFileSync(join(examplesDir(), "data-classification.csv")),
    );
    const gen = await runCli(["doc", "--output", "SECURITY.md"], { cwd, env: {} });
    expect(gen.code).toBe(0);
    // The example declares its alerting, so section 6 has nothing missing.
    expect(gen.stderr).not.toContain("alerting");
    expect((await runCli(["doc", "--check", "SECURITY.md"], { cwd, env: {} })).code).toBe(0);
    const md = readFileSync(join(cwd, "SECURITY.md"), "utf8");
    writeFileSync(join(cwd, "SECURITY.md"), md.replace("within 24 hours", "within 48 hours"));
    const r = await runCli(["doc", "--check", "SECURITY.md"], { cwd, env: {} });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^SECURITY\.md:\d+: differs from what the policy renders; regenerate it with policygate doc --output SECURITY\.md/,
    );
    // A policy change makes the old file stale too.
    writeFileSync(join(cwd, "SECURITY.md"), md);
    writeFileSync(
      join(cwd, "policygate.yaml"),
      readFileSync(join(cwd, "policygate.yaml"), "utf8").replace(
        "acknowledge_hours: 24",
        "acknowledge_hours: 12",
      ),
    );
    expect((await runCli(["doc", "--check", "SECURITY.md"], { cwd, env: {} })).code).toBe(1);
  });
});
