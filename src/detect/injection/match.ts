import { KeywordAutomaton } from "../keywords.js";
import type { Normalised } from "./normalise.js";
import { EN_RULES } from "./phrases-en.js";
import { ROMANCE_GERMANIC_RULES } from "./phrases-romance-germanic.js";
import { RU_CJK_RULES } from "./phrases-ru-cjk.js";
import type { Family, Lang, Rule } from "./rule.js";

/** How a phrase was written: plainly, in ROT13, or backwards. */
export type View = "plain" | "rot13" | "reversed";

/** One phrase match, in normalised coordinates. */
export interface RawSignal {
  rule: string;
  family: Family;
  lang: Lang;
  weight: number;
  start: number;
  end: number;
  view: View;
}

export const RULES: readonly Rule[] = [...EN_RULES, ...ROMANCE_GERMANIC_RULES, ...RU_CJK_RULES];

/** Normalised characters read before and after a keyword: the longest phrase fits in them. */
const BEFORE = 120;
const AFTER = 200;

interface Compiled {
  automaton: KeywordAutomaton;
  /** keyword id -> [rule index, view] pairs it opens a window for. */
  targets: [number, View][][];
  scriptRules: number[];
}

let compiled: Compiled | undefined;

function rot13(s: string): string {
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out += c >= 97 && c <= 122 ? String.fromCharCode(((c - 97 + 13) % 26) + 97) : s[i];
  }
  return out;
}

function reverse(s: string): string {
  let out = "";
  for (let i = s.length - 1; i >= 0; i--) out += s[i];
  return out;
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
  const scriptRules: number[] = [];
  RULES.forEach((r, i) => {
    if (!r.triggers || r.triggers.length === 0) {
      scriptRules.push(i);
      return;
    }
    for (const t of r.triggers) {
      add(t, i, "plain");
      if (r.obfuscatable && t.length >= 4) {
        add(rot13(t), i, "rot13");
        add(reverse(t), i, "reversed");
      }
    }
  });
  return { automaton: new KeywordAutomaton(keywords), targets, scriptRules };
}

/**
 * Every phrase match in the normalised text. One keyword pass opens windows per rule and view;
 * each rule's regex then runs only inside its merged windows, so the cost follows the text length
 * and the number of keyword hits, not text length times rules.
 */
export function matchPhrases(norm: Normalised): RawSignal[] {
  compiled ??= compile();
  const { automaton, targets, scriptRules } = compiled;
  const text = norm.text;
  const n = text.length;
  // Per "rule:view", merged windows as a flat [start, end, ...] list.
  const windows = new Map<number, number[]>();
  const VIEWS: View[] = ["plain", "rot13", "reversed"];
  automaton.forEach(text, (kw, at) => {
    for (const [rule, view] of targets[kw]!) {
      const key = rule * 3 + VIEWS.indexOf(view);
      // A reversed phrase runs from its last word backwards: its window opens the other way.
      let ws = view === "reversed" ? at - AFTER : at - BEFORE;
      let we = view === "reversed" ? at + BEFORE : at + AFTER;
      if (ws < 0) ws = 0;
      if (we > n) we = n;
      const w = windows.get(key);
      if (w === undefined) windows.set(key, [ws, we]);
      else if (ws <= w[w.length - 1]!) {
        if (ws < w[w.length - 2]!) w[w.length - 2] = ws;
        if (we > w[w.length - 1]!) w[w.length - 1] = we;
      } else w.push(ws, we);
    }
  });

  const out: RawSignal[] = [];
  for (const [key, w] of windows) {
    const rule = RULES[Math.floor(key / 3)]!;
    const view = VIEWS[key % 3]!;
    for (let k = 0; k < w.length; k += 2) {
      runRule(rule, view, text, w[k]!, w[k + 1]!, out);
    }
  }
  for (const ri of scriptRules) {
    const rule = RULES[ri]!;
    if (rule.script !== undefined && (norm.scripts & rule.script) !== 0)
      runRule(rule, "plain", text, 0, n, out);
  }
  return out;
}

function runRule(rule: Rule, view: View, text: string, ws: number, we: number, out: RawSignal[]): void {
  let sub = ws === 0 && we === text.length ? text : text.slice(ws, we);
  if (view === "rot13") sub = rot13(sub);
  else if (view === "reversed") sub = reverse(sub);
  const re = rule.re;
  re.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(sub)) !== null) {
    if (m[0].length === 0) {
      re.lastIndex++;
      continue;
    }
    const weight = rule.weigh ? rule.weigh(m) : rule.weight;
    if (weight <= 0) continue;
    let s = m.index;
    let e = s + m[0].length;
    // Patterns may consume a leading line break or separator that anchors them; do not report it.
    while (s < e && /[\s.!?|>)\]]/.test(sub[s]!) && !/[<[(]/.test(sub[s]!)) s++;
    if (view === "reversed") [s, e] = [sub.length - e, sub.length - s];
    out.push({
      rule: rule.id,
      family: rule.family,
      lang: rule.lang,
      weight,
      start: ws + s,
      end: ws + e,
      view,
    });
  }
}
