/**
 * Tokens are what fingerprints are made of: the builder and the scanner cut text the same way, so a
 * value matches wherever its words appear in the same order, whatever the case, accents, width or
 * punctuation between them.
 */

/** Character classes: 0 separator, 1 word character, 2 combining mark, 3 a character that is a word on its own. */
const SEP = 0;
const WORD = 1;
const MARK = 2;
const SOLO = 3;

let classes: Uint8Array | undefined;

/**
 * Built on first use (65,536 lookups, a few milliseconds). Han, kana and Thai are written without
 * spaces, so each of their characters is a token and a name in them is an n-gram of characters.
 */
function charClasses(): Uint8Array {
  if (classes) return classes;
  const t = new Uint8Array(65536);
  const word = /[\p{L}\p{N}]/u;
  const mark = /\p{M}/u;
  const solo = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}]/u;
  for (let c = 0; c < 65536; c++) {
    if (c >= 0xd800 && c <= 0xdfff) {
      // Astral letters (rare in names) arrive as surrogate pairs; keep the pair inside the word.
      t[c] = WORD;
      continue;
    }
    const ch = String.fromCharCode(c);
    if (solo.test(ch)) t[c] = SOLO;
    else if (word.test(ch)) t[c] = WORD;
    else if (mark.test(ch)) t[c] = MARK;
  }
  classes = t;
  return t;
}

/**
 * Tokens further apart than this (in UTF-16 units) do not form one n-gram: "Okafor, Jane" and
 * "Smith & Sons" still join, two words in different paragraphs do not.
 */
export const MAX_GAP = 4;

/** The tokens of one text, in reusable typed arrays (the scanner tokenises megabytes per second). */
export class TokenList {
  count = 0;
  start = new Int32Array(1024);
  end = new Int32Array(1024);
  /** 1 when the token is ASCII, so it can be hashed straight from the text with A-Z folded. */
  ascii = new Uint8Array(1024);
  /** Index of the last token of the run of close tokens this one belongs to. */
  chainEnd = new Int32Array(1024);
  /** Normalised forms of the non-ASCII tokens, by token index. */
  readonly normal: string[] = [];

  private grow(): void {
    const n = this.start.length * 2;
    const g = <T extends Int32Array | Uint8Array>(a: T, make: (n: number) => T): T => {
      const b = make(n);
      b.set(a);
      return b;
    };
    this.start = g(this.start, (k) => new Int32Array(k));
    this.end = g(this.end, (k) => new Int32Array(k));
    this.ascii = g(this.ascii, (k) => new Uint8Array(k));
    this.chainEnd = g(this.chainEnd, (k) => new Int32Array(k));
  }

  /** Cuts `text` into tokens, replacing what the list held. */
  fill(text: string): this {
    const cls = charClasses();
    const n = text.length;
    this.normal.length = 0;
    let count = 0;
    let i = 0;
    while (i < n) {
      const c = text.charCodeAt(i);
      const k = cls[c]!;
      if (k === SEP) {
        i++;
        continue;
      }
      const s = i;
      let ascii = c < 128;
      i++;
      if (k === SOLO) {
        while (i < n && cls[text.charCodeAt(i)] === MARK) {
          ascii = false;
          i++;
        }
      } else {
        while (i < n) {
          const d = text.charCodeAt(i);
          const kd = cls[d]!;
          if (kd !== WORD && kd !== MARK) break;
          if (d >= 128) ascii = false;
          i++;
        }
      }
      if (count === this.start.length) this.grow();
      this.start[count] = s;
      this.end[count] = i;
      this.ascii[count] = ascii ? 1 : 0;
      if (!ascii) this.normal[count] = normaliseToken(text.slice(s, i));
      count++;
    }
    this.count = count;
    // Walk backwards so each token knows where its run of close tokens ends.
    let last = count - 1;
    for (let t = count - 1; t >= 0; t--) {
      if (t < count - 1 && this.start[t + 1]! - this.end[t]! > MAX_GAP) last = t;
      this.chainEnd[t] = last;
    }
    return this;
  }
}

/**
 * Letters that carry no combining mark to strip but are commonly written without their stroke or
 * ligature (Søren/Soren, Łukasz/Lukasz, Straße/Strasse).
 */
const FOLD: Record<string, string> = {
  ß: "ss",
  ø: "o",
  ł: "l",
  đ: "d",
  ð: "d",
  þ: "th",
  æ: "ae",
  œ: "oe",
  ı: "i",
  ς: "σ",
};
const FOLD_RE = /[ßøłđðþæœıς]/g;

const cache = new Map<string, string>();

/**
 * One token's comparable form: NFKC (full-width and ligature forms become plain letters), lower
 * case, Latin, Greek and Cyrillic accents removed (José = Jose, Nguyễn = Nguyen), a few stroked
 * letters and ligatures spelt out. Marks outside U+0300-U+036F are kept: in Indic and other scripts
 * they are vowels, not accents. ASCII tokens are only lower-cased, by the caller.
 */
export function normaliseToken(token: string): string {
  const hit = cache.get(token);
  if (hit !== undefined) return hit;
  const out = token
    .normalize("NFKC")
    .toLowerCase()
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(FOLD_RE, (ch) => FOLD[ch]!)
    .normalize("NFC");
  // Bounded: text full of distinct non-ASCII words must not grow memory without end.
  if (cache.size >= 50_000) cache.clear();
  cache.set(token, out);
  return out;
}

/** The normalised tokens of a value, for people and tests: "  JOSÉ  o'Brien " -> ["jose", "o", "brien"]. */
export function normalisedTokens(value: string): string[] {
  const list = new TokenList().fill(value);
  const out: string[] = [];
  for (let t = 0; t < list.count; t++) {
    out.push(list.ascii[t] ? value.slice(list.start[t], list.end[t]).toLowerCase() : list.normal[t]!);
  }
  return out;
}
