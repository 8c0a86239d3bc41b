import {
  getCountries,
  getCountryCallingCode,
  Metadata,
  parsePhoneNumberFromString,
} from "libphonenumber-js/max";
import type { ValidateContext } from "../types.js";
import { digitsOf } from "../validators/digits.js";
import { after, before, wordsRegex, wordsSource } from "./context.js";

/**
 * Phone numbers in the ways people write them: E.164 and international (+44 20 7946 0958,
 * 0044 …), North American ((212) 555-0147, 212-555-0147), and national formats of other countries,
 * which are only groups of digits until a word such as "phone", "tel" or "call" says what they are.
 *
 * libphonenumber-js decides whether an international number is possible and valid for its country.
 * A full parse costs 15–30 µs, more than scanning a kilobyte, so it runs only where it changes the
 * outcome: an international number with no phone word near it. Everything else is decided by cheap
 * shape checks and by the possible national lengths per calling code, read once from
 * libphonenumber's metadata.
 */

/**
 * One group of digits or a parenthesised area code, then more groups joined by exactly one separator
 * (or none next to a parenthesis), then an optional extension. Separators are never optional between
 * two digit groups, so a long digit run has exactly one way to match and cannot backtrack badly.
 */
export const PHONE_PATTERN =
  /(?<![\w+./:#=@$€£¥%(-])(?:\+ ?|\(\+?\d{1,4}\) ?)?(?:\d+|\(\d{1,5}\))(?:[ .-]?\(\d{1,5}\)|[ .\u00a0-]\d+|(?<=\))\d+)*(?:(?: ?(?:x|ext\.?|extension) ?)\d{1,6})?(?![\w%]|[.:/,-]\d|-[0-9a-fA-F]{4}-)/;

const PHONE_WORD_LIST = [
  "phone",
  "phones",
  "telephone",
  "tel",
  "tel.",
  "tlf",
  "ph",
  "mobile",
  "mob",
  "cell",
  "cellphone",
  "fax",
  "whatsapp",
  "viber",
  "telegram",
  "sms",
  "text me",
  "call",
  "calls",
  "called",
  "calling",
  "dial",
  "contact",
  "reach me",
  "reach us",
  "desk",
  "office",
  "landline",
  "hotline",
  "helpline",
  "message",
  "messages",
  "answering",
  "voicemail",
  "телефон",
  "тел",
  "контакт",
  "мобильный",
  "téléphone",
  "tél",
  "portable",
  "teléfono",
  "móvil",
  "celular",
  "telefone",
  "telefon",
  "handy",
  "puhelin",
  "cellulare",
  "电话",
  "手机",
];
const PHONE_WORDS = wordsRegex(PHONE_WORD_LIST);
/** A label that ends its line ("Phone:"), so it names the number on the next line. */
const PHONE_LABEL_AT_END = new RegExp(wordsSource(PHONE_WORD_LIST) + String.raw`[\s:.#-]*$`, "iu");

/** Words that make a number something else: an order, a parcel, a ticket, a price. */
const NOT_PHONE_WORDS = wordsRegex([
  "order",
  "tracking",
  "invoice",
  "ticket",
  "case",
  "ref",
  "reference",
  "transaction",
  "confirmation",
  "booking",
  "sku",
  "isbn",
  "issn",
  "serial",
  "id",
  "uuid",
  "awb",
  "parcel",
  "shipment",
  "account",
  "acct",
  "iban",
  "card",
  "pin",
  "otp",
  "code",
  "version",
  "build",
  "port",
  "pid",
  "epoch",
  "timestamp",
  "ip",
  "amount",
  "total",
  "price",
  "qty",
  "quantity",
]);

/** Calling code -> the national number lengths any of its countries uses. */
const NATIONAL_LENGTHS = (() => {
  const out = new Map<string, Set<number>>();
  const m = new Metadata();
  for (const c of getCountries()) {
    m.selectNumberingPlan(c);
    const code = getCountryCallingCode(c);
    const set = out.get(code) ?? new Set<number>();
    for (const n of m.numberingPlan?.possibleLengths() ?? []) set.add(n);
    out.set(code, set);
  }
  return out;
})();

/**
 * True when the digits after "+" (or "00") start with a calling code whose countries use a national
 * number of the remaining length. "(0)", the trunk prefix people keep after the code, is not counted.
 */
function possibleInternational(core: string): boolean {
  const d = digitsOf(core.replace(/^(\+? ?\d{1,3})[ .-]?\(0\)/, "$1")).replace(/^00/, "");
  for (let k = 1; k <= 3; k++) {
    const lengths = NATIONAL_LENGTHS.get(d.slice(0, k));
    if (lengths) return lengths.has(d.length - k);
  }
  return false;
}

const DATE = /^(?:(?:19|20)\d{2}([-./ ])\d{1,2}\1\d{1,2}|\d{1,2}([-./ ])\d{1,2}\2(?:19|20)\d{2})(?!\d)/;
const NANP = /^(?:\+?1[ .-]?)?(?:\([2-9]\d{2}\) ?|[2-9]\d{2}[ .-])[2-9]\d{2}[ .-]\d{4}$/;
const EXTENSION = /(?: ?(?:x|ext\.?|extension) ?)\d{1,6}$/;

/** The confidence that a phone-shaped candidate is a phone number, or null when it is something else. */
export function validatePhone(value: string, ctx: ValidateContext): number | null {
  // Cheapest rejections first: this runs on every phone-shaped run of digits in logs and tables.
  if (ctx.text.charCodeAt(ctx.end) === 58 || ctx.text.charCodeAt(ctx.start - 1) === 58) return null; // 12:30
  const core = /\d$/.test(value) && !/x|ext/i.test(value) ? value : value.replace(EXTENSION, "");
  const digits = digitsOf(core);
  const plus = core.charCodeAt(0) === 43 || core.startsWith("(+");
  const intl = plus || (core.startsWith("00") && digits.length >= 10);
  if (digits.length < 7 || digits.length > (intl ? 15 : 12)) return null;
  const nanp = !intl && NANP.test(core);
  // Words count on the number's own line; a label may also end the line above ("Phone:\n…").
  const lead = before(ctx, 32);
  const nl = lead.lastIndexOf("\n");
  const phoneWord =
    PHONE_WORDS.test(nl < 0 ? lead : lead.slice(nl + 1)) ||
    (nl >= 0 && PHONE_LABEL_AT_END.test(lead.slice(0, nl))) ||
    PHONE_WORDS.test(after(ctx, 24).split("\n", 1)[0]!);
  // Only international and North American shapes can stand without a phone word.
  if (!phoneWord && !intl && !nanp) return null;
  // Shapes that are never phone numbers, however they are grouped.
  if (DATE.test(core)) return null;
  if (/^\d{3}-\d{2}-\d{4}$/.test(core)) return null; // SSN
  if (/^\d{1,3}(?:\.\d{1,3}){3}$/.test(core)) return null; // IPv4 address
  if (/^\d+\.\d+$/.test(core)) return null; // decimal number
  if (digits.length === 13 && /^97[89]/.test(digits) && core.includes("-")) return null; // ISBN-13
  if (!phoneWord && (NOT_PHONE_WORDS.test(lead) || /[#№]\s*$/.test(lead))) return null;

  let score: number;
  if (intl) {
    if (!possibleInternational(core)) score = 0.3;
    else if (phoneWord) score = 0.6;
    else {
      const p = parsePhoneNumberFromString(plus ? core : "+" + core.replace(/^00/, ""));
      score = p?.isValid() ? 0.9 : 0.7;
    }
  } else if (nanp) {
    score = 0.6;
  } else if (/[ .\-()]/.test(core)) {
    score = 0.3;
  } else {
    score = 0.2;
  }
  if (phoneWord) score += 0.35;
  return Math.min(score, 0.98);
}

const ASCII_WORD = /[A-Za-z0-9_]/;
const EXTENSION_AFTER = /^(?:x|ext\.?|extension) ?\d/i;

/**
 * The phone trigger's word-boundary check: a run of digits that starts and ends outside a word,
 * or ends where an extension begins ("555-0134x22", "ext. 9"), which the pattern reads as part of
 * the number. Cheap: it runs on every phone-shaped run of digits.
 */
export function phoneRunBounded(text: string, start: number, end: number): boolean {
  if (start > 0 && ASCII_WORD.test(text[start - 1]!)) return false;
  if (end >= text.length || !ASCII_WORD.test(text[end]!)) return true;
  return EXTENSION_AFTER.test(text.slice(end, end + 12));
}
