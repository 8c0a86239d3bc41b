import { DATA_CLASSES, isDataClass, type DataClass } from "../../policy/classes.js";

/**
 * The fingerprint file: "PGFP", a little-endian u32 header length, a UTF-8 JSON header, zero
 * padding to a multiple of 8 bytes, then `count` 64-bit hashes (each two little-endian u32, sorted,
 * no duplicates). See docs/fingerprints.md. The header holds no value, only how to recompute hashes.
 */
export const MAGIC = "PGFP";
export const FORMAT_VERSION = 1;
export const ALGORITHM = "halfsiphash-1-3+fold64";
export const NORMALISATION = "nfkc-lower-strip-latin-marks-v1";
/** Longest value, in tokens, a file may hold (longer ones are skipped by the builder). */
export const MAX_TOKENS = 24;

export interface FingerprintHeader {
  format: "policygate-fingerprints";
  version: number;
  algorithm: string;
  normalisation: string;
  /** 16 random bytes, base64. */
  salt: string;
  /** True when the key also needs a secret from outside the file (the policy's key_env). */
  keyed: boolean;
  class: DataClass;
  /** What the values are ("customer_name"): the detector id becomes fingerprint:<label>. */
  label: string;
  /** Distinct hashes in the file. */
  count: number;
  /** Token counts present among the values (the scanner hashes only n-grams of these lengths). */
  token_counts: number[];
  created: string;
  /** Where the values came from (file and columns, or the database and query), never a value. */
  source?: string;
}

export class FingerprintFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FingerprintFormatError";
  }
}

/** Serialises a header and sorted, distinct hashes (pairs h0, h1) into the file's bytes. */
export function encodeFingerprints(header: FingerprintHeader, hashes: Int32Array): Buffer {
  const json = Buffer.from(JSON.stringify(header), "utf8");
  const headEnd = 8 + json.length;
  const bodyStart = Math.ceil(headEnd / 8) * 8;
  const out = Buffer.alloc(bodyStart + hashes.length * 4);
  out.write(MAGIC, 0, "latin1");
  out.writeUInt32LE(json.length, 4);
  json.copy(out, 8);
  for (let i = 0; i < hashes.length; i++) out.writeInt32LE(hashes[i]!, bodyStart + i * 4);
  return out;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

const LABEL = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/** Reads a file's bytes; throws FingerprintFormatError saying what is wrong (never a value: there are none). */
export function decodeFingerprints(buf: Buffer): { header: FingerprintHeader; hashes: Int32Array } {
  if (buf.length < 8 || buf.toString("latin1", 0, 4) !== MAGIC) {
    throw new FingerprintFormatError(
      "not a fingerprint file (it does not start with PGFP); build one with `policygate fingerprint`",
    );
  }
  const len = buf.readUInt32LE(4);
  if (8 + len > buf.length) throw new FingerprintFormatError("the header is truncated");
  let h: Record<string, unknown>;
  try {
    h = JSON.parse(buf.toString("utf8", 8, 8 + len)) as Record<string, unknown>;
  } catch {
    throw new FingerprintFormatError("the header is not valid JSON");
  }
  if (typeof h !== "object" || h === null || h.format !== "policygate-fingerprints") {
    throw new FingerprintFormatError("the header does not describe a policygate fingerprint file");
  }
  if (h.version !== FORMAT_VERSION) {
    throw new FingerprintFormatError(
      `format version ${String(h.version)} is not supported (this PolicyGate reads version ${FORMAT_VERSION}); rebuild the file`,
    );
  }
  if (h.algorithm !== ALGORITHM || h.normalisation !== NORMALISATION) {
    throw new FingerprintFormatError(
      `hash algorithm or normalisation "${String(h.algorithm)}"/"${String(h.normalisation)}" is not supported; rebuild the file`,
    );
  }
  const salt = typeof h.salt === "string" ? Buffer.from(h.salt, "base64") : Buffer.alloc(0);
  if (salt.length !== 16) throw new FingerprintFormatError("the salt must be 16 bytes (base64)");
  if (!isDataClass(h.class)) {
    throw new FingerprintFormatError(`class must be one of ${DATA_CLASSES.join(", ")}`);
  }
  if (typeof h.label !== "string" || !LABEL.test(h.label)) {
    throw new FingerprintFormatError("label must be lowercase letters, digits, '-' and '_'");
  }
  const count = h.count;
  if (typeof count !== "number" || !Number.isInteger(count) || count < 0) {
    throw new FingerprintFormatError("count must be a whole number");
  }
  const counts = h.token_counts;
  if (
    !Array.isArray(counts) ||
    !counts.every((n) => typeof n === "number" && Number.isInteger(n) && n >= 1 && n <= MAX_TOKENS)
  ) {
    throw new FingerprintFormatError(`token_counts must list whole numbers from 1 to ${MAX_TOKENS}`);
  }
  if (typeof h.keyed !== "boolean") throw new FingerprintFormatError("keyed must be true or false");
  const bodyStart = Math.ceil((8 + len) / 8) * 8;
  if (buf.length !== bodyStart + count * 8) {
    throw new FingerprintFormatError(
      `the file holds ${Math.max(0, buf.length - bodyStart)} bytes of hashes; the header says ${count} hashes (${count * 8} bytes): it is truncated or corrupt`,
    );
  }
  let hashes: Int32Array;
  if (LITTLE_ENDIAN && (buf.byteOffset + bodyStart) % 4 === 0) {
    // A view, no copy: loading a million values is reading 8 MB.
    hashes = new Int32Array(buf.buffer, buf.byteOffset + bodyStart, count * 2);
  } else {
    hashes = new Int32Array(count * 2);
    for (let i = 0; i < hashes.length; i++) hashes[i] = buf.readInt32LE(bodyStart + i * 4);
  }
  return { header: h as unknown as FingerprintHeader, hashes };
}
