/**
 * The view of a text the injection phrases are matched against, with a map back to the original.
 *
 * Attackers dress override phrases up so that a naive regex misses them: full-width or mathematical
 * letters, zero-width and bidi characters, Cyrillic look-alikes, leetspeak, "i g n o r e" or
 * "i.g.n.o.r.e". Every one of those is undone here, one code point at a time and then one word at a
 * time, so the cost stays linear. Each code unit of the normalised text remembers which code units
 * of the original produced it, so a match can be reported where the user will see it.
 */

export interface Normalised {
  /** Folded text: lower case, accents stripped, whitespace collapsed ("\n" kept where a line broke). */
  text: string;
  /** For code unit i of `text`, the original range [origStart[i], origEnd[i]) that produced it. */
  origStart: Int32Array;
  origEnd: Int32Array;
  /** Scripts seen in the original, as SCRIPT_* bits: the non-Latin phrase families run only then. */
  scripts: number;
}

export const SCRIPT_CYRILLIC = 1;
export const SCRIPT_CJK = 2;

const SPACE = 32;
const NEWLINE = 10;
/** Marks a unit that later stages have deleted. */
const GONE = -1;

/**
 * Characters that render as nothing (or as a direction change) and only serve to split a keyword:
 * soft hyphen, joiners, bidi controls, word joiner and invisible operators, variation selectors, BOM.
 */
function isInvisible(cp: number): boolean {
  return (
    cp === 0xad ||
    cp === 0x34f ||
    cp === 0x61c ||
    cp === 0x115f ||
    cp === 0x1160 ||
    cp === 0x17b4 ||
    cp === 0x17b5 ||
    (cp >= 0x180b && cp <= 0x180f) ||
    (cp >= 0x200b && cp <= 0x200f) ||
    (cp >= 0x202a && cp <= 0x202e) ||
    (cp >= 0x2060 && cp <= 0x206f) ||
    cp === 0x3164 ||
    (cp >= 0xfe00 && cp <= 0xfe0f) ||
    cp === 0xfeff ||
    cp === 0xffa0 ||
    (cp >= 0x1d173 && cp <= 0x1d17a) ||
    (cp >= 0xe0100 && cp <= 0xe01ef)
  );
}

function isSpace(cp: number): boolean {
  return (
    cp === 9 ||
    cp === 32 ||
    cp === 0xa0 ||
    cp === 0x1680 ||
    (cp >= 0x2000 && cp <= 0x200a) ||
    cp === 0x202f ||
    cp === 0x205f ||
    cp === 0x3000
  );
}

function isLineBreak(cp: number): boolean {
  return cp === 10 || cp === 11 || cp === 12 || cp === 13 || cp === 0x85 || cp === 0x2028 || cp === 0x2029;
}

/** Quotes of every shape become ' or ", so "reply with: '...'" is one pattern. */
const QUOTES: Record<number, string> = {
  0x2018: "'",
  0x2019: "'",
  0x201a: "'",
  0x201b: "'",
  0x2032: "'",
  0x2035: "'",
  0x00b4: "'",
  0x201c: '"',
  0x201d: '"',
  0x201e: '"',
  0x201f: '"',
  0x00ab: '"',
  0x00bb: '"',
  0x2033: '"',
  0x300c: '"',
  0x300d: '"',
  0x300e: '"',
  0x300f: '"',
};

const MARKS = /\p{M}/gu;
const foldCache = new Map<number, string>();

/**
 * One code point, folded: compatibility decomposition (full-width, mathematical, circled and
 * ligature forms become plain letters), accents and other marks dropped, lower case. Exported so
 * the phrase tables can put their own non-ASCII letters through the same fold.
 */
export function foldCodePoint(cp: number): string {
  if (cp < 128) return cp >= 65 && cp <= 90 ? String.fromCharCode(cp + 32) : String.fromCharCode(cp);
  const q = QUOTES[cp];
  if (q !== undefined) return q;
  let f = foldCache.get(cp);
  if (f === undefined) {
    f = String.fromCodePoint(cp).normalize("NFKD").replace(MARKS, "").toLowerCase();
    // Lower-casing can bring marks back (U+0130) and NFKD can yield upper case (U+2160 "Ⅰ").
    f = f.normalize("NFKD").replace(MARKS, "").toLowerCase().replace(/ß/g, "ss");
    if (foldCache.size < 4096) foldCache.set(cp, f);
  }
  return f;
}

/** Folds every non-ASCII character of a pattern source; ASCII (and so every regex token) is left alone. */
export function foldPattern(src: string): string {
  let out = "";
  for (const ch of src) {
    const cp = ch.codePointAt(0)!;
    out += cp < 128 ? ch : foldCodePoint(cp);
  }
  return out;
}

/**
 * Cyrillic and Greek letters that pass for Latin ones (after lower-casing). Applied only inside a
 * word that also holds Latin letters, so Russian text stays Russian for the Russian phrases.
 */
