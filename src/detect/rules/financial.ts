import type { DetectorSpec, ValidateContext } from "../types.js";
import { abaRoutingValid } from "../validators/aba-routing.js";
import { allSame, digitGroups, digitsOf, hasShape } from "../validators/digits.js";
import { ibanValid, IBAN_LENGTHS } from "../validators/iban.js";
import { luhnValid } from "../validators/luhn.js";
import { cardBrand } from "../validators/payment-card.js";
import { before, near, wordsRegex } from "./context.js";

/** Words that say a number is a card number: strong enough to report a number whose checksum fails. */
const CARD_WORDS = wordsRegex([
  "card",
  "card number",
  "card no",
  "credit card",
  "debit card",
  "cc",
  "cc#",
  "ccn",
  "pan",
  "visa",
  "mastercard",
  "amex",
  "american express",
  "discover",
  "maestro",
  "jcb",
  "diners",
  "unionpay",
  "kreditkarte",
  "carte",
  "tarjeta",
  "cartão",
  "carta",
  "payment",
  "cvv",
  "cvc",
  "expiry",
  "expires",
]);

/**
 * Payment cards. A Luhn-valid number in a scheme's range and length is reported on its own; 12 to 14
 * digit numbers (Maestro, Diners) only next to card words, since short Luhn-valid ids are common.
 *
 * A number shaped like a card that fails Luhn is almost always a typo or made-up example, so it is
 * dropped, except next to card words, where it is reported at 0.45: below the default threshold (the
 * call is not blocked), visible to a policy that lowers `min_confidence` for this detector, because
 * fifteen correct digits of a real card are still card data.
 */
function validateCard(value: string, ctx: ValidateContext): number | null {
  const digits = digitsOf(value);
  const brand = cardBrand(digits);
  const luhn = luhnValid(digits);
  if (!brand && !luhn) return null;
  const word = near(ctx, CARD_WORDS, 40);
  if (brand && luhn) {
    if (digits.length >= 15) return word ? 0.95 : 0.8;
    return word ? 0.7 : null;
  }
  if (!word) return null;
  // Luhn-valid but in no scheme's range: a card only because the text says so.
  if (luhn) return 0.55;
  return brand ? 0.45 : null;
}

const IBAN_COUNTRIES = [...IBAN_LENGTHS.keys()];

/**
 * One alternative per country with that country's exact length, so a spaced IBAN followed by a word
 * ("… 7654 32 to other") ends where the IBAN ends, and a longer alphanumeric token never matches.
 */
const IBAN_PATTERN = new RegExp(
  "(?<![A-Za-z0-9])(?:" +
    IBAN_COUNTRIES.map((c) => `${c}\\d{2}(?: ?[A-Z0-9]){${IBAN_LENGTHS.get(c)! - 4}}`).join("|") +
    ")(?![A-Za-z0-9])",
  "i",
);

/** "routing" alone is also networking ("routing table", "routing key"). */
const ROUTING_WORDS = wordsRegex([
  "routing number",
  "routing no",
  "routing #",
  "routing:",
  "routing transit",
  "bank routing",
  "aba",
  "rtn",
  "transit number",
  "wire",
  "wires",
  "ach",
  "fedwire",
]);
const ROUTING_KEYWORDS = [
  "routing",
  "aba ",
  "aba:",
  "aba#",
  "(aba)",
  "rtn",
  "transit number",
  "transit no",
  "fedwire",
  "wire transfer",
  " ach ",
  "ach:",
];

