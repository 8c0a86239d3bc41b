/**
 * Encoded payloads: base64 (standard and URL-safe), hex and percent-encoding. Each candidate is
 * decoded and, when the result reads as text, scanned again by the caller. The work is bounded by
 * a budget shared by the whole scan, nested payloads included: a deep chain of base64 or one huge
 * blob costs at most `bytes` decoded characters and `depth` levels.
 */

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

function isB64(c: number): boolean {
  return (
    (c >= 65 && c <= 90) ||
    (c >= 97 && c <= 122) ||
    (c >= 48 && c <= 57) ||
    c === 43 ||
    c === 47 ||
    c === 45 ||
    c === 95
  );
}

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

/**
 * Encoded candidates in `text`, decoded, in text order. Spends from `budget`; never decodes more
 * than it allows, and returns early when it runs out.
 */
export function findEncoded(text: string, budget: DecodeBudget): EncodedSpan[] {
  const out: EncodedSpan[] = [];
  if (budget.depth <= 0) return out;
  const n = text.length;

  // One pass for base64 and plain hex runs.
  for (let i = 0; i < n && budget.candidates > 0 && budget.bytes > 0;) {
    if (!isB64(text.charCodeAt(i))) {
      i++;
      continue;
    }
    const s = i;
    let upper = false;
    let lower = false;
    let hexOnly = true;
    let urlSafe = false;
    while (i < n && isB64(text.charCodeAt(i))) {
      const c = text.charCodeAt(i);
      if (c >= 65 && c <= 90) upper = true;
      else if (c >= 97 && c <= 122) lower = true;
      if (c === 45 || c === 95) urlSafe = true;
      if (!isHex(c)) hexOnly = false;
      i++;
    }
    let e = i;
    while (e < n && e - i < 2 && text.charCodeAt(e) === 61) e++;
    const len = i - s;
    if (hexOnly && len >= MIN_HEX && len % 2 === 0) {
      const decoded = decodeHex(text.slice(s, i), budget);
      if (decoded !== null) out.push({ start: s, end: i, encoding: "hex", decoded });
    } else if (len >= MIN_BASE64 && upper && lower) {
      const decoded = decodeBase64(text.slice(s, i), urlSafe, budget);
      if (decoded !== null) out.push({ start: s, end: e, encoding: "base64", decoded });
    }
    i = e > i ? e : i;
  }

  // Hex written byte by byte ("\x69\x67...", "69 67 6e ...") and percent-encoding.
  if (budget.candidates > 0 && text.includes("\\x")) collect(text, HEX_ESCAPED, "hex", out, budget);
  if (budget.candidates > 0) collect(text, HEX_SPACED, "hex", out, budget);
  if (budget.candidates > 0 && text.includes("%")) collect(text, PERCENT, "url", out, budget);
  out.sort((a, b) => a.start - b.start);
  return out;
}

const HEX_ESCAPED = /(?:\\x[0-9a-fA-F]{2}){6,}/g;
const HEX_SPACED = /(?<![0-9a-fA-F:])(?:[0-9a-fA-F]{2}[ ,:-]){7,}[0-9a-fA-F]{2}(?![0-9a-fA-F])/g;
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
  const take = spend(budget, Math.floor((run.length * 3) / 4));
  if (take < 8) return null;
  let src = run.slice(0, Math.min(run.length, Math.ceil((take * 4) / 3 / 4) * 4));
  if (urlSafe) src = src.replace(/-/g, "+").replace(/_/g, "/");
  return readable(Buffer.from(src, "base64"));
}

function decodeHex(hex: string, budget: DecodeBudget): string | null {
  const take = spend(budget, hex.length >> 1);
  if (take < 6) return null;
  return readable(Buffer.from(hex.slice(0, take * 2), "hex"));
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
  let s: string;
  try {
    s = utf8.decode(bytes);
  } catch {
    // A budget cut can split the last character: retry without the last three bytes.
    if (bytes.length < 8) return null;
    try {
      s = utf8.decode(bytes.subarray(0, bytes.length - 3));
    } catch {
      return null;
    }
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
