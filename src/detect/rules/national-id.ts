import type { DetectorSpec, ValidateContext } from "../types.js";
import { aadhaarValid } from "../validators/aadhaar.js";
import { cpfValid } from "../validators/cpf.js";
import { digitGroups, digitsOf, hasShape } from "../validators/digits.js";
import { dniOrNieValid } from "../validators/dni.js";
import { ninoValid } from "../validators/nino.js";
import { sinValid } from "../validators/sin.js";
import { ssnValid } from "../validators/ssn.js";
import { near, wordsRegex } from "./context.js";

/**
 * National identifiers: Restricted by default. Each has a validity rule or checksum that drops most
 * look-alikes; what remains is scored by how distinctive its written form is (a dashed SSN is, a
 * bare nine-digit number is not) and raised by the words people write next to it.
 */

/** Lookbehind and lookahead that keep a number from being read out of a longer number, id or path. */
const NB = String.raw`(?<![\w\-.\/#])`;

/** Whether an ASCII letter sits in text[from, to): a cheap pre-check for letter-bounded ids. */
function letterWithin(text: string, from: number, to: number): boolean {
  for (let i = Math.max(0, from); i < Math.min(text.length, to); i++) {
    const c = text.charCodeAt(i) | 32;
    if (c >= 97 && c <= 122) return true;
  }
  return false;
}
const NA = String.raw`(?![\w]|[\-.\/]\d)`;

const SSN_WORDS = wordsRegex([
  "ssn",
  "ssns",
  "ss#",
  "ss #",
  "ss no",
  "social security",
  "social sec",
  "soc sec",
  "soc. sec",
]);

/**
 * A dashed SSN (123-45-6789) is distinctive enough on its own; a spaced one needs the word; a bare
 * nine-digit run is any number until the text says "SSN".
 */
function validateSsn(value: string, ctx: ValidateContext): number | null {
  if (!ssnValid(digitsOf(value))) return null;
  const ctxWord = near(ctx, SSN_WORDS, 48);
  if (value.includes("-")) return ctxWord ? 0.95 : 0.55;
  if (value.includes(" ")) return ctxWord ? 0.9 : 0.35;
  return ctxWord ? 0.7 : null;
}

const NINO_WORDS = wordsRegex(["nino", "national insurance", "ni number", "ni no", "ni #", "nin"]);
const SIN_WORDS = wordsRegex([
  "sin",
  "s.i.n",
  "sin#",
  "social insurance",
  "insurance number",
  "assurance sociale",
  "nas",
]);
const AADHAAR_WORDS = wordsRegex(["aadhaar", "aadhar", "adhaar", "uidai", "uid", "आधार"]);
const CPF_WORDS = wordsRegex(["cpf", "cadastro de pessoas", "cadastro de pessoa física", "contribuinte"]);
const DNI_WORDS = wordsRegex(["dni", "nie", "nif", "documento nacional", "identidad", "extranjero"]);

