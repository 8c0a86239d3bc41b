import { cpSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { run, tempDir } from "../cli/helpers.js";

const REPOS = join(import.meta.dirname, "../fixtures/repos");
const BALANCED = join(import.meta.dirname, "../../examples/balanced.policygate.yaml");
/** Fragments of the fake credentials in the fixtures: none may appear in any output. */
const SECRET_FRAGMENTS = ["DfRbCMNdu0SDCRua3hAw", "ir-4aJz2UqdbsNGLx", "R4nd0mLook1ngTok3n"];

interface Finding {
  rule: string;
  level: string;
  file: string;
  line: number;
  vendor?: string;
  detector?: string;
}

async function audit(dir: string, ...args: string[]) {
  const r = await run(["audit-repo", dir, "--policy", BALANCED, "--json", ...args]);
  const out = JSON.parse(r.stdout) as {
    findings: Finding[];
    vendors: { vendor: string; approved: boolean }[];
  };
  return {
    ...r,
    ...out,
    brief: out.findings.map((f) => `${f.rule} ${f.file}:${f.line} ${f.vendor ?? f.detector ?? ""}`.trim()),
  };
}

describe("policygate audit-repo", () => {
  it("node: SDKs from package.json, a direct call to api.anthropic.com and a pasted key", async () => {
    const r = await audit(join(REPOS, "node-app"));
    expect(r.code).toBe(1);
    expect(r.brief).toEqual([
      "sdk-dependency package.json:6 openai",
      "sdk-dependency package.json:7 anthropic",
      "hardcoded-credential src/classify.js:2 anthropic-api-key",
      "direct-provider-call src/classify.js:5 anthropic",
    ]);
  });

  it("python: requirements.txt and pyproject.toml, a Gemini host, an OpenAI key, unapproved providers", async () => {
    const r = await audit(join(REPOS, "python-app"));
    expect(r.brief).toEqual([
      "direct-provider-call app/llm.py:5 gemini",
      "unapproved-provider app/llm.py:5 gemini",
      "hardcoded-credential app/settings.py:2 openai-api-key",
      "sdk-dependency pyproject.toml:5 mistral",
      "unapproved-provider pyproject.toml:5 mistral",
      "sdk-dependency requirements.txt:3 openai",
      "sdk-dependency requirements.txt:4 gemini",
    ]);
    expect(r.vendors).toEqual([
      { vendor: "gemini", approved: false },
      { vendor: "mistral", approved: false },
      { vendor: "openai", approved: true },
    ]);
  });

  it("go, ruby and java manifests", async () => {
    expect((await audit(join(REPOS, "go-app"))).brief).toEqual([
      "sdk-dependency go.mod:6 openai",
      "direct-provider-call main.go:11 openai",
    ]);
    expect((await audit(join(REPOS, "ruby-app"))).brief).toEqual([
      "sdk-dependency Gemfile:4 openai",
      "hardcoded-credential lib/deploy.rb:2 github-token",
    ]);
    const java = await audit(join(REPOS, "java-app"));
    expect(java.brief).toEqual([
      "sdk-dependency build.gradle:2 openai",
      "sdk-dependency pom.xml:8 anthropic",
    ]);
    // An SDK of an approved provider, used through the gateway, is inventory: exit 0.
    expect(java.code).toBe(0);
  });

  it("a repository that goes through the gateway passes; binary files are not read", async () => {
    const r = await run(["audit-repo", join(REPOS, "clean-app"), "--policy", BALANCED]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/0 errors, 1 SDK dependency/);
    expect(r.stdout).toMatch(/Providers in use: openai \(approved\)/);
  });

  it("skips node_modules, .git, vendor and files over the size limit, and says which it skipped", async () => {
    const dir = tempDir();
    cpSync(join(REPOS, "clean-app"), dir, { recursive: true });
    for (const d of ["node_modules/openai", ".git", "vendor/bundle"]) {
      mkdirSync(join(dir, d), { recursive: true });
      writeFileSync(join(dir, d, "x.js"), 'fetch("https://api.openai.com/v1/models")\n');
    }
    writeFileSync(join(dir, "big.js"), "// " + "x".repeat(2000) + '\nfetch("https://api.openai.com")\n');
    const r = await run(["audit-repo", dir, "--policy", BALANCED, "--max-file-bytes", "1000"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("skipped big.js: larger than 1000 bytes");
    expect(r.stdout).not.toMatch(/node_modules|vendor\/|\.git\//);
  });

  it("never prints a credential, in text, JSON or SARIF", async () => {
    for (const args of [[], ["--json"], ["--sarif"]]) {
      const r = await run(["audit-repo", REPOS, "--policy", BALANCED, ...args]);
      expect(r.code).toBe(1);
      for (const s of SECRET_FRAGMENTS) expect(r.stdout + r.stderr).not.toContain(s);
    }
  });

  it("writes SARIF 2.1.0 with a rule per finding kind and a location per result", async () => {
    const r = await run(["audit-repo", join(REPOS, "node-app"), "--policy", BALANCED, "--sarif"]);
    const sarif = JSON.parse(r.stdout);
    expect(sarif.version).toBe("2.1.0");
    const run0 = sarif.runs[0];
    expect(run0.tool.driver.name).toBe("policygate");
    expect(run0.tool.driver.rules.map((x: { id: string }) => x.id)).toEqual([
      "sdk-dependency",
      "direct-provider-call",
      "hardcoded-credential",
      "unapproved-provider",
    ]);
    const cred = run0.results.find((x: { ruleId: string }) => x.ruleId === "hardcoded-credential");
    expect(cred.level).toBe("error");
    expect(cred.locations[0].physicalLocation).toEqual({
      artifactLocation: { uri: "src/classify.js", uriBaseId: "%SRCROOT%" },
      region: { startLine: 2, startColumn: 24 },
    });
    expect(run0.tool.driver.rules[cred.ruleIndex].id).toBe("hardcoded-credential");
  });

  it("finds the policy in the audited directory, and without one says approval was not checked", async () => {
    const dir = tempDir();
    cpSync(join(REPOS, "python-app"), dir, { recursive: true });
    const none = await run(["audit-repo", dir]);
    expect(none.stdout).toContain("provider approval was not checked");
    expect(none.stdout).not.toContain("unapproved-provider");
    writeFileSync(
      join(dir, "policygate.yaml"),
      "providers:\n  gemini: { kind: gemini, environments: [development] }\n",
    );
    const withPolicy = await run(["audit-repo", dir]);
    expect(withPolicy.stdout).toMatch(
      /gemini \(approved\).*mistral \(NOT approved\).*openai \(NOT approved\)/,
    );
  });

  it("a documented test value in the policy's allowlist is not a credential finding", async () => {
    const dir = tempDir();
    cpSync(join(REPOS, "ruby-app"), dir, { recursive: true });
    writeFileSync(
      join(dir, "policygate.yaml"),
      'providers:\n  openai: { kind: openai, environments: [development] }\ndetectors:\n  allowlist:\n    patterns: ["ghp_R4nd0m*"]\n',
    );
    const r = await run(["audit-repo", dir]);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain("hardcoded-credential");
  });

  it("--exclude skips paths by glob, and a line marked policygate:allow is not reported", async () => {
    const dir = tempDir();
    cpSync(join(REPOS, "node-app"), dir, { recursive: true });
    const excluded = await audit(dir, "--exclude", "src/classify.*");
    expect(excluded.brief).toEqual([
      "sdk-dependency package.json:6 openai",
      "sdk-dependency package.json:7 anthropic",
    ]);
    writeFileSync(join(dir, "docs.js"), '// Upstream: "https://api.anthropic.com" policygate:allow\n');
    expect((await audit(dir, "--exclude", "src/*")).brief).not.toContain(
      "direct-provider-call docs.js:1 anthropic",
    );
  });

  it("rejects a directory that does not exist", async () => {
    const r = await run(["audit-repo", "/nonexistent/repo"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/not a directory/);
  });
});
