import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { UpstreamInput } from "../../src/providers/adapter.js";
import { openaiAdapter } from "../../src/providers/openai.js";
import type { Endpoint, SseEvent } from "../../src/providers/types.js";
import type { ProviderConfig } from "../../src/policy/schema.js";
import { startMockUpstream, type MockUpstream } from "../helpers/mock-upstream.js";
import { runWireTests, ShoutingGuard, type StreamTexts } from "./wire.case.js";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const ERRORS: Record<number, abstract new (...args: never[]) => Error> = {
  400: OpenAI.BadRequestError,
  401: OpenAI.AuthenticationError,
  403: OpenAI.PermissionDeniedError,
  404: OpenAI.NotFoundError,
  429: OpenAI.RateLimitError,
  500: OpenAI.InternalServerError,
};

const client = (baseUrl: string) =>
  new OpenAI({ baseURL: `${baseUrl}/v1`, apiKey: "gateway-key", maxRetries: 0 });

function readStream(endpoint: Endpoint, events: SseEvent[]): StreamTexts {
  const t: StreamTexts = { deltas: "", finals: [], toolDeltas: "", toolFinals: [] };
  for (const ev of events) {
    if (ev.data === "[DONE]") continue;
    const d = JSON.parse(ev.data) as Json;
    if (endpoint === "openai.chat") {
      for (const ch of d.choices ?? []) {
        t.deltas += ch.delta?.content ?? "";
        for (const tc of ch.delta?.tool_calls ?? []) t.toolDeltas += tc.function?.arguments ?? "";
      }
      continue;
    }
    const item = (it: Json) => {
      if (it.type === "message") t.finals.push(it.content[0].text);
      if (it.type === "function_call") t.toolFinals.push(it.arguments);
    };
    switch (d.type) {
      case "response.output_text.delta":
        t.deltas += d.delta;
        break;
      case "response.output_text.done":
        t.finals.push(d.text);
        break;
      case "response.content_part.done":
        t.finals.push(d.part.text);
        break;
      case "response.function_call_arguments.delta":
        t.toolDeltas += d.delta;
        break;
      case "response.function_call_arguments.done":
        t.toolFinals.push(d.arguments);
        break;
      case "response.output_item.done":
        item(d.item);
        break;
      case "response.completed":
        d.response.output.forEach(item);
        break;
    }
  }
  return t;
}

