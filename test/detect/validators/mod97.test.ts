import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ibanValid } from "../../../src/detect/validators/iban.js";
import { mod97, mod97CheckDigits } from "../../../src/detect/validators/mod97.js";
import { changeDigit, digitString } from "./arbitraries.js";

/** A GB-shaped IBAN with correct check digits for a bank code and fourteen digits. */
function gbIban(bank: string, digits: string): string {
  const bban = bank + digits;
  return "GB" + mod97CheckDigits(bban + "GB") + bban;
}

describe("mod 97-10 and IBAN", () => {
  it("accepts published example IBANs, spaced or not, in any case", () => {
    expect(ibanValid("GB82 WEST 1234 5698 7654 32")).toBe(true);
    expect(ibanValid("de89370400440532013000")).toBe(true);
    expect(ibanValid("NL91ABNA0417164300")).toBe(true);
  });

  it("rejects a wrong length for the country and unknown countries", () => {
    expect(ibanValid("GB82WEST123456987654321")).toBe(false);
    expect(ibanValid("GB82WEST1234569876543")).toBe(false);
    expect(ibanValid("QQ82WEST12345698765432")).toBe(false);
  });

  it("a number completed with its check digits always leaves remainder 1", () => {
    fc.assert(
      fc.property(digitString(1, 40), (body) => {
        const full = body + mod97CheckDigits(body);
        return mod97(full) === 1;
      }),
    );
  });

  it("an IBAN made valid by computing its check digits always validates", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Z]{4}$/), digitString(14), (bank, d) => ibanValid(gbIban(bank, d))),
    );
  });

  it("changing any single digit of a valid IBAN always invalidates it", () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Z]{4}$/),
        digitString(14),
        fc.nat(),
        fc.nat(),
        (bank, d, i, delta) => {
          const iban = gbIban(bank, d);
          // Change one of the account digits (positions 8..21) or the check digits (2..3).
          const positions = [2, 3, ...Array.from({ length: 14 }, (_, k) => 8 + k)];
          const at = positions[i % positions.length]!;
          const changed = iban.slice(0, at) + changeDigit(iban[at]!, 0, delta) + iban.slice(at + 1);
          return !ibanValid(changed);
        },
      ),
    );
  });
});
