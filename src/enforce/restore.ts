import type { DataClass } from "../policy/classes.js";
import type { StreamTextGuard } from "../providers/adapter.js";
import { canonicalPlaceholder, LOOSE_PLACEHOLDER_RE, type PlaceholderAllocator } from "./redact.js";

/**
 * Reversible pseudonymisation: with `restore: true` on an integration, the Confidential values a
 * call carries go to the model as placeholders ("[EMAIL_1]") and the model's answer gets the
 * original values back before it reaches the caller that sent them.
 *
 * The mapping is held by a RestoreSession tied to the call's PlaceholderAllocator, so every path
 * that checks an answer with that allocator (the gateway, the SDK guard) restores it without new
 * parameters. Values never leave the session except into the encrypted conversation vault.
 */
export interface RestoreSession {
  /** Canonical placeholder -> original value. Only placeholders the input handed out; never Restricted. */
  readonly map: ReadonlyMap<string, string>;
}

const sessions = new WeakMap<PlaceholderAllocator, RestoreSession>();

/** The session restoring answers checked with this allocator, if the call asked for one. */
export function restoreSessionOf(alloc: PlaceholderAllocator): RestoreSession | undefined {
  return sessions.get(alloc);
}

/**
 * Freezes what the input redaction handed out as the call's restore mapping. Placeholders the
 * output scan hands out later (a leak the model produced on its own) are not in it, so they stay
 * redacted; Restricted values are never put back.
 */
export function startRestore(alloc: PlaceholderAllocator): RestoreSession {
  const map = new Map<string, string>();
  for (const [ph, value] of alloc.mapping()) {
    if (alloc.classOf(ph) === "restricted") continue;
    map.set(ph, value);
  }
  const session: RestoreSession = { map };
  sessions.set(alloc, session);
  return session;
}

/** Entries to carry a conversation to its next turn: placeholder, value, class. */
export function sessionEntries(
  session: RestoreSession,
  alloc: PlaceholderAllocator,
): [string, string, DataClass][] {
  return [...session.map].map(([ph, v]) => [ph, v, alloc.classOf(ph) ?? "confidential"]);
}

/** Longest text held back while it may still become a placeholder ("[STREET_ADDRESS_12 ]"). */
const MAX_PLACEHOLDER = 96;
/** What may follow "[" inside a placeholder before its "]". */
const PREFIX_RE = /^\[[\sA-Za-z0-9_]*$/;

/**
 * Puts original values back into one channel of a model's answer (a message text, a tool call's
 * arguments), chunk by chunk. A chunk that ends inside something that may still become a
 * placeholder keeps that tail until the next chunk decides it, so the caller never sees half a
 * placeholder, and nothing else is held.
 *
 * A channel whose text starts with "{" is read as JSON (tool-call arguments, JSON mode answers):
 * a value restored inside a JSON string is escaped, so a multi-line address or a name with a quote
 * keeps the arguments parseable.
 */
export class Restorer {
  private held = "";
  private mode: "text" | "json" | undefined;
  private inString = false;
  private escaped = false;

  constructor(private readonly map: ReadonlyMap<string, string>) {}

  push(text: string): string {
    const buf = this.held + text;
    let cut = buf.length;
    const open = buf.lastIndexOf("[");
    if (open !== -1 && buf.length - open <= MAX_PLACEHOLDER && PREFIX_RE.test(buf.slice(open))) cut = open;
    this.held = buf.slice(cut);
    return this.restore(buf.slice(0, cut));
  }

  end(): string {
    const rest = this.held;
    this.held = "";
    return this.restore(rest);
  }

  private restore(text: string): string {
    if (!text) return text;
    if (this.mode === undefined) {
      const first = /\S/.exec(text);
      if (first) this.mode = first[0] === "{" ? "json" : "text";
    }
    if (text.indexOf("[") === -1) {
      this.track(text);
      return text;
    }
    let out = "";
    let pos = 0;
    for (const m of text.matchAll(LOOSE_PLACEHOLDER_RE)) {
      const value = this.map.get(canonicalPlaceholder(m[1]!, m[2]!));
      if (value === undefined) continue;
      const before = text.slice(pos, m.index);
      this.track(before);
      out += before + (this.mode === "json" && this.inString ? escapeInJsonString(value) : value);
      pos = m.index + m[0].length;
    }
    const tail = text.slice(pos);
    this.track(tail);
    return out + tail;
  }

  /** Follows the model's JSON (never the restored values) to know whether we are inside a string. */
  private track(s: string): void {
    if (this.mode !== "json") return;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === 0x5c) this.escaped = true;
        else if (c === 0x22) this.inString = false;
      } else if (c === 0x22) this.inString = true;
    }
  }
}

/**
 * What a value must become inside a JSON string: quotes and control characters escaped, and a
 * backslash escaped unless it already starts a JSON escape. A value taken from JSON text (a tool
 * call's arguments in the request) is already escaped and comes back unchanged; a value from plain
 * text (a multi-line address) becomes valid JSON.
 */
export function escapeInJsonString(value: string): string {
  return value.replace(/\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})|["\\\u0000-\u001f]/g, (c) =>
    c.length > 1 ? c : c === '"' ? '\\"' : c === "\\" ? "\\\\" : JSON.stringify(c).slice(1, -1),
  );
}

/** Restores a whole text (a non-streamed answer's part). */
export function restoreText(text: string, map: ReadonlyMap<string, string>): string {
  if (map.size === 0 || text.indexOf("[") === -1) return text;
  const r = new Restorer(map);
  return r.push(text) + r.end();
}

/**
 * Sits between a stream rewriter and the output guard: the guard scans and redacts the model's own
 * text first (so leaks are caught and restored values are never reported as leaks), then each
 * channel's released text is restored for the caller.
 */
export class RestoringGuard implements StreamTextGuard {
  private readonly channels = new Map<string, { r: Restorer; emitted: string }>();

  constructor(
    private readonly inner: StreamTextGuard,
    private readonly session: RestoreSession,
  ) {}

  get blocked(): unknown {
    return this.inner.blocked;
  }

  push(channel: string, text: string): string {
    const ch = this.channel(channel);
    const out = ch.r.push(this.inner.push(channel, text));
    ch.emitted += out;
    return out;
  }

  end(channel: string): string {
    const ch = this.channel(channel);
    const released = this.inner.end(channel);
    // A withheld answer ends with the provider's error; what was held here stays unsent.
    const out = this.inner.blocked ? "" : ch.r.push(released) + ch.r.end();
    ch.emitted += out;
    return out;
  }

  emitted(channel: string): string {
    return this.channels.get(channel)?.emitted ?? "";
  }

  private channel(name: string): { r: Restorer; emitted: string } {
    let ch = this.channels.get(name);
    if (!ch) {
      ch = { r: new Restorer(this.session.map), emitted: "" };
      this.channels.set(name, ch);
    }
    return ch;
  }
}
