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

/**
 * The lengths of the digit groups in text[start, end) ("123-45-6789" -> [3, 2, 4]), for cheap
 * shape checks on a digit run before any pattern runs on it.
 */
export function digitGroups(text: string, start: number, end: number): number[] {
  const groups: number[] = [];
  let len = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) len++;
    else if (len) {
      groups.push(len);
      len = 0;
    }
  }
  if (len) groups.push(len);
  return groups;
}

/** Whether `groups` holds `shape` as consecutive groups ([3, 2, 4] in [5, 3, 2, 4]). */
export function hasShape(groups: readonly number[], shape: readonly number[]): boolean {
  outer: for (let i = 0; i + shape.length <= groups.length; i++) {
    for (let k = 0; k < shape.length; k++) if (groups[i + k] !== shape[k]) continue outer;
    return true;
  }
  return false;
}
