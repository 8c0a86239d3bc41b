import { allSame } from "./digits.js";

/**
 * Brazil's CPF: nine digits and two mod-11 check digits. Numbers of one repeated digit pass the
 * arithmetic but are never issued.
 */

function checkDigit(payload: string): number {
  let sum = 0;
  const w = payload.length + 1;
  for (let i = 0; i < payload.length; i++) sum += (payload.charCodeAt(i) - 48) * (w - i);
  const r = sum % 11;
  return r < 2 ? 0 : 11 - r;
}

/** The two check digits for a nine-digit payload. */
export function cpfCheckDigits(payload: string): string {
  const first = checkDigit(payload);
  return `${first}${checkDigit(payload + first)}`;
}

/** True for eleven digits with correct check digits that are not one repeated digit. */
export function cpfValid(digits: string): boolean {
  if (!/^\d{11}$/.test(digits) || allSame(digits)) return false;
  return cpfCheckDigits(digits.slice(0, 9)) === digits.slice(9);
}
