import { randomFillSync } from "node:crypto";

/** Crockford's base32: no I, L, O or U, so an id read aloud or retyped survives. */
const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const TIME_CHARS = 10;
const RANDOM_BYTES = 10;
const MAX_TIME = 2 ** 48 - 1;

export type UlidFactory = () => string;

export interface UlidOptions {
  /** Milliseconds since the epoch; Date.now by default. */
  now?: () => number;
  /** n random bytes; a pooled crypto.randomFillSync by default. The result is copied at once. */
  random?: (n: number) => Uint8Array;
}

/**
 * A generator of monotonic ULIDs: 48 bits of milliseconds then 80 random bits, 26 characters that
 * sort as strings in the order they were made. Within one millisecond (or if the clock steps back)
 * the random part of the previous id is incremented instead of drawn again, so two ids from the
 * same generator never tie and never go backwards.
 *
 * @example
 * const next = monotonicUlid();
 * const a = next(), b = next();
 * a < b; // true, even when both fall in the same millisecond
 */
export function monotonicUlid(opts: UlidOptions = {}): UlidFactory {
  const now = opts.now ?? Date.now;
  const random = opts.random ?? pooledRandom;
  let lastTime = -1;
  // The random part as 80 bits, most significant byte first; incremented in place.
  const last = new Uint8Array(RANDOM_BYTES);

  return () => {
    let t = Math.floor(now());
    if (!Number.isSafeInteger(t) || t < 0 || t > MAX_TIME) {
      throw new RangeError(`ulid: the clock reads ${t}, outside the 48-bit millisecond range`);
    }
    if (t > lastTime) {
      last.set(random(RANDOM_BYTES).subarray(0, RANDOM_BYTES));
      lastTime = t;
    } else {
      t = lastTime;
      if (!increment(last)) {
        // 2^80 ids in one millisecond cannot happen by chance; borrowing the next millisecond keeps
        // the order rather than failing the caller.
        if (lastTime === MAX_TIME) throw new RangeError("ulid: random part exhausted at the end of time");
        lastTime = t = lastTime + 1;
        last.set(random(RANDOM_BYTES).subarray(0, RANDOM_BYTES));
      }
    }
    return encodeTime(t) + encodeRandom(last);
  };
}

/**
 * Random bytes from a pool refilled 4 KB at a time: every call and every audit event takes an id,
 * and one randomBytes call per id was a measurable share of a gateway call. The bytes are the
 * same CSPRNG's; ids are identifiers, not secrets. The view is only valid until the next call.
 */
const POOL = Buffer.allocUnsafe(4096);
let poolAt = POOL.length;
function pooledRandom(n: number): Uint8Array {
  if (poolAt + n > POOL.length) {
    randomFillSync(POOL);
    poolAt = 0;
  }
  const out = POOL.subarray(poolAt, poolAt + n);
  poolAt += n;
  return out;
}

/** The process-wide generator: ids from one process sort in the order they were made. */
export const ulid: UlidFactory = monotonicUlid();

/** The millisecond timestamp a ULID carries, or undefined if `id` is not a ULID. */
export function ulidTime(id: string): number | undefined {
  if (!isUlid(id)) return undefined;
  let t = 0;
  for (let i = 0; i < TIME_CHARS; i++) t = t * 32 + ALPHABET.indexOf(id[i]!);
  return t;
}

const ULID_RE = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/;

export function isUlid(id: string): boolean {
  return ULID_RE.test(id);
}

function increment(bytes: Uint8Array): boolean {
  for (let i = bytes.length - 1; i >= 0; i--) {
    if (bytes[i] !== 0xff) {
      bytes[i]!++;
      return true;
    }
    bytes[i] = 0;
  }
  return false;
}

function encodeTime(t: number): string {
  let s = "";
  for (let i = 0; i < TIME_CHARS; i++) {
    s = ALPHABET[t % 32]! + s;
    t = Math.floor(t / 32);
  }
  return s;
}

/** 80 bits as 16 base32 characters, five bits at a time from the most significant end. */
function encodeRandom(bytes: Uint8Array): string {
  let s = "";
  let acc = 0;
  let bits = 0;
  for (const b of bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      s += ALPHABET[(acc >> bits) & 31];
    }
    acc &= (1 << bits) - 1;
  }
  return s;
}
