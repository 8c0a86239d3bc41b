import type {
  EchoScript,
  StreamEncoder,
  StreamRewriter,
  StreamTextGuard,
  UpstreamInput,
  UpstreamRequest,
  Usage,
  WireAdapter,
  WireRoute,
} from "./adapter.js";
import { GuardedChannels } from "./channels.js";
import { echoId, echoPlan } from "./echo.js";
import {
  assignAt,
  formatPath,
  isArray,
  isObject,
  mediaType,
  parseJson,
  PartCollector,
  requireBody,
  stringLeaves,
  type JsonObject,
} from "./parts.js";
import { encodeSse } from "./sse.js";
import type { CallPart, Endpoint, JsonPath, ParsedRequest, PartSource, SseEvent } from "./types.js";
import { WireError } from "./types.js";
import { joinUrl } from "./url.js";

export const GEMINI_DEFAULT_BASE_URL = "https://generativelanguage.googleapis.com";

/**
 * Google's paths put the action after a colon in the last segment (`models/gemini-2.5-flash:generateContent`).
 * A Hono parameter cannot be followed by a literal in the same segment, so the pattern captures the
 * whole segment, anchored on the action; `parseRequest` splits it on the last ':'.
 */
const ROUTES: readonly WireRoute[] = [
  { method: "POST", path: "/v1beta/models/:modelAction{[^/]+:generateContent}", endpoint: "gemini.generate" },
  {
    method: "POST",
    path: "/v1beta/models/:modelAction{[^/]+:streamGenerateContent}",
    endpoint: "gemini.stream_generate",
  },
];

const ACTION: Partial<Record<Endpoint, string>> = {
  "gemini.generate": "generateContent",
  "gemini.stream_generate": "streamGenerateContent",
};

/** Google's canonical status names, which the genai SDKs and people read. */
const STATUS_NAMES: Record<number, string> = {
  400: "INVALID_ARGUMENT",
  401: "UNAUTHENTICATED",
  403: "PERMISSION_DENIED",
  404: "NOT_FOUND",
  409: "ABORTED",
  413: "INVALID_ARGUMENT",
  429: "RESOURCE_EXHAUSTED",
  499: "CANCELLED",
  500: "INTERNAL",
  501: "UNIMPLEMENTED",
  503: "UNAVAILABLE",
  504: "DEADLINE_EXCEEDED",
};

const statusName = (status: number) =>
  STATUS_NAMES[status] ?? (status >= 500 ? "INTERNAL" : status >= 400 ? "FAILED_PRECONDITION" : "UNKNOWN");

/** Model ids go into the upstream URL path: nothing that could change the path. */
const MODEL_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

// ---------------------------------------------------------------------------------------------
// Requests

/**
 * Google's JSON mapping accepts every field in lowerCamelCase and in its proto snake_case name
 * (the REST docs use both: `systemInstruction`, `system_instruction`). Both are read, so a text
 * cannot slip past the scanner under the spelling the parser did not look at.
 */
function fields(obj: JsonObject, camel: string): [string, unknown][] {
  const snake = camel.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  const out: [string, unknown][] = [];
  if (obj[camel] !== undefined && obj[camel] !== null) out.push([camel, obj[camel]]);
  if (snake !== camel && obj[snake] !== undefined && obj[snake] !== null) out.push([snake, obj[snake]]);
  return out;
}

function first(obj: JsonObject, camel: string): unknown {
  return fields(obj, camel)[0]?.[1];
}

function contentParts(
  c: PartCollector,
  at: JsonPath,
  content: unknown,
  source: PartSource,
  role: string,
): void {
  if (!isObject(content)) throw new WireError(`${formatPath(at)} must be a Content object with parts`);
  const parts = content.parts;
  if (!Array.isArray(parts)) throw new WireError(`${formatPath([...at, "parts"])} must be an array of parts`);
  parts.forEach((p, j) => {
    const pat: JsonPath = [...at, "parts", j];
    if (!isObject(p)) throw new WireError(`${formatPath(pat)} must be an object`);
    let known = false;
    if (p.text !== undefined) {
      known = true;
      c.requiredText(p, "text", pat, source, role);
    }
    for (const field of ["inlineData", "fileData"]) {
      for (const [key, v] of fields(p, field)) {
        known = true;
        c.opaque([...pat, key], mediaType(isObject(v) ? first(v, "mimeType") : undefined));
      }
    }
    for (const [key, v] of fields(p, "functionCall")) {
      known = true;
      if (isObject(v)) c.leaves([...pat, key, "args"], v.args, "tool_arguments", role);
    }
    for (const [key, v] of fields(p, "functionResponse")) {
      known = true;
      if (!isObject(v)) continue;
      c.leaves([...pat, key, "response"], v.response, "tool_result", role);
      // Multimodal function responses carry media beside the JSON response.
      if (isArray(v.parts)) v.parts.forEach((_, k) => c.opaque([...pat, key, "parts", k], "other"));
    }
    for (const [key, v] of fields(p, "executableCode")) {
      known = true;
      if (isObject(v)) c.text([...pat, key, "code"], v.code, source, role);
    }
    for (const [key, v] of fields(p, "codeExecutionResult")) {
      known = true;
      if (isObject(v)) c.text([...pat, key, "output"], v.output, "tool_result", role);
    }
    // A part kind this adapter does not know may carry content it cannot see.
    if (!known && !isMetadataOnly(p)) c.opaque(pat, "other");
  });
}

