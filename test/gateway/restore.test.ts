import { Writable } from "node:stream";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { pino } from "pino";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startMockUpstream, type MockUpstream, type RecordedRequest } from "../helpers/mock-upstream.js";
import { startTestGateway, type TestGateway } from "../helpers/gateway.js";
import type { MemoryStore } from "../helpers/memory-store.js";

const EMAIL = "jane.okafor@brightwater.example";
const EMAIL2 = "renee.obrien@example.org";
const PHONE = "+44 20 7946 0958";
const NAME = "Zoë Müller-Straße";
const NAME2 = "李小龍";
const KEY = "ghp_R8fKq2ZpL0vT7mXw3NcB9sYhJ4dA6eUiQ1oG";
const ORIGINALS = [EMAIL, EMAIL2, PHONE, NAME, NAME2];
const GW_KEY = "pgk_test_support";
const OTHER_KEY = "pgk_test_other_caller";

const POLICY = `
providers:
  openai: { kind: openai, api_key_env: OPENAI_API_KEY, base_url: "{{UPSTREAM}}/v1", environments: [development] }
  anthropic: { kind: anthropic, api_key_env: ANTHROPIC_API_KEY, base_url: "{{UPSTREAM}}", environments: [development] }
  gemini: { kind: gemini, api_key_env: GEMINI_API_KEY, base_url: "{{UPSTREAM}}", environments: [development] }
integrations:
  support-bot:
    providers: [openai, anthropic, gemini]
    restore: true
    restore_ttl_seconds: 600
detectors:
  custom:
    - id: customer-name
      kind: name
      class: confidential
      pattern: "Zoë Müller-Straße|李小龍"
gateway:
  upstream_timeout_ms: 3000
`;

const PROMPT = `Customer ${NAME} (${EMAIL}, phone ${PHONE}) asked us to copy ${NAME2} at ${EMAIL2}. Draft a reply to ${EMAIL}.`;

let upstream: MockUpstream;
let gw: TestGateway;
let openai: OpenAI;
let anthropic: Anthropic;
const logs: string[] = [];

beforeAll(async () => {
  upstream = await startMockUpstream();
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logs.push(chunk.toString("utf8"));
      done();
    },
  });
  gw = await startTestGateway(POLICY, {
    upstream: upstream.url,
    keys: { [GW_KEY]: "support-bot", [OTHER_KEY]: "support-bot" },
    extra: { logger: pino({ level: "trace" }, sink) },
  });
  openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: GW_KEY, maxRetries: 0 });
  anthropic = new Anthropic({ baseURL: gw.url, apiKey: GW_KEY, maxRetries: 0 });
});
afterAll(async () => {
  await gw.close();
  await upstream.close();
});
beforeEach(() => upstream.reset());

/** The mock never saw a customer's value: not in any body, header or path. */
function expectUpstreamSawNoOriginal(): void {
  expect(upstream.requests.length).toBeGreaterThan(0);
  const seen = JSON.stringify(upstream.requests);
  for (const v of ORIGINALS) expect(seen).not.toContain(v);
}

/** Nothing kept by the gateway (audit events, logs) holds a value. */
function expectNothingStored(): void {
  const kept = JSON.stringify((gw.store as MemoryStore).events) + logs.join("");
  for (const v of ORIGINALS) expect(kept).not.toContain(v);
}

/** The placeholders the request carried, as the model would reuse them. */
function placeholdersIn(req: RecordedRequest): string[] {
  return [...new Set(JSON.stringify(req.body).match(/\[[A-Z_]+_\d+\]/g) ?? [])];
}

/** A model that answers with a tool call naming every placeholder the request carried. */
const toolReply = (req: RecordedRequest) => {
  const ph = placeholdersIn(req);
  const args = JSON.stringify({ recipients: ph, note: `cc ${ph.join(" & ")}` });
  return { text: "Sending now.", toolCall: { name: "send_email", arguments: args } };
};
const EXPECTED_ARGS = {
  recipients: [NAME, EMAIL, PHONE, NAME2, EMAIL2],
  note: `cc ${[NAME, EMAIL, PHONE, NAME2, EMAIL2].join(" & ")}`,
};

