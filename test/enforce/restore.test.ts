import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  checkAnswer,
  checkStream,
  newTrace,
  parseCall,
  prepareCall,
  type CallScope,
} from "../../src/enforce/call.js";
import { decideInput, decideOutput } from "../../src/enforce/decide.js";
import { PlaceholderAllocator, redactText, type RedactionSpan } from "../../src/enforce/redact.js";
import { Restorer, RestoringGuard, restoreText, startRestore } from "../../src/enforce/restore.js";
import { OutputStreamGuard } from "../../src/enforce/stream.js";
import { PolicyViolation } from "../../src/enforce/violation.js";
import { adapterFor } from "../../src/providers/index.js";
import { engineFrom } from "../helpers/policy.js";

const EMAIL = "jane.okafor@brightwater.example";
const EMAIL2 = "renee.obrien@example.org";
const NAME = "Zoë Müller-Straße";
const NAME2 = "Ελένη Παπαδοπούλου";
const PHONE = "+44 20 7946 0958";
const KEY = "ghp_R8fKq2ZpL0vT7mXw3NcB9sYhJ4dA6eUiQ1oG";

const POLICY = `
providers:
  openai: { kind: openai, api_key_env: OPENAI_API_KEY, environments: [development] }
integrations:
  support-bot:
    providers: [openai]
    restore: true
  plain:
    providers: [openai]
detectors:
  custom:
    - id: customer-name
      kind: name
      class: confidential
      pattern: "Zoë Müller-Straße|Ελένη Παπαδοπούλου|李小龍"
`;
const engine = engineFrom(POLICY);

/** Cuts `text` at the given offsets (any order, duplicates allowed). */
function splitAt(text: string, cuts: number[]): string[] {
  const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
  const out: string[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(text.slice(prev, p));
    prev = p;
  }
  out.push(text.slice(prev));
  return out;
}

function streamed(map: ReadonlyMap<string, string>, chunks: string[]): string[] {
  const r = new Restorer(map);
  const out = chunks.map((c) => r.push(c));
  out.push(r.end());
  return out;
}

describe("restoreText: which placeholder forms come back", () => {
  const map = new Map([
    ["[EMAIL_1]", EMAIL],
    ["[STREET_ADDRESS_2]", "1 Main St"],
  ]);

  it("restores the exact form, any letter case, and spaces inside the brackets", () => {
    expect(restoreText("Write to [EMAIL_1].", map)).toBe(`Write to ${EMAIL}.`);
    expect(restoreText("Write to [email_1] or [Email_1].", map)).toBe(`Write to ${EMAIL} or ${EMAIL}.`);
    expect(restoreText("Write to [ EMAIL_1 ] at [street_address_2]", map)).toBe(
      `Write to ${EMAIL} at 1 Main St`,
    );
  });

  it("leaves bare names, other numbers and invented placeholders alone", () => {
    const text = "EMAIL_1 = load(); see [EMAIL_9], [EMAIL_01], [PHONE_1], {EMAIL_1}, (EMAIL_1)";
    expect(restoreText(text, map)).toBe(text);
  });

  it("restores a value repeated many times and adjacent placeholders", () => {
    expect(restoreText("[EMAIL_1][EMAIL_1] [EMAIL_1]", map)).toBe(`${EMAIL}${EMAIL} ${EMAIL}`);
  });
});

describe("placeholder numbering avoids text already in the call", () => {
  it("skips numbers the user's own text uses, in any of the restorable forms", () => {
    const text = `My notes mention [EMAIL_1] and [ email_2 ]; the customer is ${EMAIL}`;
    const alloc = new PlaceholderAllocator([text]);
    const start = text.indexOf(EMAIL);
    const out = redactText(
      text,
      [{ start, end: start + EMAIL.length, kind: "email", class: "confidential" }],
      alloc,
    );
    expect(out).toContain("[EMAIL_3]");
    const session = startRestore(alloc);
    // The user's literal placeholders are not in the mapping, so they come back as written.
    expect(restoreText(out, session.map)).toBe(text);
  });
});