runWireTests({
  adapter: openaiAdapter,
  readStream,
  rich: [
    {
      endpoint: "openai.chat",
      model: "gpt-4o-mini",
      user: "user-42",
      body: {
        model: "gpt-4o-mini",
        user: "user-42",
        messages: [
          { role: "system", content: "You are a helpful assistant." },
          { role: "developer", content: [{ type: "text", text: "Answer briefly." }] },
          {
            role: "user",
            content: [
              { type: "text", text: "What is in this image?" },
              { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } },
              { type: "input_audio", input_audio: { data: "UklGRg==", format: "wav" } },
              { type: "file", file: { file_id: "file-abc" } },
            ],
          },
          {
            role: "assistant",
            content: null,
            tool_calls: [
              { id: "call_1", type: "function", function: { name: "lookup", arguments: '{"q":"order 17"}' } },
            ],
          },
          { role: "tool", tool_call_id: "call_1", content: "Order 17 shipped on Monday." },
          { role: "assistant", content: "Your order shipped." },
          { role: "user", content: "Thanks!" },
        ],
        tools: [
          {
            type: "function",
            function: {
              name: "lookup",
              description: "Look up an order.",
              parameters: {
                type: "object",
                properties: { q: { type: "string", description: "The order query." } },
              },
            },
          },
        ],
      },
      texts: [
        "You are a helpful assistant.",
        "Answer briefly.",
        "What is in this image?",
        '{"q":"order 17"}',
        "Order 17 shipped on Monday.",
        "Your order shipped.",
        "Thanks!",
        "Look up an order.",
        "The order query.",
      ],
      unscannable: ["image", "audio", "file"],
    },
    {
      endpoint: "openai.responses",
      model: "gpt-4.1",
      user: "u-1",
      body: {
        model: "gpt-4.1",
        instructions: "Be terse.",
        safety_identifier: "u-1",
        input: [
          {
            role: "user",
            content: [
              { type: "input_text", text: "Summarise this file." },
              { type: "input_image", image_url: "https://files.example/img.png" },
              { type: "input_file", file_id: "file-2" },
            ],
          },
          {
            type: "message",
            role: "assistant",
            content: [{ type: "output_text", text: "Calling the tool." }],
          },
          { type: "function_call", call_id: "c1", name: "fetch", arguments: '{"id":"42"}' },
          { type: "function_call_output", call_id: "c1", output: "File 42: quarterly plan." },
          { type: "item_reference", id: "msg_1" },
          { role: "developer", content: "Use British spelling." },
        ],
        tools: [
          {
            type: "function",
            name: "fetch",
            description: "Fetch a file.",
            parameters: { type: "object", properties: { id: { type: "string", description: "File id." } } },
          },
        ],
      },
      texts: [
        "Be terse.",
        "Summarise this file.",
        "Calling the tool.",
        '{"id":"42"}',
        "File 42: quarterly plan.",
        "Use British spelling.",
        "Fetch a file.",
        "File id.",
      ],
      unscannable: ["image", "file"],
    },
    {
      endpoint: "openai.responses",
      model: "gpt-4.1",
      body: { model: "gpt-4.1", input: "Just a string." },
      texts: ["Just a string."],
      unscannable: [],
    },
    {
      endpoint: "openai.embeddings",
      model: "text-embedding-3-small",
      user: "u-2",
      body: { model: "text-embedding-3-small", input: ["alpha", "beta"], user: "u-2" },
      texts: ["alpha", "beta"],
      unscannable: [],
    },
    {
      endpoint: "openai.embeddings",
      model: "text-embedding-3-small",
      body: { model: "text-embedding-3-small", input: [[1, 2, 3], "gamma"] },
      texts: ["gamma"],
      unscannable: ["other"],
    },
    { endpoint: "openai.models", model: "", body: undefined, texts: [], unscannable: [] },
  ],
  malformed: [
    {
      name: "a chat without model",
      endpoint: "openai.chat",
      body: { messages: [] },
      message: /^model is required/,
    },
    {
      name: "a chat without messages",
      endpoint: "openai.chat",
      body: { model: "m" },
      message: /^messages is required/,
    },
    {
      name: "a chat whose messages is a string",
      endpoint: "openai.chat",
      body: { model: "m", messages: "hi" },
      message: /messages is required and must be a non-empty array/,
    },
    {
      name: "a message with numeric content",
      endpoint: "openai.chat",
      body: { model: "m", messages: [{ role: "user", content: 5 }] },
      message: /^messages\[0\]\.content must be a string or an array of content parts/,
    },
    {
      name: "a text part without a string",
      endpoint: "openai.chat",
      body: { model: "m", messages: [{ role: "user", content: [{ type: "text", text: 5 }] }] },
      message: /^messages\[0\]\.content\[0\]\.text must be a string/,
    },
    {
      name: "a message without role",
      endpoint: "openai.chat",
      body: { model: "m", messages: [{ content: "hi" }] },
      message: /^messages\[0\]\.role is required/,
    },
    {
      name: "stream as a string",
      endpoint: "openai.chat",
      body: { model: "m", stream: "yes", messages: [{ role: "user", content: "hi" }] },
      message: /^stream must be true or false/,
    },
    {
      name: "a Responses input that is a number",
      endpoint: "openai.responses",
      body: { model: "m", input: 3 },
      message: /^input must be a string or an array/,
    },
    {
      name: "a Responses call without model",
      endpoint: "openai.responses",
      body: { input: "x" },
      message: /^model/,
    },
    {
      name: "embeddings without input",
      endpoint: "openai.embeddings",
      body: { model: "m" },
      message: /^input is required/,
    },
    {
      name: "embeddings with a number among strings",
      endpoint: "openai.embeddings",
      body: { model: "m", input: ["a", 1] },
      message: /^input\[1\] must be a string or an array of token ids/,
    },
  ],
  errorShape(body, status, message) {
    const e = (body as Json).error;
    expect(e).toEqual({ message, type: expect.any(String), param: null, code: null });
    if (status === 403) expect(e.type).toBe("permission_error");
  },
  clients: [
    {
      name: "chat.completions",
      request: (prompt, stream) => ({
        endpoint: "openai.chat",
        body: {
          model: "gpt-4o-mini",
          messages: [{ role: "user", content: prompt }],
          ...(stream ? { stream } : {}),
        },
      }),
      async complete(baseUrl, prompt, stream) {
        const params = { model: "gpt-4o-mini", messages: [{ role: "user" as const, content: prompt }] };
        const c = client(baseUrl);
        const done = stream
          ? await c.chat.completions.stream(params).finalChatCompletion()
          : await c.chat.completions.create(params);
        const m = done.choices[0]!.message;
        const call = m.tool_calls?.[0];
        return {
          text: m.content ?? "",
          toolArgs: call?.type === "function" ? call.function.arguments : undefined,
        };
      },
      errorClass: (s) => ERRORS[s]!,
    },
    {
      name: "responses",
      request: (prompt, stream) => ({
        endpoint: "openai.responses",
        body: { model: "gpt-4.1", input: prompt, ...(stream ? { stream } : {}) },
      }),
      async complete(baseUrl, prompt, stream) {
        const c = client(baseUrl);
        const params = { model: "gpt-4.1", input: prompt };
        const r = stream
          ? await c.responses.stream(params).finalResponse()
          : await c.responses.create(params);
        const call = r.output.find((o) => o.type === "function_call");
        return { text: r.output_text, toolArgs: call?.type === "function_call" ? call.arguments : undefined };
      },
      errorClass: (s) => ERRORS[s]!,
    },
  ],
});

