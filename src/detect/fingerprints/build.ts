import { randomBytes } from "node:crypto";
import type { DataClass } from "../../policy/classes.js";
import {
  ALGORITHM,
  encodeFingerprints,
  MAX_TOKENS,
  NORMALISATION,
  type FingerprintHeader,
} from "./format.js";
import { deriveKey, foldTokens, hashTokens, type FingerprintKey } from "./hash.js";
import { TokenList } from "./tokens.js";

export interface BuildOptions {
  class: DataClass;
  label: string;
  /** A secret kept outside the file (the value of the policy's key_env); the file alone is then useless. */
  secret?: string;
  /** Values whose normalised letters and digits number fewer than this are skipped (default 3): "Li" would match everywhere. */
  minChars?: number;
  source?: string;
  /** For tests: a fixed salt instead of 16 random bytes. */
  salt?: Buffer;
}

export interface BuildStats {
  /** Values read. */
  values: number;
  /** Distinct fingerprints written. */
  count: number;
  skippedEmpty: number;
  skippedShort: number;
  skippedLong: number;
}

/**
 * Collects values one at a time and hashes them at once, so the raw values are never held as a
 * collection, and writes the file's bytes with `finish`.
 */
export class FingerprintBuilder {
  private readonly salt: Buffer;
  private readonly key: FingerprintKey;
  private readonly tokens = new TokenList();
  private h0 = new Int32Array(64);
  private h1 = new Int32Array(64);
  private readonly one = new Int32Array(2);
  private hashes = new Int32Array(1 << 16);
  private n = 0;
  private readonly counts = new Set<number>();
  readonly stats: BuildStats = { values: 0, count: 0, skippedEmpty: 0, skippedShort: 0, skippedLong: 0 };

  constructor(private readonly opts: BuildOptions) {
    this.salt = opts.salt ?? randomBytes(16);
    this.key = deriveKey(this.salt, opts.secret);
  }

  add(value: string): void {
    this.stats.values++;
    const list = this.tokens.fill(value);
    const n = list.count;
    if (n === 0) {
      this.stats.skippedEmpty++;
      return;
    }
    if (n > MAX_TOKENS) {
      this.stats.skippedLong++;
      return;
    }
    let chars = 0;
    for (let t = 0; t < n; t++)
      chars += list.ascii[t] ? list.end[t]! - list.start[t]! : list.normal[t]!.length;
    if (chars < (this.opts.minChars ?? 3)) {
      this.stats.skippedShort++;
      return;
    }
    if (this.h0.length < n) {
      this.h0 = new Int32Array(list.start.length);
      this.h1 = new Int32Array(list.start.length);
    }
    hashTokens(this.key, value, list, this.h0, this.h1);
    foldTokens(this.key, this.h0, this.h1, 0, n, this.one);
    if (this.n * 2 + 2 > this.hashes.length) {
      const g = new Int32Array(this.hashes.length * 2);
      g.set(this.hashes);
      this.hashes = g;
    }
    this.hashes[this.n * 2] = this.one[0]!;
    this.hashes[this.n * 2 + 1] = this.one[1]!;
    this.n++;
    this.counts.add(n);
  }

  /** The file's bytes: sorted, distinct hashes behind the header. */
  finish(created = new Date()): { bytes: Buffer; header: FingerprintHeader } {
    // Sort 64-bit values as unsigned (h0, h1) pairs through one BigUint64Array.
    const big = new BigUint64Array(this.n);
    for (let i = 0; i < this.n; i++) {
      big[i] = (BigInt(this.hashes[i * 2]! >>> 0) << 32n) | BigInt(this.hashes[i * 2 + 1]! >>> 0);
    }
    big.sort();
    let w = 0;
    const out = new Int32Array(this.n * 2);
    for (let i = 0; i < this.n; i++) {
      if (i > 0 && big[i] === big[i - 1]) continue;
      out[w * 2] = Number(big[i]! >> 32n) | 0;
      out[w * 2 + 1] = Number(big[i]! & 0xffffffffn) | 0;
      w++;
    }
    this.stats.count = w;
    const header: FingerprintHeader = {
      format: "policygate-fingerprints",
      version: 1,
      algorithm: ALGORITHM,
      normalisation: NORMALISATION,
      salt: this.salt.toString("base64"),
      keyed: this.opts.secret !== undefined,
      class: this.opts.class,
      label: this.opts.label,
      count: w,
      token_counts: [...this.counts].sort((a, b) => a - b),
      created: created.toISOString(),
      ...(this.opts.source ? { source: this.opts.source } : {}),
    };
    return { bytes: encodeFingerprints(header, out.subarray(0, w * 2)), header };
  }
}
