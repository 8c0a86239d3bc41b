import type { DataClass } from "../policy/classes.js";
import { Allowlist } from "./allowlist.js";
import { looksLikePlaceholder, shannonEntropy } from "./heuristics.js";
import { isKnownExample } from "./known-examples.js";
import { KeywordAutomaton } from "./keywords.js";
import type { DetectorFamily, Direction, ExecRegex, Finding, Trigger, ValidateContext } from "./types.js";

/**
 * A detector as the scanner runs it: a catalogue entry (or a custom rule from the policy) with the
 * policy's settings applied.
 */
export interface ActiveDetector {
  id: string;
  family: DetectorFamily;
  kind: string;
  /** The class findings get (the policy may move a detector to another class). */
  class: DataClass;
  directions: readonly Direction[];
  /** Pattern detectors: what opens a window, and the global regex run inside it (RE2 for custom rules). */
  trigger?: Trigger;
  regex?: ExecRegex;
  /** Analyzers: read the whole text themselves. */
  analyze?: (text: string, direction: Direction) => { start: number; end: number; confidence: number }[];
  group?: number;
  score: number;
  context?: readonly string[];
  contextBoost?: number;
  contextWindow?: number;
  validate?: (value: string, ctx: ValidateContext) => number | null;
  rejectPlaceholders: boolean | "shapes";
  minEntropy?: number;
  /** Findings below this confidence are dropped. */
  minConfidence: number;
  /** Values this detector must not report (the policy's allowlist plus the detector's own). */
  allow?: Allowlist;
}

const DEFAULT_BEFORE = 40;
const DEFAULT_AFTER = 200;
const DEFAULT_CONTEXT_WINDOW = 48;
/** Letters, digits and underscore: what makes a run not word-bounded. */
const WORD_CHAR = new Uint8Array(65536);
for (let c = 0; c < 128; c++) WORD_CHAR[c] = /[A-Za-z0-9_]/.test(String.fromCharCode(c)) ? 1 : 0;

/**
 * A digit, then more digits with at most two separator characters between any two of them, with at
 * least `min` digits: requiring the minimum in the pattern lets the regex engine skip the many short
 * runs in logs and hex strings without returning each one (measured faster than a hand-written loop).
 */
function digitRun(min: number): RegExp {
  return new RegExp(`\\d(?:[ \\-./()\\u00a0]{0,2}\\d){${Math.max(0, min - 1)},}`, "g");
}

interface DigitTrigger {
  index: number;
  min: number;
  max: number;
  wordBounded: boolean;
  accept: ((text: string, start: number, end: number) => boolean) | undefined;
  before: number;
  after: number;
}

interface Plan {
  detectors: ActiveDetector[];
  automaton: KeywordAutomaton;
  /** keyword id -> indices of the detectors it triggers. */
  keywordDetectors: number[][];
  keywordLengths: number[];
  /** Detectors triggered by digit runs, with their trigger settings flattened for the hot loop. */
  digitDetectors: DigitTrigger[];
  digitRun: RegExp;
  fullTextDetectors: number[];
  analyzers: ActiveDetector[];
}

/**
 * The scanner: one keyword pass and one digit-run pass over the text, then each detector's pattern
 * only inside the windows its triggers opened. Cost grows with the text and the number of triggers,
 * not with text × detectors.
 */
export class Scanner {
  private readonly plans: Record<Direction, Plan>;

  constructor(
    detectors: readonly ActiveDetector[],
    private readonly globalAllow: Allowlist = new Allowlist(),
  ) {
    this.plans = {
      input: plan(detectors.filter((d) => d.directions.includes("input"))),
      output: plan(detectors.filter((d) => d.directions.includes("output"))),
    };
  }

  detectorIds(direction: Direction): string[] {
    return this.plans[direction].detectors.map((d) => d.id);
  }

  scan(text: string, direction: Direction = "input"): Finding[] {
    return this.scanWithPending(text, direction).findings;
  }

