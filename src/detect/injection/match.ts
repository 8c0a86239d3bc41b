import { KeywordAutomaton } from "../keywords.js";
import { foldPattern, SCRIPT_CYRILLIC, type Normalised } from "./normalise.js";
import { EN_RULES } from "./phrases-en.js";
import { ROMANCE_GERMANIC_RULES } from "./phrases-romance-germanic.js";
import { RU_CJK_RULES } from "./phrases-ru-cjk.js";
import type { Family, Lang, Rule } from "./rule.js";

/** How a phrase was written: plainly, in ROT13, or backwards. */
export type View = "plain" | "rot13" | "reversed";

/** One phrase match, in normalised coordinates. */
export interface RawSignal {
  rule: string;
  /** The rule's match starts after its verb (see Rule.afterVerb). */
  afterVerb?: boolean;
  family: Family;
  lang: Lang;
  weight: number;
  start: number;
  end: number;
  view: View;
}

export const RULES: readonly Rule[] = [...EN_RULES, ...ROMANCE_GERMANIC_RULES, ...RU_CJK_RULES];

interface Compiled {
  automaton: KeywordAutomaton;
  /** keyword id -> [rule index, view] pairs that may start where it does. */
  targets: [number, View][][];
  /** Each rule's pattern, sticky, for anchored attempts. */
  sticky: RegExp[];
  /** First characters of the non-Latin rules: char code -> rule indices. */
  starts: Map<number, number[]>;
  /** 1 for the char codes in `starts`: the per-character test stays a typed-array read. */
  isStart: Uint8Array;
  lengths: number[];
  /** keyword id -> whether some rule reads it backwards (its start is a word end then). */
  reversible: boolean[];
  /** Rule index -> 1 when its pattern begins with `\b` for every alternative (see wordStart()). */
  wordStart: Uint8Array;
}

let compiled: Compiled | undefined;

/** Scratch code units for rot13() and reverse(), grown as needed. */
let scratch = new Uint16Array(4096);
const utf16 = new TextDecoder("utf-16le");

/**
 * The string of the first `n` units of `scratch`. Whole texts are rewritten per call, and building
 * them one character at a time (a rope of thousands of pieces) cost more than the attempts made on
 * them. The decoder is the fast copy, but it would replace unpaired surrogates (a reversed pair is
 * two) and drop a leading BOM: units like those take the exact, slower path.
 */
function scratchString(n: number, exact: boolean): string {
  if (!exact && scratch[0] !== 0xfeff) return utf16.decode(scratch.subarray(0, n));
  let out = "";
  for (let i = 0; i < n; i += 4096)
    out += String.fromCharCode.apply(null, scratch.subarray(i, Math.min(n, i + 4096)) as unknown as number[]);
  return out;
}

function rot13(s: string): string {
  const n = s.length;
  if (scratch.length < n) scratch = new Uint16Array(n);
  let surrogates = false;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if ((c & 0xf800) === 0xd800) surrogates = true;
    scratch[i] = c >= 97 && c <= 122 ? ((c - 97 + 13) % 26) + 97 : c;
  }
  return scratchString(n, surrogates);
}

function reverse(s: string): string {
  const n = s.length;
  if (scratch.length < n) scratch = new Uint16Array(n);
  let surrogates = false;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(n - 1 - i);
    if ((c & 0xf800) === 0xd800) surrogates = true;
    scratch[i] = c;
  }
  return scratchString(n, surrogates);
}

function compile(): Compiled {
  const keywords: string[] = [];
  const index = new Map<string, number>();
  const targets: [number, View][][] = [];
  const add = (kw: string, rule: number, view: View) => {
    let id = index.get(kw);
    if (id === undefined) {
      id = keywords.length;
      keywords.push(kw);
      index.set(kw, id);
      targets.push([]);
    }
    targets[id]!.push([rule, view]);
  };
  const starts = new Map<number, number[]>();
  RULES.forEach((r, i) => {
    // A trigger that extends another of the same rule ("ignore" after "ignor") starts at the same
    // places: keep the shorter one, so a rule is tried at most once per position.
    const own = r.triggers ?? [];
    const triggers = own.filter((t) => !own.some((u) => u !== t && t.startsWith(u)));
    for (const t of triggers) {
      add(t, i, "plain");
      if (r.obfuscatable && t.length >= 4) {
        add(rot13(t), i, "rot13");
        add(reverse(t), i, "reversed");
      }
    }
    for (const ch of foldPattern(r.starts ?? "")) {
      const c = ch.charCodeAt(0);
      const list = starts.get(c);
      if (list) list.push(i);
      else starts.set(c, [i]);
    }
  });
  const sticky = RULES.map((r) => new RegExp(r.re.source, r.re.flags.replace(/[gy]/g, "") + "y"));
  const isStart = new Uint8Array(65536);
  for (const c of starts.keys()) isStart[c] = 1;
  return {
    automaton: new KeywordAutomaton(keywords),
    isStart,
    targets,
    sticky,
    starts,
    lengths: keywords.map((k) => k.length),
    reversible: targets.map((list) => list.some(([, view]) => view === "reversed")),
    wordStart: Uint8Array.from(RULES, (r) => (wordStart(r.re) ? 1 : 0)),
  };
}

