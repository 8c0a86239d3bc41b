import type { Finding } from "../detect/types.js";
import { containmentOf, ContainmentStreamFilter, streamNeedsContainment } from "./containment.js";
import { conclude, judgeOutput, type Decision, type Judged, type RuleHit } from "./decide.js";
import type { Engine } from "./engine.js";
import { PlaceholderAllocator, redactText } from "./redact.js";

/** Characters before the release point rescanned with each chunk, so detectors see their context. */
const LOOKBACK = 256;

interface Channel {
  /** Text not yet released, preceded by up to LOOKBACK released characters. */
  buf: string;
  /** Absolute offset of buf[0] in the channel's text. */
  bufStart: number;
  /** Absolute count of characters released so far. */
  released: number;
  /** Everything released, after redaction: what the caller saw (for "done" events that repeat it). */
  emitted: string;
  ended: boolean;
}

/**
 * Scans a streamed answer as it flows. Each channel (a choice's text, a tool call's arguments) is
 * held back by a bounded window so a value split across chunks is seen whole before any of it is
 * released: text is released only up to `stream_window` characters before the end, never past a
 * point where a detector's match could still be forming (an open keyword window, a digit run that
 * touches the end), and never through the middle of a finding. While a match may be forming, up to
 * `stream_max_hold` characters are held; past that, text is released as scanned.
 *
 * When a leak whose action is block is seen, nothing more is released: `blocked` is set and the
 * caller ends the stream with the provider's error event. Pure: no I/O, no timers.
 */
export class OutputStreamGuard {
  private readonly channels = new Map<string, Channel>();
  private readonly judged: Judged[] = [];
  private readonly counted = new Set<string>();
  private blockHit: RuleHit | undefined;
  private readonly window: number;
  private readonly maxHold: number;
  /** Channel names in order of first appearance, so findings can carry a part index. */
  private readonly order: string[] = [];

  constructor(
    private readonly engine: Engine,
    private readonly alloc: PlaceholderAllocator = new PlaceholderAllocator(),
    /**
     * Containment applied to released text (canary, expected output, links); see containment.ts.
     * By default the one the call's prepareCall registered on `alloc` (links only without one).
     */
    private readonly filter: ContainmentStreamFilter | undefined = defaultFilter(engine, alloc),
  ) {
    this.window = engine.policy.output.stream_window;
    this.maxHold = Math.max(engine.policy.output.stream_max_hold, this.window);
  }

  /** Set once a blocking leak was seen; nothing is released after that. */
  get blocked(): RuleHit | undefined {
    return this.blockHit;
  }

  /** Adds a chunk of a channel's text; returns the text that may be released now (already redacted). */
  push(channel: string, text: string): string {
    const ch = this.channel(channel);
    if (this.blockHit || ch.ended) return "";
    ch.buf += text;
    return this.pass(channel, ch, this.release(channel, ch, false), false);
  }

  /** The channel is complete: returns whatever was held back (redacted), or "" when blocked. */
  end(channel: string): string {
    const ch = this.channel(channel);
    if (ch.ended) return "";
    const out = this.blockHit ? "" : this.pass(channel, ch, this.release(channel, ch, true), true);
    ch.ended = true;
    return out;
  }

  /** Released text through the containment filter; what it lets out is what the caller sees. */
  private pass(name: string, ch: Channel, text: string, final: boolean): string {
    if (this.blockHit) return "";
    let out = text;
    if (this.filter) {
      out = this.filter.push(name, text) + (final ? this.filter.end(name) : "");
      if (this.filter.blocked) {
        this.blockHit ??= this.filter.blocked;
        return "";
      }
    }
    ch.emitted += out;
    return out;
  }

  /** Ends every channel still open, in the order they appeared; returns their released remainders. */
  endAll(): Map<string, string> {
    const out = new Map<string, string>();
    for (const name of this.order) {
      const rest = this.end(name);
      if (rest) out.set(name, rest);
    }
    return out;
  }