  /**
   * Like scan, and also reports `pendingFrom`: the earliest offset where a match could still change
   * if more text were appended (a keyword whose window runs past the end, a digit run touching the
   * end). Streams release text only before that point.
   */
  scanWithPending(
    text: string,
    direction: Direction = "input",
  ): { findings: Finding[]; pendingFrom: number } {
    const p = this.plans[direction];
    const n = text.length;
    let pendingFrom = n;
    if (n === 0 || (p.detectors.length === 0 && p.analyzers.length === 0))
      return { findings: [], pendingFrom };
    // Per detector, a flat list of windows [start, end, start, end, ...], merged as they arrive.
    const windows: (number[] | undefined)[] = new Array(p.detectors.length);
    const open = (d: number, ws: number, we: number) => {
      if (ws < 0) ws = 0;
      if (we > n) {
        we = n;
        if (ws < pendingFrom) pendingFrom = ws;
      }
      const w = windows[d];
      if (w === undefined) {
        windows[d] = [ws, we];
        return;
      }
      const last = w.length - 1;
      if (ws <= w[last]!) {
        // Hits of keywords of different lengths arrive ordered by end, not start.
        if (ws < w[last - 1]!) w[last - 1] = ws;
        if (we > w[last]!) w[last] = we;
      } else w.push(ws, we);
    };

    const kd = p.keywordDetectors;
    const kl = p.keywordLengths;
    const dets = p.detectors;
    p.automaton.forEach(text, (kw, start) => {
      const list = kd[kw]!;
      for (let i = 0; i < list.length; i++) {
        const di = list[i]!;
        const t = dets[di]!.trigger as { before?: number; after?: number };
        open(di, start - (t.before ?? DEFAULT_BEFORE), start + kl[kw]! + (t.after ?? DEFAULT_AFTER));
      }
    });

    if (p.digitDetectors.length) {
      const dd = p.digitDetectors;
      const ddn = dd.length;
      const re = p.digitRun;
      re.lastIndex = 0;
      let m: RegExpExecArray | null;
      while ((m = re.exec(text)) !== null) {
        const start = m.index;
        const end = start + m[0].length;
        let digits = 0;
        for (let i = start; i < end; i++) {
          const c = text.charCodeAt(i);
          if (c >= 48 && c <= 57) digits++;
        }
        const bounded =
          (start === 0 || WORD_CHAR[text.charCodeAt(start - 1)] !== 1) &&
          (end === n || WORD_CHAR[text.charCodeAt(end)] !== 1);
        for (let k = 0; k < ddn; k++) {
          const d = dd[k]!;
          if (digits < d.min || digits > d.max || (d.wordBounded && !bounded)) continue;
          if (d.accept !== undefined && !d.accept(text, start, end)) continue;
          // A run that reaches the end of the text may still grow.
          open(d.index, start - d.before, end + d.after + (end === n ? 1 : 0));
        }
      }
    }

    // Full-text detectors (custom rules without keywords) never hold a stream back; a stream's
    // fixed window is all the protection they get.
    for (const di of p.fullTextDetectors) open(di, 0, n);

    const findings: Finding[] = [];
    for (const a of p.analyzers) {
      for (const r of a.analyze!(text, direction)) {
        if (r.confidence < a.minConfidence) continue;
        findings.push({
          detector: a.id,
          kind: a.kind,
          class: a.class,
          start: r.start,
          end: r.end,
          confidence: r.confidence,
        });
      }
    }

    for (let di = 0; di < dets.length; di++) {
      const w = windows[di];
      if (w === undefined) continue;
      const det = dets[di]!;
      let lastEnd = -1;
      for (let k = 0; k < w.length; k += 2) {
        const ws = w[k]!;
        const sub = ws === 0 && w[k + 1] === n ? text : text.slice(ws, w[k + 1]);
        lastEnd = this.runPattern(det, text, sub, ws, direction, findings, lastEnd);
      }
    }
    findings.sort((a, b) => a.start - b.start || b.end - a.end || (a.detector < b.detector ? -1 : 1));
    return { findings, pendingFrom };
  }

