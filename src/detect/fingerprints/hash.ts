import { createHmac } from "node:crypto";
import type { TokenList } from "./tokens.js";

/**
 * The keyed hash of fingerprints. Each token is hashed with HalfSipHash-1-3 (a keyed PRF built for
 * short inputs, the 32-bit sibling of the SipHash that hash tables use against flooding), keyed by
 * the file's random salt; a run of token hashes is folded into one 64-bit value by a bijective mix.
 * HMAC-SHA256 per n-gram would cost a microsecond each, and the scanner hashes several n-grams per
 * word at tens of megabytes per second; it would also add nothing while the key sits in the file.
 */
export interface FingerprintKey {
  /** HalfSipHash key for tokens. */
  k0: number;
  k1: number;
  /** Starting state of the n-gram fold. */
  s0: number;
  s1: number;
}

/**
 * The key from the file's 16-byte salt, and from a secret kept outside the file when there is one:
 * then the file alone does not let anyone test guesses against it.
 */
export function deriveKey(salt: Uint8Array, secret?: string): FingerprintKey {
  const material =
    secret === undefined ? Buffer.from(salt) : createHmac("sha256", secret).update(salt).digest();
  return {
    k0: material.readInt32LE(0),
    k1: material.readInt32LE(4),
    s0: material.readInt32LE(8),
    s1: material.readInt32LE(12),
  };
}

/**
 * HalfSipHash-1-3 with 64-bit output over UTF-16 code units (two per 32-bit word), with ASCII A-Z
 * folded to lower case on the way in. Writes the two halves to out0[j], out1[j].
 */
export function hashToken(
  key: FingerprintKey,
  s: string,
  start: number,
  end: number,
  out0: Int32Array,
  out1: Int32Array,
  j: number,
): void {
  let v0 = key.k0;
  let v1 = key.k1 ^ 0xee;
  let v2 = 0x6c796765 ^ key.k0;
  let v3 = 0x74656462 ^ key.k1;
  const len = end - start;
  const stop = start + (len & ~1);
  let i = start;
  let m: number;
  for (; i < stop; i += 2) {
    let a = s.charCodeAt(i);
    let b = s.charCodeAt(i + 1);
    if (a - 65 < 26 && a >= 65) a |= 32;
    if (b - 65 < 26 && b >= 65) b |= 32;
    m = a | (b << 16);
    v3 ^= m;
    v0 = (v0 + v1) | 0;
    v1 = (v1 << 5) | (v1 >>> 27);
    v1 ^= v0;
    v0 = (v0 << 16) | (v0 >>> 16);
    v2 = (v2 + v3) | 0;
    v3 = (v3 << 8) | (v3 >>> 24);
    v3 ^= v2;
    v0 = (v0 + v3) | 0;
    v3 = (v3 << 7) | (v3 >>> 25);
    v3 ^= v0;
    v2 = (v2 + v1) | 0;
    v1 = (v1 << 13) | (v1 >>> 19);
    v1 ^= v2;
    v2 = (v2 << 16) | (v2 >>> 16);
    v0 ^= m;
  }
  m = (len & 0xff) << 24;
  if (len & 1) {
    let a = s.charCodeAt(i);
    if (a - 65 < 26 && a >= 65) a |= 32;
    m |= a;
  }
  v3 ^= m;
  for (let r = 0; r < 4; r++) {
    // One compression round for the last word, then three finalisation rounds.
    if (r === 1) v2 ^= 0xee;
    v0 = (v0 + v1) | 0;
    v1 = (v1 << 5) | (v1 >>> 27);
    v1 ^= v0;
    v0 = (v0 << 16) | (v0 >>> 16);
    v2 = (v2 + v3) | 0;
    v3 = (v3 << 8) | (v3 >>> 24);
    v3 ^= v2;
    v0 = (v0 + v3) | 0;
    v3 = (v3 << 7) | (v3 >>> 25);
    v3 ^= v0;
    v2 = (v2 + v1) | 0;
    v1 = (v1 << 13) | (v1 >>> 19);
    v1 ^= v2;
    v2 = (v2 << 16) | (v2 >>> 16);
    if (r === 0) v0 ^= m;
  }
  out0[j] = v1 ^ v3;
  v1 ^= 0xdd;
  for (let r = 0; r < 3; r++) {
    v0 = (v0 + v1) | 0;
    v1 = (v1 << 5) | (v1 >>> 27);
    v1 ^= v0;
    v0 = (v0 << 16) | (v0 >>> 16);
    v2 = (v2 + v3) | 0;
    v3 = (v3 << 8) | (v3 >>> 24);
    v3 ^= v2;
    v0 = (v0 + v3) | 0;
    v3 = (v3 << 7) | (v3 >>> 25);
    v3 ^= v0;
    v2 = (v2 + v1) | 0;
    v1 = (v1 << 13) | (v1 >>> 19);
    v1 ^= v2;
    v2 = (v2 << 16) | (v2 >>> 16);
  }
  out1[j] = v1 ^ v3;
}

/** Hashes every token of `list` into out0/out1 (grown by the caller to list.count). */
export function hashTokens(
  key: FingerprintKey,
  text: string,
  list: TokenList,
  out0: Int32Array,
  out1: Int32Array,
): void {
  for (let t = 0; t < list.count; t++) {
    if (list.ascii[t] === 1) hashToken(key, text, list.start[t]!, list.end[t]!, out0, out1, t);
    else {
      const norm = list.normal[t]!;
      hashToken(key, norm, 0, norm.length, out0, out1, t);
    }
  }
}

/**
 * The n-gram fold: each step is a bijection of the state for a fixed token, so two different runs
 * of token hashes collide only by chance (about 2^-64 per pair).
 */
export const C1 = 0xcc9e2d51 | 0;
export const C2 = 0x1b873593 | 0;
export const C3 = 0x85ebca6b | 0;
export const C4 = 0xc2b2ae35 | 0;

/** fmix32 from MurmurHash3: full avalanche of one 32-bit word. */
export function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, C3);
  h ^= h >>> 13;
  h = Math.imul(h, C4);
  return h ^ (h >>> 16);
}

/**
 * The 64-bit fingerprint of tokens [from, from + n) of the hashed token arrays: the same function
 * the builder stores and the scanner looks up (the scanner inlines it). Never (0, 0): that marks an
 * empty slot in the table.
 */
export function foldTokens(
  key: FingerprintKey,
  h0: Int32Array,
  h1: Int32Array,
  from: number,
  n: number,
  out: Int32Array,
): void {
  let s0 = key.s0;
  let s1 = key.s1;
  for (let t = from; t < from + n; t++) {
    let x = s0 ^ h0[t]!;
    let y = s1 ^ h1[t]!;
    x = Math.imul(x, C1);
    x = (x << 15) | (x >>> 17);
    x = Math.imul(x, C2);
    y = Math.imul(y, C3);
    y = (y << 13) | (y >>> 19);
    y = Math.imul(y, C4);
    s0 = (x + y) | 0;
    s1 = y ^ ((x << 16) | (x >>> 16));
  }
  finish(s0, s1, n, out);
}

/** The last step of the fold: mixes in the token count and avalanches both halves. */
export function finish(s0: number, s1: number, n: number, out: Int32Array): void {
  const a = fmix((s0 ^ n) + Math.imul(s1, C1));
  let b = fmix(s1 ^ a);
  if (a === 0 && b === 0) b = 1;
  out[0] = a;
  out[1] = b;
}
