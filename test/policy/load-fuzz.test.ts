import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { examplesDir } from "../../src/cli/init.js";
import { parsePolicy } from "../../src/policy/load.js";

const example = readFileSync(join(examplesDir(), "balanced.policygate.yaml"), "utf8");
const exampleLines = example.split("\n");

/** parsePolicy promises never to throw: every problem is a located error. */
function loadsOrExplains(text: string): void {
  const r = parsePolicy(text, { file: "fuzz.yaml", baseDir: examplesDir() });
  if (!r.ok) {
    expect(r.errors.length).toBeGreaterThan(0);
    for (const e of r.errors) {
      expect(e.line).toBeGreaterThanOrEqual(1);
      expect(e.column).toBeGreaterThanOrEqual(1);
      expect(e.message.length).toBeGreaterThan(0);
    }
  }
}

describe("the loader on arbitrary input", () => {
  it("never throws on arbitrary YAML documents", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => loadsOrExplains(stringify(v))),
      { numRuns: 200 },
    );
  });

  it("never throws on arbitrary values in the policy's own sections", () => {
    const sections = [
      "providers",
      "classes",
      "data_dictionary",
      "detectors",
      "output",
      "integrations",
      "environments",
    ];
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...sections), fc.jsonValue({ maxDepth: 4 })), (doc) =>
        loadsOrExplains(stringify(doc)),
      ),
      { numRuns: 200 },
    );
  });

  it("never throws on a damaged example policy", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(exampleLines.length - 1), fc.string({ maxLength: 12 })), { maxLength: 6 }),
        (edits) => {
          const lines = [...exampleLines];
          for (const [i, s] of edits) lines[i] = lines[i]!.slice(0, s.length) + s;
          loadsOrExplains(lines.join("\n"));
        },
      ),
      { numRuns: 200 },
    );
  });
});