export const NATIONAL_ID_DETECTORS: DetectorSpec[] = [
  {
    id: "us-ssn",
    family: "national-id",
    kind: "ssn",
    class: "restricted",
    title: "US Social Security numbers (no 000/666/9xx area, 00 group or 0000 serial)",
    trigger: {
      digits: {
        min: 9,
        wordBounded: true,
        // 3-2-4, or nine digits in a row.
        accept: (t, s, e) => {
          const g = digitGroups(t, s, e);
          return g.includes(9) || hasShape(g, [3, 2, 4]);
        },
      },
      before: 4,
      after: 4,
    },
    pattern: new RegExp(NB + String.raw`\d{3}([- ]?)\d{2}\1\d{4}` + NA),
    score: 0.55,
    validate: validateSsn,
  },
  {
    id: "uk-nino",
    family: "national-id",
    kind: "nino",
    class: "restricted",
    title: "UK National Insurance numbers (HMRC prefix rules, suffix A–D)",
    // Letters on both sides: the six digits are always a run of their own.
    trigger: {
      digits: { min: 6, max: 6, accept: (t, s, e) => letterWithin(t, s - 3, s) && letterWithin(t, e, e + 2) },
      before: 4,
      after: 3,
    },
    pattern: /(?<![\w])[A-Z]{2} ?\d{2} ?\d{2} ?\d{2} ?[A-D](?![\w])/,
    score: 0.55,
    validate: (value, ctx) => (ninoValid(value) ? (near(ctx, NINO_WORDS, 48) ? 0.9 : 0.55) : null),
  },
  {
    id: "ca-sin",
    family: "national-id",
    kind: "sin",
    class: "restricted",
    title: "Canadian Social Insurance Numbers (Luhn), next to SIN words",
    trigger: {
      keywords: [
        "sin ",
        "sin:",
        "sin#",
        "sin no",
        "s.i.n",
        "(sin)",
        "social insurance",
        "assurance sociale",
        "nas ",
      ],
      before: 48,
      after: 64,
    },
    pattern: new RegExp(NB + String.raw`\d{3}([- ]?)\d{3}\1\d{3}` + NA),
    score: 0.85,
    validate: (value, ctx) => (sinValid(digitsOf(value)) && near(ctx, SIN_WORDS, 48) ? 0.85 : null),
  },
  {
    id: "in-aadhaar",
    family: "national-id",
    kind: "aadhaar",
    class: "restricted",
    title: "India Aadhaar numbers (12 digits, Verhoeff), next to Aadhaar words",
    trigger: { keywords: ["aadhaar", "aadhar", "adhaar", "uidai", "uid"], before: 48, after: 64 },
    pattern: new RegExp(NB + String.raw`[2-9]\d{3}([ -]?)\d{4}\1\d{4}` + NA),
    score: 0.85,
    validate: (value, ctx) => (aadhaarValid(digitsOf(value)) && near(ctx, AADHAAR_WORDS, 48) ? 0.85 : null),
  },
  {
    id: "br-cpf",
    family: "national-id",
    kind: "cpf",
    class: "restricted",
    title: "Brazilian CPF numbers (two check digits): formatted, or bare next to CPF words",
    trigger: {
      digits: {
        min: 11,
        wordBounded: true,
        // Formatted 3.3.3-2, or eleven digits in a row.
        accept: (t, s, e) => {
          const g = digitGroups(t, s, e);
          return g.includes(11) || hasShape(g, [3, 3, 3, 2]);
        },
      },
      before: 4,
      after: 4,
    },
    pattern: new RegExp(NB + String.raw`(?:\d{3}\.\d{3}\.\d{3}-\d{2}|\d{11})` + NA),
    score: 0.65,
    validate: (value, ctx) => {
      if (!cpfValid(digitsOf(value))) return null;
      const word = near(ctx, CPF_WORDS, 48);
      if (value.includes(".")) return word ? 0.9 : 0.65;
      return word ? 0.8 : null;
    },
  },
  {
    id: "es-dni",
    family: "national-id",
    kind: "dni",
    class: "restricted",
    title: "Spanish DNI (8 digits and control letter) and NIE (X/Y/Z, 7 digits, letter)",
    // A letter ends the number (and starts an NIE), so its digits are a run of their own.
    trigger: {
      digits: { min: 7, max: 8, accept: (t, _s, e) => letterWithin(t, e, e + 2) },
      before: 3,
      after: 3,
    },
    pattern: /(?<![\w./#-])(?:\d{8}|[XYZxyz]-?\d{7})-?[A-Za-z](?![\w])/,
    score: 0.5,
    validate: (value, ctx) => {
      if (!dniOrNieValid(value)) return null;
      const word = near(ctx, DNI_WORDS, 48);
      const upper = value === value.toUpperCase();
      return (upper ? 0.5 : 0.3) + (word ? 0.4 : 0);
    },
  },
];
