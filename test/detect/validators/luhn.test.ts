import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { luhnCheckDigit, luhnValid } from "../../../src/detect/validators/luhn.js";
import { changeDigit, digitString } from "./arbitraries.js";

describe("luhn", () => {
  it("accepts well-known valid numbers and rejects their neighbours", () => {
    expect(luhnValid("4539578763621486")).toBe(true);
    expect(luhnValid("79927398713")).toBe(true);
    expect(luhnValid("4539578763621487")).toBe(false);
    expect(luhnValid("79927398710")).toBe(false);
  });

  it("a number completed with its check digit always validates", () => {
    fc.assert(fc.property(digitString(1, 30), (p) => luhnValid(p + luhnCheckDigit(p))));
  });

  it("changing any single digit of a valid number always invalidates it", () => {
    fc.assert(
      fc.property(digitString(1, 30), fc.nat(), fc.nat(), (p, i, delta) => {
        const valid = p + luhnCheckDigit(p);
        return !luhnValid(changeDigit(valid, i, delta));
      }),
    );
  });
});
