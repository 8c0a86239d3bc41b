import type { DataClass } from "../policy/classes.js";

/** Which way text travels: towards a model (input) or back from it (output). */
export type Direction = "input" | "output";

/** Detector families, used for documentation, reports and benchmarks. */
export type DetectorFamily =
  "secret" | "pii" | "financial" | "national-id" | "network" | "injection" | "custom";

/**
 * One thing found in a text. Offsets are UTF-16 code unit indices into the text that was scanned
 * (JavaScript string indices), half-open [start, end). A finding never carries the matched value:
 * whoever holds the text can slice it, and nothing else should.
 */
export interface Finding {
  detector: string;
  kind: string;
  class: DataClass;
  start: number;
  end: number;
  /** 0..1, after validators and context words have been applied. */
  confidence: number;
}

/**
 * What triggers a detector's pattern. The scanner never runs every pattern over every text:
 * it makes one pass for keywords (Aho-Corasick, ASCII case-insensitive) and one pass for runs of
 * digits, then runs each pattern only in a small window around its triggers.
 */
export type Trigger =
  /** Literal keywords, lowercase ASCII. The pattern runs in [hit - before, hit + after]. */
  | { keywords: readonly string[]; before?: number; after?: number }
  /**
   * Runs of digits (up to two of space, dash, dot, slash or bracket between digits). The pattern
   * runs on the run widened by `before`/`after` characters, when the run has at least `min` digits.
   * A run can hold several values ("4111 1111 1111 1111 12/27"): the pattern's own boundaries pick
   * them out. So `max` (skip runs with more digits) is only for values whose digits always form a run
   * of their own because letters bound them, like a UK NINO's six (AB 12 34 56 C): most runs in logs
   * are longer, and each window a detector opens costs time.
   */
  | {
      digits: {
        min: number;
        max?: number;
        /**
         * Only runs with no letter, digit or underscore directly before or after them: a card, a
         * phone or an SSN is never glued to a word, while the digit runs inside hex ids, UUIDs,
         * hashes and timestamps ("2026-05-12T…") always are, and are skipped without a regex.
         */
        wordBounded?: boolean;
        /**
         * A cheap look at the run and its surroundings before any window is opened: return false to
         * skip it (an IBAN needs its country code and check digits just before, a DNI its letter
         * just after). Must be a few character comparisons, never a scan.
         */
        accept?: (text: string, start: number, end: number) => boolean;
      };
      before?: number;
      after?: number;
    }
  /** The whole text. Reserved for the few detectors no keyword or digit run can trigger. */
  | { fullText: true };

export interface ValidateContext {
  /** The whole text being scanned (read it around the match for context; never store it). */
  text: string;
  start: number;
  end: number;
  direction: Direction;
}

/** A built-in detector: one entry in the catalogue; a pattern detector or an analyzer. */
export type DetectorSpec = PatternDetectorSpec | AnalyzerSpec;

interface DetectorBase {
  /** Stable kebab-case id, used in policies, findings and audit events. */
  id: string;
  family: DetectorFamily;
  /** What was found, snake_case; the redaction placeholder is its upper case: email -> [EMAIL_1]. */
  kind: string;
  class: DataClass;
  /** One line for people: what it finds. */
  title: string;
  /** Directions it runs in; both when absent. */
  directions?: readonly Direction[];
}

/**
 * A detector that is not a pattern: it reads the whole text and reports spans with a score (the
 * prompt-injection heuristic). It must be linear in the text and bounded in work.
 */
export interface AnalyzerSpec extends DetectorBase {
  analyze(text: string, direction: Direction): { start: number; end: number; confidence: number }[];
}

/**
 * A pattern detector. Adding one is an entry in a family file plus its fixtures in
 * test/fixtures/detectors/<id>/.
 */
export interface PatternDetectorSpec {
  /** Stable kebab-case id, used in policies, findings and audit events. */
  id: string;
  family: DetectorFamily;
  /** What was found, snake_case; the redaction placeholder is its upper case: email -> [EMAIL_1]. */
  kind: string;
  class: DataClass;
  /** One line for people: what it finds. */
  title: string;
  /** Directions it runs in; both when absent. Internal hosts, for instance, only matter in output. */
  directions?: readonly Direction[];
  trigger: Trigger;
  /** JS RegExp. Flags other than i/m/s/u are ignored; the scanner adds what it needs. */
  pattern: RegExp;
  /** Capture group that holds the sensitive value; the whole match when absent. */
  group?: number;
  /** Base confidence, 0..1. */
  score: number;
  /**
   * Lowercase words that, seen within `contextWindow` characters before or after the match, raise
   * the confidence by `contextBoost` (a card number next to "card", a number next to "ssn").
   */
  context?: readonly string[];
  contextBoost?: number;
  /**
   * Checks a candidate value: returns the new confidence, or null to drop the match (a failed
   * checksum, an impossible SSN area, a placeholder).
   */
  validate?: (value: string, ctx: ValidateContext) => number | null;
  /**
   * Drop values that look like placeholders (`sk-xxxx`, `<token>`, `${KEY}`). On by default for family
   * "secret". "shapes" ignores placeholder words ("example", "dummy"): for vendor formats strict
   * enough that a match with such a word in it is still a working-looking token.
   */
  rejectPlaceholders?: boolean | "shapes";
  /** Minimum Shannon entropy (bits per character) of the value. */
  minEntropy?: number;
  /** Characters around the match read for context words (default 48 each side). */
  contextWindow?: number;
}

/** The regex shape the scanner needs; both RegExp and RE2 satisfy it. */
export interface ExecRegex {
  lastIndex: number;
  exec(s: string): RegExpExecArray | null;
}
