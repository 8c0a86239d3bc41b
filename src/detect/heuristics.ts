/** Shared judgement calls for detectors: entropy and placeholder recognition. */

/** Shannon entropy in bits per character. */
export function shannonEntropy(s: string): number {
  if (s.length === 0) return 0;
  const counts = new Map<number, number>();
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  let h = 0;
  for (const n of counts.values()) {
    const p = n / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

const PLACEHOLDER_WORDS =
  /(?:x{4,}|\*{3,}|\.{3}|your[_-]?|my[_-]?(?:api|secret|token|key|pass)|example|sample|dummy|placeholder|changeme|change[_-]me|redacted|insert[_-]|replace[_-]?me|fake|not[_-]?a[_-]?real|<[^>]*>|\$\{|\{\{|%\(|process\.env|os\.environ|getenv|env\(|secrets\.|\bnull\b|\bundefined\b|\bnone\b|\btodo\b)/i;

/**
 * True for values people write in documentation and templates instead of a real secret:
 * `sk-xxxx`, `YOUR_API_KEY`, `<token>`, `${API_KEY}`, `process.env.X`, `****`, `changeme`, a run of one
 * character, or an obviously sequential filler.
 */
export function looksLikePlaceholder(value: string): boolean {
  if (PLACEHOLDER_WORDS.test(value)) return true;
  const core = value.replace(/[^A-Za-z0-9]/g, "");
  if (core.length === 0) return true;
  // One repeated character, or at most two distinct ones in a long value ("aaaa…", "0000…", "abab…").
  const distinct = new Set(core.toLowerCase()).size;
  if (core.length >= 8 && distinct <= 2) return true;
  if (/(?:0123456789|123456789|abcdefghij|1234567890)/i.test(core) && distinct < 14) return true;
  return false;
}
