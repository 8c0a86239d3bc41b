/**
 * ISO 7064 MOD 97-10, the IBAN checksum: letters count as two digits (A = 10 … Z = 35) and the
 * whole number must leave remainder 1 when divided by 97. Worked in chunks so it never needs a
 * big integer.
 */

/** The remainder mod 97 of an alphanumeric string read as a number (letters A=10 … Z=35). */
export function mod97(s: string): number {
  let r = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) r = (r * 10 + (c - 48)) % 97;
    else {
      const up = c >= 97 ? c - 32 : c;
      if (up < 65 || up > 90) return -1;
      r = (r * 100 + (up - 55)) % 97;
    }
  }
  return r;
}

/** The two check digits ISO 7064 MOD 97-10 gives `body` (appended, they make the remainder 1). */
export function mod97CheckDigits(body: string): string {
  const r = mod97(body + "00");
  return String(98 - r).padStart(2, "0");
}
