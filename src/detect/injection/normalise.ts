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
const GONE = 0;

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
const CONFUSABLE = new Uint16Array(65536);
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
const LEET = new Uint16Array(128);
LEET[48] = 111; // 0 -> o
LEET[49] = 105; // 1 -> i (the phrase patterns accept i for l as well)
LEET[51] = 101; // 3 -> e
LEET[52] = 97; // 4 -> a
LEET[53] = 115; // 5 -> s
LEET[55] = 116; // 7 -> t
LEET[64] = 97; // @ -> a
LEET[36] = 115; // $ -> s

/** Leet value of a unit, 0 when it has none. */
function leetOf(c: number): number {
  return c < 128 ? LEET[c]! : 0;
}

/**
 * Word units (letters of any script, digits, and the leetspeak symbols @ and $), per BMP code unit:
 * 1 word unit, 2 not, 0 not yet known (filled in on first sight; \p{L} is slow to ask every time).
 */
const WORD = new Uint8Array(65536);
for (let c = 0; c < 128; c++)
  WORD[c] = (c >= 48 && c <= 57) || (c >= 97 && c <= 122) || c === 64 || c === 36 ? 1 : 2;
WORD[GONE] = 2;
const LETTER = /\p{L}/u;

function isWordUnit(c: number): boolean {
  let k = WORD[c]!;
  if (k === 0) {
    // A surrogate half stands for a letter outside the BMP often enough (CJK extensions).
    k = (c >= 0xd800 && c <= 0xdfff) || LETTER.test(String.fromCharCode(c)) ? 1 : 2;
    WORD[c] = k;
  }
  return k === 1;
}

function isLatinLetter(c: number): boolean {
  return c >= 97 && c <= 122;
}

/** Separators that people put between the letters of a spaced-out word. */
const SEPARATOR = new Uint8Array(65536);
for (const c of [SPACE, 46, 45, 95, 183, 0x2022, 47, 124]) SEPARATOR[c] = 1;

/**
 * ASCII fold table: the unit each ASCII character becomes (lower case, tab as space, any line break
 * as "\n"), or 0 for characters that are dropped (controls, and "*", "~" and "`", which only
 * decorate: "**ignore**", "`instructions`").
 */
const ASCII_FOLD = new Uint16Array(128);
/** Class of a folded ASCII unit: 1 letter, 2 leetspeak character, 0 other. */
const ASCII_CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  let f = c;
  if (c >= 65 && c <= 90) f = c + 32;
  else if (c === 9) f = SPACE;
  else if (c === 10 || c === 11 || c === 12 || c === 13) f = NEWLINE;
  else if (c < 32 || c === 42 || c === 126 || c === 96 || c === 127) f = 0;
  ASCII_FOLD[c] = f;
}
for (let c = 97; c <= 122; c++) ASCII_CLASS[c] = 1;
for (const c of [48, 49, 51, 52, 53, 55, 64, 36]) ASCII_CLASS[c] = 2;

const MAX_MIXED = 64;
const mixedAt = new Int32Array(MAX_MIXED);

/** Working buffers, reused across calls (the detector runs on one thread, one text at a time). */
let bufCodes = new Uint16Array(4096);
let bufStart = new Int32Array(4096);
let bufEnd = new Int32Array(4096);
const utf16 = new TextDecoder("utf-16le");

function grow(min: number): void {
  let cap = bufCodes.length;
  while (cap < min) cap *= 2;
  const c = new Uint16Array(cap);
  c.set(bufCodes);
  bufCodes = c;
  const s = new Int32Array(cap);
  s.set(bufStart);
  bufStart = s;
  const e = new Int32Array(cap);
  e.set(bufEnd);
  bufEnd = e;
}

