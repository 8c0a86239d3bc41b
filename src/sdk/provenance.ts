import type { CallPart } from "../providers/types.js";
import { readOpenMarker } from "./marking.js";

/**
 * Gives each value that prompt() marked with a source its provenance, so the data dictionary
 * classifies it. The value is the part right after an opening marker part, in the same content
 * list (the next index at the same path). Provenance can only add a classification, never remove
 * what the detectors find, so a forged marker cannot make data look safer than it is.
 */
export function applyProvenance(parts: CallPart[]): void {
  for (let i = 0; i + 1 < parts.length; i++) {
    const marker = readOpenMarker(parts[i]!.text);
    if (!marker?.source) continue;
    const next = parts[i + 1]!;
    if (isNextSibling(parts[i]!.at, next.at)) next.provenance = marker.source;
  }
}

function isNextSibling(a: readonly (string | number)[], b: readonly (string | number)[]): boolean {
  // [..., "content", k, "text"] then [..., "content", k + 1, "text"]
  if (a.length !== b.length || a.length < 2) return false;
  const idx = a.length - 2;
  for (let i = 0; i < a.length; i++) {
    if (i === idx) continue;
    if (a[i] !== b[i]) return false;
  }
  return typeof a[idx] === "number" && b[idx] === (a[idx] as number) + 1;
}
