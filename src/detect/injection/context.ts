import type { RawSignal } from "./match.js";

/**
 * Context that changes what a phrase means. Security articles, training material and support
 * threads quote injection phrases in the third person; documentation tells human readers they "can
 * ignore the previous instructions" if a step does not apply. Those uses keep their signal but at a
 * fraction of its weight, so several of them together can still add up, one alone does not.
 */

/** Words that mark text about injections rather than an injection. */
const META =
  /\b(?:prompt[- ]?injections?|social engineering|special tokens?|chat templates?|(?:a|the|this|that|popular|known|famous|shared|common|new) jailbreaks?\b|injection (?:attacks?|attempts?|payloads?|techniques?)|jailbreak(?:s|ing)? (?:attempts?|prompts?|techniques?|attacks?)|attackers?|attacker's|adversar\w*|malicious|threat actors?|red[- ]?team\w*|for example|for instance|e\.g\.|such as|phrases? like|strings? like|known as|researchers?|owasp|llm01|classifiers?|mitigat\w*|vulnerab\w*|exploit\w*|(?:told|tells|telling|instructs|instructed|tricks?|tricked|convinc\w*|caus\w*|makes?|made|making|gets|got|forc\w*|hijack\w*) (?:the |a |an |your )?(?:model|llm|ai|chatbot|bot|assistant|agent|system)s?|inyeccion de (?:prompts?|instrucciones)|injection de (?:prompts?|commandes?)|por ejemplo|par exemple|zum beispiel|z\.b\.|ad esempio|por exemplo)\b|例如|比如|例えば|攻击者|攻撃者|提示注入|プロンプトインジェクション|например|атак|инъекци/;

const ADDRESSES = /[^\s@]*@\S*|https?:\/\/\S*|www\.\S*/g;

function withoutAddresses(s: string): string {
  return s.includes("@") || s.includes("://") || s.includes("www.") ? s.replace(ADDRESSES, " ") : s;
}

/** Text just before an override verb that makes it permission, a question or a negation. */
const LEAD_IN =
  /(?:how (?:do|can|could|would|should) (?:i|we|you|one) |how to |(?:can|could|may|might|should|will|would) (?:i|we|they|users?|you|one|customers?|readers?) (?:safely |simply |just |now )?|\b(?:can|may|could|might) (?:safely |simply |just )|\b(?:do not|don't|dont|never|not|no need to|shouldn't|should not|didn't|did not|won't|wouldn't) |\bwhy (?:did|does|do|would) \w+ |\bin order to |\bwhether to |\b(?:it|he|she|they|which|that|this|who|people|users) (?:will|would|might|may|can|could|often|usually|sometimes) |\b(?:we|they|i|users?|people|customers?|he|she|teams?|staff|employees|developers) (?:should|must|will|would|can|could|may|might|need to|have to|had to|decided to|agreed to|want to|plan to)(?: not| no longer)? |(?<!\b(?:you|me|us|him|her|them|it) )\bto )$/;

/** A conditional addressed to a human reader ("if you already installed it, ignore ..."). */
const HUMAN_CONDITION =
  /\bif (?:you(?:'re| are)? (?:already |not |on |using |running |a |an )|you (?:use|have|already|prefer|want|run|installed|own|received|got|paid|did)|your )/;

const AI_WORDS = /\b(?:ai|llm|language model|assistant|chatbot|model|agent|gpt|bot)\b/;

/** The sentence around [start, end): back to the previous stop or line break, forward to the next. */
export function sentenceAround(text: string, start: number, end: number, reach = 200): [number, number] {
  let s = start;
  const sMin = Math.max(0, start - reach);
  while (s > sMin && !isStop(text, s - 1)) s--;
  let e = end;
  const eMax = Math.min(text.length, end + reach);
  while (e < eMax && !isStop(text, e)) e++;
  return [s, e];
}

function isStop(text: string, i: number): boolean {
  const c = text[i]!;
  if (c === "\n" || c === "!" || c === "?" || c === "。" || c === "！" || c === "？") return true;
  // A full stop ends a sentence when a space or the end follows ("e.g." inside a sentence does not).
  return c === "." && (i + 1 >= text.length || text[i + 1] === " " || text[i + 1] === "\n");
}

function isQuoted(text: string, start: number, end: number, sentence: [number, number]): boolean {
  let before = start - 1;
  while (before >= sentence[0] && text[before] === " ") before--;
  if (before < sentence[0]) return false;
  const q = text[before]!;
  if (q !== '"' && q !== "'" && q !== "«" && q !== "「") return false;
  const close = q === "«" ? "»" : q === "「" ? "」" : q;
  return text.indexOf(close, end) !== -1 && text.indexOf(close, end) <= sentence[1] + 1;
}

/** Multiplies each plain-text signal's weight by what its context says. */
export function applyContext(text: string, signals: RawSignal[]): void {
  for (const sg of signals) {
    if (sg.view !== "plain") continue;
    const sentence = sentenceAround(text, sg.start, sg.end);
    // Addresses and links are not words about injections ("attacker.mail@...").
    const inSentence = withoutAddresses(text.slice(sentence[0], sentence[1]));
    let factor = 1;
    if (META.test(inSentence)) factor = 0.3;
    else if (isQuoted(text, sg.start, sg.end, sentence)) {
      const near = withoutAddresses(
        text.slice(Math.max(0, sg.start - 300), Math.min(text.length, sg.end + 300)),
      );
      if (META.test(near)) factor = 0.3;
    }
    if (sg.family === "override" || sg.family === "reveal" || sg.family === "unrestricted") {
      const before = text.slice(Math.max(0, sg.start - 40), sg.start);
      if (!sg.afterVerb && LEAD_IN.test(before)) factor *= 0.35;
      const head = text.slice(sentence[0], sg.start);
      if (HUMAN_CONDITION.test(head) && !AI_WORDS.test(head)) factor *= 0.5;
    }
    sg.weight *= factor;
  }
}
