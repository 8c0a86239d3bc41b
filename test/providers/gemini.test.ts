import { Hono } from "hono";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { UpstreamInput } from "../../src/providers/adapter.js";
import { geminiAdapter } from "../../src/providers/gemini.js";
import { parseSse, readSse } from "../../src/providers/sse.js";
import type { Endpoint, SseEvent } from "../../src/providers/types.js";
import { WireError } from "../../src/providers/types.js";
import type { ProviderConfig } from "../../src/policy/schema.js";
import { startMockUpstream, type MockUpstream } from "../helpers/mock-upstream.js";
import { runWireTests, ShoutingGuard, type StreamTexts } from "./wire.case.js";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** What Google's client libraries raise: the HTTP status, Google's status name and its message. */
class GeminiApiError extends Error {
  constructor(
    readonly status: number,
    readonly statusName: string,
    message: string,
  ) {
    super(`got status: ${status} ${statusName}. ${message}`);
  }
}

/**
 * Calls the API as Google's REST documentation shows: the key in x-goog-api-key, `alt=sse` for
 * server-sent events, or the default streamed JSON array.
 */
async function generate(baseUrl: string, prompt: string, stream: boolean, sse: boolean) {
  const model = "gemini-2.5-flash";
  const action = stream ? `streamGenerateContent${sse ? "?alt=sse" : ""}` : "generateContent";
  const res = await fetch(`${baseUrl}/v1beta/models/${model}:${action}`, {
    method: "POST",
    headers: { "x-goog-api-key": "gateway-key", "content-type": "application/json" },
    body: JSON.stringify({ contents: [{ role: "user", parts: [{ text: prompt }] }] }),
  });
  if (!res.ok) {
    const e = ((await res.json()) as Json).error;
    throw new GeminiApiError(e.code, e.status, e.message);
  }
  let chunks: Json[] = [];
  if (!stream) chunks = [(await res.json()) as Json];
  else if (sse) for await (const ev of readSse(res.body!)) chunks.push(JSON.parse(ev.data));
  else chunks = JSON.parse(await res.text());
  let text = "";
  let toolArgs: string | undefined;
  for (const ch of chunks) {
    if (ch.error) throw new GeminiApiError(ch.error.code, ch.error.status, ch.error.message);
    for (const p of ch.candidates?.[0]?.content?.parts ?? []) {
      if (typeof p.text === "string") text += p.text;
      if (p.functionCall) toolArgs = JSON.stringify(p.functionCall.args);
    }
  }
  return { text, toolArgs };
}

function readStream(_endpoint: Endpoint, events: SseEvent[]): StreamTexts {
  const t: StreamTexts = { deltas: "", finals: [], toolDeltas: "", toolFinals: [] };
  for (const ev of events) {
    const d = JSON.parse(ev.data) as Json;
    for (const p of d.candidates?.[0]?.content?.parts ?? []) {
      if (typeof p.text === "string") t.deltas += p.text;
      if (p.functionCall) t.toolFinals.push(JSON.stringify(p.functionCall.args));
    }
  }
  return t;
}

const request = (stream: boolean, sse: boolean) => (prompt: string) => ({
  endpoint: (stream ? "gemini.stream_generate" : "gemini.generate") as Endpoint,
  body: { contents: [{ role: "user", parts: [{ text: prompt }] }] },
  params: { modelAction: `gemini-2.5-flash:${stream ? "streamGenerateContent" : "generateContent"}` },
  query: (sse ? { alt: "sse" } : {}) as Record<string, string>,
});

