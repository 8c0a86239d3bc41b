import { parseDocument } from "yaml";
import { lineStarts, position } from "../detect/text-position.js";
import { offsetOf } from "../policy/load.js";

/**
 * Line numbers for policy paths, so a gate problem reads `policygate.yaml:42: …` and a code-scanning
 * UI can point at the line. The nearest existing ancestor stands in for a key that is missing.
 */
export function lineLocator(text: string): (path: readonly (string | number)[]) => number {
  const doc = parseDocument(text);
  const starts = lineStarts(text);
  // A section missing altogether points at the top of the file.
  return (path) => position(starts, offsetOf(doc, path, true, 0)).line;
}
