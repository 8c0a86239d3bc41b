import { isMap, isSeq, parseDocument, type Node } from "yaml";

/**
 * Line numbers for policy paths, so a gate problem reads `policygate.yaml:42: …` and a code-scanning
 * UI can point at the line. The nearest existing ancestor stands in for a key that is missing.
 */
export function lineLocator(text: string): (path: readonly (string | number)[]) => number {
  const doc = parseDocument(text);
  const starts: number[] = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  const lineOf = (offset: number) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
  return (path) => {
    let node = doc.contents as Node | null;
    let offset = 0;
    for (const seg of path) {
      if (isMap(node)) {
        const pair = node.items.find(
          (p) => String((p.key as { value?: unknown })?.value ?? p.key) === String(seg),
        );
        if (!pair) break;
        offset = (pair.key as Node | null)?.range?.[0] ?? offset;
        node = pair.value as Node | null;
      } else if (isSeq(node) && typeof seg === "number" && node.items[seg]) {
        node = node.items[seg] as Node;
        offset = node.range?.[0] ?? offset;
      } else break;
    }
    return lineOf(offset);
  };
}