const CONFUSABLE: Record<number, number> = {};
for (const [from, to] of [
  ["а", "a"],
  ["в", "b"],
  ["е", "e"],
  ["ё", "e"],
  ["к", "k"],
  ["м", "m"],
  ["н", "h"],
  ["о", "o"],
  ["р", "p"],
  ["с", "c"],
  ["т", "t"],
  ["у", "y"],
  ["х", "x"],
  ["і", "i"],
  ["ї", "i"],
  ["ј", "j"],
  ["ѕ", "s"],
  ["ԁ", "d"],
  ["һ", "h"],
  ["ӏ", "l"],
  ["ԛ", "q"],
  ["ԝ", "w"],
  ["ɡ", "g"],
  ["α", "a"],
  ["β", "b"],
  ["ε", "e"],
  ["η", "n"],
  ["ι", "i"],
  ["κ", "k"],
  ["ν", "v"],
  ["ο", "o"],
  ["ρ", "p"],
  ["τ", "t"],
  ["υ", "u"],
  ["χ", "x"],
  ["γ", "y"],
] as const) {
  // Keys go through the same fold as the text (й loses its breve, for instance).
  const key = foldCodePoint(from.codePointAt(0)!);
  if (key.length === 1) CONFUSABLE[key.charCodeAt(0)] = to.charCodeAt(0);
}

/** Leetspeak digits and symbols, read as letters only inside a word that has a Latin letter. */
const LEET: Record<number, number> = {
  48: 111, // 0 -> o
  49: 105, // 1 -> i (the phrase patterns accept i for l as well)
  51: 101, // 3 -> e
  52: 97, // 4 -> a
  53: 115, // 5 -> s
  55: 116, // 7 -> t
  64: 97, // @ -> a
  36: 115, // $ -> s
};

/** Emphasis marks that only decorate ("**ignore**"): dropped so they do not split a phrase. */
function isDecoration(cp: number): boolean {
  return cp === 42 || cp === 126; // * ~
}

/** Letter-ness of each BMP code unit, filled in lazily: 0 unknown, 1 letter, 2 not a letter. */
const LETTERS = new Uint8Array(65536);
const LETTER = /\p{L}/u;

function isLetter(c: number): boolean {
  if (c >= 97 && c <= 122) return true;
  if (c < 128) return false;
  let k = LETTERS[c]!;
  if (k === 0) {
    // A surrogate half stands for a letter outside the BMP often enough (CJK extensions).
    k = (c >= 0xd800 && c <= 0xdfff) || LETTER.test(String.fromCharCode(c)) ? 1 : 2;
    LETTERS[c] = k;
  }
  return k === 1;
}

function isLatinLetter(c: number): boolean {
  return c >= 97 && c <= 122;
}

function isWordUnit(c: number): boolean {
  return (c >= 48 && c <= 57) || c === 64 || c === 36 || isLetter(c);
}

/** Separators that people put between the letters of a spaced-out word. */
function isLetterSeparator(c: number): boolean {
  return (
    c === SPACE || c === 46 || c === 45 || c === 95 || c === 183 || c === 0x2022 || c === 47 || c === 124
  );
}

