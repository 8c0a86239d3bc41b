import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { UpstreamInput } from "../../src/providers/adapter.js";
import { anthropicAdapter } from "../../src/providers/anthropic.js";
import type { Endpoint, SseEvent } from "../../src/providers/types.js";
import type { ProviderConfig } from "../../src/policy/schema.js";
import { startMockUpstream, type MockUpstream } from "../helpers/mock-upstream.js";
import { runWireTests, ShoutingGuard, type StreamTexts } from "./wire.case.js";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const ERRORS: Record<number, abstract new (...args: never[]) => Error> = {
  400: Anthropic.BadRequestError,
  401: Anthropic.AuthenticationError,
  403: Anthropic.PermissionDeniedError,
  404: Anthropic.NotFoundError,
  429: Anthropic.RateLimitError,
  500: Anthropic.InternalServerError,
};

const client = (baseUrl: string) => new Anthropic({ baseURL: baseUrl, apiKey: "gateway-key", maxRetries: 0 });

function readStream(_endpoint: Endpoint, events: SseEvent[]): StreamTexts {
  const t: StreamTexts = { deltas: "", finals: [], toolDeltas: "", toolFinals: [] };
  for (const ev of events) {
    const d = JSON.parse(ev.data) as Json;
    expect(ev.event).toBe(d.type);
    if (d.type !== "content_block_delta") continue;
    if (d.delta.type === "text_delta") t.deltas += d.delta.text;
    if (d.delta.type === "input_json_delta") t.toolDeltas += d.delta.partial_json;
  }
  return t;
}

const IMAGE = { type: "base64", media_type: "image/png", data: "iVBORw0KGgo=" };

runWireTests({
  adapter: anthropicAdapter,
  readStream,
  rich: [
    {
      endpoint: "anthropic.messages",
      model: "claude-sonnet-4-5",
      user: "user-7",
      body: {
        model: "claude-sonnet-4-5",
        max_tokens: 512,
        metadata: { user_id: "user-7" },
        system: [
          { type: "text", text: "You are a support agent." },
          { type: "text", text: "Be kind.", cache_control: { type: "ephemeral" } },
        ],
        messages: [
          {
            role: "user",
            content: [
              { type: "text", text: "Here is a screenshot." },
              { type: "image", source: IMAGE },
              {
                type: "document",
                source: { type: "base64", media_type: "application/pdf", data: "JVBERi0=" },
              },
              {
                type: "document",
                source: { type: "text", media_type: "text/plain", data: "Plain text policy." },
              },
            ],
          },
          {
            role: "assistant",
            content: [
              { type: "thinking", thinking: "Let me look.", signature: "c2lnbmF0dXJl" },
              { type: "text", text: "Let me look that up." },
              {
                type: "tool_use",
                id: "toolu_1",
                name: "lookup",
                input: { query: "ticket 99", filters: { tags: ["billing", "urgent"] }, limit: 3 },
              },
            ],
          },
          {
            role: "user",
            content: [
              { type: "tool_result", tool_use_id: "toolu_1", content: "Ticket 99: refund pending." },
              {
                type: "tool_result",
                tool_use_id: "toolu_2",
                content: [
                  { type: "text", text: "Second result." },
                  { type: "image", source: IMAGE },
                ],
              },
              { type: "text", text: "What now?" },
            ],
          },
        ],
        tools: [
          {
            name: "lookup",
            description: "Look up a ticket.",
            input_schema: {
              type: "object",
              properties: { query: { type: "string", description: "Ticket query." } },
            },
          },
          { type: "web_search_20250305", name: "web_search" },
        ],
      },
      texts: [
        "You are a support agent.",
        "Be kind.",
        "Here is a screenshot.",
        "Plain text policy.",
        "Let me look that up.",
        "ticket 99",
        "billing",
        "urgent",
        "Ticket 99: refund pending.",
        "Second result.",
        "What now?",
        "Look up a ticket.",
        "Ticket query.",
      ],
      unscannable: ["image", "document", "image"],
    },
    {
      endpoint: "anthropic.count_tokens",
      model: "claude-haiku-4-5",
      body: { model: "claude-haiku-4-5", system: "Sys.", messages: [{ role: "user", content: "Count me." }] },
      texts: ["Sys.", "Count me."],
      unscannable: [],
    },
  ],
  malformed: [
    {
      name: "a request without model",
      endpoint: "anthropic.messages",
      body: { max_tokens: 1, messages: [{ role: "user", content: "x" }] },
      message: /^model is required/,
    },
    {
      name: "a request without messages",
      endpoint: "anthropic.messages",
      body: { model: "m" },
      message: /^messages is required/,
    },
    {
      name: "an empty messages array",
      endpoint: "anthropic.count_tokens",
      body: { model: "m", messages: [] },
      message: /^messages is required and must be a non-empty array/,
    },
    {
      name: "numeric content",
      endpoint: "anthropic.messages",
      body: { model: "m", messages: [{ role: "user", content: 1 }] },
      message: /^messages\[0\]\.content must be a string or an array of content blocks/,
    },
    {
      name: "a block without type",
      endpoint: "anthropic.messages",
      body: { model: "m", messages: [{ role: "user", content: [{ text: "x" }] }] },
      message: /^messages\[0\]\.content\[0\] must be a content block with a type/,
    },
    {
      name: "a text block without text",
      endpoint: "anthropic.messages",
      body: { model: "m", messages: [{ role: "user", content: [{ type: "text" }] }] },
      message: /^messages\[0\]\.content\[0\]\.text must be a string/,
    },
    {
      name: "a numeric system prompt",
      endpoint: "anthropic.messages",
      body: { model: "m", system: 7, messages: [{ role: "user", content: "x" }] },
      message: /^system must be a string or an array of content blocks/,
    },
    {
      name: "a message without content",
      endpoint: "anthropic.messages",
      body: { model: "m", messages: [{ role: "user" }] },
      message: /^messages\[0\]\.content is required/,
    },
  ],
  errorShape(body, status, message) {
    expect(body).toEqual({ type: "error", error: { type: expect.any(String), message } });
    void status;
  },
  clients: [
    {
      name: "messages",
      request: (prompt, stream) => ({
        endpoint: "anthropic.messages",
        body: {
          model: "claude-sonnet-4-5",
          max_tokens: 256,
          messages: [{ role: "user", content: prompt }],
          ...(stream ? { stream } : {}),
        },
      }),
      async complete(baseUrl, prompt, stream) {
        const c = client(baseUrl);
        const params = {
          model: "claude-sonnet-4-5",
          max_tokens: 256,
          messages: [{ role: "user" as const, content: prompt }],
        };
        const m = stream ? await c.messages.stream(params).finalMessage() : await c.messages.create(params);
        const text = m.content.flatMap((b) => (b.type === "text" ? [b.text] : [])).join("");
        const tool = m.content.find((b) => b.type === "tool_use");
        return { text, toolArgs: tool?.type === "tool_use" ? JSON.stringify(tool.input) : undefined };
      },
      errorClass: (s) => ERRORS[s]!,
    },
  ],
});