const BANK_WORDS = wordsRegex([
  "bank",
  "banking",
  "routing",
  "sort code",
  "bsb",
  "iban",
  "swift",
  "bic",
  "checking",
  "savings",
  "deposit",
  "wire",
  "transfer",
  "branch",
  "payee",
  "beneficiary",
  "ach",
]);
/** Accounts that are not bank accounts: cloud and platform account ids look the same. */
const NOT_BANK_WORDS = wordsRegex([
  "aws",
  "gcp",
  "azure",
  "google",
  "cloud",
  "twitter",
  "github",
  "project",
  "tenant",
]);
/** Phrases that name a bank account number on their own. */
const STRONG_ACCOUNT =
  /(?:bank\s*account|account\s*(?:number|num|no|nr|#)|acct|acc\.?\s*(?:no|#)|a\/c|kontonummer|num[eé]ro\s+de\s+compte|n[uú]mero\s+de\s+(?:cuenta|conta)|rekeningnummer)/i;

function validateAccount(value: string, ctx: ValidateContext): number | null {
  const digits = digitsOf(value);
  if (allSame(digits) || /^(?:0123456789?|123456789?0?)$/.test(digits)) return null;
  if (near(ctx, NOT_BANK_WORDS, 40)) return null;
  const lead = ctx.text.slice(Math.max(0, ctx.start - 40), ctx.start);
  let score = STRONG_ACCOUNT.test(lead) || /(?:routing|aba|rtn|sort\s*code|bsb)/i.test(lead) ? 0.6 : 0.4;
  if (near(ctx, BANK_WORDS, 60)) score += 0.25;
  return score;
}

/**
 * Whether a country code and two check digits ("GB82", "de 89") start within the 16 characters
 * before a digit run: every IBAN's long digit run is preceded by them, while the digit runs of
 * logs and JSON (timestamps, ids, amounts) almost never are.
 */
function ibanLead(text: string, start: number): boolean {
  for (let i = Math.max(0, start - 16); i < start; i++) {
    const a = text.charCodeAt(i) | 32;
    const b = text.charCodeAt(i + 1) | 32;
    const c = text.charCodeAt(i + 2);
    const d = text.charCodeAt(i + 3);
    if (a >= 97 && a <= 122 && b >= 97 && b <= 122 && c >= 48 && c <= 57 && d >= 48 && d <= 57) return true;
  }
  return false;
}

/**
 * A digit run worth a card pattern: grouped the way cards are printed, or a run of 12-19 digits that
 * starts like an issuer (2-6) or passes Luhn. Epoch timestamps and long ids fail this without a regex.
 */
function cardRunPlausible(text: string, start: number, end: number): boolean {
  const g = digitGroups(text, start, end);
  if (g.length > 1)
    return g.some((n) => n === 4) || hasShape(g, [4, 6, 5]) || g.some((n) => n >= 12 && n <= 19);
  const len = g[0] ?? 0;
  if (len < 12 || len > 19) return false;
  const first = text.charCodeAt(start) - 48;
  return (first >= 2 && first <= 6) || luhnValid(text.slice(start, end));
}

/** Payment and bank data: Restricted by default (the call is blocked). */
export const FINANCIAL_DETECTORS: DetectorSpec[] = [
  {
    id: "payment-card",
    family: "financial",
    kind: "payment_card",
    class: "restricted",
    title:
      "Payment card numbers (Visa, Mastercard, Amex, Discover, JCB, Diners, UnionPay, Maestro…): issuer range, length and Luhn",
    trigger: { digits: { min: 12, wordBounded: true, accept: cardRunPlausible }, before: 4, after: 4 },
    pattern:
      /(?<![\w.])(?:\d{4}([ -])\d{4}\1\d{4}\1\d{1,4}(?:\1\d{1,3})?|\d{4}([ -])\d{6}\2\d{4,5}|\d{12,19})(?!\d|[.,]\d)/,
    score: 0.8,
    validate: validateCard,
  },
  {
    id: "iban",
    family: "financial",
    kind: "iban",
    class: "restricted",
    title: "International Bank Account Numbers: per-country length and the mod-97 checksum",
    // Every IBAN holds a run of at least eight digits, starting at most a dozen characters in
    // ("GB29 NWBK 6016…"); letters may follow it ("…3M02 606").
    trigger: { digits: { min: 8, accept: ibanLead }, before: 16, after: 34 },
    pattern: IBAN_PATTERN,
    score: 0.9,
    validate: (value) => (ibanValid(value) ? 0.9 : null),
    context: ["iban", "bank", "account", "transfer", "swift", "bic", "sepa"],
    contextBoost: 0.1,
  },
  {
    id: "us-routing-number",
    family: "financial",
    kind: "routing_number",
    class: "restricted",
    title: "US ABA routing numbers (checksum and Federal Reserve prefix), next to banking words",
    // The number is only a routing number when the text says so, so the words open the window.
    trigger: { keywords: ROUTING_KEYWORDS, before: 48, after: 64 },
    pattern: /(?<![\w.\-/])\d{9}(?![\w]|[.\-/]\d)/,
    score: 0.3,
    validate: (value, ctx) => {
      if (!abaRoutingValid(value)) return null;
      const labelled = /routing\s*[:#]?\s*$/i.test(before(ctx, 12)) || near(ctx, ROUTING_WORDS, 40);
      return labelled ? 0.8 : null;
    },
  },
  {
    id: "bank-account",
    family: "financial",
    kind: "bank_account",
    class: "restricted",
    title: "Bank account numbers after account words (account number, acct, A/C, sort code, BSB, routing…)",
    // "account" alone is in every other support ticket; these are the ways people introduce a number.
    trigger: {
      keywords: [
        "account number",
        "account no",
        "account nr",
        "account #",
        "account:",
        "account num",
        "bank account",
        "checking account",
        "savings account",
        "acct",
        "acc no",
        "acc. no",
        "acc #",
        "acc#",
        "a/c",
        "kontonummer",
        "konto ",
        "konto:",
        "compte",
        "cuenta",
        "conta ",
        "conta:",
        "rekening",
        "routing",
        "aba no",
        "aba number",
        "aba:",
        "aba #",
        "rtn",
        "sort code",
        "sortcode",
        "bsb",
      ],
      before: 2,
      after: 80,
    },
    // Either an account word right before the number, or a routing / sort code / BSB number followed by
    // the account number; the account number is the finding (group 1).
    pattern: new RegExp(
      "(?<!\\p{L})(?:" +
        "(?:bank[ \\t]+account|account|acct|acc|a/c|kontonummer|konto|num[eé]ro[ \\t]+de[ \\t]+compte|compte|n[uú]mero[ \\t]+de[ \\t]+(?:cuenta|conta)|cuenta|conta|rekeningnummer|rekening)" +
        "(?:[ \\t]*(?:number|num|no|nr|n°|#|nummer))?\\.?[ \\t]*(?:is[ \\t]+)?[:#=]?[ \\t]*" +
        "|(?:routing|aba|rtn|sort[ \\t]*code|bsb)(?:[ \\t]*(?:number|no|#))?\\.?[ \\t]*(?:is[ \\t]+)?[:#]?[ \\t]*\\d[\\d -]{4,10}\\d[ \\t,;/]+" +
        "(?:(?:and[ \\t]+)?(?:account|acct|a/c)?[ \\t]*(?:number|no|#)?\\.?[ \\t]*(?:is[ \\t]+)?[:#]?[ \\t]*)?" +
        ")(\\d(?:[ -]?\\d){5,16})(?![\\d\\p{L}]|[-/.:]\\d)",
      "iu",
    ),
    group: 1,
    score: 0.6,
    validate: validateAccount,
  },
];