/** Normalises `text` and keeps the offset map. Linear in the length of the text. */
export function normalise(text: string): Normalised {
  const n = text.length;
  let cap = n + 16;
  let codes = new Int32Array(cap);
  let os = new Int32Array(cap);
  let oe = new Int32Array(cap);
  let len = 0;
  let scripts = 0;
  const push = (c: number, s: number, e: number) => {
    if (len === cap) {
      cap *= 2;
      const c2 = new Int32Array(cap);
      c2.set(codes);
      codes = c2;
      const s2 = new Int32Array(cap);
      s2.set(os);
      os = s2;
      const e2 = new Int32Array(cap);
      e2.set(oe);
      oe = e2;
    }
    codes[len] = c;
    os[len] = s;
    oe[len] = e;
    len++;
  };

  // Stage 1: code point by code point.
  for (let i = 0; i < n;) {
    const cp = text.codePointAt(i)!;
    const w = cp > 0xffff ? 2 : 1;
    const s = i;
    i += w;
    if (cp < 128) {
      if (cp >= 65 && cp <= 90) push(cp + 32, s, i);
      else if (cp === 32 || cp === 9) push(SPACE, s, i);
      else if (isLineBreak(cp)) push(NEWLINE, s, i);
      else if (cp === 96) push(39, s, i);
      else if (cp >= 32 && !isDecoration(cp)) push(cp, s, i);
      continue;
    }
    if (isInvisible(cp)) continue;
    // Unicode tag characters spell ASCII invisibly ("ASCII smuggling"): read them as what they spell.
    if (cp >= 0xe0000 && cp <= 0xe007f) {
      if (cp >= 0xe0020 && cp <= 0xe007e) {
        const a = cp - 0xe0000;
        push(a >= 65 && a <= 90 ? a + 32 : a, s, i);
      }
      continue;
    }
    if (isSpace(cp)) {
      push(SPACE, s, i);
      continue;
    }
    if (isLineBreak(cp)) {
      push(NEWLINE, s, i);
      continue;
    }
    if (cp >= 0x400 && cp <= 0x52f) scripts |= SCRIPT_CYRILLIC;
    else if (
      (cp >= 0x3040 && cp <= 0x30ff) ||
      (cp >= 0x3400 && cp <= 0x9fff) ||
      (cp >= 0xf900 && cp <= 0xfaff) ||
      (cp >= 0xff66 && cp <= 0xff9f)
    )
      scripts |= SCRIPT_CJK;
    const f = foldCodePoint(cp);
    for (let k = 0; k < f.length; k++) push(f.charCodeAt(k), s, i);
  }

  // Stage 2: words. Confusables inside mixed-script words, then leetspeak inside words with letters.
  for (let a = 0; a < len;) {
    if (!isWordUnit(codes[a]!)) {
      a++;
      continue;
    }
    let b = a;
    let latin = false;
    let confusable = false;
    let leet = false;
    for (; b < len && isWordUnit(codes[b]!); b++) {
      const c = codes[b]!;
      if (isLatinLetter(c)) latin = true;
      else if (CONFUSABLE[c] !== undefined) confusable = true;
      else if (LEET[c] !== undefined) leet = true;
    }
    if (latin && confusable) {
      for (let k = a; k < b; k++) {
        const to = CONFUSABLE[codes[k]!];
        if (to !== undefined) codes[k] = to;
      }
    }
    if (leet && (latin || confusable)) {
      // "name@host.tld" is an address, not "nameahost": leave its "@" alone.
      const address = looksLikeAddress(codes, len, b);
      for (let k = a; k < b; k++) {
        if (address && codes[k] === 64) continue;
        const to = LEET[codes[k]!];
        if (to !== undefined) codes[k] = to;
      }
    }
    a = b;
  }

  // Stage 3: join spaced-out or dotted letters ("i g n o r e", "i.g.n.o.r.e"): a run of at least
  // three one-character words with one separator character between each pair.
  for (let a = 0; a < len;) {
    if (!isSingle(codes, len, a)) {
      a++;
      continue;
    }
    let count = 1;
    let b = a;
    while (b + 2 < len && isLetterSeparator(codes[b + 1]!) && isSingle(codes, len, b + 2)) {
      b += 2;
      count++;
    }
    if (count >= 3) {
      for (let k = a + 1; k < b; k += 2) codes[k] = GONE;
      // A leetspeak digit standing alone ("1 g n 0 r 3") was not part of a word with letters.
      for (let k = a; k <= b; k += 2) {
        const to = LEET[codes[k]!];
        if (to !== undefined) codes[k] = to;
      }
    }
    a = b + 1;
  }

  // Stage 4: collapse whitespace (a run holding a line break becomes "\n") and pack.
  const outCodes = new Uint16Array(len);
  const outStart = new Int32Array(len);
  const outEnd = new Int32Array(len);
  let m = 0;
  for (let k = 0; k < len; k++) {
    const c = codes[k]!;
    if (c === GONE) continue;
    if (c === SPACE || c === NEWLINE) {
      if (m === 0) continue;
      const prev = outCodes[m - 1]!;
      if (prev === SPACE || prev === NEWLINE) {
        if (c === NEWLINE) outCodes[m - 1] = NEWLINE;
        outEnd[m - 1] = oe[k]!;
        continue;
      }
    }
    outCodes[m] = c;
    outStart[m] = os[k]!;
    outEnd[m] = oe[k]!;
    m++;
  }
  let out = "";
  const CHUNK = 4096;
  for (let k = 0; k < m; k += CHUNK) {
    out += String.fromCharCode.apply(null, Array.from(outCodes.subarray(k, Math.min(m, k + CHUNK))));
  }
  return { text: out, origStart: outStart.slice(0, m), origEnd: outEnd.slice(0, m), scripts };
}

/** The word that ended at `b` continues as a host name ("@collect-data.example"): "-" or "." then a dot and a letter. */
function looksLikeAddress(codes: Int32Array, len: number, b: number): boolean {
  for (let k = b; k < len && k < b + 64; k++) {
    const c = codes[k]!;
    if (c === 46) return k + 1 < len && isLatinLetter(codes[k + 1]!);
    if (c !== 45 && !isWordUnit(c)) return false;
  }
  return false;
}

/** A one-character word at `k`: a word unit whose neighbours are not word units. */
function isSingle(codes: Int32Array, len: number, k: number): boolean {
  if (!isWordUnit(codes[k]!)) return false;
  if (k > 0 && isWordUnit(codes[k - 1]!)) return false;
  if (k + 1 < len && isWordUnit(codes[k + 1]!)) return false;
  return true;
}

/** The original range of the normalised range [start, end). */
export function toOriginal(norm: Normalised, start: number, end: number): { start: number; end: number } {
  if (end <= start) {
    const at = start < norm.origStart.length ? norm.origStart[start]! : (norm.origEnd[start - 1] ?? 0);
    return { start: at, end: at };
  }
  return { start: norm.origStart[start]!, end: norm.origEnd[end - 1]! };
}
