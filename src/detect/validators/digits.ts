/** Shared helpers for validators that work on digit strings. */

/** The ASCII digits of `s`, in order; every separator people type ("4111 1111-1111") dropped. */
export function digitsOf(s: string): string {
  return ONLY_DIGITS.test(s) ? s : s.replace(NON_DIGITS, "");
}
const ONLY_DIGITS = /^\d*$/;
const NON_DIGITS = /\D+/g;

/** True when every character of `s` is the same ("000000000", "1111"): never a real identifier. */
export function allSame(s: string): boolean {
  for (let i = 1; i < s.length; i++) if (s[i] !== s[0]) return false;
  return true;
}