runWireTests({
  adapter: geminiAdapter,
  readStream,
  paths: {
    "gemini.generate": "/v1beta/models/gemini-2.5-flash:generateContent",
    "gemini.stream_generate": "/v1beta/models/gemini-2.5-pro:streamGenerateContent",
  },
  rich: [
    {
      endpoint: "gemini.generate",
      params: { modelAction: "gemini-2.5-flash:generateContent" },
      model: "gemini-2.5-flash",
      body: {
        systemInstruction: { parts: [{ text: "You are a travel assistant." }] },
        contents: [
          {
            role: "user",
            parts: [
              { text: "Plan a trip." },
              { inlineData: { mimeType: "image/jpeg", data: "/9j/4AAQ" } },
              {
                fileData: {
                  mimeType: "application/pdf",
                  fileUri: "https://generativelanguage.googleapis.com/v1beta/files/abc",
                },
              },
            ],
          },
          {
            role: "model",
            parts: [
              {
                functionCall: {
                  name: "search_flights",
                  args: { from: "Lisbon", to: "Oslo", passengers: 2, prefs: { seat: "aisle" } },
                },
              },
            ],
          },
          {
            role: "user",
            parts: [
              {
                functionResponse: {
                  name: "search_flights",
                  response: { result: "Flight TP123 at 09:00", price: 210 },
                },
              },
            ],
          },
          { role: "user", parts: [{ text: "Book the cheapest." }] },
        ],
        tools: [
          {
            functionDeclarations: [
              {
                name: "search_flights",
                description: "Search flights.",
                parameters: {
                  type: "OBJECT",
                  properties: { from: { type: "STRING", description: "Departure city." } },
                },
              },
            ],
          },
        ],
        generationConfig: { temperature: 0.2 },
      },
      texts: [
        "You are a travel assistant.",
        "Plan a trip.",
        "Lisbon",
        "Oslo",
        "aisle",
        "Flight TP123 at 09:00",
        "Book the cheapest.",
        "Search flights.",
        "Departure city.",
      ],
      unscannable: ["image", "document"],
    },
    {
      // Google's REST docs spell fields in snake_case too; the API accepts both.
      endpoint: "gemini.stream_generate",
      params: { modelAction: "gemini-2.5-pro:streamGenerateContent" },
      model: "gemini-2.5-pro",
      body: {
        system_instruction: { parts: [{ text: "Snake system." }] },
        contents: [
          { parts: [{ text: "Snake user." }, { inline_data: { mime_type: "audio/wav", data: "UklGRg==" } }] },
        ],
        tools: [{ function_declarations: [{ name: "f", description: "Snake tool." }] }],
      },
      texts: ["Snake system.", "Snake user.", "Snake tool."],
      unscannable: ["audio"],
    },
  ],
  malformed: [
    {
      name: "a request without contents",
      endpoint: "gemini.generate",
      params: { modelAction: "gemini-2.5-flash:generateContent" },
      body: { generationConfig: {} },
      message: /^contents is required/,
    },
    {
      name: "empty contents",
      endpoint: "gemini.generate",
      params: { modelAction: "gemini-2.5-flash:generateContent" },
      body: { contents: [] },
      message: /^contents is required and must be a non-empty array/,
    },
    {
      name: "a content without parts",
      endpoint: "gemini.generate",
      params: { modelAction: "gemini-2.5-flash:generateContent" },
      body: { contents: [{ role: "user" }] },
      message: /^contents\[0\]\.parts must be an array of parts/,
    },
    {
      name: "a numeric text part",
      endpoint: "gemini.stream_generate",
      params: { modelAction: "gemini-2.5-flash:streamGenerateContent" },
      body: { contents: [{ parts: [{ text: 5 }] }] },
      message: /^contents\[0\]\.parts\[0\]\.text must be a string/,
    },
    {
      name: "a model id that would change the upstream path",
      endpoint: "gemini.generate",
      params: { modelAction: "../../v1/files:generateContent" },
      body: { contents: [{ parts: [{ text: "x" }] }] },
      message: /model in the path must be a model id/,
    },
    {
      name: "tools that are not an array",
      endpoint: "gemini.generate",
      params: { modelAction: "gemini-2.5-flash:generateContent" },
      body: { contents: [{ parts: [{ text: "x" }] }], tools: {} },
      message: /^tools must be an array/,
    },
  ],
  errorShape(body, status, message) {
    expect(body).toEqual({ error: { code: status, message, status: expect.stringMatching(/^[A-Z_]+$/) } });
  },
  clients: [
    {
      name: "REST with alt=sse",
      request: (prompt, stream) => request(stream, true)(prompt),
      complete: (baseUrl, prompt, stream) => generate(baseUrl, prompt, stream, true),
      errorClass: () => GeminiApiError,
    },
    {
      name: "REST streamed JSON array",
      request: (prompt, stream) => request(stream, false)(prompt),
      complete: (baseUrl, prompt, stream) => generate(baseUrl, prompt, stream, false),
      errorClass: () => GeminiApiError,
    },
  ],
});

function upstreamInput(
  base: string | undefined,
  endpoint: Endpoint,
  model = "gemini-2.5-flash",
): UpstreamInput {
  const provider = {
    kind: "gemini",
    environments: [],
    max_class: "internal",
    zero_data_retention: false,
    status: "approved",
    base_url: base,
  };
  return {
    endpoint,
    provider: provider as ProviderConfig,
    apiKey: "AIza-provider",
    model,
    stream: endpoint === "gemini.stream_generate",
    body: { contents: [] },
    passHeaders: { authorization: "Bearer caller" },
    query: { key: "caller-key", alt: "sse" },
  };
}

