import { luhnValid } from "./luhn.js";

/**
 * Payment card issuer ranges (IIN/BIN prefixes) and the lengths each scheme issues. A number that is
 * Luhn-valid but sits in no scheme's range, or has a length its scheme never issues, is most likely
 * an identifier that happens to pass Luhn (one in ten numbers does).
 */
export type CardBrand =
  "visa" | "mastercard" | "amex" | "discover" | "jcb" | "diners" | "unionpay" | "maestro" | "mir" | "rupay";

interface Range {
  brand: CardBrand;
  /** Inclusive prefix range, compared on the first `from.length` digits. */
  from: string;
  to: string;
  lengths: readonly number[];
}

const r = (brand: CardBrand, from: string, to: string, lengths: readonly number[]): Range => ({
  brand,
  from,
  to,
  lengths,
});
const L16_19 = [16, 17, 18, 19];
const L12_19 = [12, 13, 14, 15, 16, 17, 18, 19];

// Order matters only for naming: the first range that matches gives the brand.
const RANGES: readonly Range[] = [
  r("amex", "34", "34", [15]),
  r("amex", "37", "37", [15]),
  r("diners", "300", "305", [14, 15, 16, 17, 18, 19]),
  r("diners", "3095", "3095", [14, 15, 16, 17, 18, 19]),
  r("diners", "36", "36", [14, 15, 16, 17, 18, 19]),
  r("diners", "38", "39", [14, 15, 16, 17, 18, 19]),
  r("jcb", "3528", "3589", L16_19),
  // JCB's original 15-digit ranges, still in test generators and old data.
  r("jcb", "1800", "1800", [15]),
  r("jcb", "2131", "2131", [15]),
  r("mir", "2200", "2204", L16_19),
  r("mastercard", "2221", "2720", [16]),
  r("mastercard", "51", "55", [16]),
  r("visa", "4", "4", [13, 16, 19]),
  r("discover", "6011", "6011", L16_19),
  r("discover", "644", "649", L16_19),
  r("discover", "65", "65", L16_19),
  r("unionpay", "62", "62", L16_19),
  r("rupay", "60", "60", [16]),
  r("rupay", "81", "82", [16]),
  r("rupay", "508", "508", [16]),
  r("maestro", "50", "50", L12_19),
  r("maestro", "56", "69", L12_19),
];

/** Ranges by first digit: most numbers in logs start with a digit no scheme uses at that length. */
const BY_FIRST_DIGIT: readonly Range[][] = Array.from({ length: 10 }, (_, d) =>
  RANGES.filter((x) => x.from[0]! <= String(d) && String(d) <= x.to[0]!),
);

/** The scheme whose IIN range and lengths fit `digits`, or undefined. */
export function cardBrand(digits: string): CardBrand | undefined {
  for (const x of BY_FIRST_DIGIT[digits.charCodeAt(0) - 48] ?? []) {
    if (!x.lengths.includes(digits.length)) continue;
    const p = digits.slice(0, x.from.length);
    if (p >= x.from && p <= x.to) return x.brand;
  }
  return undefined;
}

/** True for a number a card scheme could have issued: a known IIN range and length, and Luhn. */
export function paymentCardValid(digits: string): boolean {
  return /^\d{12,19}$/.test(digits) && cardBrand(digits) !== undefined && luhnValid(digits);
}
