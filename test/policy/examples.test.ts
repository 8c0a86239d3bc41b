import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { examplesDir } from "../../src/cli/init.js";
import { Engine } from "../../src/enforce/engine.js";
import { loadPolicyFile, type LoadedPolicy } from "../../src/policy/load.js";
import { policyWarnings } from "../../src/policy/warnings.js";

function load(name: string): LoadedPolicy {
  const r = loadPolicyFile(join(examplesDir(), name));
  if (!r.ok) throw new Error(r.errors.map((e) => `${e.line}:${e.column} ${e.path}: ${e.message}`).join("\n"));
  return r.value;
}

const conservative = load("conservative.policygate.yaml");
const balanced = load("balanced.policygate.yaml");

describe("example policies", () => {
  for (const [name, loaded] of [
    ["conservative", conservative],
    ["balanced", balanced],
  ] as const) {
    describe(name, () => {
      it("compiles into an engine in every environment it declares", () => {
        for (const env of loaded.policy.environments) {
          expect(new Engine(loaded, { environment: env }).environment).toBe(env);
        }
      });

      it("keeps the article's actions: restricted blocks, confidential never leaves as is", () => {
        expect(loaded.policy.classes.restricted.action).toBe("block");
        expect(loaded.policy.classes.confidential.action).toMatch(/^(block|redact)$/);
        expect(loaded.policy.on_engine_error).toBe("block");
        expect(loaded.policy.mode).toBe("enforce");
      });

      it("approves anthropic everywhere, and openai and echo only for development and testing", () => {
        const p = loaded.policy.providers;
        expect(p.anthropic?.environments).toEqual(
          expect.arrayContaining(["production", "development", "testing"]),
        );
        expect(p.anthropic?.zero_data_retention).toBe(true);
        expect([...(p.openai?.environments ?? [])].sort()).toEqual(["development", "testing"]);
        expect(p.echo).toMatchObject({ kind: "echo", environments: ["development", "testing"] });
      });

      it("has integrations and the reference sheet's data dictionary", () => {
        const n = Object.keys(loaded.policy.integrations).length;
        expect(n).toBeGreaterThanOrEqual(1);
        expect(n).toBeLessThanOrEqual(2);
        expect(loaded.dictionary.get("secrets.api_keys.key_value")?.class).toBe("restricted");
        expect(loaded.dictionary.get("production.customers.email")?.class).toBe("confidential");
      });

      it("raises no warning besides unset API keys", () => {
        expect(policyWarnings(loaded.policy, { env: {} }).filter((w) => w.code !== "api-key-unset")).toEqual(
          [],
        );
      });
    });
  }

  it("differ where the risk appetite does", () => {
    const c = conservative.policy;
    const b = balanced.policy;
    expect(c.providers.openai?.status).not.toBe("approved");
    expect(b.providers.openai?.status).toBe("approved");
    expect(c.classes.restricted.min_confidence).toBeLessThan(b.classes.restricted.min_confidence!);
    expect(c.classes.confidential.min_confidence).toBeLessThan(b.classes.confidential.min_confidence!);
    const auditRules = (p: typeof c) => p.detectors.custom.filter((r) => r.mode === "audit").length;
    expect(auditRules(c)).toBe(0);
    expect(c.output.on_leak).toBe("block");
    expect(b.classes.internal.action).toBe("allow");
  });

  it("ship the article's data classification reference sheet, columns and rows", () => {
    const csv = readFileSync(join(examplesDir(), "data-classification.csv"), "utf8").trimEnd().split("\n");
    expect(csv[0]).toBe("Database,Schema/Table,Column Name,Data Type,Classification,Reason,AI Safe?");
    expect(csv).toHaveLength(21);
    expect(csv[1]).toBe('production,customers,id,integer,Public,"Customer identifier, non-sensitive",✓');
    expect(csv[20]).toBe("internal,docs,content,text,Internal,Internal process docs,✓");
  });
});
