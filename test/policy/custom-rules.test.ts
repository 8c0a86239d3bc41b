import { describe, expect, it } from "vitest";
import { Engine } from "../../src/enforce/engine.js";
import { parsePolicy } from "../../src/policy/load.js";
import { checkCustomPattern } from "../../src/policy/validate.js";

function engineWith(rule: string): Engine {
  const r = parsePolicy(`detectors:\n  custom:\n${rule}`);
  if (!r.ok) throw new Error(r.errors.map((e) => e.message).join("; "));
  return new Engine(r.value);
}

describe("custom rules", () => {
  it("accepts a catastrophic-backtracking pattern, because RE2 runs it in linear time", () => {
    expect(checkCustomPattern("(a+)+$")).toBeNull();
    const engine = engineWith("    - id: nested-plus\n      pattern: '(a+)+$'\n      class: internal\n");
    // A backtracking engine takes exponential time on this input; the vitest timeout is the guard.
    const hostile = "a".repeat(100_000) + "!";
    expect(engine.scan(hostile).filter((f) => f.detector === "nested-plus")).toEqual([]);
    const matching = "a".repeat(100_000);
    expect(engine.scan(matching).filter((f) => f.detector === "nested-plus")).toMatchObject([
      { start: 0, end: 100_000, class: "internal" },
    ]);
  });

  it("runs a rule only near its keywords and reports its own kind and class", () => {
    const engine = engineWith(
      "    - id: employee-id\n      pattern: '\\bEMP-\\d{6}\\b'\n      keywords: [emp-]\n      kind: employee_id\n      class: confidential\n",
    );
    const text = "Escalated by EMP-004211 on Monday.";
    expect(engine.scan(text)).toEqual([
      expect.objectContaining({
        detector: "employee-id",
        kind: "employee_id",
        class: "confidential",
        start: 13,
        end: 23,
      }),
    ]);
  });

  it("takes keywords with accents and finds them with or without the accents", () => {
    const engine = engineWith(
      "    - id: notice\n      pattern: '(?i)k.ndigung\\s+\\d{4}'\n      keywords: [kündigung]\n      class: confidential\n",
    );
    const hits = (t: string) => engine.scan(t).filter((f) => f.detector === "notice").length;
    expect(hits("Betreff: KÜNDIGUNG 2291 zum Monatsende")).toBe(1);
    expect(hits("Betreff: Kundigung 2291 zum Monatsende")).toBe(1);
    expect(hits("Betreff: Mahnung 2291")).toBe(0);
  });

  it("refuses keywords in scripts it cannot fold, saying what to do instead", () => {
    const r = parsePolicy(
      "detectors:\n  custom:\n    - { id: ru, pattern: 'x', keywords: [договор], class: internal }\n",
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors[0]).toMatchObject({ path: "detectors.custom[0].keywords[0]" });
    expect(r.errors[0]?.message).toMatch(/leave keywords empty/);
  });

  it("rejects patterns that match the empty string, which would flag every text", () => {
    expect(checkCustomPattern("a*")).toMatch(/empty string/);
  });

  it("rejects a custom rule that reuses a built-in detector id", () => {
    const r = parsePolicy("detectors:\n  custom:\n    - { id: email, pattern: 'x@y', class: internal }\n");
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors[0]).toMatchObject({ line: 3, path: "detectors.custom[0].id" });
    expect(r.errors[0]?.message).toMatch(/built-in detector id/);
  });
});