/** Normalises `text` and keeps the offset map. Linear in the length of the text. */
export function normalise(text: string): Normalised {
  const n = text.length;
  if (bufCodes.length < n + 64) grow(n + 64);
  // Locals for speed; refreshed whenever foldOther() had to grow the buffers.
  let codes = bufCodes;
  let os = bufStart;
  let oe = bufEnd;
  let len = 0;
  let scripts = 0;
  // Whether a word may hold leetspeak or look-alike letters: only then is the word pass needed.
  // Where such a word was seen (a unit inside it); past MAX_MIXED the word pass covers everything.
  let mixedCount = 0;
  let prevClass = 0;

  // Stage 1: code point by code point; whitespace runs collapse here (to "\n" if one broke a line).
  for (let i = 0; i < n;) {
    const cp = text.charCodeAt(i);
    if (cp < 128) {
      let c = ASCII_FOLD[cp]!;
      i++;
      if (c === 0) continue;
      // JSON and code escapes inside tool results: "\n" breaks a line, "\"" is a quote.
      if (cp === 92 && i < n) {
        const e = text.charCodeAt(i);
        if (e === 110 || e === 114) c = NEWLINE;
        else if (e === 116) c = SPACE;
        else if (e === 34 || e === 39 || e === 47) continue;
        if (c !== 92) i++;
      }
      if (c === SPACE || c === NEWLINE) {
        if (len === 0) continue;
        const prev = codes[len - 1]!;
        if (prev === SPACE || prev === NEWLINE) {
          if (c === NEWLINE) codes[len - 1] = NEWLINE;
          oe[len - 1] = i;
          prevClass = 0;
          continue;
        }
      }
      const cls = ASCII_CLASS[c]!;
      if (cls !== 0 && prevClass !== 0 && cls !== prevClass) {
        if (mixedCount < MAX_MIXED) mixedAt[mixedCount] = len;
        mixedCount++;
      }
      prevClass = cls;
      codes[len] = c;
      os[len] = i - 1;
      oe[len] = i;
      len++;
      continue;
    }
    const r = foldOther(text, i, len);
    // A decomposition may have used the room the ASCII path counts on (one unit per character).
    if (otherLen + (n - r) + 64 > bufCodes.length) grow(otherLen + (n - r) + 64);
    codes = bufCodes;
    os = bufStart;
    oe = bufEnd;
    i = r;
    len = otherLen;
    scripts |= otherScripts;
    if (otherMixed) {
      if (mixedCount < MAX_MIXED) mixedAt[mixedCount] = len - 1;
      mixedCount++;
    }
    prevClass = 0;
  }
  const out = bufCodes;

  // Stage 2: words. Confusables inside mixed-script words, then leetspeak inside words with letters.
  if (mixedCount > MAX_MIXED) foldWords(out, len, 0, len);
  else {
    let done = 0;
    for (let k = 0; k < mixedCount; k++) {
      const at = mixedAt[k]!;
      if (at < done) continue;
      let a = at;
      while (a > 0 && isWordUnit(out[a - 1]!)) a--;
      let b = at;
      while (b < len && isWordUnit(out[b]!)) b++;
      foldWords(out, len, a, b);
      done = b;
    }
  }
  // Stage 3: join spaced-out or dotted letters ("i g n o r e", "i.g.n.o.r.e").
  if (joinSpacedLetters(out, bufStart, bufEnd, len)) len = compact(out, bufStart, bufEnd, len);

  return {
    text: utf16.decode(out.subarray(0, len)),
    origStart: bufStart.slice(0, len),
    origEnd: bufEnd.slice(0, len),
    scripts,
  };
}

// foldOther's results besides the next index (kept out of the hot loop's allocation).
let otherLen = 0;
let otherScripts = 0;
let otherMixed = false;

/**
 * Stage 1 for one non-ASCII code point at `i`: invisible characters dropped, tag characters read as
 * ASCII, Unicode spaces and breaks as " " and "\n", everything else through foldCodePoint().
 * Returns the index after the code point; the new length is left in `otherLen`.
 */
function foldOther(text: string, i: number, len: number): number {
  const s = i;
  const cp = text.codePointAt(i)!;
  i += cp > 0xffff ? 2 : 1;
  otherScripts = 0;
  otherMixed = false;
  otherLen = len;
  if (len + 40 > bufCodes.length) grow(len + 64);
  const codes = bufCodes;
  const os = bufStart;
  const oe = bufEnd;
  if (isInvisible(cp)) return i;
  // Unicode tag characters spell ASCII invisibly ("ASCII smuggling"): read them as what they spell.
  if (cp >= 0xe0000 && cp <= 0xe007f) {
    if (cp >= 0xe0020 && cp <= 0xe007e) {
      const a = ASCII_FOLD[cp - 0xe0000]!;
      if (a !== 0) {
        codes[len] = a;
        os[len] = s;
        oe[len] = i;
        otherLen = len + 1;
        otherMixed = true;
      }
    }
    return i;
  }
  if (isSpace(cp) || isLineBreak(cp)) {
    const c = isSpace(cp) ? SPACE : NEWLINE;
    if (len === 0) return i;
    const prev = codes[len - 1]!;
    if (prev === SPACE || prev === NEWLINE) {
      if (c === NEWLINE) codes[len - 1] = NEWLINE;
      oe[len - 1] = i;
      return i;
    }
    codes[len] = c;
    os[len] = s;
    oe[len] = i;
    otherLen = len + 1;
    return i;
  }
  if (cp >= 0x400 && cp <= 0x52f) otherScripts = SCRIPT_CYRILLIC;
  else if (
    (cp >= 0x3040 && cp <= 0x30ff) ||
    (cp >= 0x3400 && cp <= 0x9fff) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xff66 && cp <= 0xff9f)
  )
    otherScripts = SCRIPT_CJK;
  const f = foldCodePoint(cp);
  if (len + f.length + 8 > bufCodes.length) return foldLong(f, s, i, len);
  for (let k = 0; k < f.length; k++) {
    const c = f.charCodeAt(k);
    // A folded ASCII character (full-width, mathematical) can be a leetspeak digit too.
    if (CONFUSABLE[c] !== 0 || c < 128) otherMixed = true;
    codes[len] = c;
    os[len] = s;
    oe[len] = i;
    len++;
  }
  otherLen = len;
  return i;
}

