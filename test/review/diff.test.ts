import { execFileSync } from "node:child_process";
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { stringify } from "yaml";
import { describe, expect, it } from "vitest";
import { diffPolicies } from "../../src/governance/diff.js";
import { parsePolicy, type LoadedPolicy } from "../../src/policy/load.js";
import { run, tempDir } from "../cli/helpers.js";

const EXAMPLES = join(import.meta.dirname, "../../examples");

function load(yaml: string): LoadedPolicy {
  const r = parsePolicy(yaml);
  if (!r.ok) throw new Error(r.errors.map((e) => e.message).join("; "));
  return r.value;
}

const BASE = `
environments: [development, production]
providers:
  openai: { kind: openai, environments: [development], max_class: internal }
  anthropic: { kind: anthropic, environments: [development, production], max_class: confidential, zero_data_retention: true }
integrations:
  bot: { environments: [production], providers: [anthropic], max_class: internal }
`;

function changes(head: string) {
  return diffPolicies(load(BASE), load(head)).map((c) => `${c.effect} ${c.path}`);
}

describe("diffPolicies", () => {
  it("reports nothing for the same policy", () => {
    expect(diffPolicies(load(BASE), load(BASE))).toEqual([]);
  });

  it("a provider allowed in a new environment widens; removed from one narrows", () => {
    const c = diffPolicies(
      load(BASE),
      load(
        BASE.replace(
          "environments: [development], max_class: internal",
          "environments: [production], max_class: internal",
        ),
      ),
    );
    expect(c).toEqual([
      {
        effect: "widen",
        path: "providers.openai.environments",
        message: "production: provider openai may now be called there.",
      },
      {
        effect: "narrow",
        path: "providers.openai.environments",
        message: "development: provider openai may no longer be called there.",
      },
    ]);
  });

  it("a higher max_class widens a provider and an integration", () => {
    expect(
      changes(BASE.replace("max_class: internal }\n  anthropic", "max_class: confidential }\n  anthropic")),
    ).toEqual(["widen providers.openai.max_class"]);
    expect(
      changes(
        BASE.replace(
          "providers: [anthropic], max_class: internal",
          "providers: [anthropic, openai], max_class: confidential",
        ),
      ),
    ).toEqual(["widen integrations.bot.providers", "widen integrations.bot.max_class"]);
  });

  it("an integration's environments emptied means every environment: a widening", () => {
    expect(changes(BASE.replace("bot: { environments: [production]", "bot: { environments: []"))).toEqual([
      "widen integrations.bot.environments",
    ]);
  });

  it("class actions weakened and rules moved to audit widen", () => {
    const head =
      BASE + `classes:\n  restricted: { action: redact }\n  confidential: { mode: audit }\nmode: audit\n`;
    expect(changes(head)).toEqual([
      "widen mode",
      "widen classes.restricted.action",
      "widen classes.confidential.mode",
    ]);
    const msgs = diffPolicies(load(BASE), load(head)).map((c) => c.message);
    expect(msgs[1]).toBe("Restricted data in a prompt is now redacted (was blocked).");
  });

  it("detectors disabled, allowlist additions and leak classes removed widen", () => {
    const head =
      BASE +
      `detectors:\n  builtin:\n    email: { enabled: false }\n    github-token: { mode: audit }\n  allowlist: { values: [test@example.net] }\noutput:\n  leak_classes: [restricted]\n`;
    expect(changes(head)).toEqual([
      "widen detectors.builtin.github-token.mode",
      "widen detectors.builtin.email.enabled",
      "widen detectors.allowlist",
      "widen output.leak_classes",
    ]);
  });

  it("a new integration widens and a removed provider narrows", () => {
    const head =
      BASE.replace(/ {2}openai:.*\n/, "") +
      "  ops: { environments: [development], providers: [anthropic] }\n";
    expect(changes(head)).toEqual(["narrow providers.openai", "widen integrations.ops"]);
  });

  // Changes whose reverse is reported the opposite way: widening one way is narrowing the other.
  const variant = fc.record({
    openaiEnvs: fc.subarray(["development", "production"]),
    openaiMax: fc.constantFrom("public", "internal", "confidential", "restricted"),
    restricted: fc.constantFrom("block", "redact", "allow"),
    confidentialMode: fc.constantFrom("enforce", "audit"),
    emailOn: fc.boolean(),
    allow: fc.subarray(["a@example.net", "*.test"]),
    botProviders: fc.subarray(["anthropic", "openai"]),
    botEnvs: fc.subarray(["development", "production"], { minLength: 1 }),
    leak: fc.subarray(["confidential", "restricted"], { minLength: 1 }),
  });
  const toYaml = (v: typeof variant extends fc.Arbitrary<infer T> ? T : never) =>
    stringify({
      environments: ["development", "production"],
      providers: {
        openai: { kind: "openai", environments: v.openaiEnvs, max_class: v.openaiMax },
        anthropic: { kind: "anthropic", environments: ["production"] },
      },
      classes: { restricted: { action: v.restricted }, confidential: { mode: v.confidentialMode } },
      detectors: { builtin: { email: { enabled: v.emailOn } }, allowlist: { patterns: v.allow } },
      output: { leak_classes: v.leak },
      integrations: { bot: { environments: v.botEnvs, providers: v.botProviders } },
    });

  it("property: every widening from A to B is a narrowing from B to A, and a policy never differs from itself", () => {
    fc.assert(
      fc.property(variant, variant, (va, vb) => {
        const a = load(toYaml(va));
        const b = load(toYaml(vb));
        expect(diffPolicies(a, a)).toEqual([]);
        const ab = diffPolicies(a, b);
        const ba = diffPolicies(b, a);
        const key = (effect: string) => (c: { effect: string; path: string }) =>
          c.effect === effect ? [c.path] : [];
        expect(ab.flatMap(key("widen")).sort()).toEqual(ba.flatMap(key("narrow")).sort());
        expect(ab.flatMap(key("narrow")).sort()).toEqual(ba.flatMap(key("widen")).sort());
      }),
      { numRuns: 150 },
    );
  });
});

