import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { parseSse } from "../../src/providers/sse.js";
import { splitText, startMockUpstream, type MockUpstream } from "../helpers/mock-upstream.js";

describe("mock upstream", () => {
  let mock: MockUpstream;
  beforeAll(async () => {
    mock = await startMockUpstream();
  });
  afterAll(() => mock.close());
  beforeEach(() => mock.reset());

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${mock.url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify(body),
    });
  const chat = (content: string, stream = false) => ({
    model: "m",
    stream,
    messages: [{ role: "user", content }],
  });

  it("listens on 127.0.0.1 and records method, path, query, headers and body", async () => {
    expect(mock.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await post("/v1/chat/completions?trace=1", chat("hi"), { "x-test": "yes" });
    expect(mock.requests).toEqual([
      expect.objectContaining({
        method: "POST",
        path: "/v1/chat/completions",
        query: { trace: "1" },
        body: chat("hi"),
        wire: "openai",
        endpoint: "openai.chat",
        headers: expect.objectContaining({ "x-test": "yes" }),
      }),
    ]);
  });

  it("serves OpenAI paths behind a prefix, as Azure deployments use", async () => {
    const res = await post("/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21", chat("hi"));
    expect(
      ((await res.json()) as { choices: { message: { content: string } }[] }).choices[0]!.message.content,
    ).toBe("Echo: hi");
  });

  it("streams a scripted text cut at the given offsets", async () => {
    mock.script({ text: "abcdefgh", splitAt: [2, 5] });
    const events = parseSse(await (await post("/v1/chat/completions", chat("x", true))).text());
    const deltas = events
      .filter((e) => e.data !== "[DONE]")
      .map(
        (e) =>
          (JSON.parse(e.data) as { choices: { delta: { content?: string } }[] }).choices[0]!.delta.content,
      );
    expect(deltas.filter((d) => d)).toEqual(["ab", "cde", "fgh"]);
    expect(events.at(-1)!.data).toBe("[DONE]");
  });

  it("answers a scripted error in each provider's shape", async () => {
    mock.script({ status: 500, message: "upstream broke" });
    const oa = await post("/v1/chat/completions", chat("x"));
    expect(oa.status).toBe(500);
    expect(await oa.json()).toEqual({
      error: { message: "upstream broke", type: "server_error", param: null, code: null },
    });
    const an = await post("/v1/messages", {
      model: "m",
      max_tokens: 1,
      messages: [{ role: "user", content: "x" }],
    });
    expect(await an.json()).toEqual({
      type: "error",
      error: { type: "api_error", message: "upstream broke" },
    });
    const ge = await post("/v1beta/models/gemini-2.5-flash:generateContent", {
      contents: [{ parts: [{ text: "x" }] }],
    });
    expect(await ge.json()).toEqual({ error: { code: 500, message: "upstream broke", status: "INTERNAL" } });
  });

  it("answers a malformed body with the provider's 400", async () => {
    const res = await post("/v1/messages", { model: "m" });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ type: "error", error: { type: "invalid_request_error" } });
  });

  it("answers exactly the scripted JSON", async () => {
    mock.script({ json: { anything: true } });
    expect(await (await post("/v1/embeddings", { model: "m", input: "x" })).json()).toEqual({
      anything: true,
    });
  });

  it("cuts a stream after N events by destroying the socket", async () => {
    mock.script({ text: "a fairly long answer to cut", cutAfterEvents: 2 });
    const res = await post("/v1/messages", {
      model: "m",
      max_tokens: 9,
      stream: true,
      messages: [{ role: "user", content: "x" }],
    });
    await expect(res.text()).rejects.toThrow();
  });

  it("delays its answer", async () => {
    mock.script({ delayMs: 120 });
    const t0 = Date.now();
    await post("/v1/chat/completions", chat("x"));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(100);
  });

  it("forgets the script and the requests on reset", async () => {
    mock.script({ text: "scripted" });
    await post("/v1/chat/completions", chat("x"));
    mock.reset();
    expect(mock.requests).toEqual([]);
    const res = await post("/v1/chat/completions", chat("again"));
    expect(
      ((await res.json()) as { choices: { message: { content: string } }[] }).choices[0]!.message.content,
    ).toBe("Echo: again");
  });

  it("says which path it does not serve", async () => {
    const res = await post("/v2/unknown", {});
    expect(res.status).toBe(404);
  });

  it("splits texts at offsets, ignoring out-of-range and repeated cuts", () => {
    expect(splitText("abcdef", [0, 2, 2, 4, 9])).toEqual(["ab", "cd", "ef"]);
  });
});
