import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { builtinDetectors } from "../../src/detect/catalogue.js";
import { defaultPolicyEngine } from "../../src/enforce/engine.js";
import type { Direction } from "../../src/detect/types.js";

/**
 * Every built-in detector has a folder of fixtures, in the manner of secretlint's snapshots:
 *   ng.<case>.txt          must produce at least one finding of the detector;
 *   ng.<case>.spans.json   (optional) the exact [start, end) spans it must produce, never the values;
 *   ok.<case>.txt          must produce none.
 * A file name containing ".output." is scanned in the output direction.
 */
const root = join(import.meta.dirname, "../fixtures/detectors");
const engine = defaultPolicyEngine();

describe("detector fixtures", () => {
  for (const spec of builtinDetectors()) {
    const dir = join(root, spec.id);
    describe(spec.id, () => {
      const files = existsSync(dir)
        ? readdirSync(dir)
            .filter((f) => f.endsWith(".txt"))
            .sort()
        : [];
      it("has at least one ng and one ok fixture", () => {
        expect(
          files.some((f) => f.startsWith("ng.")),
          `${dir} needs an ng.*.txt`,
        ).toBe(true);
        expect(
          files.some((f) => f.startsWith("ok.")),
          `${dir} needs an ok.*.txt`,
        ).toBe(true);
      });
      for (const f of files) {
        const text = readFileSync(join(dir, f), "utf8");
        const direction: Direction = f.includes(".output.") ? "output" : "input";
        const mine = () => engine.scan(text, direction).filter((x) => x.detector === spec.id);
        if (f.startsWith("ng.")) {
          it(`${f} fires`, () => {
            const found = mine();
            expect(found.length, `${spec.id} found nothing in ${f}`).toBeGreaterThan(0);
            const spansFile = join(dir, f.replace(/\.txt$/, ".spans.json"));
            if (existsSync(spansFile)) {
              const want = JSON.parse(readFileSync(spansFile, "utf8")) as { start: number; end: number }[];
              expect(found.map(({ start, end }) => ({ start, end }))).toEqual(want);
            }
          });
        } else if (f.startsWith("ok.")) {
          it(`${f} stays quiet`, () => {
            expect(mine().map(({ start, end, confidence }) => ({ start, end, confidence }))).toEqual([]);
          });
        }
      }
    });
  }
});
