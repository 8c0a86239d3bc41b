import { classRank, type DataClass } from "../policy/classes.js";

/** A span to replace, with what it is. */
export interface RedactionSpan {
  start: number;
  end: number;
  kind: string;
  class: DataClass;
}

/** Placeholders look like [EMAIL_1]: the kind in upper case and a number. */
export const PLACEHOLDER_RE = /\[([A-Z][A-Z0-9_]*)_(\d+)\]/g;

/**
 * The forms a placeholder may take once a model has handled it: any letter case and spaces inside
 * the brackets ("[email_1]", "[ EMAIL_1 ]"). Restoration accepts these, so numbering must avoid
 * them too (see docs/restore.md).
 */
export const LOOSE_PLACEHOLDER_RE = /\[\s*([A-Za-z][A-Za-z0-9_]*)_(\d+)\s*\]/g;

/** "[ email_1 ]" -> "[EMAIL_1]". */
export function canonicalPlaceholder(stem: string, n: string): string {
  return `[${stem.toUpperCase()}_${n}]`;
}

export function placeholderStem(kind: string): string {
  return (
    kind
      .toUpperCase()
      .replace(/[^A-Z0-9]+/g, "_")
      .replace(/^_+|_+$/g, "") || "REDACTED"
  );
}

/**
 * Hands out placeholders for one call: the same value always gets the same placeholder, and each
 * kind is numbered from 1. Numbers already present in the call's texts are skipped, so a model (or
 * a user) that writes "[EMAIL_1]" itself can never be confused with a real redaction.
 */
export class PlaceholderAllocator {
  private readonly byValue = new Map<string, string>();
  private readonly next = new Map<string, number>();
  private readonly taken = new Set<string>();
  private readonly classes = new Map<string, DataClass>();

  constructor(existingTexts: readonly string[] = []) {
    for (const t of existingTexts) this.reserve(t);
  }

  /** Marks placeholders that occur in `text` as taken. */
  reserve(text: string): void {
    if (text.indexOf("[") === -1) return;
    for (const m of text.matchAll(LOOSE_PLACEHOLDER_RE)) this.taken.add(canonicalPlaceholder(m[1]!, m[2]!));
  }

  placeholderFor(kind: string, value: string, cls?: DataClass): string {
    const stem = placeholderStem(kind);
    const key = stem + "\u0000" + value;
    const known = this.byValue.get(key);
    if (known) {
      if (cls && classRank(cls) > classRank(this.classes.get(known) ?? "public"))
        this.classes.set(known, cls);
      return known;
    }
    let n = this.next.get(stem) ?? 1;
    let ph = `[${stem}_${n}]`;
    while (this.taken.has(ph)) ph = `[${stem}_${++n}]`;
    this.next.set(stem, n + 1);
    this.taken.add(ph);
    this.byValue.set(key, ph);
    if (cls) this.classes.set(ph, cls);
    return ph;
  }

  /**
   * Takes over a placeholder handed out earlier (a previous turn of the same conversation), so the
   * value keeps its placeholder and new values are numbered after it.
   */
  adopt(placeholder: string, value: string, cls: DataClass): void {
    const m = /^\[([A-Z][A-Z0-9_]*)_(\d+)\]$/.exec(placeholder);
    if (!m) return;
    const key = m[1]! + "\u0000" + value;
    if (this.byValue.has(key)) return;
    this.byValue.set(key, placeholder);
    this.classes.set(placeholder, cls);
    this.taken.add(placeholder);
  }

  /** The most sensitive class a placeholder stood for, when the redaction said. */
  classOf(placeholder: string): DataClass | undefined {
    return this.classes.get(placeholder);
  }

  /** Placeholder -> original value, for restoring answers to the caller (never stored or logged). */
  mapping(): Map<string, string> {
    const m = new Map<string, string>();
    for (const [key, ph] of this.byValue) m.set(ph, key.slice(key.indexOf("\u0000") + 1));
    return m;
  }
}

/**
 * Merges overlapping spans into one. The merged span takes the kind of its most
 * sensitive member (then the longest), so "password=hunter2@example.com" is one [PASSWORD_1], not an
 * email cut in half.
 */
export function mergeSpans(spans: readonly RedactionSpan[]): RedactionSpan[] {
  const sorted = [...spans].filter((s) => s.end > s.start).sort((a, b) => a.start - b.start || b.end - a.end);
  const out: RedactionSpan[] = [];
  let cur: RedactionSpan | undefined;
  let lead: RedactionSpan | undefined;
  for (const s of sorted) {
    if (cur && s.start < cur.end) {
      if (s.end > cur.end) cur.end = s.end;
      if (outranks(s, lead!)) lead = s;
      cur.kind = lead!.kind;
      cur.class = lead!.class;
      continue;
    }
    cur = { ...s };
    lead = s;
    out.push(cur);
  }
  return out;
}

function outranks(a: RedactionSpan, b: RedactionSpan): boolean {
  const d = classRank(a.class) - classRank(b.class);
  if (d !== 0) return d > 0;
  return a.end - a.start > b.end - b.start;
}

/** Replaces each span with its placeholder. Spans may overlap; they are merged first. */
export function redactText(
  text: string,
  spans: readonly RedactionSpan[],
  alloc: PlaceholderAllocator,
): string {
  if (spans.length === 0) return text;
  let out = "";
  let pos = 0;
  for (const s of mergeSpans(spans)) {
    out += text.slice(pos, s.start) + alloc.placeholderFor(s.kind, text.slice(s.start, s.end), s.class);
    pos = s.end;
  }
  return out + text.slice(pos);
}
