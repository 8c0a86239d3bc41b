import { describe, expect, it } from "vitest";
import { activate, builtinDetector } from "../../src/detect/catalogue.js";
import { Scanner } from "../../src/detect/scanner.js";
import type { Direction } from "../../src/detect/types.js";
import { defaultPolicyEngine } from "../../src/enforce/engine.js";

const engine = defaultPolicyEngine();

/** Findings of one detector under the default policy (threshold 0.5). */
function found(id: string, text: string, direction: Direction = "input") {
  return engine.scan(text, direction).filter((f) => f.detector === id);
}

/** The confidence one detector gives its first candidate in `text`, with no threshold at all. */
function confidence(id: string, text: string, direction: Direction = "input"): number | undefined {
  const scanner = new Scanner([activate(builtinDetector(id)!, { minConfidence: 0 })]);
  return scanner.scan(text, direction)[0]?.confidence;
}

describe("scores: a checksum raises, context words raise, a failed rule drops", () => {
  it("a bare nine-digit SSN stays below the threshold until the text says SSN", () => {
    expect(found("us-ssn", "ref 536228174")).toEqual([]);
    expect(found("us-ssn", "SSN 536228174")).toHaveLength(1);
    expect(found("us-ssn", "Applicant 536-22-8174")).toHaveLength(1);
    expect(found("us-ssn", "SSN 666-22-8174")).toEqual([]);
  });

  it("a card that fails Luhn next to the word card is kept below the threshold, not dropped", () => {
    expect(confidence("payment-card", "card 4539 1488 0343 6468")).toBe(0.45);
    expect(found("payment-card", "card 4539 1488 0343 6468")).toEqual([]);
    expect(confidence("payment-card", "ref 4539 1488 0343 6468")).toBeUndefined();
    expect(found("payment-card", "card 4539 1488 0343 6467")[0]?.class).toBe("restricted");
  });

  it("short Luhn-valid numbers are cards only next to card words", () => {
    expect(found("payment-card", "project 501866447912")).toEqual([]);
    expect(found("payment-card", "debit card 501866447912")).toHaveLength(1);
  });

  it("a phone number needs a country code, a North American shape, or a phone word", () => {
    expect(found("phone", "build 9498777106 done")).toEqual([]);
    expect(found("phone", "Fax: 9498777106")).toHaveLength(1);
    expect(confidence("phone", "+44 20 7946 0958")).toBeGreaterThanOrEqual(0.9);
    expect(found("phone", "+44 20 79")).toEqual([]);
    expect(found("phone", "(415) 555-0132")).toHaveLength(1);
  });

  it("a name and a number are an address only with more evidence", () => {
    expect(found("street-address", "Allika 46 was great")).toEqual([]);
    expect(found("street-address", "She lives at Allika 46")).toHaveLength(1);
    expect(found("street-address", "221 Baker Street")).toHaveLength(1);
  });

  it("the lines of one address are one finding", () => {
    const text = "Send it to:\n28245 Puruntie 82 Apt. 595\nLAPPEENRANTA\nFinland 62488\n\nRegards";
    const f = found("street-address", text);
    expect(f).toHaveLength(1);
    expect(text.slice(f[0]!.start, f[0]!.end).split("\n")).toHaveLength(3);
  });

  it("internal hosts are checked in answers only", () => {
    const text = "The admin panel is at http://10.20.3.7:8080/admin and db.prod.internal:5432";
    expect(engine.scan(text, "input").filter((f) => f.kind === "internal_url")).toEqual([]);
    const out = engine.scan(text, "output").filter((f) => f.kind === "internal_url");
    expect(out.map((f) => f.class)).toEqual(["internal", "internal"]);
  });
});
