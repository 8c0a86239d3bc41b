import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..");
const readme = readFileSync(join(root, "README.md"), "utf8");

/** The fenced blocks of a language after a heading. */
function blocks(lang: string, after: string): string[] {
  const from = readme.indexOf(after);
  const section = readme.slice(from, readme.indexOf("\n## ", from + after.length) >>> 0 || undefined);
  return [...section.matchAll(new RegExp("```" + lang + "\\n([\\s\\S]*?)```", "g"))].map((m) => m[1]!);
}

describe("README", () => {
  it("gives exactly two set-up commands: install and run the demo, then the tests", () => {
    const [setup] = blocks("sh", "## Quick start");
    const commands = setup!
      .trim()
      .split("\n")
      .map((l) => l.replace(/\s+#.*$/, "").trim());
    expect(commands).toEqual(["npm ci && npx policygate demo", "npm test"]);
    expect(JSON.parse(readFileSync(join(root, "package.json"), "utf8")).scripts.test).toBeDefined();
  });

  it("runs the library example as written, and its comments are its results", async () => {
    const [code] = blocks("ts", "## The library");
    const dir = mkdtempSync(join(tmpdir(), "pg-readme-"));
    copyFileSync(join(root, "examples/balanced.policygate.yaml"), join(dir, "policygate.yaml"));
    copyFileSync(join(root, "examples/data-classification.csv"), join(dir, "data-classification.csv"));
    // Each `expr; // value` line becomes a recorded result to compare with the comment.
    const checks: string[] = [];
    const body = code!
      .replace(`from "policygate"`, `from ${JSON.stringify(pathToFileURL(join(root, "src/index.ts")).href)}`)
      .replace(/"policygate\.yaml"/, JSON.stringify(join(dir, "policygate.yaml")))
      .split("\n")
      .map((line) => {
        const m = /^(.+);\s*\/\/\s*(.+)$/.exec(line);
        if (!m) return line;
        checks.push(m[2]!);
        return `results.push(${m[1]});`;
      })
      .join("\n");
    const file = join(root, "test", `.readme-example-${process.pid}.ts`);
    writeFileSync(file, `export const results: unknown[] = [];\n${body}\n`);
    try {
      const mod = (await import(pathToFileURL(file).href)) as { results: unknown[] };
      expect(mod.results).toEqual(checks.map((c) => JSON.parse(c)));
    } finally {
      (await import("node:fs")).rmSync(file, { force: true });
    }
  });
});
