import fc from "fast-check";

/** A string of `min`..`max` ASCII digits. */
export const digitString = (min: number, max = min) =>
  fc.array(fc.integer({ min: 0, max: 9 }), { minLength: min, maxLength: max }).map((a) => a.join(""));

/** `s` with the digit at `i` (mod length) replaced by a different digit `delta` steps away. */
export function changeDigit(s: string, i: number, delta: number): string {
  const k = i % s.length;
  const d = (Number(s[k]) + 1 + (delta % 9)) % 10;
  return s.slice(0, k) + d + s.slice(k + 1);
}