/**
 * Every phrase match in the normalised text. One keyword pass finds where each rule could start;
 * each rule is then tried once, sticky, at each of those places. The cost is one pass over the text
 * plus one short attempt per keyword hit, however many rules there are.
 */
export function matchPhrases(norm: Normalised): RawSignal[] {
  compiled ??= compile();
  const { automaton, targets, sticky, starts, isStart, reversible, wordStart } = compiled;
  const text = norm.text;
  const n = text.length;
  const out: RawSignal[] = [];
  let rotText: string | undefined;
  let revText: string | undefined;
  automaton.forEach(text, (kw, at) => {
    // Every pattern starts at a word start; a keyword inside a word ("ai" in "said") cannot match.
    if (at > 0 && isWordChar(text.charCodeAt(at)) && isWordChar(text.charCodeAt(at - 1)) && !reversible[kw])
      return;
    const list = targets[kw]!;
    for (let k = 0; k < list.length; k++) {
      const [ri, view] = list[k]!;
      if (view === "plain") {
        attempt(RULES[ri]!, sticky[ri]!, text, at, "plain", out);
      } else if (view === "rot13") {
        rotText ??= rot13(text);
        attempt(RULES[ri]!, sticky[ri]!, rotText, at, "rot13", out);
      } else {
        // The keyword is written backwards; in the reversed text it starts where it ends here, and
        // its neighbour there is the character after it here. A pattern that must begin at a word
        // boundary cannot match between two word characters, so the many hits inside words (logs,
        // ids) cost no attempt, and most texts never need the reversed copy at all.
        const end = at + keywordLength(kw);
        if (
          wordStart[ri] === 1 &&
          end < n &&
          isRegexWordChar(text.charCodeAt(end)) &&
          isRegexWordChar(text.charCodeAt(end - 1))
        )
          continue;
        revText ??= reverse(text);
        attempt(RULES[ri]!, sticky[ri]!, revText, n - end, "reversed", out);
      }
    }
  });
  if (norm.scripts !== 0 && starts.size) {
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      if (isStart[c] === 0) continue;
      const list = starts.get(c)!;
      // Cyrillic phrases start at a word start (their patterns say so by lookbehind): inside a word
      // the attempt would fail, so it is not made. CJK has no word boundaries to skip by.
      const inWord = i > 0 && isLetterBefore(text.charCodeAt(i - 1));
      for (const ri of list) {
        const rule = RULES[ri]!;
        if (rule.script === undefined || (norm.scripts & rule.script) === 0) continue;
        if (inWord && rule.script === SCRIPT_CYRILLIC) continue;
        attempt(rule, sticky[ri]!, text, i, "plain", out);
      }
    }
  }
  return out;
}

/** A letter the Cyrillic rules' lookbehind `(?<![а-яa-z])` excludes before a match. */
function isLetterBefore(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 0x430 && c <= 0x44f);
}

function isWordChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 48 && c <= 57);
}

/** `\w` as a pattern without the `u` and `i` flags reads it. */
function isRegexWordChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95;
}

/**
 * True when every match of `re` begins at a word boundary: the source starts with `\b` and has no
 * alternative outside a group (which the `\b` would not cover), and no flag changes what `\b` means.
 */
function wordStart(re: RegExp): boolean {
  const src = re.source;
  if (!src.startsWith("\\b") || /[iuv]/.test(re.flags)) return false;
  let depth = 0;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === "\\") i++;
    else if (c === "[") {
      // A class may hold "|" or parentheses literally.
      i++;
      while (i < src.length && src[i] !== "]") i += src[i] === "\\" ? 2 : 1;
    } else if (c === "(") depth++;
    else if (c === ")") depth--;
    else if (c === "|" && depth === 0) return false;
  }
  return true;
}

function keywordLength(kw: number): number {
  return compiled!.lengths[kw]!;
}

function attempt(rule: Rule, re: RegExp, text: string, at: number, view: View, out: RawSignal[]): void {
  re.lastIndex = at;
  const m = re.exec(text);
  if (m === null || m[0].length === 0) return;
  const weight = rule.weigh ? rule.weigh(m) : rule.weight;
  if (weight <= 0) return;
  let s = at;
  let e = at + m[0].length;
  if (view === "reversed") [s, e] = [text.length - e, text.length - s];
  const sg: RawSignal = {
    rule: rule.id,
    family: rule.family,
    lang: rule.lang,
    weight,
    start: s,
    end: e,
    view,
  };
  if (rule.afterVerb) sg.afterVerb = true;
  out.push(sg);
}
