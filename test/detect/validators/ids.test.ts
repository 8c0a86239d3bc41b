import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { abaCheckDigit, abaRoutingValid } from "../../../src/detect/validators/aba-routing.js";
import { cpfCheckDigits, cpfValid } from "../../../src/detect/validators/cpf.js";
import { dniLetter, dniOrNieValid } from "../../../src/detect/validators/dni.js";
import { luhnCheckDigit } from "../../../src/detect/validators/luhn.js";
import { ninoValid } from "../../../src/detect/validators/nino.js";
import { cardBrand, paymentCardValid } from "../../../src/detect/validators/payment-card.js";
import { sinValid } from "../../../src/detect/validators/sin.js";
import { ssnValid } from "../../../src/detect/validators/ssn.js";
import { changeDigit, digitString } from "./arbitraries.js";

describe("US SSN", () => {
  it("rejects the areas, groups and serials the SSA never issues", () => {
    expect(ssnValid("536221234")).toBe(true);
    for (const bad of ["000221234", "666221234", "900221234", "999221234", "536001234", "536220000"]) {
      expect(ssnValid(bad), bad).toBe(false);
    }
  });
  it("rejects numbers published in advertising and documentation", () => {
    expect(ssnValid("078051120")).toBe(false);
    expect(ssnValid("123456789")).toBe(false);
  });
});

describe("US ABA routing numbers", () => {
  it("accepts real-shaped numbers and rejects a bad prefix", () => {
    expect(abaRoutingValid("021000021")).toBe(true);
    expect(abaRoutingValid("011000015")).toBe(true);
    expect(abaRoutingValid("021000022")).toBe(false);
    expect(abaRoutingValid("501000022")).toBe(false);
  });
  it("a number completed with its check digit validates; one changed digit never does", () => {
    const prefix = fc.constantFrom("01", "05", "12", "21", "26", "32", "61", "72", "80");
    fc.assert(
      fc.property(prefix, digitString(6), fc.nat(), fc.nat(), (p, rest, i, delta) => {
        const payload = p + rest;
        const valid = payload + abaCheckDigit(payload);
        // Weights 3, 7 and 1 are coprime to 10, so any single changed digit moves the sum.
        return abaRoutingValid(valid) && !abaRoutingValid(changeDigit(valid, 2 + (i % 7), delta));
      }),
    );
  });
});

describe("Canadian SIN", () => {
  it("is Luhn over nine digits, never starting with 0 or 8", () => {
    expect(sinValid("046454286")).toBe(false);
    expect(sinValid("130692544")).toBe(true);
    fc.assert(
      fc.property(fc.constantFrom("1", "2", "3", "4", "5", "6", "7", "9"), digitString(7), (first, rest) => {
        const p = first + rest;
        return sinValid(p + luhnCheckDigit(p));
      }),
    );
    const p = "81234567";
    expect(sinValid(p + luhnCheckDigit(p))).toBe(false);
  });
});

describe("Brazilian CPF", () => {
  it("checks both digits and rejects one repeated digit", () => {
    expect(cpfValid("52998224725")).toBe(true);
    expect(cpfValid("52998224726")).toBe(false);
    expect(cpfValid("11111111111")).toBe(false);
  });
  it("a number completed with its check digits always validates", () => {
    fc.assert(
      fc.property(digitString(9), (p) => {
        fc.pre(new Set(p).size > 1);
        return cpfValid(p + cpfCheckDigits(p));
      }),
    );
  });
  it("changing either check digit always invalidates", () => {
    // A changed payload digit is not always caught: remainders 0 and 1 both give check digit 0.
    fc.assert(
      fc.property(digitString(9), fc.boolean(), fc.nat(), (p, last, delta) => {
        fc.pre(new Set(p).size > 1);
        const valid = p + cpfCheckDigits(p);
        return !cpfValid(changeDigit(valid, last ? 10 : 9, delta));
      }),
    );
  });
});

describe("Spanish DNI and NIE", () => {
  it("accepts the right control letter only", () => {
    expect(dniOrNieValid("12345678Z")).toBe(true);
    expect(dniOrNieValid("12345678-z")).toBe(true);
    expect(dniOrNieValid("12345678A")).toBe(false);
    expect(dniOrNieValid("X1234567L")).toBe(true);
    expect(dniOrNieValid("Y1234567X")).toBe(true);
    expect(dniOrNieValid("X1234567A")).toBe(false);
  });
  it("a number with its computed letter validates; any other letter does not", () => {
    fc.assert(
      fc.property(digitString(8), fc.constantFrom(..."ABCDEFGHJKLMNPQRSTVWXYZ"), (d, other) => {
        const letter = dniLetter(d);
        return dniOrNieValid(d + letter) && (other === letter || !dniOrNieValid(d + other));
      }),
    );
  });
});

describe("UK NINO", () => {
  it("applies HMRC's prefix and suffix rules", () => {
    expect(ninoValid("AB 12 34 56 C")).toBe(true);
    expect(ninoValid("JG103759A")).toBe(true);
    for (const bad of [
      "QQ123456C",
      "DA123456A",
      "AO123456A",
      "GB123456A",
      "NK123456A",
      "ZZ123456A",
      "AB123456E",
    ]) {
      expect(ninoValid(bad), bad).toBe(false);
    }
  });
});

describe("payment cards", () => {
  it("knows the schemes' ranges and lengths", () => {
    expect(cardBrand("4111111111111111")).toBe("visa");
    expect(cardBrand("2223000048400011")).toBe("mastercard");
    expect(cardBrand("378282246310005")).toBe("amex");
    expect(cardBrand("6011111111111117")).toBe("discover");
    expect(cardBrand("3530111333300000")).toBe("jcb");
    expect(cardBrand("30569309025904")).toBe("diners");
    expect(cardBrand("6200000000000005")).toBe("unionpay");
    expect(cardBrand("6759649826438453")).toBe("maestro");
    expect(cardBrand("378282246310005" + "0")).toBe(undefined);
    expect(cardBrand("9111111111111111")).toBe(undefined);
  });
  it("a Visa number completed with its check digit is valid; one changed digit never is", () => {
    fc.assert(
      fc.property(digitString(14), fc.nat(), fc.nat(), (rest, i, delta) => {
        const p = "4" + rest;
        const valid = p + luhnCheckDigit(p);
        // Change any digit but the first, so the number stays in Visa's range.
        const changed = valid[0] + changeDigit(valid.slice(1), i, delta);
        return paymentCardValid(valid) && !paymentCardValid(changed);
      }),
    );
  });
});
