import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { PROVIDER_KINDS } from "../../src/policy/schema.js";
import { adapterFor, ALL_ROUTES, defaultBaseUrl, wireOf } from "../../src/providers/index.js";

describe("provider index", () => {
  it("maps every provider kind to the wire it speaks", () => {
    expect(Object.fromEntries(PROVIDER_KINDS.map((k) => [k, wireOf(k)]))).toEqual({
      openai: "openai",
      "openai-compatible": "openai",
      anthropic: "anthropic",
      gemini: "gemini",
      echo: null,
    });
  });

  it("gives each wire its adapter", () => {
    for (const wire of ["openai", "anthropic", "gemini"] as const) expect(adapterFor(wire).wire).toBe(wire);
  });

  it("knows the public endpoints, and none for compatible servers", () => {
    expect(defaultBaseUrl("openai")).toBe("https://api.openai.com/v1");
    expect(defaultBaseUrl("anthropic")).toBe("https://api.anthropic.com");
    expect(defaultBaseUrl("gemini")).toBe("https://generativelanguage.googleapis.com");
    expect(defaultBaseUrl("openai-compatible")).toBeUndefined();
  });

  it("lists every route once, and they all mount together in one app", async () => {
    const keys = ALL_ROUTES.map((r) => `${r.method} ${r.path}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(new Set(ALL_ROUTES.map((r) => r.endpoint)).size).toBe(ALL_ROUTES.length);
    const app = new Hono();
    for (const r of ALL_ROUTES) app.on(r.method, r.path, (c) => c.text(r.endpoint));
    const probes: [string, string, string][] = [
      ["POST", "/v1/chat/completions", "openai.chat"],
      ["POST", "/v1/responses", "openai.responses"],
      ["POST", "/v1/embeddings", "openai.embeddings"],
      ["GET", "/v1/models", "openai.models"],
      ["POST", "/v1/messages", "anthropic.messages"],
      ["POST", "/v1/messages/count_tokens", "anthropic.count_tokens"],
      ["POST", "/v1beta/models/gemini-2.5-flash:generateContent", "gemini.generate"],
      ["POST", "/v1beta/models/gemini-2.5-flash:streamGenerateContent", "gemini.stream_generate"],
    ];
    for (const [method, path, endpoint] of probes)
      expect(await (await app.request(path, { method })).text()).toBe(endpoint);
  });
});