/** Parts that only annotate their neighbours (thought signatures, video offsets). */
function isMetadataOnly(p: JsonObject): boolean {
  const meta = new Set([
    "thought",
    "thoughtSignature",
    "thought_signature",
    "videoMetadata",
    "video_metadata",
  ]);
  return Object.keys(p).every((k) => meta.has(k));
}

function splitModelAction(params: Record<string, string>): { model: string; action: string } {
  if (params.model !== undefined) return { model: params.model, action: params.action ?? "" };
  const ma = params.modelAction ?? "";
  const colon = ma.lastIndexOf(":");
  return colon === -1
    ? { model: ma, action: "" }
    : { model: ma.slice(0, colon), action: ma.slice(colon + 1) };
}

function parseGenerate(endpoint: Endpoint, body: unknown, params: Record<string, string>): ParsedRequest {
  const { model, action } = splitModelAction(params);
  if (action && action !== ACTION[endpoint])
    throw new WireError(`models/${model}:${action} is not served here; expected :${ACTION[endpoint]}`, 404);
  if (!MODEL_ID.test(model))
    throw new WireError(
      "the model in the path must be a model id such as gemini-2.5-flash (letters, digits, '.', '-', '_')",
    );
  const b = requireBody(body, "a generateContent request");
  const c = new PartCollector();
  for (const [key, v] of fields(b, "systemInstruction")) {
    if (typeof v === "string") c.text([key], v, "system", "system");
    else contentParts(c, [key], v, "system", "system");
  }
  const contents = b.contents;
  if (!Array.isArray(contents) || contents.length === 0)
    throw new WireError("contents is required and must be a non-empty array of Content objects");
  contents.forEach((content, i) => {
    const role = isObject(content) && typeof content.role === "string" ? content.role : "user";
    contentParts(c, ["contents", i], content, "message", role);
  });
  const tools = b.tools ?? [];
  if (!Array.isArray(tools)) throw new WireError("tools must be an array of tools");
  tools.forEach((t, k) => {
    if (!isObject(t)) throw new WireError(`tools[${k}] must be an object`);
    for (const [key, decls] of fields(t, "functionDeclarations")) {
      if (!Array.isArray(decls)) throw new WireError(`tools[${k}].${key} must be an array`);
      decls.forEach((d, m) => {
        if (!isObject(d)) return;
        const at: JsonPath = ["tools", k, key, m];
        c.text([...at, "description"], d.description, "tool_definition");
        for (const schema of ["parameters", "parametersJsonSchema"])
          for (const [skey, s] of fields(d, schema)) c.schemaDescriptions([...at, skey], s);
      });
    }
  });
  return {
    endpoint,
    model,
    stream: endpoint === "gemini.stream_generate",
    parts: c.parts,
    unscannable: c.unscannable,
  };
}

// ---------------------------------------------------------------------------------------------
// Responses

function parseAnswer(_endpoint: Endpoint, body: unknown): CallPart[] {
  if (!isObject(body)) throw new WireError("the provider's answer is not a JSON object", 502);
  const out: CallPart[] = [];
  const add = (at: JsonPath, text: unknown, source: PartSource) => {
    if (typeof text === "string") out.push({ at, text, source, path: formatPath(at), role: "model" });
  };
  (isArray(body.candidates) ? body.candidates : []).forEach((cand, i) => {
    if (!isObject(cand) || !isObject(cand.content) || !isArray(cand.content.parts)) return;
    cand.content.parts.forEach((p, j) => {
      if (!isObject(p)) return;
      const at: JsonPath = ["candidates", i, "content", "parts", j];
      add([...at, "text"], p.text, "output_text");
      if (isObject(p.functionCall))
        for (const leaf of stringLeaves(p.functionCall.args, [...at, "functionCall", "args"]))
          add(leaf.at, leaf.text, "tool_arguments");
      if (isObject(p.executableCode))
        add([...at, "executableCode", "code"], p.executableCode.code, "output_text");
      if (isObject(p.codeExecutionResult))
        add([...at, "codeExecutionResult", "output"], p.codeExecutionResult.output, "output_text");
    });
  });
  return out;
}

