import { allSame } from "./digits.js";
import { verhoeffValid } from "./verhoeff.js";

/** India's Aadhaar: twelve digits, never starting with 0 or 1, Verhoeff check digit last. */
export function aadhaarValid(digits: string): boolean {
  if (!/^[2-9]\d{11}$/.test(digits)) return false;
  return !allSame(digits) && verhoeffValid(digits);
}