describe("gemini wire: routes and upstream requests", () => {
  const app = new Hono();
  for (const prefix of ["", "/google"])
    for (const r of geminiAdapter.routes)
      app.on(r.method, prefix + r.path, (c) => {
        try {
          const req = geminiAdapter.parseRequest(
            r.endpoint,
            { contents: [{ parts: [{ text: "x" }] }] },
            c.req.param(),
          );
          return c.json({ endpoint: r.endpoint, model: req.model, stream: req.stream });
        } catch (e) {
          return c.json({ error: (e as Error).message }, (e as WireError).status as 400);
        }
      });

  it.each([
    ["/v1beta/models/gemini-2.5-flash:generateContent", "gemini.generate", "gemini-2.5-flash", false],
    [
      "/v1beta/models/gemini-2.0-flash-001:streamGenerateContent?alt=sse",
      "gemini.stream_generate",
      "gemini-2.0-flash-001",
      true,
    ],
    [
      "/google/v1beta/models/gemini-1.5-pro-latest:streamGenerateContent",
      "gemini.stream_generate",
      "gemini-1.5-pro-latest",
      true,
    ],
    [
      "/v1beta/models/learnlm-2.0-flash-experimental:generateContent",
      "gemini.generate",
      "learnlm-2.0-flash-experimental",
      false,
    ],
  ])("routes %s to %s for model %s", async (path, endpoint, model, stream) => {
    const res = await app.request(path, { method: "POST" });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ endpoint, model, stream });
  });

  it.each([
    ["/v1beta/models/gemini-2.5-flash:countTokens"],
    ["/v1beta/models/gemini-2.5-flash"],
    ["/v1beta/models/a/b:generateContent"],
  ])("does not route %s", async (path) => {
    expect((await app.request(path, { method: "POST" })).status).toBe(404);
  });

  it("refuses an encoded path separator in the model", async () => {
    const res = await app.request("/v1beta/models/..%2F..%2Ffiles:generateContent", { method: "POST" });
    expect(res.status).toBe(400);
  });

  it("refuses an action that does not match the endpoint", () => {
    const body = { contents: [{ parts: [{ text: "x" }] }] };
    expect(() =>
      geminiAdapter.parseRequest("gemini.generate", body, { modelAction: "m:streamGenerateContent" }),
    ).toThrow(/expected :generateContent/);
  });

  it.each([
    [undefined, "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent"],
    [
      "https://generativelanguage.googleapis.com/v1beta",
      "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent",
    ],
    [
      "https://generativelanguage.googleapis.com/v1",
      "https://generativelanguage.googleapis.com/v1/models/gemini-2.5-flash:generateContent",
    ],
    [
      "https://llm-proxy.example/google/",
      "https://llm-proxy.example/google/v1beta/models/gemini-2.5-flash:generateContent",
    ],
  ])("joins base_url %s into %s", (base, url) => {
    expect(geminiAdapter.upstream(upstreamInput(base, "gemini.generate")).url).toBe(url);
  });

  it("always streams upstream as SSE, with the provider key in x-goog-api-key and none of the caller's", () => {
    const u = geminiAdapter.upstream(upstreamInput(undefined, "gemini.stream_generate"));
    expect(u.url).toBe(
      "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse",
    );
    expect(u.headers).toEqual({
      accept: "text/event-stream",
      "content-type": "application/json",
      "x-goog-api-key": "AIza-provider",
    });
  });

  it("never builds an upstream path from an unchecked model", () => {
    expect(() =>
      geminiAdapter.upstream(upstreamInput(undefined, "gemini.generate", "x/../../files")),
    ).toThrow(WireError);
  });

  it("writes streams as SSE only when the caller asked for alt=sse, else as one JSON array", () => {
    const evs = [{ data: '{"a":1}' }, { data: '{"b":2}' }];
    const sse = geminiAdapter.streamEncoder("gemini.stream_generate", { alt: "sse" });
    expect(sse.contentType).toMatch(/^text\/event-stream/);
    expect(parseSse(evs.map((e) => sse.event(e)).join("") + sse.end())).toEqual(evs);
    const arr = geminiAdapter.streamEncoder("gemini.stream_generate", {});
    expect(arr.contentType).toMatch(/^application\/json/);
    expect(JSON.parse(evs.map((e) => arr.event(e)).join("") + arr.end())).toEqual([{ a: 1 }, { b: 2 }]);
    expect(geminiAdapter.streamEncoder("gemini.stream_generate", {}).end()).toBe("[]");
  });

  it.each([
    [400, "INVALID_ARGUMENT"],
    [401, "UNAUTHENTICATED"],
    [403, "PERMISSION_DENIED"],
    [404, "NOT_FOUND"],
    [429, "RESOURCE_EXHAUSTED"],
    [500, "INTERNAL"],
    [503, "UNAVAILABLE"],
  ])("names status %i %s", (status, name) => {
    expect(geminiAdapter.errorBody(status, "m")).toEqual({
      error: { code: status, message: "m", status: name },
    });
  });
});