function provider(p: Partial<ProviderConfig> = {}): ProviderConfig {
  return {
    kind: "openai",
    environments: [],
    max_class: "internal",
    zero_data_retention: false,
    status: "approved",
    ...p,
  } as ProviderConfig;
}

function upstreamInput(p: Partial<ProviderConfig>, endpoint: Endpoint = "openai.chat"): UpstreamInput {
  return {
    endpoint,
    provider: provider(p),
    apiKey: "sk-provider",
    model: "gpt-4o-mini",
    stream: false,
    body: { model: "gpt-4o-mini", messages: [] },
    passHeaders: { "openai-beta": "assistants=v2", authorization: "Bearer caller", "x-evil": "1" },
    query: {},
  };
}

describe("openai wire: upstream requests", () => {
  it.each([
    [undefined, "https://api.openai.com/v1/chat/completions"],
    ["https://api.openai.com/v1", "https://api.openai.com/v1/chat/completions"],
    ["https://api.openai.com/v1/", "https://api.openai.com/v1/chat/completions"],
    ["http://localhost:11434", "http://localhost:11434/v1/chat/completions"],
    ["http://localhost:11434/v1", "http://localhost:11434/v1/chat/completions"],
    ["http://127.0.0.1:1234/v1", "http://127.0.0.1:1234/v1/chat/completions"],
    ["https://openrouter.ai/api/v1", "https://openrouter.ai/api/v1/chat/completions"],
    ["https://res.openai.azure.com/openai/v1", "https://res.openai.azure.com/openai/v1/chat/completions"],
    [
      "https://res.openai.azure.com/openai/deployments/gpt-4o?api-version=2024-10-21",
      "https://res.openai.azure.com/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21",
    ],
  ])("joins base_url %s into %s", (base, url) => {
    const kind = base ? "openai-compatible" : "openai";
    expect(openaiAdapter.upstream(upstreamInput({ kind, base_url: base })).url).toBe(url);
  });

  it("sends the provider key, not the caller's, and only the headers the wire lets through", () => {
    const u = openaiAdapter.upstream(upstreamInput({}));
    expect(u.headers).toEqual({
      accept: "application/json",
      authorization: "Bearer sk-provider",
      "content-type": "application/json",
      "openai-beta": "assistants=v2",
    });
    expect(JSON.parse(u.body!)).toEqual({ model: "gpt-4o-mini", messages: [] });
  });

  it("sends Azure's api-key header to Azure hosts", () => {
    const u = openaiAdapter.upstream(
      upstreamInput({ kind: "openai-compatible", base_url: "https://r.openai.azure.com/openai/v1" }),
    );
    expect(u.headers["api-key"]).toBe("sk-provider");
    expect(u.headers.authorization).toBeUndefined();
  });

  it("refuses a compatible provider without base_url rather than sending its data to OpenAI", () => {
    expect(() => openaiAdapter.upstream(upstreamInput({ kind: "openai-compatible" }))).toThrow(
      /needs base_url/,
    );
  });

  it("lists models with a GET and no body", () => {
    const u = openaiAdapter.upstream(upstreamInput({}, "openai.models"));
    expect(u).toMatchObject({ method: "GET", url: "https://api.openai.com/v1/models" });
    expect(u.body).toBeUndefined();
  });
});

