import { luhnValid } from "./luhn.js";

/**
 * Canadian Social Insurance Numbers: nine digits, Luhn. The first digit is the region; 0 is never
 * issued and 8 is reserved for business numbers.
 */
export function sinValid(digits: string): boolean {
  if (!/^\d{9}$/.test(digits)) return false;
  if (digits[0] === "0" || digits[0] === "8") return false;
  return luhnValid(digits);
}
