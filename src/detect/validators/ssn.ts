/**
 * US Social Security numbers (area-group-serial). The SSA never issues area 000, 666 or 900–999,
 * group 00 or serial 0000; a handful of numbers were published in advertising and documentation
 * and are not anyone's.
 */
const PUBLISHED = new Set(["078051120", "219099999", "123456789", "457555462"]);

/** True for nine digits that could be an issued SSN. */
export function ssnValid(digits: string): boolean {
  if (!/^\d{9}$/.test(digits)) return false;
  const area = Number(digits.slice(0, 3));
  if (area === 0 || area === 666 || area >= 900) return false;
  if (digits.slice(3, 5) === "00" || digits.slice(5) === "0000") return false;
  return !PUBLISHED.has(digits);
}
