/**
 * US ABA routing transit numbers: nine digits, weights 3-7-1 summing to a multiple of 10, and a
 * first pair that names a Federal Reserve district (01–12), a thrift (21–32), an electronic
 * transfer (61–72) or a traveller's cheque (80). 00 is the US government.
 */

const WEIGHTS = [3, 7, 1, 3, 7, 1, 3, 7, 1];

function prefixValid(p: number): boolean {
  return p <= 12 || (p >= 21 && p <= 32) || (p >= 61 && p <= 72) || p === 80;
}

/** True for a nine-digit string with a valid routing prefix and checksum. */
export function abaRoutingValid(digits: string): boolean {
  if (!/^\d{9}$/.test(digits)) return false;
  if (!prefixValid(Number(digits.slice(0, 2)))) return false;
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += (digits.charCodeAt(i) - 48) * WEIGHTS[i]!;
  return sum % 10 === 0 && digits !== "000000000";
}

/** The ninth digit that makes an eight-digit `payload` checksum-valid. */
export function abaCheckDigit(payload: string): number {
  let sum = 0;
  for (let i = 0; i < 8; i++) sum += (payload.charCodeAt(i) - 48) * WEIGHTS[i]!;
  return (10 - (sum % 10)) % 10;
}
