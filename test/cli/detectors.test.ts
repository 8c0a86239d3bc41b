import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { builtinDetectors } from "../../src/detect/catalogue.js";
import { run } from "./helpers.js";

const docsFile = join(import.meta.dirname, "../../docs/detectors.md");

describe("policygate detectors", () => {
  it("lists every built-in detector with its family, kind, class and directions", async () => {
    const r = await run(["detectors"]);
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n")[0]).toMatch(/^id +family +kind +class +directions +title$/);
    for (const d of builtinDetectors()) {
      expect(r.stdout).toMatch(new RegExp(`^${d.id} +${d.family} +${d.kind} +${d.class} `, "m"));
    }
  });

  it("prints JSON for tools", async () => {
    const r = await run(["detectors", "--json"]);
    const entries = JSON.parse(r.stdout);
    expect(entries).toHaveLength(builtinDetectors().length);
    expect(entries.find((e: { id: string }) => e.id === "email")).toEqual({
      id: "email",
      family: "pii",
      kind: "email",
      class: "confidential",
      directions: ["input", "output"],
      title: expect.any(String),
    });
  });

  it("docs/detectors.md is the generated catalogue", async () => {
    const r = await run(["detectors", "--markdown"]);
    expect(r.code).toBe(0);
    expect(
      readFileSync(docsFile, "utf8"),
      "docs/detectors.md is out of date with the catalogue; regenerate it: " +
        "npm run build && node bin/policygate.js detectors --markdown > docs/detectors.md",
    ).toBe(r.stdout);
  });
});
