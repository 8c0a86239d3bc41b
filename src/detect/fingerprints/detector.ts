import type { LoadedFingerprints } from "../../policy/fingerprints-load.js";
import type { ActiveDetector } from "../scanner.js";

/**
 * A fingerprint file as a scanner analyzer: it reads the whole text in one pass and reports the
 * spans whose tokens are a fingerprinted value, so decisions and redaction treat them like any
 * other finding. An exact match of a known value: confidence 1.
 */
export function fingerprintDetector(fp: LoadedFingerprints, minConfidence: number): ActiveDetector {
  return {
    id: fp.detector,
    family: "custom",
    kind: fp.kind,
    class: fp.class,
    directions: fp.ref.directions,
    analyze: (text) => fp.set.match(text).map((s) => ({ start: s.start, end: s.end, confidence: 1 })),
    score: 1,
    rejectPlaceholders: false,
    minConfidence,
  };
}
