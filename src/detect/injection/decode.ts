/**
 * Encoded payloads: base64 (standard and URL-safe), hex and percent-encoding. Each candidate is
 * decoded and, when the result reads as text, scanned again by the caller. The work is bounded by
 * a budget shared by the whole scan, nested payloads included: a deep chain of base64 or one huge
 * blob costs at most `bytes` decoded characters and `depth` levels.
 */

import { isUtf8 } from "node:buffer";

export type Encoding = "base64" | "hex" | "url";

export interface EncodedSpan {
  /** Range of the encoded text in the text that was searched. */
  start: number;
  end: number;
  encoding: Encoding;
  decoded: string;
}

export interface DecodeBudget {
  /** Decoded characters still allowed for the whole scan. */
  bytes: number;
  /** Candidates still allowed to be decoded. */
  candidates: number;
  /** Nesting levels still allowed below this one. */
  depth: number;
}

export function defaultBudget(): DecodeBudget {
  return { bytes: 32 * 1024, candidates: 48, depth: 3 };
}

/** Shortest runs worth decoding: about 12 bytes of payload, shorter than any override phrase. */
const MIN_BASE64 = 16;
const MIN_HEX = 16;

/** Character classes for the candidate scan: bit 1 base64 (either alphabet), bit 2 hex digit. */
const B64 = 1;
const HEX = 2;
const CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const alnum = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57);
  if (alnum || c === 43 || c === 47 || c === 45 || c === 95) CLASS[c] = B64;
  if ((c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102)) CLASS[c] = CLASS[c]! | HEX;
}

function classOf(c: number): number {
  return c < 128 ? CLASS[c]! : 0;
}

function isHex(c: number): boolean {
  return (classOf(c) & HEX) !== 0;
}

/**
 * Encoded candidates in `text`, decoded, in text order. Spends from `budget`; never decodes more
 * than it allows, and returns early when it runs out.
 */
export function findEncoded(text: string, budget: DecodeBudget): EncodedSpan[] {
  const out: EncodedSpan[] = [];
  if (budget.depth <= 0) return out;
  const n = text.length;
  // Hex written as separated pairs ("69 67 6e ..."): the current streak of such pairs.
  let pairs = 0;
  let pairsStart = 0;
  let pairsEnd = 0;

  // One pass for base64 runs, plain hex runs and separated hex pairs.
  for (let i = 0; i < n && budget.candidates > 0 && budget.bytes > 0;) {
    const c0 = text.charCodeAt(i);
    if ((classOf(c0) & B64) === 0) {
      i++;
      continue;
    }
    const s = i;
    let cls = HEX;
    let mixedCase = 0;
    while (i < n) {
      const c = text.charCodeAt(i);
      const k = classOf(c);
      if ((k & B64) === 0) break;
      cls &= k;
      if (c >= 65 && c <= 90) mixedCase |= 1;
      else if (c >= 97 && c <= 122) mixedCase |= 2;
      i++;
    }
    const len = i - s;
    if (len === 2 && cls === HEX) {
      // One pair; a streak continues when exactly one separator char joined it to the last one.
      if (pairs > 0 && s === pairsEnd + 1) pairs++;
      else {
        if (pairs >= 8) spanPairs(text, pairsStart, pairsEnd, out, budget);
        pairs = 1;
        pairsStart = s;
      }
      pairsEnd = i;
      const sep = i < n ? text.charCodeAt(i) : 0;
      if (sep !== 32 && sep !== 44 && sep !== 58 && sep !== 45) {
        if (pairs >= 8) spanPairs(text, pairsStart, pairsEnd, out, budget);
        pairs = 0;
      }
      continue;
    }
    if (len >= MIN_HEX && cls === HEX && len % 2 === 0) candidate(text, s, i, "hex", out, budget);
    else if (len >= MIN_BASE64 && mixedCase === 3) candidate(text, s, i, "base64", out, budget);
    while (i < n && i - s - len < 2 && text.charCodeAt(i) === 61) i++;
  }
  if (pairs >= 8) spanPairs(text, pairsStart, pairsEnd, out, budget);

  // Hex written byte by byte ("\x69\x67...") and percent-encoding, when the text has any.
  if (budget.candidates > 0 && text.includes("\\x")) collect(text, HEX_ESCAPED, "hex", out, budget);
  if (budget.candidates > 0 && countPercentEscapes(text) >= 4) collect(text, PERCENT, "url", out, budget);
  out.sort((a, b) => a.start - b.start);
  return out;
}

function countPercentEscapes(text: string): number {
  let count = 0;
  for (let i = text.indexOf("%"); i !== -1 && count < 4; i = text.indexOf("%", i + 1)) {
    if (i + 2 < text.length && isHex(text.charCodeAt(i + 1)) && isHex(text.charCodeAt(i + 2))) count++;
  }
  return count;
}

function candidate(
  text: string,
  s: number,
  e: number,
  encoding: Encoding,
  out: EncodedSpan[],
  budget: DecodeBudget,
): void {
  if (encoding === "hex") {
    const decoded = decodeHex(text.slice(s, e), budget);
    if (decoded !== null) out.push({ start: s, end: e, encoding, decoded });
    return;
  }
  const run = text.slice(s, e);
  const decoded = decodeBase64(run, /[-_]/.test(run), budget);
  let end = e;
  while (end < text.length && end - e < 2 && text.charCodeAt(end) === 61) end++;
  if (decoded !== null) out.push({ start: s, end, encoding, decoded });
}

function spanPairs(text: string, s: number, e: number, out: EncodedSpan[], budget: DecodeBudget): void {
  const decoded = decodeHex(text.slice(s, e).replace(/[ ,:-]/g, ""), budget);
  if (decoded !== null) out.push({ start: s, end: e, encoding: "hex", decoded });
}