describe("policygate diff", () => {
  function pair(edit: (s: string) => string): { dir: string } {
    const dir = tempDir();
    copyFileSync(join(EXAMPLES, "data-classification.csv"), join(dir, "data-classification.csv"));
    const base = readFileSync(join(EXAMPLES, "balanced.policygate.yaml"), "utf8");
    writeFileSync(join(dir, "base.yaml"), base);
    writeFileSync(join(dir, "head.yaml"), edit(base));
    return { dir };
  }

  it("exits 1 on a widening with a sentence per change, and 0 with --allow-widen", async () => {
    const { dir } = pair((s) =>
      s.replace(
        "environments: [development, testing]\n    max_class: internal\n    zero_data_retention: false",
        "environments: [development, testing, production]\n    max_class: internal\n    zero_data_retention: false",
      ),
    );
    const r = await run(["diff", "base.yaml", "head.yaml"], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("1 widening, 0 narrowings");
    expect(r.stdout).toContain(
      "+ production: provider openai may now be called there.  [providers.openai.environments]",
    );
    const allowed = await run(["diff", "base.yaml", "head.yaml", "--allow-widen"], { cwd: dir });
    expect(allowed.code).toBe(0);
  });

  it("exits 0 when the change only narrows, with --json listing it", async () => {
    const { dir } = pair((s) => s.replace("on_leak: redact", "on_leak: block"));
    const r = await run(["diff", "base.yaml", "head.yaml", "--json"], { cwd: dir });
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.widens).toBe(0);
    expect(out.changes).toEqual([
      {
        effect: "narrow",
        path: "output.on_leak",
        message: "A leak in a model's answer is now blocked (was redacted).",
      },
    ]);
  });

  it("says so when nothing changed, and names file:line when a policy does not load", async () => {
    const { dir } = pair((s) => s);
    expect((await run(["diff", "base.yaml", "head.yaml"], { cwd: dir })).stdout).toMatch(/no change/);
    writeFileSync(join(dir, "bad.yaml"), "providers:\n  x: { kind: nope }\n");
    const bad = await run(["diff", "base.yaml", "bad.yaml"], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/bad\.yaml:2:\d+ providers\.x\.kind/);
  });

  it("reads git:REV:path, with the CSV import from the same revision", async () => {
    const { dir } = pair((s) => s);
    const git = (...args: string[]) => execFileSync("git", args, { cwd: dir, stdio: "pipe" });
    git("init", "-q");
    git("-c", "user.email=t@example.com", "-c", "user.name=t", "add", ".");
    git("-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qm", "base");
    // The working tree's CSV changes a column's class; the committed one is what BASE means.
    writeFileSync(
      join(dir, "data-classification.csv"),
      readFileSync(join(dir, "data-classification.csv"), "utf8").replace(/,internal,/i, ",public,"),
    );
    const r = await run(["diff", "git:HEAD:base.yaml", "base.yaml"], { cwd: dir });
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(/now classified public \(was internal\)/);
    const missing = await run(["diff", "git:HEAD:nope.yaml", "base.yaml"], { cwd: dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/git:HEAD:nope\.yaml: cannot read it from git/);
  });
});