describe("gemini wire: stream specifics", () => {
  const chunk = (parts: Json[] | undefined, finish?: string) => ({
    data: JSON.stringify({
      candidates: [
        {
          ...(parts ? { content: { parts, role: "model" } } : {}),
          ...(finish ? { finishReason: finish } : {}),
          index: 0,
        },
      ],
      usageMetadata: { promptTokenCount: 4, candidatesTokenCount: 2, thoughtsTokenCount: 3 },
      modelVersion: "gemini-2.5-flash",
    }),
  });

  it("appends held-back text to the text of the finishing chunk", () => {
    const r = geminiAdapter.streamRewriter("gemini.stream_generate", new ShoutingGuard());
    const out = [chunk([{ text: "Hello wor" }]), chunk([{ text: "ld!" }], "STOP")].flatMap((e) =>
      r.onEvent(e),
    );
    expect(out.map((e) => JSON.parse(e.data).candidates[0].content.parts[0].text)).toEqual([
      "HELL",
      "O WORLD!",
    ]);
    expect(r.usage()).toEqual({ input: 4, output: 5 });
  });

  it("adds a text part to a finishing chunk that has none, and keeps thoughts apart from the answer", () => {
    const r = geminiAdapter.streamRewriter("gemini.stream_generate", new ShoutingGuard());
    const out = [
      chunk([{ text: "thinking hard", thought: true }, { text: "the answer" }]),
      chunk(undefined, "STOP"),
    ].flatMap((e) => r.onEvent(e));
    const parts = out.flatMap((e) => JSON.parse(e.data).candidates[0].content?.parts ?? []) as Json[];
    expect(
      parts
        .filter((p) => p.thought)
        .map((p) => p.text)
        .join(""),
    ).toBe("THINKING HARD");
    expect(
      parts
        .filter((p) => !p.thought)
        .map((p) => p.text)
        .join(""),
    ).toBe("THE ANSWER");
  });

  it("sends held-back text in one more chunk when the stream ends without a finish reason", () => {
    const r = geminiAdapter.streamRewriter("gemini.stream_generate", new ShoutingGuard());
    const out = [...r.onEvent(chunk([{ text: "cut off here" }])), ...r.onEnd()];
    expect(readStream("gemini.stream_generate", out).deltas).toBe("CUT OFF HERE");
    expect(JSON.parse(out.at(-1)!.data).modelVersion).toBe("gemini-2.5-flash");
  });

  it("passes an upstream error chunk through", () => {
    const r = geminiAdapter.streamRewriter("gemini.stream_generate", new ShoutingGuard());
    const [ev] = geminiAdapter.streamError(500, "boom");
    expect(r.onEvent(ev!)).toEqual([ev]);
  });
});

describe("gemini wire: mock upstream", () => {
  let mock: MockUpstream;
  beforeAll(async () => {
    mock = await startMockUpstream();
  });
  afterAll(() => mock.close());
  beforeEach(() => mock.reset());

  it("records the key header, the model path and alt=sse", async () => {
    await generate(mock.url, "hi", true, true);
    expect(mock.requests[0]).toMatchObject({
      path: "/v1beta/models/gemini-2.5-flash:streamGenerateContent",
      query: { alt: "sse" },
      endpoint: "gemini.stream_generate",
    });
    expect(mock.requests[0]!.headers["x-goog-api-key"]).toBe("gateway-key");
  });

  it("times out a client that waits less than the scripted delay", async () => {
    mock.script({ delayMs: 300 });
    const res = fetch(`${mock.url}/v1beta/models/gemini-2.5-flash:generateContent`, {
      method: "POST",
      body: JSON.stringify({ contents: [{ parts: [{ text: "x" }] }] }),
      signal: AbortSignal.timeout(50),
    });
    await expect(res).rejects.toThrow(/timeout|aborted/i);
  });
});
