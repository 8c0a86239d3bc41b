import { foldPattern } from "./normalise.js";

/**
 * What a phrase is evidence of. A span's score combines families (two different kinds of evidence
 * near each other say more than the same phrase twice).
 */
export type Family =
  /** "ignore all previous instructions" */
  | "override"
  /** "you are now ...", "from now on you will ...", "pretend you are ..." */
  | "role"
  /** "without any restrictions", "developer mode", "do anything now" */
  | "unrestricted"
  /** "reveal your system prompt" */
  | "reveal"
  /** Fake turn and role markers: "<|im_start|>system", "[INST]", "System:" at a line start */
  | "marker"
  /** "forward the conversation to https://..." */
  | "exfil"
  /** "reply only with: '...'", "instead, just say ..." */
  | "output"
  /** Text in a document that speaks to the model: "note to the AI assistant reading this" */
  | "address"
  /** "do not tell the user" */
  | "secrecy"
  /** "I am your developer", "admin override enabled" */
  | "authority"
  /** An encoded payload whose decoded text scored as an injection */
  | "encoded";

export type Lang = "en" | "es" | "fr" | "de" | "pt" | "it" | "ru" | "zh" | "ja" | "any";

export interface Rule {
  /** Stable id, "<family>.<what>.<lang>", reported in signals. */
  id: string;
  family: Family;
  lang: Lang;
  /** Evidence weight of one match, 0..1 (see score.ts for how weights combine). */
  weight: number;
  /**
   * ASCII keywords (in the normalised text) that a match starts with. The matcher tries the rule
   * only where one occurs, anchored there; a match that starts elsewhere is never found, so the
   * list must name every way a match can begin (lookbehind can check what comes before).
   */
  triggers?: readonly string[];
  /** For non-Latin scripts: the characters a match can start with, tried when the text has `script`. */
  starts?: string;
  script?: number;
  /** The pattern, on the normalised text; the matcher runs it sticky at trigger positions. */
  re: RegExp;
  /** The weight of one match when it depends on what matched; 0 drops the match. */
  weigh?: (m: RegExpExecArray) => number;
  /**
   * The match starts after its verb (read by lookbehind), so the words just before it are the verb,
   * not a lead-in such as "how to" or "you can": context.ts must not read them as one.
   */
  afterVerb?: boolean;
  /** Also look for this rule's phrases written in ROT13 or backwards. */
  obfuscatable?: boolean;
}

/**
 * Compiles a phrase pattern for the Latin-script families. In the source, a plain space stands for
 * "a space or nothing" (spaced-out letters are joined into one run by the normaliser), `\s` for a
 * required space, and every `l` also accepts `i` (leetspeak "1" is read as "i"). Non-ASCII letters
 * go through the same fold as the text. Character classes and escapes are copied as they are.
 */
export function latin(src: string, flags = "g"): RegExp {
  let out = "";
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === "\\") {
      out += c + (src[i + 1] ?? "");
      i++;
    } else if (c === "[") {
      let j = i + 1;
      while (j < src.length && src[j] !== "]") j += src[j] === "\\" ? 2 : 1;
      out += src.slice(i, j + 1);
      i = j;
    } else if (c === " ") out += "\\s?";
    else if (c === "l") out += "[li]";
    else out += c;
  }
  return new RegExp(foldPattern(out), flags);
}

/** Compiles a pattern for the other scripts: non-ASCII letters folded, nothing else changed. */
export function native(src: string, flags = "g"): RegExp {
  return new RegExp(foldPattern(src), flags);
}

/** `(?:a|b|c)` from a list of alternatives (already in pattern syntax). */
export function any(words: readonly string[]): string {
  return "(?:" + words.join("|") + ")";
}