describe("repeated and overlapping values", () => {
  it("an overlap becomes one placeholder and comes back as the whole original text", () => {
    const x = `Ship to 1 Main St c/o ${EMAIL}; bill ${EMAIL}`;
    const e1 = x.indexOf(EMAIL);
    const e2 = x.lastIndexOf(EMAIL);
    const spans: RedactionSpan[] = [
      { start: 8, end: e1 + 5, kind: "address", class: "confidential" },
      { start: e1, end: e1 + EMAIL.length, kind: "email", class: "confidential" },
      { start: e2, end: e2 + EMAIL.length, kind: "email", class: "confidential" },
    ];
    const alloc = new PlaceholderAllocator([x]);
    const y = redactText(x, spans, alloc);
    // The merged span takes the longer member's kind; the bare email is a different value.
    expect(y).toBe("Ship to [EMAIL_1]; bill [EMAIL_2]");
    expect(restoreText(y, startRestore(alloc).map)).toBe(x);
  });
});

describe("streams: a placeholder split across chunks", () => {
  const map = new Map([
    ["[EMAIL_1]", EMAIL],
    ["[PHONE_2]", PHONE],
  ]);
  const answer = "Dear customer, we will email [EMAIL_1] and call [ phone_2 ] today. [Note] [x";

  it("is restored whole and never emitted in part, however the answer is cut (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.nat(answer.length), { maxLength: 20 }), (cuts) => {
        const out = streamed(map, splitAt(answer, cuts));
        expect(out.join("")).toBe(restoreText(answer, map));
        for (const piece of out) {
          expect(piece).not.toMatch(/\[\s*(E|EM|EMA|EMAI|EMAIL|EMAIL_|EMAIL_1)$/i);
          expect(piece).not.toMatch(/\[\s*p(h|ho|hon|hone|hone_|hone_2|hone_2 )?$/i);
        }
      }),
    );
  });

  it("holds back only what may still become a placeholder", () => {
    const r = new Restorer(map);
    expect(r.push("Price [in EUR] is 5, see [EM")).toBe("Price [in EUR] is 5, see ");
    expect(r.push("AIL_1] now")).toBe(`${EMAIL} now`);
    expect(r.push("a [ link ](x) and [")).toBe("a [ link ](x) and ");
    expect(r.push("1, 2]")).toBe("[1, 2]");
    expect(r.end()).toBe("");
  });
});

describe("tool-call arguments (JSON text)", () => {
  const address = 'Flat 2, "The Mews"\n1 Main St\\Annex';
  const map = new Map([
    ["[ADDRESS_1]", address],
    ["[EMAIL_1]", EMAIL2],
  ]);

  it("escapes a restored value inside a JSON string so the arguments still parse", () => {
    const args = '{"to": "[EMAIL_1]", "ship_to": "[ADDRESS_1]", "note": "say \\"[EMAIL_1]\\""}';
    const restored = restoreText(args, map);
    expect(JSON.parse(restored)).toEqual({ to: EMAIL2, ship_to: address, note: `say "${EMAIL2}"` });
  });

  it("gives the same arguments however they are streamed (property)", () => {
    const args = '{"to":"[EMAIL_1]","lines":["[ADDRESS_1]","x"],"q":"a\\"[ADDRESS_1]"}';
    const whole = restoreText(args, map);
    fc.assert(
      fc.property(fc.array(fc.nat(args.length), { maxLength: 16 }), (cuts) => {
        expect(streamed(map, splitAt(args, cuts)).join("")).toBe(whole);
      }),
    );
    expect(JSON.parse(whole)).toEqual({ to: EMAIL2, lines: [address, "x"], q: `a"${address}` });
  });
});

