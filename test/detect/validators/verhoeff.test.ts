import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { aadhaarValid } from "../../../src/detect/validators/aadhaar.js";
import { verhoeffCheckDigit, verhoeffValid } from "../../../src/detect/validators/verhoeff.js";
import { changeDigit, digitString } from "./arbitraries.js";

describe("verhoeff", () => {
  it("matches the published example 236 -> 2363", () => {
    expect(verhoeffCheckDigit("236")).toBe(3);
    expect(verhoeffValid("2363")).toBe(true);
    expect(verhoeffValid("2364")).toBe(false);
  });

  it("a number completed with its check digit always validates", () => {
    fc.assert(fc.property(digitString(1, 30), (p) => verhoeffValid(p + verhoeffCheckDigit(p))));
  });

  it("changing any single digit of a valid number always invalidates it", () => {
    fc.assert(
      fc.property(digitString(1, 30), fc.nat(), fc.nat(), (p, i, delta) => {
        const valid = p + verhoeffCheckDigit(p);
        return !verhoeffValid(changeDigit(valid, i, delta));
      }),
    );
  });

  it("swapping two different adjacent digits always invalidates it", () => {
    fc.assert(
      fc.property(digitString(2, 30), fc.nat(), (p, i) => {
        const v = p + verhoeffCheckDigit(p);
        const k = i % (v.length - 1);
        fc.pre(v[k] !== v[k + 1]);
        return !verhoeffValid(v.slice(0, k) + v[k + 1] + v[k] + v.slice(k + 2));
      }),
    );
  });

  it("Aadhaar: twelve digits, not starting with 0 or 1, Verhoeff", () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 9 }), digitString(10), (first, rest) => {
        const p = String(first) + rest;
        fc.pre(new Set(p).size > 1);
        return aadhaarValid(p + verhoeffCheckDigit(p));
      }),
    );
    const p = "12345678901";
    expect(aadhaarValid(p + verhoeffCheckDigit(p))).toBe(false);
  });
});