describe("openai wire: specifics", () => {
  let mock: MockUpstream;
  beforeAll(async () => {
    mock = await startMockUpstream();
  });
  afterAll(() => mock.close());
  beforeEach(() => mock.reset());

  it("answers embeddings the SDK decodes from its default base64, and as floats when asked", async () => {
    const c = client(mock.url);
    const b64 = await c.embeddings.create({ model: "text-embedding-3-small", input: ["alpha", "beta"] });
    expect(b64.data).toHaveLength(2);
    expect(b64.data[0]!.embedding).toHaveLength(8);
    const floats = await c.embeddings.create({ model: "m", input: "alpha", encoding_format: "float" });
    expect(floats.data[0]!.embedding.map((x) => x.toFixed(5))).toEqual(
      b64.data[0]!.embedding.map((x) => x.toFixed(5)),
    );
    expect(mock.requests[0]!.body).toMatchObject({ encoding_format: "base64" });
  });

  it("lists models through the SDK", async () => {
    const page = await client(mock.url).models.list();
    expect(page.data.map((m) => m.id)).toEqual(["echo"]);
  });

  it("records the SDK's request as the provider would see it", async () => {
    await client(mock.url).chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "hi" }],
    });
    const r = mock.requests[0]!;
    expect(r).toMatchObject({ method: "POST", path: "/v1/chat/completions", endpoint: "openai.chat" });
    expect(r.headers.authorization).toBe("Bearer gateway-key");
  });

  it("reports streamed usage when the caller asked for it, and the SDK reads it", async () => {
    const req = {
      model: "m",
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: "user", content: "hi" }],
    };
    const parsed = openaiAdapter.parseRequest("openai.chat", req, {});
    const a = openaiAdapter.echo(parsed, req, { text: "hello", usage: { input: 3, output: 2 } });
    const r = openaiAdapter.streamRewriter("openai.chat", new ShoutingGuard());
    const out = "events" in a ? [...a.events.flatMap((e) => r.onEvent(e)), ...r.onEnd()] : [];
    expect(r.usage()).toEqual({ input: 3, output: 2 });
    mock.script({ events: out });
    const s = await client(mock.url)
      .chat.completions.stream({
        model: "m",
        messages: [{ role: "user", content: "hi" }],
        stream_options: { include_usage: true },
      })
      .finalChatCompletion();
    expect(s.usage).toMatchObject({ prompt_tokens: 3, completion_tokens: 2 });
  });

  it("puts held-back text inside a finishing chunk that carries text too, before [DONE]", () => {
    const r = openaiAdapter.streamRewriter("openai.chat", new ShoutingGuard());
    const chunk = (content: string, finish: string | null) => ({
      data: JSON.stringify({
        id: "c",
        object: "chat.completion.chunk",
        created: 1,
        model: "m",
        choices: [{ index: 0, delta: { content }, finish_reason: finish }],
      }),
    });
    const out = [chunk("Hello wor", null), chunk("ld!", "stop"), { data: "[DONE]" }].flatMap((e) =>
      r.onEvent(e),
    );
    expect(
      out.map((e) => (e.data === "[DONE]" ? "[DONE]" : JSON.parse(e.data).choices[0].delta.content)),
    ).toEqual(["HELL", "O WORLD!", "[DONE]"]);
    expect(JSON.parse(out[1]!.data).choices[0].finish_reason).toBe("stop");
  });

  it("keeps the choices of an n=2 stream apart", () => {
    const r = openaiAdapter.streamRewriter("openai.chat", new ShoutingGuard());
    const chunk = (index: number, content: string, finish: string | null = null) => ({
      data: JSON.stringify({
        id: "c",
        object: "chat.completion.chunk",
        created: 1,
        model: "m",
        choices: [{ index, delta: { content }, finish_reason: finish }],
      }),
    });
    const events = [
      chunk(0, "first answer"),
      chunk(1, "second answer"),
      chunk(0, "", "stop"),
      chunk(1, "", "stop"),
      { data: "[DONE]" },
    ];
    const texts = ["", ""];
    for (const e of events.flatMap((ev) => r.onEvent(ev))) {
      if (e.data === "[DONE]") continue;
      for (const ch of JSON.parse(e.data).choices) texts[ch.index] += ch.delta.content ?? "";
    }
    expect(texts).toEqual(["FIRST ANSWER", "SECOND ANSWER"]);
  });

  it("drops streamed log probabilities, which repeat the raw tokens", () => {
    const r = openaiAdapter.streamRewriter("openai.chat", new ShoutingGuard());
    const chunk = {
      id: "c",
      object: "chat.completion.chunk",
      created: 1,
      model: "m",
      choices: [
        { index: 0, delta: { content: "secret-ish text" }, logprobs: { content: [{ token: "secret" }] } },
      ],
    };
    const [ev] = r.onEvent({ data: JSON.stringify(chunk) });
    expect(JSON.parse(ev!.data).choices[0].logprobs).toBeNull();
  });

  it("keeps Responses sequence numbers consecutive when held-back text adds events", () => {
    const body = { model: "m", input: "x", stream: true };
    const a = openaiAdapter.echo(openaiAdapter.parseRequest("openai.responses", body, {}), body, {
      text: "abcdefghij",
      chunks: ["abc", "defghij"],
    });
    const r = openaiAdapter.streamRewriter("openai.responses", new ShoutingGuard());
    const out = "events" in a ? a.events.flatMap((e) => r.onEvent(e)) : [];
    expect(out.length).toBeGreaterThan("events" in a ? a.events.length : 0);
    expect(out.map((e) => JSON.parse(e.data).sequence_number)).toEqual(out.map((_, i) => i));
    for (const e of out) expect(e.event).toBe(JSON.parse(e.data).type);
  });

  it("scans a Responses final object whose texts never came as deltas", () => {
    const r = openaiAdapter.streamRewriter("openai.responses", new ShoutingGuard());
    const done = {
      type: "response.completed",
      sequence_number: 0,
      response: {
        output: [{ type: "message", id: "m1", content: [{ type: "output_text", text: "quiet words" }] }],
      },
    };
    const out = r.onEvent({ event: "response.completed", data: JSON.stringify(done) });
    expect(JSON.parse(out.at(-1)!.data).response.output[0].content[0].text).toBe("QUIET WORDS");
  });

  it("raises the SDK's APIError when a chat stream ends with the error event", async () => {
    const body = { model: "m", stream: true as const, messages: [{ role: "user" as const, content: "hi" }] };
    const a = openaiAdapter.echo(openaiAdapter.parseRequest("openai.chat", body, {}), body);
    const events = "events" in a ? a.events.slice(0, 2) : [];
    mock.script({ events: [...events, ...openaiAdapter.streamError(403, "withheld", "policy_block")] });
    const s = await client(mock.url).chat.completions.create({ ...body, stream: true });
    const err = await (async () => {
      for await (const _ of s) void _;
    })().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect((err as InstanceType<typeof OpenAI.APIError>).code).toBe("policy_block");
  });
});
