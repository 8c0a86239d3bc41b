import { scoreInjection, type InjectionScore } from "./score.js";

/**
 * A model-based injection classifier: the probability (0..1) that `text` is an injection. The
 * heuristic here is cheap and explainable but blind to attacks that read as ordinary requests; a
 * classifier sees those. Wiring one in (a local model or a hosted endpoint) is left to the caller;
 * nothing here does I/O.
 */
export type InjectionClassifier = (text: string) => Promise<number> | number;

export interface CombinedInjectionScore extends InjectionScore {
  /** The heuristic's own score. */
  heuristic: number;
  /** The classifier's score, when one was given. */
  classifier?: number;
}

/** Combines the two scores: either one alone is enough to flag, so the larger wins. */
export function combineScores(heuristic: number, classifier: number | undefined): number {
  if (classifier === undefined || !Number.isFinite(classifier)) return heuristic;
  return Math.max(heuristic, Math.min(1, Math.max(0, classifier)));
}

/**
 * Scores `text` with the heuristic and, when given, a classifier; `score` is the larger of the two.
 * Spans and signals stay the heuristic's (a classifier gives a number, not a place).
 *
 * @example
 * const s = await scoreWithClassifier(text, (t) => myModel.probability(t));
 * if (s.score >= 0.5) ...
 */
export async function scoreWithClassifier(
  text: string,
  classifier?: InjectionClassifier,
): Promise<CombinedInjectionScore> {
  const h = scoreInjection(text);
  const c = classifier ? await classifier(text) : undefined;
  const out: CombinedInjectionScore = { ...h, heuristic: h.score, score: combineScores(h.score, c) };
  if (c !== undefined) out.classifier = c;
  return out;
}