const HEX_ESCAPED = /(?:\\x[0-9a-fA-F]{2}){6,}/g;
/** A token holding at least four %XX escapes. */
const PERCENT = /[^\s%]*(?:%[0-9a-fA-F]{2}[^\s%]{0,12}){4,}/g;

function collect(
  text: string,
  re: RegExp,
  encoding: Encoding,
  out: EncodedSpan[],
  budget: DecodeBudget,
): void {
  re.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null && budget.candidates > 0 && budget.bytes > 0) {
    const raw = m[0];
    const decoded =
      encoding === "url" ? decodePercent(raw, budget) : decodeHex(raw.replace(/\\x|[ ,:-]/g, ""), budget);
    if (decoded !== null) out.push({ start: m.index, end: m.index + raw.length, encoding, decoded });
  }
}

/** Takes from the budget the part of `chars` it can still pay for; 0 when it cannot. */
function spend(budget: DecodeBudget, chars: number): number {
  if (budget.candidates <= 0 || budget.bytes <= 0) return 0;
  budget.candidates--;
  const take = Math.min(chars, budget.bytes);
  budget.bytes -= take;
  return take;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

function decodeBase64(run: string, urlSafe: boolean, budget: DecodeBudget): string | null {
  // Decode at most what the budget allows: a prefix of whole 4-character groups.
  const want = Math.floor((run.length * 3) / 4);
  const take = spend(budget, want);
  if (take < 8) return null;
  let src = take === want ? run : run.slice(0, Math.floor(take / 3) * 4);
  if (urlSafe) src = src.replace(/-/g, "+").replace(/_/g, "/");
  return readable(Buffer.from(src, "base64"));
}

function decodeHex(hex: string, budget: DecodeBudget): string | null {
  const take = spend(budget, hex.length >> 1);
  if (take < 6) return null;
  // Logs are full of hashes and ids in hex: read their bytes in place and drop the binary ones
  // before allocating a buffer (the same byte test readable() starts with).
  if (binaryHex(hex, take)) return null;
  return readable(Buffer.from(hex.slice(0, take * 2), "hex"));
}

/** Value of a hex digit by char code, -1 for anything else. */
const HEX_VALUE = new Int8Array(128).fill(-1);
for (let c = 0; c < 128; c++) {
  if (c >= 48 && c <= 57) HEX_VALUE[c] = c - 48;
  else if (c >= 97 && c <= 102) HEX_VALUE[c] = c - 87;
  else if (c >= 65 && c <= 70) HEX_VALUE[c] = c - 55;
}

/**
 * True when readable() would reject the first `bytes` bytes of `hex` for a binary byte. False when
 * it would not, or when they are not all hex digits (the buffer would then be shorter; the decoder
 * decides as before).
 */
function binaryHex(hex: string, bytes: number): boolean {
  let binary = false;
  for (let i = 0; i < bytes; i++) {
    const h = hex.charCodeAt(2 * i);
    const l = hex.charCodeAt(2 * i + 1);
    if (h >= 128 || l >= 128 || HEX_VALUE[h]! < 0 || HEX_VALUE[l]! < 0) return false;
    if (i < bytes - 3 && isBinaryByte(HEX_VALUE[h]! * 16 + HEX_VALUE[l]!)) binary = true;
  }
  return binary;
}

/** A control byte, or a byte that never occurs in UTF-8. */
function isBinaryByte(b: number): boolean {
  return (b < 32 && b !== 9 && b !== 10 && b !== 13) || b === 0xc0 || b === 0xc1 || b >= 0xf5;
}

function decodePercent(raw: string, budget: DecodeBudget): string | null {
  const take = spend(budget, raw.length);
  if (take < 6) return null;
  const bytes: number[] = [];
  const src = raw.slice(0, take);
  for (let i = 0; i < src.length; i++) {
    const c = src.charCodeAt(i);
    if (c === 37 && i + 2 < src.length + 0 && isHex(src.charCodeAt(i + 1)) && isHex(src.charCodeAt(i + 2))) {
      bytes.push(parseInt(src.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (c === 43) bytes.push(32);
    else if (c < 128) bytes.push(c);
    else return null;
  }
  return readable(Uint8Array.from(bytes));
}

/** The bytes as text when they are valid UTF-8 and read like words; null for binary. */
function readable(bytes: Uint8Array): string | null {
  // Most candidates are identifiers or random tokens whose bytes are binary: a control byte or a
  // byte that never occurs in UTF-8 rejects them here, before a decode that would throw (throwing
  // is the expensive part). Only bytes the retry below keeps are checked, so the outcome is the same.
  if (bytes.length < 6) return null;
  for (let i = 0; i < bytes.length - 3; i++) if (isBinaryByte(bytes[i]!)) return null;
  // isUtf8() says whether the strict decoder would throw, without the cost of the exception (most
  // base64 and hex candidates in logs pass the byte check above and are still not UTF-8).
  let s: string;
  if (isUtf8(bytes)) s = utf8.decode(bytes);
  else {
    // A budget cut can split the last character: retry without the last three bytes.
    if (bytes.length < 8) return null;
    const head = bytes.subarray(0, bytes.length - 3);
    if (!isUtf8(head)) return null;
    s = utf8.decode(head);
  }
  if (s.length < 6) return null;
  let letters = 0;
  let spaces = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c < 32 && c !== 9 && c !== 10 && c !== 13) return null;
    if (c === 0xfffd) return null;
    if (c === 32) spaces++;
    else if (/\p{L}/u.test(ch)) letters++;
  }
  return (letters + spaces) / s.length >= 0.6 ? s : null;
}