describe("restore(redact(x)) == x", () => {
  const spanArb = (len: number) =>
    fc.array(
      fc.tuple(fc.nat(len), fc.nat(len), fc.constantFrom("email", "phone", "person name", "address")),
      { maxLength: 8 },
    );

  it("for any text and any redacted spans, whole and across arbitrary chunk splits (property)", () => {
    const text = fc
      .array(
        fc.oneof(
          fc.string({ unit: "grapheme" }),
          fc.constantFrom("[EMAIL_1]", "[email_2]", "[ PHONE_1 ]", "[", "]", "_1]", "[NAME", "{", '"', "\\"),
        ),
        { maxLength: 12 },
      )
      .map((xs) => xs.join(""))
      // A text that opens with "{" is read as JSON (covered below).
      .filter((s) => !/^\s*\{/.test(s));
    fc.assert(
      fc.property(
        text.chain((x) => fc.tuple(fc.constant(x), spanArb(x.length), fc.array(fc.nat(x.length * 2 + 20)))),
        ([x, raw, cuts]) => {
          const spans: RedactionSpan[] = raw
            .map(([a, b, kind]) => ({
              start: Math.min(a, b),
              end: Math.max(a, b),
              kind,
              class: "confidential" as const,
            }))
            .filter((s) => s.end > s.start);
          const alloc = new PlaceholderAllocator([x]);
          const y = redactText(x, spans, alloc);
          const { map } = startRestore(alloc);
          expect(restoreText(y, map)).toBe(x);
          expect(streamed(map, splitAt(y, cuts)).join("")).toBe(x);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("for JSON documents whose string values are redacted (property)", () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string(), fc.string({ unit: "grapheme" }), { minKeys: 1, maxKeys: 5 }),
        fc.array(fc.nat(400)),
        (obj, cuts) => {
          const x = JSON.stringify(obj);
          const alloc = new PlaceholderAllocator([x]);
          // Every string literal after a ":" is a value: redact its contents as the scanner would.
          const spans: RedactionSpan[] = [];
          for (const m of x.matchAll(/:"((?:[^"\\]|\\.)*)"/g)) {
            const start = m.index + 2;
            if (m[1]!.length)
              spans.push({ start, end: start + m[1]!.length, kind: "name", class: "confidential" });
          }
          const y = redactText(x, spans, alloc);
          const { map } = startRestore(alloc);
          expect(restoreText(y, map)).toBe(x);
          expect(streamed(map, splitAt(y, cuts)).join("")).toBe(x);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("through the detectors: emails, phones and Unicode text, collisions included (property)", () => {
    const fragment = fc.constantFrom(
      EMAIL,
      EMAIL2,
      NAME,
      NAME2,
      PHONE,
      "(415) 555-0132",
      "Call me on ",
      " and ",
      "[EMAIL_1]",
      "[email_2]",
      "[ PHONE_1 ]",
      "Ελένη Παπαδοπούλου",
      "李小龍",
      "😀",
      "\n",
      ", ",
    );
    fc.assert(
      fc.property(fc.array(fragment, { minLength: 1, maxLength: 10 }), fc.array(fc.nat(400)), (xs, cuts) => {
        const x = xs.join(" ");
        const alloc = new PlaceholderAllocator([x]);
        const d = decideInput(engine, [{ text: x }], alloc);
        const y = d.texts![0]!;
        expect(y).not.toContain(EMAIL);
        const session = startRestore(alloc);
        expect(restoreText(y, session.map)).toBe(x);
        // The whole answer path: output guard first, then restoration, at any chunking.
        const inner = new OutputStreamGuard(engine, alloc);
        const guard = new RestoringGuard(inner, session);
        const out = splitAt(y, cuts).map((c) => guard.push("c0", c));
        out.push(guard.end("c0"));
        expect(guard.emitted("c0")).toBe(out.join(""));
        // Unless the output scan found something the input scan did not (then it stays redacted).
        if (inner.decision().findings.length === 0) expect(out.join("")).toBe(x);
      }),
      { numRuns: 150 },
    );
  });
});

describe("the call pipeline with restore: true", () => {
  const adapter = adapterFor("openai");
  const scopeFor = (integration: string, conversation?: string): CallScope => ({
    engine,
    adapter,
    endpoint: "openai.chat",
    integration,
    conversation: conversation ?? null,
    caller: "k1",
  });
  const chat = (...contents: string[]) => ({
    model: "gpt-4o-mini",
    messages: contents.map((content) => ({ role: "user", content })),
  });
  const answer = (content: string, args?: string) => ({
    id: "x",
    object: "chat.completion",
    created: 0,
    model: "gpt-4o-mini",
    choices: [
      {
        index: 0,
        message: {
          role: "assistant",
          content,
          ...(args
            ? { tool_calls: [{ id: "t", type: "function", function: { name: "send", arguments: args } }] }
            : {}),
        },
        finish_reason: "stop",
      },
    ],
  });
  function prepare(scope: CallScope, body: ReturnType<typeof chat>) {
    const trace = newTrace(0);
    const parsed = parseCall(scope, body, {}, trace);
    return { ...prepareCall(scope, "openai", parsed, body, trace), trace };
  }

  it("sends placeholders, the same one for the same value across messages, and restores the answer", () => {
    const scope = scopeFor("support-bot");
    const p = prepare(scope, chat(`Customer ${EMAIL} called.`, `Reply to ${EMAIL} and ${EMAIL2}`));
    const sent = JSON.stringify(p.body);
    expect(sent).not.toContain(EMAIL);
    expect(sent).not.toContain(EMAIL2);
    expect(sent).toContain("Customer [EMAIL_1] called.");
    expect(sent).toContain("Reply to [EMAIL_1] and [EMAIL_2]");
    expect(p.restore?.map.size).toBe(2);
    const out = checkAnswer(
      scope,
      answer("Sent to [EMAIL_1], cc [email_2].", '{"to":"[EMAIL_2]"}'),
      p.alloc,
      p.trace,
    ) as ReturnType<typeof answer>;
    expect(out.choices[0]!.message.content).toBe(`Sent to ${EMAIL}, cc ${EMAIL2}.`);
    expect(JSON.parse(out.choices[0]!.message.tool_calls![0]!.function.arguments)).toEqual({ to: EMAIL2 });
    // Restored values are the caller's own: the output check saw only placeholders.
    expect(p.trace.output!.findings).toHaveLength(0);
  });

  it("an integration without restore keeps placeholders in the answer", () => {
    const scope = scopeFor("plain");
    const p = prepare(scope, chat(`Customer ${EMAIL}`));
    expect(p.restore).toBeUndefined();
    const out = checkAnswer(scope, answer("Sent to [EMAIL_1]"), p.alloc, p.trace) as ReturnType<
      typeof answer
    >;
    expect(out.choices[0]!.message.content).toBe("Sent to [EMAIL_1]");
  });

  it("a leak the model produced on its own is still caught and stays redacted", () => {
    const scope = scopeFor("support-bot");
    const p = prepare(scope, chat(`Customer ${EMAIL}`));
    const leaked = "ceo@brightwater.example";
    const out = checkAnswer(scope, answer(`Ask [EMAIL_1] or ${leaked}`), p.alloc, p.trace) as ReturnType<
      typeof answer
    >;
    const text = out.choices[0]!.message.content;
    expect(text).toBe(`Ask ${EMAIL} or [EMAIL_2]`);
    expect(p.trace.output!.counts).toEqual({ email: 1 });
    expect(p.trace.output!.rules.map((r) => r.rule)).toEqual(["output.leak_classes"]);
  });

  it("a streamed leak is caught too, and the caller's values come back", () => {
    const scope = scopeFor("support-bot");
    const p = prepare(scope, chat(`Customer ${EMAIL}`));
    const check = checkStream(scope, p.alloc);
    const text = "Ask [EMA" + "IL_1] or boss@brightwater.example, thanks";
    const ev = (content: string) => ({
      data: JSON.stringify({
        id: "x",
        object: "chat.completion.chunk",
        choices: [{ index: 0, delta: { content }, finish_reason: null }],
      }),
    });
    const events = [
      ...splitAt(text, [5, 8, 12, 30]).flatMap((c) => check.rewriter.onEvent(ev(c))),
      ...check.rewriter.onEnd(),
    ];
    const got = events
      .map((e) => JSON.parse(e.data) as { choices: { delta: { content?: string } }[] })
      .map((e) => e.choices[0]?.delta.content ?? "")
      .join("");
    expect(got).toBe(`Ask ${EMAIL} or [EMAIL_2], thanks`);
    expect(check.finish(p.trace)).toBeNull();
    expect(p.trace.output!.counts).toEqual({ email: 1 });
  });

  it("Restricted data still blocks, and is never restorable", () => {
    expect(() => prepare(scopeFor("support-bot"), chat(`token ${KEY} for ${EMAIL}`))).toThrow(
      PolicyViolation,
    );
    const lax = engineFrom(`${POLICY}\nclasses:\n  restricted: { action: redact }\n`);
    const scope = { ...scopeFor("support-bot"), engine: lax };
    const p = prepare(scope, chat(`token ${KEY} for ${EMAIL}`));
    expect(JSON.stringify(p.body)).not.toContain(KEY);
    expect([...p.restore!.map.values()]).toEqual([EMAIL]);
    const out = checkAnswer(scope, answer("[TOKEN_1] / [EMAIL_1]"), p.alloc, p.trace) as ReturnType<
      typeof answer
    >;
    expect(out.choices[0]!.message.content).toBe(`[TOKEN_1] / ${EMAIL}`);
  });

  it("keeps placeholders across turns of one conversation, for the same caller only", () => {
    const conv = `conv-${Math.random()}`;
    const t1 = prepare(scopeFor("support-bot", conv), chat(`Customer ${EMAIL2}`));
    expect(JSON.stringify(t1.body)).toContain("[EMAIL_1]");
    const t2 = prepare(scopeFor("support-bot", conv), chat(`Also ${EMAIL}, and again ${EMAIL2}`));
    expect(JSON.stringify(t2.body)).toContain("Also [EMAIL_2], and again [EMAIL_1]");
    // The model refers to a value from the first turn only.
    const out = checkAnswer(
      scopeFor("support-bot", conv),
      answer("[EMAIL_1]"),
      t2.alloc,
      t2.trace,
    ) as ReturnType<typeof answer>;
    expect(out.choices[0]!.message.content).toBe(EMAIL2);
    // Another caller naming the same conversation starts from nothing.
    const other = { ...scopeFor("support-bot", conv), caller: "k2" };
    const t3 = prepare(other, chat("What was [EMAIL_1]?"));
    const leak = checkAnswer(other, answer("It was [EMAIL_1]"), t3.alloc, t3.trace) as ReturnType<
      typeof answer
    >;
    expect(leak.choices[0]!.message.content).toBe("It was [EMAIL_1]");
  });

  it("refuses a conversation id it cannot use, naming the rule", () => {
    try {
      prepare(scopeFor("support-bot", "bad id\n"), chat("hi"));
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(PolicyViolation);
      expect((e as PolicyViolation).status).toBe(400);
      expect((e as PolicyViolation).rules).toEqual(["integrations.support-bot.restore"]);
    }
  });

  it("decideOutput on a restored-looking answer sees no values", () => {
    const alloc = new PlaceholderAllocator();
    expect(decideOutput(engine, [{ text: "Reply to [EMAIL_1] at [PHONE_1]" }], alloc).findings).toHaveLength(
      0,
    );
  });
});

describe("Unicode values", () => {
  it("are pseudonymised by a custom detector and come back intact, streamed or not", () => {
    const x = `${NAME} wrote to ${NAME2} and 李小龍 😀; ${NAME} again`;
    const alloc = new PlaceholderAllocator([x]);
    const y = decideInput(engine, [{ text: x }], alloc).texts![0]!;
    expect(y).toBe("[NAME_1] wrote to [NAME_2] and [NAME_3] 😀; [NAME_1] again");
    const { map } = startRestore(alloc);
    expect(restoreText(y, map)).toBe(x);
    expect(streamed(map, [...y]).join("")).toBe(x);
  });
});
