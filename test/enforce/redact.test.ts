import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  mergeSpans,
  PlaceholderAllocator,
  redactText,
  type RedactionSpan,
} from "../../src/enforce/redact.js";
import { DATA_CLASSES } from "../../src/policy/classes.js";

const span = (
  start: number,
  end: number,
  kind = "email",
  cls: RedactionSpan["class"] = "confidential",
): RedactionSpan => ({
  start,
  end,
  kind,
  class: cls,
});

describe("redactText", () => {
  it("gives the same value the same placeholder and numbers each kind from 1", () => {
    const text = "a@x.io wrote to b@y.io and a@x.io, call +44 20 7946 0958";
    const alloc = new PlaceholderAllocator();
    const out = redactText(text, [span(0, 6), span(16, 22), span(27, 33), span(40, 56, "phone")], alloc);
    expect(out).toBe("[EMAIL_1] wrote to [EMAIL_2] and [EMAIL_1], call [PHONE_1]");
  });

  it("keeps numbering across the parts of one call", () => {
    const alloc = new PlaceholderAllocator();
    expect(redactText("to a@x.io", [span(3, 9)], alloc)).toBe("to [EMAIL_1]");
    expect(redactText("b@y.io and a@x.io", [span(0, 6), span(11, 17)], alloc)).toBe(
      "[EMAIL_2] and [EMAIL_1]",
    );
  });

  it("skips placeholder numbers the text already uses", () => {
    const text = "the model said [EMAIL_1]; real one: a@x.io";
    const alloc = new PlaceholderAllocator([text]);
    expect(redactText(text, [span(36, 42)], alloc)).toBe("the model said [EMAIL_1]; real one: [EMAIL_2]");
  });

  it("merges overlapping findings under the most sensitive kind", () => {
    const text = "password=hunter2@example.com end";
    const out = redactText(
      text,
      [span(9, 28, "email"), span(0, 28, "password", "restricted")],
      new PlaceholderAllocator(),
    );
    expect(out).toBe("[PASSWORD_1] end");
  });
});

const spansArb = (len: number) =>
  fc.array(
    fc
      .tuple(
        fc.nat(len),
        fc.nat(len),
        fc.constantFrom("email", "phone", "api_key"),
        fc.constantFrom(...DATA_CLASSES),
      )
      .map(([a, b, kind, cls]) => span(Math.min(a, b), Math.max(a, b), kind, cls)),
    { maxLength: 12 },
  );

describe("mergeSpans (property)", () => {
  it("covers exactly the union of the input spans, with disjoint sorted output", () => {
    fc.assert(
      fc.property(
        fc.nat(200).chain((len) => spansArb(len).map((spans) => ({ len, spans }))),
        ({ len, spans }) => {
          const merged = mergeSpans(spans);
          for (let i = 1; i < merged.length; i++)
            expect(merged[i]!.start).toBeGreaterThanOrEqual(merged[i - 1]!.end);
          const covered = (list: readonly RedactionSpan[], p: number) =>
            list.some((s) => s.start <= p && p < s.end);
          for (let p = 0; p <= len; p++) expect(covered(merged, p)).toBe(covered(spans, p));
        },
      ),
    );
  });
});

describe("redactText (property)", () => {
  it("keeps every character outside the spans, in order, and removes every character inside them", () => {
    fc.assert(
      fc.property(
        fc
          .string({ unit: "grapheme", maxLength: 120 })
          .chain((text) => spansArb(text.length).map((spans) => ({ text, spans }))),
        ({ text, spans }) => {
          const out = redactText(text, spans, new PlaceholderAllocator());
          const merged = mergeSpans(spans);
          let expected = "";
          let pos = 0;
          const alloc = new PlaceholderAllocator();
          for (const s of merged) {
            expected += text.slice(pos, s.start) + alloc.placeholderFor(s.kind, text.slice(s.start, s.end));
            pos = s.end;
          }
          expect(out).toBe(expected + text.slice(pos));
        },
      ),
    );
  });

  it("maps every placeholder back to the value it replaced", () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 80 }).chain((text) => spansArb(text.length).map((spans) => ({ text, spans }))),
        ({ text, spans }) => {
          const alloc = new PlaceholderAllocator([text]);
          const out = redactText(text, spans, alloc);
          const map = alloc.mapping();
          // Restoring placeholders (longest first) gives the original text back.
          let restored = out;
          for (const [ph, value] of [...map.entries()].sort((a, b) => b[0].length - a[0].length)) {
            restored = restored.split(ph).join(value);
          }
          expect(restored).toBe(text);
        },
      ),
    );
  });
});
