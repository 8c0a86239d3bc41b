import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { encodeSse, parseSse, readSse, SseParser } from "../../src/providers/sse.js";
import type { SseEvent } from "../../src/providers/types.js";

/** Feeds `bytes` to a parser cut at `cuts` (byte offsets, so multi-byte characters get split too). */
function parseChunked(bytes: Uint8Array, cuts: number[]): SseEvent[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const parser = new SseParser();
  const out: SseEvent[] = [];
  let prev = 0;
  for (const p of [...points, bytes.length]) {
    out.push(...parser.push(bytes.subarray(prev, p)));
    prev = p;
  }
  out.push(...parser.end());
  return out;
}

const fieldName = fc.stringMatching(/^[a-z][a-z0-9_.]{0,15}$/);
// Data may hold anything but CR (a lone CR is a line end, so it cannot survive a round trip).
const dataText = fc.string({
  unit: fc.oneof(
    fc.constantFrom("\n", "{", "}", '"', ":", " ", "\uFEFF"),
    fc.string({ unit: "binary", maxLength: 1 }),
  ),
});
const event = fc.record(
  { event: fieldName, data: dataText.filter((d) => !d.includes("\r")), id: fieldName },
  { requiredKeys: ["data"] },
);
const eol = fc.constantFrom("\n", "\r\n", "\r");

/**
 * Writes events as a server would, with optional comments. One line ending per stream: a CR line
 * end followed by an LF blank line would read as one CRLF, in any parser.
 */
function write(events: SseEvent[], eol: string, comments: boolean[], closeLast: boolean): string {
  const end = () => eol;
  let out = "";
  events.forEach((ev, k) => {
    if (comments[k % comments.length]) out += `: keep-alive${end()}`;
    const lines = encodeSse(ev).split("\n").slice(0, -2);
    for (const line of lines) out += line + end();
    if (k < events.length - 1 || closeLast) out += end();
  });
  return out;
}

describe("SseParser", () => {
  it("parses any chunking of a valid stream to the same events", () => {
    fc.assert(
      fc.property(
        fc.array(event, { minLength: 1, maxLength: 8 }),
        eol,
        fc.array(fc.boolean(), { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        fc.array(fc.nat(), { maxLength: 12 }),
        (events, lineEnd, comments, closeLast, cuts) => {
          const text = write(events, lineEnd, comments, closeLast);
          const bytes = new TextEncoder().encode(text);
          expect(parseChunked(bytes, cuts)).toEqual(events);
        },
      ),
      { numRuns: 400 },
    );
  });

  it("parses a stream fed one character at a time as string chunks", () => {
    const text = "event: a\r\ndata: 1\r\ndata: 2\r\n\r\n:comment\rdata: x\r\rdata:y\n\n";
    const parser = new SseParser();
    const out = [...text].flatMap((c) => parser.push(c));
    out.push(...parser.end());
    expect(out).toEqual([{ event: "a", data: "1\n2" }, { data: "x" }, { data: "y" }]);
  });

  it("joins multi-line data and keeps a value's extra leading spaces", () => {
    expect(parseSse("data:  two spaces\ndata:\ndata\ndata: end\n\n")).toEqual([
      { data: " two spaces\n\n\nend" },
    ]);
  });

  it("skips comments, unknown fields, retry, and blocks without data", () => {
    expect(
      parseSse(": hello\nretry: 10\nfoo: bar\n\nevent: lonely\n\nevent: x\nid: 7\ndata: {}\n\n"),
    ).toEqual([{ event: "x", id: "7", data: "{}" }]);
  });

  it("delivers a final event that lacks its blank line", () => {
    expect(parseSse('data: {"a":1}\n\ndata: [DONE]')).toEqual([{ data: '{"a":1}' }, { data: "[DONE]" }]);
    expect(parseSse("data: last\r")).toEqual([{ data: "last" }]);
  });

  it("drops a leading byte-order mark", () => {
    expect(parseSse("\uFEFFdata: x\n\n")).toEqual([{ data: "x" }]);
    expect(
      parseChunked(new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode("data: y\n\n")]), [1, 2]),
    ).toEqual([{ data: "y" }]);
  });

  it("reads events from an async byte stream", async () => {
    const enc = new TextEncoder();
    async function* body() {
      yield enc.encode("event: ping\nda");
      yield enc.encode("ta: {}\n\n");
      yield enc.encode("data: end");
    }
    const out: SseEvent[] = [];
    for await (const ev of readSse(body())) out.push(ev);
    expect(out).toEqual([{ event: "ping", data: "{}" }, { data: "end" }]);
  });
});

describe("encodeSse", () => {
  it("writes multi-line data as several data lines", () => {
    expect(encodeSse({ event: "e", data: "a\nb" })).toBe("event: e\ndata: a\ndata: b\n\n");
  });
});
