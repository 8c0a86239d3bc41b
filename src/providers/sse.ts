import type { SseEvent } from "./types.js";

/**
 * An incremental Server-Sent Events parser (the WHATWG event-stream grammar). Chunks may split
 * anywhere: inside a line, between "\r" and "\n", inside a multi-byte UTF-8 character. Lines end in
 * LF, CRLF or CR; comment lines (":") and unknown fields are skipped; `data` lines of one event are
 * joined with "\n". Unlike a browser, `end()` also delivers a last event that lacks its closing blank
 * line, because upstreams cut off mid-answer still sent it whole.
 *
 * @example
 * const parser = new SseParser();
 * parser.push('event: ping\ndata: {}\n'); // []
 * parser.push("\n");                      // [{ event: "ping", data: "{}" }]
 */
export class SseParser {
  private readonly decoder = new TextDecoder("utf-8");
  private buf = "";
  /** The previous chunk ended in "\r": a "\n" starting the next chunk belongs to that line end. */
  private skipLf = false;
  private atStart = true;
  private data: string[] = [];
  private hasData = false;
  private event: string | undefined;
  private id: string | undefined;

  /** Feeds a chunk; returns the events it completed. */
  push(chunk: string | Uint8Array): SseEvent[] {
    const text = typeof chunk === "string" ? chunk : this.decoder.decode(chunk, { stream: true });
    return this.consume(text);
  }

  /** The stream ended: returns the last event if it was complete but lacked its blank line. */
  end(): SseEvent[] {
    const out = this.consume(this.decoder.decode());
    if (this.buf.length) this.line(this.buf, out);
    this.buf = "";
    this.dispatch(out);
    return out;
  }

  private consume(text: string): SseEvent[] {
    const out: SseEvent[] = [];
    if (!text) return out;
    if (this.skipLf) {
      this.skipLf = false;
      if (text.startsWith("\n")) text = text.slice(1);
    }
    if (this.atStart) {
      // A byte-order mark may precede the first line and is not part of it (TextDecoder drops it
      // from bytes; string chunks keep it).
      if (text.startsWith("\uFEFF")) text = text.slice(1);
      this.atStart = false;
    }
    const buf = this.buf + text;
    let from = 0;
    // Each search resumes only once the line end it found is consumed, so a chunk is scanned once.
    let cr = buf.indexOf("\r");
    let lf = buf.indexOf("\n");
    for (;;) {
      if (cr !== -1 && cr < from) cr = buf.indexOf("\r", from);
      if (lf !== -1 && lf < from) lf = buf.indexOf("\n", from);
      const eol = cr === -1 ? lf : lf === -1 ? cr : Math.min(cr, lf);
      if (eol === -1) break;
      this.line(buf.slice(from, eol), out);
      if (buf[eol] === "\r") {
        if (eol + 1 < buf.length) from = buf[eol + 1] === "\n" ? eol + 2 : eol + 1;
        else {
          from = eol + 1;
          this.skipLf = true;
        }
      } else from = eol + 1;
    }
    this.buf = buf.slice(from);
    return out;
  }

  private line(line: string, out: SseEvent[]): void {
    if (line === "") {
      this.dispatch(out);
      return;
    }
    if (line.startsWith(":")) return;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    switch (field) {
      case "data":
        this.data.push(value);
        this.hasData = true;
        break;
      case "event":
        this.event = value || undefined;
        break;
      case "id":
        if (!value.includes("\0")) this.id = value;
        break;
      // "retry" and unknown fields carry nothing a proxy needs.
    }
  }

  private dispatch(out: SseEvent[]): void {
    if (this.hasData) {
      const ev: SseEvent = { data: this.data.join("\n") };
      if (this.event !== undefined) ev.event = this.event;
      if (this.id !== undefined) ev.id = this.id;
      out.push(ev);
    }
    this.data = [];
    this.hasData = false;
    this.event = undefined;
    this.id = undefined;
  }
}

/** Parses a whole event stream. */
export function parseSse(text: string): SseEvent[] {
  const parser = new SseParser();
  return [...parser.push(text), ...parser.end()];
}

/**
 * One event in the wire's text form. Data containing line breaks becomes several `data:` lines,
 * which a parser joins back with "\n".
 *
 * @example
 * encodeSse({ event: "message_stop", data: '{"type":"message_stop"}' });
 * // 'event: message_stop\ndata: {"type":"message_stop"}\n\n'
 */
export function encodeSse(ev: SseEvent): string {
  let out = "";
  if (ev.event !== undefined) out += `event: ${ev.event}\n`;
  if (ev.id !== undefined) out += `id: ${ev.id}\n`;
  for (const line of ev.data.split(/\r\n|\r|\n/)) out += `data: ${line}\n`;
  return out + "\n";
}

/**
 * The events of a response body as they arrive.
 *
 * @example
 * for await (const ev of readSse(response.body!)) console.log(ev.event, ev.data);
 */
export async function* readSse(body: AsyncIterable<Uint8Array | string>): AsyncGenerator<SseEvent> {
  const parser = new SseParser();
  for await (const chunk of body) yield* parser.push(chunk);
  yield* parser.end();
}
