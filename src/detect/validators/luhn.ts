/**
 * Luhn (ISO/IEC 7812 mod 10): payment cards, Canadian SINs, IMEIs. It catches every single-digit
 * error and most transpositions, so a typo'd number fails it.
 */

/** The Luhn sum of a digit string; the string is valid when the sum is a multiple of 10. */
function luhnSum(digits: string, doubleFirst: boolean): number {
  let sum = 0;
  let double = doubleFirst;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum;
}

/** True when `digits` (ASCII digits only) ends in a correct Luhn check digit. */
export function luhnValid(digits: string): boolean {
  return digits.length > 1 && luhnSum(digits, false) % 10 === 0;
}

/** The check digit that makes `payload + digit` Luhn-valid. */
export function luhnCheckDigit(payload: string): number {
  return (10 - (luhnSum(payload, true) % 10)) % 10;
}