/** Output counts the thinking tokens too: they are billed as output. */
function usageOf(_endpoint: Endpoint, body: unknown): Usage | null {
  if (!isObject(body) || !isObject(body.usageMetadata)) return null;
  const u = body.usageMetadata;
  const n = (v: unknown) => (typeof v === "number" ? v : null);
  const out = n(u.candidatesTokenCount);
  const thoughts = n(u.thoughtsTokenCount);
  return {
    input: n(u.promptTokenCount),
    output: out === null && thoughts === null ? null : (out ?? 0) + (thoughts ?? 0),
  };
}

// ---------------------------------------------------------------------------------------------
// Streams

/**
 * streamGenerateContent chunks: each candidate's text (and thought text) is a channel; function
 * calls, which Gemini sends whole, are scanned whole. A candidate's held-back text goes into the
 * chunk that carries its `finishReason`, or into one more chunk when the stream ends without one.
 */
class GenerateRewriter implements StreamRewriter {
  private readonly ch: GuardedChannels<{ candidate: number; thought: boolean }>;
  private envelope: JsonObject = {};
  private seenUsage: Usage | null = null;
  private wholeCount = 0;

  constructor(guard: StreamTextGuard) {
    this.ch = new GuardedChannels(guard);
  }

  onEvent(ev: SseEvent): SseEvent[] {
    const e = parseJson(ev.data);
    // Nothing unreadable reaches the caller: it could carry text the guard never saw.
    if (!isObject(e)) return [];
    if (e.error !== undefined) return [ev];
    for (const k of ["modelVersion", "responseId"]) if (e[k] !== undefined) this.envelope[k] = e[k];
    const u = usageOf("gemini.stream_generate", e);
    if (u) this.seenUsage = u;
    (isArray(e.candidates) ? e.candidates : []).forEach((cand, pos) => {
      if (!isObject(cand)) return;
      const i = typeof cand.index === "number" ? cand.index : pos;
      const content = isObject(cand.content) ? cand.content : undefined;
      const parts = content && isArray(content.parts) ? content.parts : [];
      parts.forEach((p) => {
        if (!isObject(p)) return;
        if (typeof p.text === "string") {
          const thought = p.thought === true;
          p.text = this.ch.push(this.name(i, thought), p.text, { candidate: i, thought });
        }
        for (const field of ["functionCall", "executableCode", "codeExecutionResult"]) {
          const v = p[field];
          if (!isObject(v)) continue;
          for (const leaf of stringLeaves(v, [])) {
            const name = `c${i}.whole${this.wholeCount++}`;
            assignAt(v, leaf.at, this.ch.settle(name, leaf.text, { candidate: i, thought: false }).text);
          }
        }
      });
      if (cand.finishReason === undefined || cand.finishReason === null) return;
      for (const [name, info] of this.ch.openChannels((c) => c.candidate === i)) {
        const rest = this.ch.close(name);
        if (!rest) continue;
        const holder = [...parts]
          .reverse()
          .find((p) => isObject(p) && typeof p.text === "string" && (p.thought === true) === info.thought);
        if (isObject(holder)) holder.text = String(holder.text) + rest;
        else {
          // The held-back text came before anything this chunk carries.
          if (!isObject(cand.content)) cand.content = { parts: [], role: "model" };
          const c = cand.content as JsonObject;
          if (!isArray(c.parts)) c.parts = [];
          (c.parts as unknown[]).unshift(info.thought ? { text: rest, thought: true } : { text: rest });
        }
      }
    });
    return [{ ...ev, data: JSON.stringify(e) }];
  }

  onEnd(): SseEvent[] {
    const byCandidate = new Map<number, JsonObject[]>();
    for (const [name, info] of this.ch.openChannels()) {
      const rest = this.ch.close(name);
      if (!rest) continue;
      const parts = byCandidate.get(info.candidate) ?? [];
      parts.push(info.thought ? { text: rest, thought: true } : { text: rest });
      byCandidate.set(info.candidate, parts);
    }
    if (!byCandidate.size) return [];
    const candidates = [...byCandidate].map(([index, parts]) => ({
      content: { parts, role: "model" },
      index,
    }));
    return [{ data: JSON.stringify({ candidates, ...this.envelope }) }];
  }

  usage(): Usage | null {
    return this.seenUsage;
  }

  private name(candidate: number, thought: boolean): string {
    return `c${candidate}.${thought ? "thought" : "text"}`;
  }
}

