/**
 * UK National Insurance numbers: two prefix letters, six digits, a suffix A–D. HMRC never uses D, F,
 * I, Q, U or V as either prefix letter, nor O as the second; BG, GB, KN, NK, NT, TN and ZZ are not
 * allocated (ZZ and the others are kept for administrative and temporary numbers).
 */
const BAD_PAIRS = new Set(["BG", "GB", "KN", "NK", "NT", "TN", "ZZ"]);

/** True for a NINO such as "AB 12 34 56 C"; spaces are accepted, case is not folded. */
export function ninoValid(value: string): boolean {
  const s = value.replace(/\s/g, "");
  const m = /^([A-Z])([A-Z])\d{6}[A-D]$/.exec(s);
  if (!m) return false;
  const [, a, b] = m as unknown as [string, string, string];
  if ("DFIQUV".includes(a) || "DFIQUVO".includes(b)) return false;
  return !BAD_PAIRS.has(a + b);
}
