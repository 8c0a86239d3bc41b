import type { AnalyzerSpec } from "../types.js";
import { scoreInjection } from "./score.js";

export { scoreInjection } from "./score.js";
export type { InjectionScore, InjectionSignal, InjectionSpan } from "./score.js";
export { combineScores, scoreWithClassifier } from "./classifier.js";
export type { CombinedInjectionScore, InjectionClassifier } from "./classifier.js";

/** Spans below this never leave the analyzer; the policy's min_confidence filters the rest. */
const FLOOR = 0.25;

/**
 * The prompt-injection detector: override phrases in nine languages, fake role and turn markers,
 * exfiltration and output-control instructions, and encoded payloads, scored together. Runs on
 * input (prompts, tool results and retrieved documents) and reports the injected part of a text.
 */
export const PROMPT_INJECTION_DETECTOR: AnalyzerSpec = {
  id: "prompt-injection",
  family: "injection",
  kind: "injection",
  class: "internal",
  title:
    "Prompt injection: instructions that try to override, unlock or exfiltrate, in plain or encoded form",
  directions: ["input"],
  analyze(text) {
    return scoreInjection(text).spans.filter((s) => s.confidence >= FLOOR);
  },
};