/**
 * Without `alt=sse`, Google streams one JSON array, written element by element as chunks arrive.
 */
class JsonArrayEncoder implements StreamEncoder {
  readonly contentType = "application/json; charset=utf-8";
  private count = 0;

  event(ev: SseEvent): string {
    return (this.count++ === 0 ? "[" : ",\r\n") + ev.data;
  }

  end(): string {
    return this.count === 0 ? "[]" : "]";
  }
}

// ---------------------------------------------------------------------------------------------
// Offline answers

function generateEcho(
  req: ParsedRequest,
  body: unknown,
  script?: EchoScript,
): { json: unknown } | { events: SseEvent[] } {
  const plan = echoPlan(req, body, script);
  const responseId = echoId("");
  const usage = (output: number) => ({
    promptTokenCount: plan.usage.input,
    candidatesTokenCount: output,
    totalTokenCount: plan.usage.input + output,
  });
  const call = plan.toolCall && {
    functionCall: { name: plan.toolCall.name, args: JSON.parse(plan.toolCall.arguments) },
  };
  const chunk = (parts: JsonObject[], finish: boolean, output: number) => ({
    candidates: [
      { content: { parts, role: "model" }, ...(finish ? { finishReason: "STOP" } : {}), index: 0 },
    ],
    usageMetadata: usage(output),
    modelVersion: req.model,
    responseId,
  });
  if (!req.stream) {
    const parts: JsonObject[] = [];
    if (plan.text || !call) parts.push({ text: plan.text });
    if (call) parts.push(call);
    return { json: chunk(parts, true, plan.usage.output) };
  }
  const texts = plan.text || !call ? plan.chunks : [];
  const events = texts.map((piece, k) =>
    chunk(
      [{ text: piece }],
      !call && k === texts.length - 1,
      Math.ceil(((k + 1) * plan.usage.output) / texts.length),
    ),
  );
  if (call) events.push(chunk([call], true, plan.usage.output));
  if (!events.length) events.push(chunk([{ text: "" }], true, plan.usage.output));
  return { events: events.map((e) => ({ data: JSON.stringify(e) })) };
}

// ---------------------------------------------------------------------------------------------

/**
 * The Gemini wire (Google AI Studio's Generative Language API): generateContent and
 * streamGenerateContent. The model comes from the path, never from the body.
 *
 * @example
 * const req = geminiAdapter.parseRequest("gemini.generate", { contents: [{ role: "user", parts: [{ text: "hi" }] }] }, { modelAction: "gemini-2.5-flash:generateContent" });
 * req.model; // "gemini-2.5-flash"
 */
export const geminiAdapter: WireAdapter = {
  wire: "gemini",
  routes: ROUTES,
  passHeaders: [],

  parseRequest(endpoint, body, params) {
    if (!ACTION[endpoint]) throw new WireError(`the gemini wire does not serve ${endpoint}`, 404);
    return parseGenerate(endpoint, body, params);
  },

  parseResponse: parseAnswer,

  upstream(input: UpstreamInput): UpstreamRequest {
    const action = ACTION[input.endpoint];
    if (!action) throw new WireError(`the gemini wire does not serve ${input.endpoint}`, 404);
    if (!MODEL_ID.test(input.model)) throw new WireError("invalid model id");
    const stream = input.endpoint === "gemini.stream_generate";
    const url = joinUrl(input.provider.base_url ?? GEMINI_DEFAULT_BASE_URL, {
      style: "versioned",
      version: "/v1beta",
      alsoVersions: ["/v1"],
      path: `/models/${encodeURIComponent(input.model)}:${action}`,
      // Always SSE upstream: one parser for every stream; the caller's format is chosen on the way out.
      query: stream ? { alt: "sse" } : {},
    });
    const headers: Record<string, string> = {
      accept: stream ? "text/event-stream" : "application/json",
      "content-type": "application/json",
    };
    if (input.apiKey) headers["x-goog-api-key"] = input.apiKey;
    return { url, method: "POST", headers, body: JSON.stringify(input.body) };
  },

  streamRewriter(_endpoint, guard) {
    return new GenerateRewriter(guard);
  },

  streamEncoder(_endpoint, query): StreamEncoder {
    if (query.alt === "sse")
      return { contentType: "text/event-stream; charset=utf-8", event: encodeSse, end: () => "" };
    return new JsonArrayEncoder();
  },

  errorBody(status, message) {
    return { error: { code: status, message, status: statusName(status) } };
  },

  streamError(status, message) {
    return [{ data: JSON.stringify(geminiAdapter.errorBody(status, message)) }];
  },

  usage: usageOf,

  echo: generateEcho,
};
