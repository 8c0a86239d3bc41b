import type { DataClass } from "../../policy/classes.js";
import { C1, C2, C3, C4, deriveKey, fmix, hashTokens, type FingerprintKey } from "./hash.js";
import type { FingerprintHeader } from "./format.js";
import { TokenList } from "./tokens.js";

/** A span of text whose tokens hash to a fingerprinted value. Never the value itself. */
export interface FingerprintSpan {
  start: number;
  end: number;
}

// Scratch space shared by every set: the scanner is synchronous, so one text is matched at a time.
const tokens = new TokenList();
let lastText: string | undefined;
let h0 = new Int32Array(1024);
let h1 = new Int32Array(1024);

function forget(): void {
  lastText = undefined;
  tokens.normal.length = 0;
}

/**
 * Tokenises `text` once for all the sets that look at it in a row (the scanner runs them one after
 * another, synchronously). The text and its normalised words are let go as soon as the scan
 * returns, so a prompt is not kept in memory until the next one.
 */
function tokenise(text: string): TokenList {
  if (text !== lastText) {
    tokens.fill(text);
    if (lastText === undefined) queueMicrotask(forget);
    lastText = text;
  }
  if (h0.length < tokens.count) {
    h0 = new Int32Array(tokens.start.length);
    h1 = new Int32Array(tokens.start.length);
  }
  return tokens;
}

/**
 * The fingerprints of one file, ready to match: an open-addressing table of 64-bit hashes in typed
 * arrays, with a bit filter in front so most n-grams cost one cache-friendly bit test.
 */
export class FingerprintSet {
  readonly header: FingerprintHeader;
  readonly class: DataClass;
  readonly label: string;
  readonly count: number;
  private readonly key: FingerprintKey;
  private readonly table: Int32Array;
  private readonly mask: number;
  private readonly filter: Int32Array;
  private readonly filterMask: number;
  /** Bit n set when some value has n tokens. */
  private readonly lengths: number;
  private readonly maxTokens: number;

  constructor(header: FingerprintHeader, hashes: Int32Array, secret?: string) {
    this.header = header;
    this.class = header.class;
    this.label = header.label;
    this.count = hashes.length / 2;
    this.key = deriveKey(Buffer.from(header.salt, "base64"), secret);
    let lengths = 0;
    let maxTokens = 0;
    for (const n of header.token_counts) {
      lengths |= 1 << n;
      maxTokens = Math.max(maxTokens, n);
    }
    this.lengths = lengths;
    this.maxTokens = maxTokens;
    let cap = 16;
    while (cap < this.count * 2) cap *= 2;
    this.mask = cap - 1;
    this.table = new Int32Array(cap * 2);
    // About 16 bits per value: a miss passes the filter once in ~16.
    let bits = 1 << 16;
    while (bits < this.count * 16 && bits < 1 << 30) bits *= 2;
    this.filterMask = bits - 1;
    this.filter = new Int32Array(bits >>> 5);
    const t = this.table;
    const m = this.mask;
    for (let i = 0; i < hashes.length; i += 2) {
      const a = hashes[i]!;
      const b = hashes[i + 1]!;
      const f = b & this.filterMask;
      this.filter[f >>> 5]! |= 1 << (f & 31);
      let slot = a & m;
      for (;;) {
        const p = slot << 1;
        if (t[p] === 0 && t[p + 1] === 0) {
          t[p] = a;
          t[p + 1] = b;
          break;
        }
        if (t[p] === a && t[p + 1] === b) break;
        slot = (slot + 1) & m;
      }
    }
  }

  /** Bytes held by the lookup structures (for reports and the benchmark). */
  get memoryBytes(): number {
    return this.table.byteLength + this.filter.byteLength;
  }

  /**
   * Every run of tokens in `text` that is a fingerprinted value, leftmost first and longest at each
   * start, not overlapping. Linear in the text: at most maxTokens hashes per token.
   */
  match(text: string): FingerprintSpan[] {
    const out: FingerprintSpan[] = [];
    if (this.count === 0 || text.length === 0) return out;
    const list = tokenise(text);
    const n = list.count;
    if (n === 0) return out;
    hashTokens(this.key, text, list, h0, h1);
    // Locals, and the fold's last step and the lookup written out here: this loop runs for every
    // token of every prompt.
    const lengths = this.lengths;
    const maxN = this.maxTokens;
    const chainEnd = list.chainEnd;
    const filter = this.filter;
    const fmask = this.filterMask;
    const table = this.table;
    const mask = this.mask;
    const k0 = this.key.s0;
    const k1 = this.key.s1;
    const a0 = h0;
    const a1 = h1;
    let i = 0;
    while (i < n) {
      let s0 = k0;
      let s1 = k1;
      let best = 0;
      const lim = Math.min(chainEnd[i]!, i + maxN - 1);
      for (let t = i; t <= lim; t++) {
        let x = s0 ^ a0[t]!;
        let y = s1 ^ a1[t]!;
        x = Math.imul(x, C1);
        x = (x << 15) | (x >>> 17);
        x = Math.imul(x, C2);
        y = Math.imul(y, C3);
        y = (y << 13) | (y >>> 19);
        y = Math.imul(y, C4);
        s0 = (x + y) | 0;
        s1 = y ^ ((x << 16) | (x >>> 16));
        const len = t - i + 1;
        if ((lengths & (1 << len)) === 0) continue;
        // finish(), inlined.
        const a = fmix(((s0 ^ len) + Math.imul(s1, C1)) | 0);
        let b = fmix(s1 ^ a);
        if (a === 0 && b === 0) b = 1;
        const f = b & fmask;
        if ((filter[f >>> 5]! & (1 << (f & 31))) === 0) continue;
        let slot = a & mask;
        for (;;) {
          const p = slot << 1;
          const x2 = table[p]!;
          const y2 = table[p + 1]!;
          if (x2 === a && y2 === b) {
            best = len;
            break;
          }
          if (x2 === 0 && y2 === 0) break;
          slot = (slot + 1) & mask;
        }
      }
      if (best > 0) {
        out.push({ start: list.start[i]!, end: list.end[i + best - 1]! });
        i += best;
      } else i++;
    }
    return out;
  }
}