  /** Everything released on a channel so far (what the caller has seen). */
  emitted(channel: string): string {
    return this.channels.get(channel)?.emitted ?? "";
  }

  /** Characters currently held back across channels (for metrics and tests). */
  held(): number {
    let n = 0;
    for (const ch of this.channels.values()) n += ch.bufStart + ch.buf.length - ch.released;
    return n;
  }

  /** The decision over everything seen so far, for the audit event. */
  decision(): Decision {
    const parts = this.order.map(() => ({ text: "" }));
    const d = { ...conclude(this.engine, "output", parts, this.judged, this.alloc), texts: null };
    for (const h of this.filter?.rules() ?? []) {
      d.rules.push(h);
      const act = h.action === "block" ? "block" : "redact";
      if (d.enforcedAction !== "block") d.enforcedAction = act;
      if (h.mode === "enforce" && d.action !== "block") d.action = act;
    }
    return d;
  }

  private channel(name: string): Channel {
    let ch = this.channels.get(name);
    if (!ch) {
      ch = { buf: "", bufStart: 0, released: 0, emitted: "", ended: false };
      this.channels.set(name, ch);
      this.order.push(name);
    }
    return ch;
  }

  private release(name: string, ch: Channel, final: boolean): string {
    const total = ch.bufStart + ch.buf.length;
    const { findings, pendingFrom } = this.engine.scanner.scanWithPending(ch.buf, "output");
    const part = this.order.indexOf(name);
    const judged = findings
      .map((f) => judgeOutput(this.engine, { ...shift(f, ch.bufStart), part }))
      // Findings that start in the released prefix were already let through when less context was
      // visible; they cannot be called back, so they are not acted on again.
      .filter((j) => j.finding.start >= ch.released);

    for (const j of judged) {
      if (j.action === "block" && j.mode === "enforce") {
        this.record(j);
        this.blockHit ??= conclude(this.engine, "output", [{ text: "" }], [j]).rules[0];
        return "";
      }
    }

    let r = final ? total : total - this.window;
    if (!final) {
      const pending = ch.bufStart + pendingFrom;
      // Hold while a match may still be forming, but never more than maxHold characters.
      if (pending < r) r = Math.max(pending, total - this.maxHold);
    }
    for (const j of judged) {
      const f = j.finding;
      if (f.start < r && r < f.end) r = f.start;
    }
    if (r <= ch.released) return "";

    const inRange = judged.filter((j) => j.finding.end <= r);
    for (const j of inRange) this.record(j);
    const spans = inRange
      .filter((j) => j.mode === "enforce" && j.action === "redact")
      .map((j) => shift(j.finding, -ch.released));
    const from = ch.released - ch.bufStart;
    const out = redactText(ch.buf.slice(from, r - ch.bufStart), spans, this.alloc);
    ch.released = r;
    // Keep LOOKBACK released characters for context; drop the rest.
    const keepFrom = Math.max(0, r - LOOKBACK - ch.bufStart);
    if (keepFrom > 0) {
      ch.buf = ch.buf.slice(keepFrom);
      ch.bufStart += keepFrom;
    }
    return out;
  }

  private record(j: Judged): void {
    const f = j.finding;
    const key = `${f.part}:${f.detector}:${f.start}:${f.end}`;
    if (this.counted.has(key)) return;
    this.counted.add(key);
    this.judged.push(j);
  }
}

function defaultFilter(engine: Engine, alloc: PlaceholderAllocator): ContainmentStreamFilter | undefined {
  const state = containmentOf(alloc);
  const integration = state?.integration ?? null;
  return streamNeedsContainment(engine, state, integration)
    ? new ContainmentStreamFilter(engine, state, integration)
    : undefined;
}

function shift<T extends Finding>(f: T, by: number): T {
  return { ...f, start: f.start + by, end: f.end + by };
}
