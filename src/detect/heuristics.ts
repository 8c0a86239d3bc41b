/** Shared judgement calls for detectors: entropy and placeholder recognition. */

/** Per-call scratch for ASCII counts: every candidate secret is measured, so this avoids a Map each time. */
const ASCII_COUNTS = new Int32Array(128);
/** n * log2(n) for small counts, so the sum below needs one log per value instead of one per symbol. */
const N_LOG_N = Float64Array.from({ length: 512 }, (_, n) => (n > 0 ? n * Math.log2(n) : 0));
const nLogN = (n: number) => (n < 512 ? N_LOG_N[n]! : n * Math.log2(n));

/** Shannon entropy in bits per character: log2(N) - sum(c * log2 c) / N over the symbol counts c. */
export function shannonEntropy(s: string): number {
  const len = s.length;
  if (len === 0) return 0;
  let other: Map<number, number> | undefined;
  for (let i = 0; i < len; i++) {
    const c = s.charCodeAt(i);
    if (c < 128) ASCII_COUNTS[c]!++;
    else (other ??= new Map()).set(c, (other.get(c) ?? 0) + 1);
  }
  let sum = 0;
  for (let i = 0; i < len; i++) {
    const c = s.charCodeAt(i);
    if (c < 128 && ASCII_COUNTS[c]! > 0) {
      sum += nLogN(ASCII_COUNTS[c]!);
      ASCII_COUNTS[c] = 0;
    }
  }
  if (other) for (const n of other.values()) sum += nLogN(n);
  return Math.max(0, Math.log2(len) - sum / len);
}

/** Shapes only a template has: filler runs, brackets, variable syntax. */
const PLACEHOLDER_SHAPES =
  /(?:x{4,}|\*{3,}|\.{3}|your[_-]|<[^>]*>|\$\{|\{\{|%\(|process\.env|os\.environ|getenv|env\(|secrets\.)/i;
/** Words that mark a value as made up. */
const PLACEHOLDER_WORDS =
  /(?:your|my[_-]?(?:api|secret|token|key|pass)|example|sample|dummy|placeholder|changeme|change[_-]me|redacted|insert[_-]|replace[_-]?me|fake|not[_-]?a[_-]?real|\bnull\b|\bundefined\b|\bnone\b|\btodo\b)/i;

/**
 * True for values people write in documentation and templates instead of a real secret:
 * `sk-xxxx`, `YOUR_API_KEY`, `<token>`, `${API_KEY}`, `process.env.X`, `****`, `changeme`, a run of one
 * character, or an obviously sequential filler.
 *
 * With `words: false` only the shapes count, not words like "example": a token in a vendor's exact
 * format with "EXAMPLE" inside it is still a token as far as a prompt is concerned (published
 * documentation examples are recognised by value instead, see known-examples.ts).
 */
export function looksLikePlaceholder(value: string, opts: { words?: boolean } = {}): boolean {
  if (PLACEHOLDER_SHAPES.test(value)) return true;
  if (opts.words !== false && PLACEHOLDER_WORDS.test(value)) return true;
  const [length, distinct] = alnumStats(value);
  if (length === 0) return true;
  // One repeated character, or at most two distinct ones in a long value ("aaaa…", "0000…", "abab…").
  if (length >= 8 && distinct <= 2) return true;
  if (distinct < 14) {
    const core = value.replace(/[^A-Za-z0-9]/g, "");
    if (/(?:0123456789|123456789|abcdefghij|1234567890)/i.test(core)) return true;
  }
  return false;
}

/**
 * How many ASCII letters and digits a value has, and how many distinct ones ignoring case (a bit
 * per symbol: this runs for every candidate secret, so no intermediate string or Set).
 */
function alnumStats(value: string): [number, number] {
  let lo = 0;
  let hi = 0;
  let length = 0;
  for (let i = 0; i < value.length; i++) {
    const ch = value.charCodeAt(i);
    let c: number;
    if (ch >= 48 && ch <= 57)
      c = ch - 48; // 0-9 -> 0..9
    else if ((ch >= 65 && ch <= 90) || (ch >= 97 && ch <= 122))
      c = (ch | 32) - 87; // a-z -> 10..35
    else continue;
    length++;
    if (c < 31) lo |= 1 << c;
    else hi |= 1 << (c - 31);
  }
  let n = 0;
  for (let b = lo; b; b &= b - 1) n++;
  for (let b = hi; b; b &= b - 1) n++;
  return [length, n];
}
