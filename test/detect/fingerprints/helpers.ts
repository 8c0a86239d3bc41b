import type { DataClass } from "../../../src/policy/classes.js";
import { FingerprintBuilder } from "../../../src/detect/fingerprints/build.js";
import { decodeFingerprints } from "../../../src/detect/fingerprints/format.js";
import { FingerprintSet } from "../../../src/detect/fingerprints/set.js";

/** The bytes of a fingerprint file of `values`. */
export function buildFile(
  values: readonly string[],
  opts: { class?: DataClass; label?: string; secret?: string } = {},
): Buffer {
  const b = new FingerprintBuilder({
    class: opts.class ?? "confidential",
    label: opts.label ?? "customer_name",
    secret: opts.secret,
  });
  for (const v of values) b.add(v);
  return b.finish().bytes;
}

/** A ready set of `values`, as the scanner would load it. */
export function setOf(values: readonly string[], opts: { secret?: string; loadSecret?: string } = {}) {
  const { header, hashes } = decodeFingerprints(buildFile(values, opts));
  return new FingerprintSet(header, hashes, opts.loadSecret ?? opts.secret);
}

/** The matched substrings, for assertions. */
export function found(set: FingerprintSet, text: string): string[] {
  return set.match(text).map((m) => text.slice(m.start, m.end));
}