  private runPattern(
    det: ActiveDetector,
    text: string,
    sub: string,
    offset: number,
    direction: Direction,
    out: Finding[],
    lastEnd: number,
  ): number {
    const re = det.regex!;
    re.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = re.exec(sub)) !== null) {
      if (m[0].length === 0) {
        re.lastIndex++;
        continue;
      }
      let s = m.index;
      let e = s + m[0].length;
      if (det.group !== undefined) {
        const span = m.indices?.[det.group];
        if (!span) continue;
        [s, e] = span;
      }
      const start = s + offset;
      const end = e + offset;
      // Adjacent windows of one detector can meet the same match twice.
      if (start < lastEnd) continue;
      const value = text.slice(start, end);
      const confidence = this.judge(det, value, text, start, end, direction);
      if (confidence === null) continue;
      lastEnd = end;
      out.push({ detector: det.id, kind: det.kind, class: det.class, start, end, confidence });
    }
    return lastEnd;
  }

  /** The confidence of one candidate, or null when it should not be reported. */
  private judge(
    det: ActiveDetector,
    value: string,
    text: string,
    start: number,
    end: number,
    direction: Direction,
  ): number | null {
    if (det.rejectPlaceholders && looksLikePlaceholder(value, { words: det.rejectPlaceholders !== "shapes" }))
      return null;
    if (det.family === "secret" && isKnownExample(value)) return null;
    if (det.minEntropy !== undefined && shannonEntropy(value) < det.minEntropy) return null;
    // A validator judges the value on its own (a valid checksum raises the score, a failed one drops
    // the match); context words near it can then only add.
    let confidence = det.score;
    if (det.validate) {
      const v = det.validate(value, { text, start, end, direction });
      if (v === null) return null;
      confidence = v;
    }
    if (det.context && det.context.length && confidence < 1) {
      if (hasContext(text, start, end, det.context, det.contextWindow ?? DEFAULT_CONTEXT_WINDOW)) {
        confidence = Math.min(1, confidence + (det.contextBoost ?? 0.25));
      }
    }
    if (confidence < det.minConfidence) return null;
    if (det.allow?.allows(value) || this.globalAllow.allows(value)) return null;
    return Math.round(confidence * 100) / 100;
  }
}

/** True when one of `words` occurs within `window` characters before or after [start, end). */
export function hasContext(
  text: string,
  start: number,
  end: number,
  words: readonly string[],
  window: number,
) {
  const around = (
    text.slice(Math.max(0, start - window), start) +
    " " +
    text.slice(end, Math.min(text.length, end + window))
  ).toLowerCase();
  for (const w of words) if (around.includes(w)) return true;
  return false;
}

function plan(all: ActiveDetector[]): Plan {
  const detectors = all.filter((d) => !d.analyze);
  const keywords: string[] = [];
  const index = new Map<string, number>();
  const keywordDetectors: number[][] = [];
  const digitDetectors: Plan["digitDetectors"] = [];
  const fullTextDetectors: number[] = [];
  detectors.forEach((d, di) => {
    const t = d.trigger!;
    if ("keywords" in t) {
      for (const raw of t.keywords) {
        const kw = raw.toLowerCase();
        let id = index.get(kw);
        if (id === undefined) {
          id = keywords.length;
          keywords.push(kw);
          index.set(kw, id);
          keywordDetectors.push([]);
        }
        const list = keywordDetectors[id]!;
        if (!list.includes(di)) list.push(di);
      }
    } else if ("digits" in t) {
      digitDetectors.push({
        index: di,
        min: t.digits.min,
        max: t.digits.max ?? Infinity,
        wordBounded: t.digits.wordBounded === true,
        accept: t.digits.accept,
        before: t.before ?? 4,
        after: t.after ?? 4,
      });
    } else {
      fullTextDetectors.push(di);
    }
  });
  return {
    detectors,
    // Folded, so "út" and "náměstí" open address windows; injection phrases keep their own table.
    automaton: new KeywordAutomaton(keywords, { foldDiacritics: true }),
    keywordDetectors,
    keywordLengths: keywords.map((k) => k.length),
    digitDetectors,
    digitRun: digitRun(
      digitDetectors.reduce((m, d) => Math.min(m, d.min), digitDetectors.length ? Infinity : 1),
    ),
    fullTextDetectors,
    analyzers: all.filter((d) => d.analyze),
  };
}