describe("OpenAI SDK round trips", () => {
  it("non-streamed: the model sees placeholders, the caller gets the originals", async () => {
    const r = await openai.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [
        { role: "system", content: `Account owner: ${EMAIL}` },
        { role: "user", content: PROMPT },
      ],
    });
    expectUpstreamSawNoOriginal();
    const sent = upstream.requests[0]!.body as { messages: { content: string }[] };
    // The same value has the same placeholder in every message of the call.
    expect(sent.messages[0]!.content).toBe("Account owner: [EMAIL_1]");
    expect(sent.messages[1]!.content).toBe(
      "Customer [NAME_1] ([EMAIL_1], phone [PHONE_1]) asked us to copy [NAME_2] at [EMAIL_2]. Draft a reply to [EMAIL_1].",
    );
    // The mock echoes the placeholders; the caller reads its own values.
    expect(r.choices[0]!.message.content).toBe(`Echo: ${PROMPT}`);
    expectNothingStored();
  });

  it("streamed in tiny chunks: every placeholder comes back whole", async () => {
    upstream.script({
      reply: (req) => {
        const text = `Reply for ${placeholdersIn(req).join(", ")} done`;
        return { text, chunks: [...text] };
      },
    });
    const stream = await openai.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: PROMPT }],
      stream: true,
    });
    const pieces: string[] = [];
    for await (const chunk of stream) pieces.push(chunk.choices[0]?.delta.content ?? "");
    expect(pieces.join("")).toBe(`Reply for ${NAME}, ${EMAIL}, ${PHONE}, ${NAME2}, ${EMAIL2} done`);
    // No piece ever showed part of a placeholder.
    for (const p of pieces) expect(p).not.toMatch(/\[[A-Z_]*\d*$|^[A-Z_]*\d*\]/);
    expectUpstreamSawNoOriginal();
    expectNothingStored();
  });

  it("tool-call arguments are restored, streamed and not, and still parse", async () => {
    upstream.script({ reply: toolReply });
    const whole = await openai.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: PROMPT }],
    });
    const call = whole.choices[0]!.message.tool_calls![0]!;
    expect(call.type === "function" && JSON.parse(call.function.arguments)).toEqual(EXPECTED_ARGS);

    const stream = await openai.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: PROMPT }],
      stream: true,
    });
    let args = "";
    for await (const chunk of stream)
      args += chunk.choices[0]?.delta.tool_calls?.[0]?.function?.arguments ?? "";
    expect(JSON.parse(args)).toEqual(EXPECTED_ARGS);
    expectUpstreamSawNoOriginal();
    expectNothingStored();
  });

  it("Responses API, streamed: text deltas and the final response carry the originals", async () => {
    const stream = await openai.responses.create({ model: "gpt-4o-mini", input: PROMPT, stream: true });
    let text = "";
    let final = "";
    for await (const ev of stream) {
      if (ev.type === "response.output_text.delta") text += ev.delta;
      if (ev.type === "response.output_text.done") final = ev.text;
    }
    expect(text).toBe(`Echo: ${PROMPT}`);
    expect(final).toBe(`Echo: ${PROMPT}`);
    expectUpstreamSawNoOriginal();
  });

  it("what the model alters or invents: which forms come back", async () => {
    upstream.script({ text: "[email_1] / [ EMAIL_1 ] / EMAIL_1 / [EMAIL_9] / [Name_1]" });
    const r = await openai.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: PROMPT }],
    });
    expect(r.choices[0]!.message.content).toBe(`${EMAIL} / ${EMAIL} / EMAIL_1 / [EMAIL_9] / ${NAME}`);
  });

  it("the user's own placeholder-like text is not confused with a real one", async () => {
    const r = await openai.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: `Template uses [EMAIL_1]; the real one is ${EMAIL}` }],
    });
    const sent = upstream.requests[0]!.body as { messages: { content: string }[] };
    expect(sent.messages[0]!.content).toBe("Template uses [EMAIL_1]; the real one is [EMAIL_2]");
    expect(r.choices[0]!.message.content).toBe(`Echo: Template uses [EMAIL_1]; the real one is ${EMAIL}`);
  });

  it("a leak the model produced itself is caught (output scan before restoring) and stays redacted", async () => {
    upstream.script({ text: "Write to [EMAIL_1], or to the CEO at ceo@brightwater.example" });
    const r = await openai.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: PROMPT }],
    });
    expect(r.choices[0]!.message.content).toBe(`Write to ${EMAIL}, or to the CEO at [EMAIL_3]`);
    const ev = (gw.store as MemoryStore).events.at(-1)!;
    // One leak reported: the model's own address, not the caller's restored one.
    expect(ev.output).toMatchObject({ decision: "redact", findings: { email: 1 } });
  });

  it("Restricted data still blocks: nothing is forwarded or pseudonymised", async () => {
    const err = await openai.chat.completions
      .create({ model: "gpt-4o-mini", messages: [{ role: "user", content: `${PROMPT} token ${KEY}` }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(403);
    expect(upstream.requests).toHaveLength(0);
  });
});

describe("Anthropic SDK round trips", () => {
  it("non-streamed text and tool input", async () => {
    upstream.script({ reply: toolReply });
    const m = await anthropic.messages.create({
      model: "claude-sonnet-4-5",
      max_tokens: 200,
      messages: [{ role: "user", content: PROMPT }],
    });
    const tool = m.content.find((b) => b.type === "tool_use");
    expect(tool && tool.type === "tool_use" && tool.input).toEqual(EXPECTED_ARGS);
    expectUpstreamSawNoOriginal();
    expectNothingStored();
  });

  it("streamed: text deltas and input_json_delta tool input", async () => {
    upstream.script({
      reply: (req) => {
        const t = toolReply(req);
        const text = `Echoing ${placeholdersIn(req).join(" ")}`;
        return { ...t, text, splitAt: [9, 10, 11, 14, 15, 20, 21, 22] };
      },
    });
    const stream = anthropic.messages.stream({
      model: "claude-sonnet-4-5",
      max_tokens: 200,
      messages: [{ role: "user", content: PROMPT }],
    });
    let text = "";
    stream.on("text", (t) => (text += t));
    const m = await stream.finalMessage();
    expect(text).toBe(`Echoing ${NAME} ${EMAIL} ${PHONE} ${NAME2} ${EMAIL2}`);
    const tool = m.content.find((b) => b.type === "tool_use");
    expect(tool && tool.type === "tool_use" && tool.input).toEqual(EXPECTED_ARGS);
    expectUpstreamSawNoOriginal();
    expectNothingStored();
  });
});

describe("Gemini wire", () => {
  it("functionCall args and streamed text are restored", async () => {
    upstream.script({ reply: toolReply });
    const res = await fetch(`${gw.url}/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse`, {
      method: "POST",
      headers: { "x-goog-api-key": GW_KEY, "content-type": "application/json" },
      body: JSON.stringify({ contents: [{ role: "user", parts: [{ text: PROMPT }] }] }),
    });
    expect(res.status).toBe(200);
    const chunks = (await res.text())
      .split("\n")
      .filter((l) => l.startsWith("data: "))
      .map(
        (l) =>
          JSON.parse(l.slice(6)) as {
            candidates?: { content?: { parts?: { text?: string; functionCall?: { args: unknown } }[] } }[];
          },
      );
    const parts = chunks.flatMap((c) => c.candidates?.[0]?.content?.parts ?? []);
    expect(parts.map((p) => p.text ?? "").join("")).toBe("Sending now.");
    expect(parts.find((p) => p.functionCall)?.functionCall?.args).toEqual(EXPECTED_ARGS);
    expectUpstreamSawNoOriginal();
  });
});

describe("non-streamed Responses API and Gemini generateContent", () => {
  it("restore text and tool arguments", async () => {
    upstream.script({ reply: toolReply });
    const r = await openai.responses.create({ model: "gpt-4o-mini", input: PROMPT });
    expect(r.output_text).toBe("Sending now.");
    const call = r.output.find((o) => o.type === "function_call");
    expect(call && call.type === "function_call" && JSON.parse(call.arguments)).toEqual(EXPECTED_ARGS);

    const res = await fetch(`${gw.url}/v1beta/models/gemini-2.5-flash:generateContent`, {
      method: "POST",
      headers: { "x-goog-api-key": GW_KEY, "content-type": "application/json" },
      body: JSON.stringify({ contents: [{ role: "user", parts: [{ text: PROMPT }] }] }),
    });
    const g = (await res.json()) as {
      candidates: { content: { parts: { text?: string; functionCall?: { args: unknown } }[] } }[];
    };
    expect(g.candidates[0]!.content.parts.find((p) => p.functionCall)?.functionCall?.args).toEqual(
      EXPECTED_ARGS,
    );
    expectUpstreamSawNoOriginal();
    expectNothingStored();
  });
});

describe("conversations (header x-policygate-conversation)", () => {
  const conv = { headers: { "x-policygate-conversation": `conv-${Date.now()}` } };

  it("keeps a value's placeholder across turns and restores values from earlier turns", async () => {
    await openai.chat.completions.create(
      { model: "gpt-4o-mini", messages: [{ role: "user", content: `Customer is ${EMAIL2}` }] },
      conv,
    );
    upstream.script({ text: "Both: [EMAIL_1] and [EMAIL_2]" });
    const r = await openai.chat.completions.create(
      {
        model: "gpt-4o-mini",
        messages: [
          { role: "user", content: `Customer is ${EMAIL2}` },
          { role: "assistant", content: "Noted." },
          { role: "user", content: `Also ${EMAIL}` },
        ],
      },
      conv,
    );
    const sent = JSON.stringify(upstream.requests[1]!.body);
    expect(sent).toContain("Customer is [EMAIL_1]");
    expect(sent).toContain("Also [EMAIL_2]");
    expect(r.choices[0]!.message.content).toBe(`Both: ${EMAIL2} and ${EMAIL}`);
    expectUpstreamSawNoOriginal();
    expectNothingStored();
  });

  it("another caller using the same conversation id gets nothing back", async () => {
    await openai.chat.completions.create(
      { model: "gpt-4o-mini", messages: [{ role: "user", content: `Customer is ${EMAIL2}` }] },
      conv,
    );
    const other = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: OTHER_KEY, maxRetries: 0 });
    upstream.script({ text: "It was [EMAIL_1]" });
    const r = await other.chat.completions.create(
      { model: "gpt-4o-mini", messages: [{ role: "user", content: "Who was [EMAIL_1]?" }] },
      conv,
    );
    expect(r.choices[0]!.message.content).toBe("It was [EMAIL_1]");
  });

  it("a malformed conversation id is refused with the rule to fix", async () => {
    const err = await openai.chat.completions
      .create(
        { model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] },
        { headers: { "x-policygate-conversation": "x".repeat(300) } },
      )
      .catch((e: unknown) => e);
    expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(400);
    expect(String((err as Error).message)).toContain("integrations.support-bot.restore");
    expect(upstream.requests).toHaveLength(0);
  });
});
