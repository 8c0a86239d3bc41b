import type { ValidateContext } from "../types.js";

/**
 * Whole-word context checks for validators. The scanner's `context` list matches substrings, which
 * is right for distinctive words ("iban", "aadhaar") but not for short ones: "sin" is inside
 * "using", "tin" inside "continue". These helpers match words with no letter or digit touching them.
 */

/** Regex source matching any of `words` as a whole word (spaces match spaces, "_" or "-"). */
export function wordsSource(words: readonly string[]): string {
  const alt = words.map((w) => w.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&").replace(/ /g, "[\\s_-]*")).join("|");
  return `(?<![\\p{L}\\p{N}])(?:${alt})(?![\\p{L}\\p{N}])`;
}

/** A case-insensitive RegExp that finds any of `words` as a whole word. */
export function wordsRegex(words: readonly string[]): RegExp {
  return new RegExp(wordsSource(words), "iu");
}

/** The `window` characters before the match. */
export function before(ctx: ValidateContext, window: number): string {
  return ctx.text.slice(Math.max(0, ctx.start - window), ctx.start);
}

/** The `window` characters after the match. */
export function after(ctx: ValidateContext, window: number): string {
  return ctx.text.slice(ctx.end, Math.min(ctx.text.length, ctx.end + window));
}

/** True when `re` finds a word within `window` characters before or after the match. */
export function near(ctx: ValidateContext, re: RegExp, window: number): boolean {
  return re.test(before(ctx, window)) || re.test(after(ctx, window));
}