function upstreamInput(
  base: string | undefined,
  pass: Record<string, string> = {},
  endpoint: Endpoint = "anthropic.messages",
): UpstreamInput {
  const provider = {
    kind: "anthropic",
    environments: [],
    max_class: "internal",
    zero_data_retention: false,
    status: "approved",
    base_url: base,
  };
  return {
    endpoint,
    provider: provider as ProviderConfig,
    apiKey: "sk-ant-provider",
    model: "claude-sonnet-4-5",
    stream: false,
    body: { model: "claude-sonnet-4-5", messages: [] },
    passHeaders: pass,
    query: {},
  };
}

describe("anthropic wire: upstream requests", () => {
  it.each([
    [undefined, "https://api.anthropic.com/v1/messages"],
    ["https://api.anthropic.com", "https://api.anthropic.com/v1/messages"],
    ["https://api.anthropic.com/", "https://api.anthropic.com/v1/messages"],
    ["https://api.anthropic.com/v1", "https://api.anthropic.com/v1/messages"],
    ["https://llm-proxy.example/anthropic", "https://llm-proxy.example/anthropic/v1/messages"],
  ])("joins base_url %s into %s", (base, url) => {
    expect(anthropicAdapter.upstream(upstreamInput(base)).url).toBe(url);
  });

  it("counts tokens at /v1/messages/count_tokens", () => {
    expect(anthropicAdapter.upstream(upstreamInput(undefined, {}, "anthropic.count_tokens")).url).toBe(
      "https://api.anthropic.com/v1/messages/count_tokens",
    );
  });

  it("sends x-api-key with the provider key, the default version, and no caller auth", () => {
    const u = anthropicAdapter.upstream(upstreamInput(undefined, { authorization: "Bearer caller" }));
    expect(u.headers).toEqual({
      accept: "application/json",
      "content-type": "application/json",
      "anthropic-version": "2023-06-01",
      "x-api-key": "sk-ant-provider",
    });
  });

  it("passes the caller's anthropic-version and anthropic-beta through", () => {
    const u = anthropicAdapter.upstream(
      upstreamInput(undefined, {
        "anthropic-version": "2024-01-01",
        "anthropic-beta": "files-api-2025-04-14",
      }),
    );
    expect(u.headers).toMatchObject({
      "anthropic-version": "2024-01-01",
      "anthropic-beta": "files-api-2025-04-14",
    });
  });
});