/** The rare fold that outgrows the buffer (one code point decomposing into many). */
function foldLong(f: string, s: number, i: number, len: number): number {
  grow(len + f.length + 64);
  for (let k = 0; k < f.length; k++) {
    bufCodes[len] = f.charCodeAt(k);
    bufStart[len] = s;
    bufEnd[len] = i;
    len++;
  }
  otherLen = len;
  otherMixed = true;
  return i;
}

/** Removes the units stage 3 marked GONE; returns the new length. */
function compact(codes: Uint16Array, os: Int32Array, oe: Int32Array, len: number): number {
  let m = 0;
  for (let k = 0; k < len; k++) {
    if (codes[k] === GONE) continue;
    codes[m] = codes[k]!;
    os[m] = os[k]!;
    oe[m] = oe[k]!;
    m++;
  }
  return m;
}

/** Stage 2 of normalise(): look-alike letters and leetspeak, decided word by word. */
function foldWords(codes: Uint16Array, len: number, from: number, to: number): void {
  for (let a = from; a < to;) {
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
      else if (CONFUSABLE[c] !== 0) confusable = true;
      else if (leetOf(c) !== 0) leet = true;
    }
    if (latin && confusable) foldConfusables(codes, a, b);
    if (leet && (latin || confusable)) foldLeet(codes, len, a, b);
    a = b;
  }
}

function foldConfusables(codes: Uint16Array, a: number, b: number): void {
  for (let k = a; k < b; k++) {
    const to = CONFUSABLE[codes[k]!]!;
    if (to !== 0) codes[k] = to;
  }
}

function foldLeet(codes: Uint16Array, len: number, a: number, b: number): void {
  // "name@host.tld" is an address, not "nameahost": leave its "@" alone.
  const address = looksLikeAddress(codes, len, b);
  for (let k = a; k < b; k++) {
    if (address && codes[k] === 64) continue;
    const to = leetOf(codes[k]!);
    if (to !== 0) codes[k] = to;
  }
}

/**
 * Stage 3 of normalise(): a run of one-character words with the same one-character separator
 * between each pair is one word ("i g n o r e", "i.g.n.o.r.e", "1 g n 0 r 3"). Runs of three or
 * more join; a run of two joins only next to a joined run ("a s" in "a c t   a s   d a n"). A space
 * that stood for several in the original is a word break, not a separator. Marks the separators
 * GONE and returns whether it joined anything.
 */
function joinSpacedLetters(codes: Uint16Array, os: Int32Array, oe: Int32Array, len: number): boolean {
  let joined = false;
  let lastJoinEnd = -10;
  for (let a = 0; a + 2 < len; a++) {
    if (!isSeparatorAt(codes, os, oe, a + 1) || !isSingle(codes, len, a) || !isSingle(codes, len, a + 2))
      continue;
    const sep = codes[a + 1]!;
    let count = 2;
    let b = a + 2;
    while (
      b + 2 < len &&
      codes[b + 1] === sep &&
      isSeparatorAt(codes, os, oe, b + 1) &&
      isSingle(codes, len, b + 2)
    ) {
      b += 2;
      count++;
    }
    if (count >= 3 || a - lastJoinEnd <= 2 || startsRun(codes, os, oe, len, b + 2)) {
      joinRun(codes, a, b);
      joined = true;
      lastJoinEnd = b;
    }
    a = b;
  }
  return joined;
}

function isSeparatorAt(codes: Uint16Array, os: Int32Array, oe: Int32Array, k: number): boolean {
  return SEPARATOR[codes[k]!] === 1 && oe[k]! - os[k]! === 1;
}

/** A run of at least three spaced-out characters starts at `k`. */
function startsRun(codes: Uint16Array, os: Int32Array, oe: Int32Array, len: number, k: number): boolean {
  if (k + 4 >= len || !isSingle(codes, len, k)) return false;
  const sep = codes[k + 1]!;
  return (
    isSeparatorAt(codes, os, oe, k + 1) &&
    isSingle(codes, len, k + 2) &&
    codes[k + 3] === sep &&
    isSeparatorAt(codes, os, oe, k + 3) &&
    isSingle(codes, len, k + 4)
  );
}

function joinRun(codes: Uint16Array, a: number, b: number): void {
  for (let k = a + 1; k < b; k += 2) codes[k] = GONE;
  // A leetspeak digit standing alone ("1 g n 0 r 3") was not part of a word with letters.
  for (let k = a; k <= b; k += 2) {
    const to = leetOf(codes[k]!);
    if (to !== 0) codes[k] = to;
  }
}

/** The word that ended at `b` continues as a host name ("@collect-data.example"): "-" or "." then a dot and a letter. */
function looksLikeAddress(codes: Uint16Array, len: number, b: number): boolean {
  for (let k = b; k < len && k < b + 64; k++) {
    const c = codes[k]!;
    if (c === 46) return k + 1 < len && isLatinLetter(codes[k + 1]!);
    if (c !== 45 && !isWordUnit(c)) return false;
  }
  return false;
}

/** A one-character word at `k`: a word unit whose neighbours are not word units. */
function isSingle(codes: Uint16Array, len: number, k: number): boolean {
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
