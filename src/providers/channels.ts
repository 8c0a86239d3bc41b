import type { StreamRewriter, StreamTextGuard, Usage } from "./adapter.js";
import type { SseEvent } from "./types.js";

/**
 * The text channels of one streamed answer (a choice's text, a tool call's arguments), each run
 * through the guard. Remembers which channels are open and what each one is, so a rewriter can
 * flush the held-back text of every open channel in the wire's own delta shape when the answer
 * (or the stream) ends.
 */
export class GuardedChannels<Info> {
  private readonly open = new Map<string, Info>();
  private readonly seen = new Map<string, Info>();

  constructor(readonly guard: StreamTextGuard) {}

  /** A delta of a channel; returns what may be released now. */
  push(name: string, text: string, info: Info): string {
    if (!this.seen.has(name)) {
      this.seen.set(name, info);
      this.open.set(name, info);
    }
    if (!this.open.has(name)) return "";
    return this.guard.push(name, text);
  }

  /** Ends a channel; returns its held-back text ("" when nothing was held or it was closed already). */
  close(name: string): string {
    if (!this.open.has(name)) return "";
    this.open.delete(name);
    return this.guard.end(name);
  }

  /**
   * The final text of a channel, for events and objects that repeat the whole text. A text that
   * never came as deltas (an upstream that only sent the final object) is scanned whole here.
   * `rest` is what the caller has not been sent as a delta yet.
   */
  settle(name: string, full: string, info: Info): { rest: string; text: string } {
    if (!this.seen.has(name)) {
      this.push(name, full, info);
      this.close(name);
      return { rest: "", text: this.guard.emitted(name) };
    }
    const rest = this.close(name);
    return { rest, text: this.guard.emitted(name) };
  }

  /** Open channels, in the order they were first seen, optionally only those `which` selects. */
  openChannels(which: (info: Info) => boolean = () => true): [string, Info][] {
    return [...this.open].filter(([, info]) => which(info));
  }

  /** What a channel is, once it has been seen. */
  info(name: string): Info | undefined {
    return this.seen.get(name);
  }
}

/** The rewriter of an endpoint that does not stream: events pass untouched. */
export class PassThrough implements StreamRewriter {
  onEvent(ev: SseEvent): SseEvent[] {
    return [ev];
  }
  onEnd(): SseEvent[] {
    return [];
  }
  usage(): Usage | null {
    return null;
  }
}