describe("anthropic wire: specifics", () => {
  let mock: MockUpstream;
  beforeAll(async () => {
    mock = await startMockUpstream();
  });
  afterAll(() => mock.close());
  beforeEach(() => mock.reset());

  it.each([
    [400, "invalid_request_error"],
    [401, "authentication_error"],
    [403, "permission_error"],
    [404, "not_found_error"],
    [413, "request_too_large"],
    [429, "rate_limit_error"],
    [500, "api_error"],
    [529, "overloaded_error"],
  ])("names status %i %s", (status, type) => {
    expect(anthropicAdapter.errorBody(status, "m")).toEqual({ type: "error", error: { type, message: "m" } });
    expect(JSON.parse(anthropicAdapter.streamError(status, "m")[0]!.data).error.type).toBe(type);
    expect(anthropicAdapter.streamError(status, "m")[0]!.event).toBe("error");
  });

  it("raises the SDK's error with the Anthropic error type when a stream ends in an error event", async () => {
    mock.script({ events: anthropicAdapter.streamError(529, "busy") });
    const err = await client(mock.url)
      .messages.stream({ model: "m", max_tokens: 1, messages: [{ role: "user", content: "x" }] })
      .finalMessage()
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(Anthropic.APIError);
    expect((err as InstanceType<typeof Anthropic.APIError>).type).toBe("overloaded_error");
  });

  it("counts tokens through the SDK", async () => {
    const r = await client(mock.url).messages.countTokens({
      model: "claude-haiku-4-5",
      messages: [{ role: "user", content: "How many tokens is this?" }],
    });
    expect(r.input_tokens).toBeGreaterThan(0);
    expect(mock.requests[0]).toMatchObject({
      path: "/v1/messages/count_tokens",
      endpoint: "anthropic.count_tokens",
    });
  });

  it("records what SDK 1.x sends: a Bearer key and the API version", async () => {
    await client(mock.url).messages.create({
      model: "m",
      max_tokens: 1,
      messages: [{ role: "user", content: "x" }],
    });
    const h = mock.requests[0]!.headers;
    expect(h.authorization ?? h["x-api-key"]).toMatch(/gateway-key/);
    expect(h["anthropic-version"]).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it("reports streamed usage from message_start and message_delta", () => {
    const body = { model: "m", max_tokens: 5, stream: true, messages: [{ role: "user", content: "x" }] };
    const a = anthropicAdapter.echo(anthropicAdapter.parseRequest("anthropic.messages", body, {}), body, {
      text: "hello",
      usage: { input: 12, output: 4 },
    });
    const r = anthropicAdapter.streamRewriter("anthropic.messages", new ShoutingGuard());
    for (const e of "events" in a ? a.events : []) r.onEvent(e);
    expect(r.usage()).toEqual({ input: 12, output: 4 });
  });

  it("scans a tool input that arrives whole in content_block_start", () => {
    const r = anthropicAdapter.streamRewriter("anthropic.messages", new ShoutingGuard());
    const start = {
      type: "content_block_start",
      index: 0,
      content_block: { type: "tool_use", id: "t", name: "n", input: { note: "call me" } },
    };
    const [ev] = r.onEvent({ event: "content_block_start", data: JSON.stringify(start) });
    expect(JSON.parse(ev!.data).content_block.input).toEqual({ NOTE: "CALL ME" });
  });

  it("passes pings and flushes held-back text before message_stop when a block never stopped", () => {
    const r = anthropicAdapter.streamRewriter("anthropic.messages", new ShoutingGuard());
    const ev = (d: Json) => ({ event: d.type, data: JSON.stringify(d) });
    const out = [
      ev({ type: "content_block_start", index: 0, content_block: { type: "text", text: "" } }),
      ev({ type: "ping" }),
      ev({ type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "no stop here" } }),
      ev({ type: "message_stop" }),
    ].flatMap((e) => r.onEvent(e));
    expect(out.map((e) => e.event)).toEqual([
      "content_block_start",
      "ping",
      "content_block_delta",
      "content_block_delta",
      "message_stop",
    ]);
    expect(readStream("anthropic.messages", out).deltas).toBe("NO STOP HERE");
  });
});
