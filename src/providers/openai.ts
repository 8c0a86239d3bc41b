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
import { GuardedChannels, PassThrough } from "./channels.js";
import { echoId, echoPlan, unixSeconds, type EchoPlan } from "./echo.js";
import {
  formatPath,
  isArray,
  isBoolean,
  isObject,
  isString,
  optional,
  parseJson,
  PartCollector,
  requireBody,
  requireString,
  type JsonObject,
} from "./parts.js";
import { encodeSse } from "./sse.js";
import type { CallPart, Endpoint, JsonPath, ParsedRequest, PartSource, SseEvent } from "./types.js";
import { WireError } from "./types.js";
import { joinUrl } from "./url.js";

export const OPENAI_DEFAULT_BASE_URL = "https://api.openai.com/v1";

const ROUTES: readonly WireRoute[] = [
  { method: "POST", path: "/v1/chat/completions", endpoint: "openai.chat" },
  { method: "POST", path: "/v1/responses", endpoint: "openai.responses" },
  { method: "POST", path: "/v1/embeddings", endpoint: "openai.embeddings" },
  { method: "GET", path: "/v1/models", endpoint: "openai.models" },
];

const UPSTREAM_PATH: Partial<Record<Endpoint, string>> = {
  "openai.chat": "/chat/completions",
  "openai.responses": "/responses",
  "openai.embeddings": "/embeddings",
  "openai.models": "/models",
};

/** Error `type` by status: the SDKs pick the exception class from the status, people read the type. */
function errorType(status: number): string {
  if (status === 401) return "authentication_error";
  if (status === 403) return "permission_error";
  if (status === 404) return "not_found_error";
  if (status === 409) return "conflict_error";
  if (status === 429) return "rate_limit_error";
  if (status >= 500) return "server_error";
  return "invalid_request_error";
}

// ---------------------------------------------------------------------------------------------
// Requests

function roleSource(role: string): PartSource {
  if (role === "system" || role === "developer") return "system";
  if (role === "tool" || role === "function") return "tool_result";
  return "message";
}

/** Chat message content: a string or an array of content parts. */
function chatContent(
  c: PartCollector,
  at: JsonPath,
  content: unknown,
  source: PartSource,
  role: string,
): void {
  if (content === undefined || content === null) return;
  if (typeof content === "string") return c.text(at, content, source, role);
  if (!Array.isArray(content))
    throw new WireError(`${formatPath(at)} must be a string or an array of content parts`);
  content.forEach((part, j) => {
    const pat = [...at, j];
    if (!isObject(part) || typeof part.type !== "string")
      throw new WireError(`${formatPath(pat)} must be a content part with a type`);
    switch (part.type) {
      case "text":
        return c.requiredText(part, "text", pat, source, role);
      case "refusal":
        return c.requiredText(part, "refusal", pat, source, role);
      case "image_url":
        return c.opaque(pat, "image");
      case "input_audio":
        return c.opaque(pat, "audio");
      case "file":
        return c.opaque(pat, "file");
      default:
        return c.opaque(pat, "other");
    }
  });
}

function chatTools(c: PartCollector, b: JsonObject): void {
  const tools = optional(b, "tools", [], isArray, "an array of tools") ?? [];
  tools.forEach((t, k) => {
    if (!isObject(t)) throw new WireError(`tools[${k}] must be an object`);
    for (const kind of ["function", "custom"] as const) {
      const def = t[kind];
      if (!isObject(def)) continue;
      c.text(["tools", k, kind, "description"], def.description, "tool_definition");
      c.schemaDescriptions(["tools", k, kind, "parameters"], def.parameters);
    }
  });
  // The deprecated `functions` list is still accepted by the API.
  const functions = optional(b, "functions", [], isArray, "an array of functions") ?? [];
  functions.forEach((f, k) => {
    if (!isObject(f)) throw new WireError(`functions[${k}] must be an object`);
    c.text(["functions", k, "description"], f.description, "tool_definition");
    c.schemaDescriptions(["functions", k, "parameters"], f.parameters);
  });
}

function endUser(b: JsonObject): string | undefined {
  const user = optional(b, "user", [], isString, "a string");
  return user ?? optional(b, "safety_identifier", [], isString, "a string");
}

function parseChat(body: unknown): ParsedRequest {
  const b = requireBody(body, "a chat completion request");
  const model = requireString(b, "model");
  const messages = b.messages;
  if (!Array.isArray(messages) || messages.length === 0)
    throw new WireError("messages is required and must be a non-empty array of messages");
  const stream = optional(b, "stream", [], isBoolean, "true or false") ?? false;
  const c = new PartCollector();
  messages.forEach((m, i) => {
    const at: JsonPath = ["messages", i];
    if (!isObject(m)) throw new WireError(`messages[${i}] must be an object with a role`);
    const role = requireString(m, "role", at);
    chatContent(c, [...at, "content"], m.content, roleSource(role), role);
    c.text([...at, "refusal"], m.refusal, "message", role);
    const calls = optional(m, "tool_calls", at, isArray, "an array of tool calls") ?? [];
    calls.forEach((tc, k) => {
      if (!isObject(tc)) throw new WireError(`${formatPath([...at, "tool_calls", k])} must be an object`);
      if (isObject(tc.function))
        c.text(
          [...at, "tool_calls", k, "function", "arguments"],
          tc.function.arguments,
          "tool_arguments",
          role,
        );
      if (isObject(tc.custom))
        c.text([...at, "tool_calls", k, "custom", "input"], tc.custom.input, "tool_arguments", role);
    });
    if (isObject(m.function_call))
      c.text([...at, "function_call", "arguments"], m.function_call.arguments, "tool_arguments", role);
  });
  chatTools(c, b);
  return finish("openai.chat", model, stream, c, endUser(b));
}

/** Responses API content: input_text, output_text, refusal, and opaque inputs. */
function responsesContent(
  c: PartCollector,
  at: JsonPath,
  content: unknown,
  source: PartSource,
  role: string,
): void {
  if (content === undefined || content === null) return;
  if (typeof content === "string") return c.text(at, content, source, role);
  if (!Array.isArray(content))
    throw new WireError(`${formatPath(at)} must be a string or an array of content parts`);
  content.forEach((part, j) => {
    const pat = [...at, j];
    if (!isObject(part) || typeof part.type !== "string")
      throw new WireError(`${formatPath(pat)} must be a content part with a type`);
    switch (part.type) {
      case "input_text":
      case "output_text":
        return c.requiredText(part, "text", pat, source, role);
      case "refusal":
        return c.requiredText(part, "refusal", pat, source, role);
      case "input_image":
        return c.opaque(pat, "image");
      case "input_audio":
        return c.opaque(pat, "audio");
      case "input_file":
        return c.opaque(pat, "file");
      default:
        return c.opaque(pat, "other");
    }
  });
}

function responsesItem(c: PartCollector, item: unknown, i: number): void {
  const at: JsonPath = ["input", i];
  if (!isObject(item)) throw new WireError(`input[${i}] must be an object`);
  const type = item.type ?? (item.role !== undefined ? "message" : undefined);
  switch (type) {
    case "message": {
      const role = requireString(item, "role", at);
      return responsesContent(c, [...at, "content"], item.content, roleSource(role), role);
    }
    case "function_call":
      return c.text([...at, "arguments"], item.arguments, "tool_arguments", "assistant");
    case "custom_tool_call":
      return c.text([...at, "input"], item.input, "tool_arguments", "assistant");
    case "function_call_output":
    case "custom_tool_call_output":
    case "local_shell_call_output":
    case "shell_call_output":
      return responsesContent(c, [...at, "output"], item.output, "tool_result", "tool");
    case "computer_call_output":
      return c.opaque([...at, "output"], "image");
    case "reasoning": {
      const summary = isArray(item.summary) ? item.summary : [];
      summary.forEach((s, k) => {
        if (isObject(s)) c.text([...at, "summary", k, "text"], s.text, "message", "assistant");
      });
      return;
    }
    case "item_reference":
      return;
    default:
      // An item type this adapter does not know may carry text it cannot see.
      return c.opaque(at, "other");
  }
}

function parseResponses(body: unknown): ParsedRequest {
  const b = requireBody(body, "a Responses API request");
  const model = requireString(b, "model");
  const stream = optional(b, "stream", [], isBoolean, "true or false") ?? false;
  const c = new PartCollector();
  const instructions = optional(b, "instructions", [], isString, "a string");
  if (instructions !== undefined) c.text(["instructions"], instructions, "instructions", "system");
  const input = b.input;
  if (typeof input === "string") c.text(["input"], input, "message", "user");
  else if (Array.isArray(input)) input.forEach((item, i) => responsesItem(c, item, i));
  else if (input !== undefined && input !== null)
    throw new WireError("input must be a string or an array of input items");
  const tools = optional(b, "tools", [], isArray, "an array of tools") ?? [];
  tools.forEach((t, k) => {
    if (!isObject(t)) throw new WireError(`tools[${k}] must be an object`);
    c.text(["tools", k, "description"], t.description, "tool_definition");
    c.schemaDescriptions(["tools", k, "parameters"], t.parameters);
  });
  // Prompt templates fill variables into a stored prompt: the variables are what this call sends.
  if (isObject(b.prompt) && isObject(b.prompt.variables)) {
    for (const [name, v] of Object.entries(b.prompt.variables)) {
      const at: JsonPath = ["prompt", "variables", name];
      if (typeof v === "string") c.text(at, v, "message", "user");
      else responsesContent(c, at, [v], "message", "user");
    }
  }
  return finish("openai.responses", model, stream, c, endUser(b));
}

function parseEmbeddings(body: unknown): ParsedRequest {
  const b = requireBody(body, "an embeddings request");
  const model = requireString(b, "model");
  const input = b.input;
  const c = new PartCollector();
  const tokens = (v: unknown): v is number[] => Array.isArray(v) && v.every((x) => typeof x === "number");
  if (typeof input === "string") c.text(["input"], input, "embedding_input", "user");
  else if (Array.isArray(input) && input.length > 0) {
    if (tokens(input)) c.opaque(["input"], "other");
    else
      input.forEach((v, i) => {
        if (typeof v === "string") c.text(["input", i], v, "embedding_input", "user");
        else if (tokens(v)) c.opaque(["input", i], "other");
        else throw new WireError(`input[${i}] must be a string or an array of token ids`);
      });
  } else throw new WireError("input is required: a string, an array of strings, or token ids");
  return finish("openai.embeddings", model, false, c, endUser(b));
}

function finish(
  endpoint: Endpoint,
  model: string,
  stream: boolean,
  c: PartCollector,
  user: string | undefined,
): ParsedRequest {
  const req: ParsedRequest = { endpoint, model, stream, parts: c.parts, unscannable: c.unscannable };
  if (user !== undefined) req.user = user;
  return req;
}

// ---------------------------------------------------------------------------------------------
// Responses

function part(at: JsonPath, text: string, source: PartSource): CallPart {
  return { at, text, source, path: formatPath(at), role: "assistant" };
}

function parseAnswer(endpoint: Endpoint, body: unknown): CallPart[] {
  if (endpoint !== "openai.chat" && endpoint !== "openai.responses") return [];
  if (!isObject(body)) throw new WireError("the provider's answer is not a JSON object", 502);
  const out: CallPart[] = [];
  const text = (at: JsonPath, v: unknown, source: PartSource = "output_text") => {
    if (typeof v === "string") out.push(part(at, v, source));
  };
  if (endpoint === "openai.chat") {
    (isArray(body.choices) ? body.choices : []).forEach((choice, i) => {
      if (!isObject(choice) || !isObject(choice.message)) return;
      const m = choice.message;
      const at: JsonPath = ["choices", i, "message"];
      if (isArray(m.content))
        m.content.forEach((p, j) => isObject(p) && text([...at, "content", j, "text"], p.text));
      else text([...at, "content"], m.content);
      text([...at, "refusal"], m.refusal);
      (isArray(m.tool_calls) ? m.tool_calls : []).forEach((tc, k) => {
        if (!isObject(tc)) return;
        if (isObject(tc.function))
          text([...at, "tool_calls", k, "function", "arguments"], tc.function.arguments, "tool_arguments");
        if (isObject(tc.custom))
          text([...at, "tool_calls", k, "custom", "input"], tc.custom.input, "tool_arguments");
      });
      if (isObject(m.function_call))
        text([...at, "function_call", "arguments"], m.function_call.arguments, "tool_arguments");
    });
    return out;
  }
  (isArray(body.output) ? body.output : []).forEach((item, i) => {
    if (!isObject(item)) return;
    const at: JsonPath = ["output", i];
    if (item.type === "message" && isArray(item.content))
      item.content.forEach((p, j) => {
        if (!isObject(p)) return;
        if (p.type === "output_text") text([...at, "content", j, "text"], p.text);
        if (p.type === "refusal") text([...at, "content", j, "refusal"], p.refusal);
      });
    if (item.type === "function_call") text([...at, "arguments"], item.arguments, "tool_arguments");
    if (item.type === "custom_tool_call") text([...at, "input"], item.input, "tool_arguments");
    if (item.type === "reasoning" && isArray(item.summary))
      item.summary.forEach((s, k) => isObject(s) && text([...at, "summary", k, "text"], s.text));
  });
  return out;
}

function usageOf(endpoint: Endpoint, body: unknown): Usage | null {
  if (!isObject(body) || !isObject(body.usage)) return null;
  const u = body.usage;
  const n = (v: unknown) => (typeof v === "number" ? v : null);
  if (endpoint === "openai.responses") return { input: n(u.input_tokens), output: n(u.output_tokens) };
  if (endpoint === "openai.embeddings") return { input: n(u.prompt_tokens), output: null };
  return { input: n(u.prompt_tokens), output: n(u.completion_tokens) };
}

// ---------------------------------------------------------------------------------------------
// Streams

interface ChatChannel {
  choice: number;
  field: "content" | "refusal" | "tool";
  tool?: number;
}

/**
 * Chat Completions chunks: `choices[i].delta.content`, `.refusal` and `.tool_calls[j].function.arguments`
 * go through the guard. Held-back text goes out before the choice's `finish_reason` (inside the
 * finishing chunk when it carries the same field, else as an extra chunk) or before `[DONE]`.
 */
class ChatRewriter implements StreamRewriter {
  private readonly ch: GuardedChannels<ChatChannel>;
  private envelope: JsonObject = { object: "chat.completion.chunk" };
  private seenUsage: Usage | null = null;

  constructor(guard: StreamTextGuard) {
    this.ch = new GuardedChannels(guard);
  }

  onEvent(ev: SseEvent): SseEvent[] {
    if (ev.data.trim() === "[DONE]") return [...this.flush(() => true), ev];
    const chunk = parseJson(ev.data);
    // Nothing unreadable reaches the caller: it could carry text the guard never saw.
    if (!isObject(chunk)) return [];
    if (chunk.error !== undefined) return [ev];
    this.envelope = pick(chunk, ["id", "object", "created", "model", "system_fingerprint", "service_tier"]);
    if (isObject(chunk.usage)) this.seenUsage = usageOf("openai.chat", chunk);
    const before: SseEvent[] = [];
    for (const choice of isArray(chunk.choices) ? chunk.choices : []) {
      if (!isObject(choice)) continue;
      const i = typeof choice.index === "number" ? choice.index : 0;
      // Log probabilities repeat the raw tokens, which would bypass redaction.
      if (choice.logprobs) choice.logprobs = null;
      const delta = isObject(choice.delta) ? choice.delta : {};
      const inDelta = new Map<string, (rest: string) => void>();
      for (const field of ["content", "refusal"] as const) {
        if (typeof delta[field] !== "string") continue;
        const name = `c${i}.${field}`;
        delta[field] = this.ch.push(name, delta[field], { choice: i, field });
        inDelta.set(name, (rest) => (delta[field] += rest));
      }
      for (const tc of isArray(delta.tool_calls) ? delta.tool_calls : []) {
        if (!isObject(tc)) continue;
        const j = typeof tc.index === "number" ? tc.index : 0;
        const name = `c${i}.tool${j}`;
        const fn = isObject(tc.function) ? tc.function : undefined;
        const args = typeof fn?.arguments === "string" ? fn.arguments : "";
        const released = this.ch.push(name, args, { choice: i, field: "tool", tool: j });
        if (fn && typeof fn.arguments === "string") {
          fn.arguments = released;
          inDelta.set(name, (rest) => (fn.arguments += rest));
        }
      }
      if (choice.finish_reason !== null && choice.finish_reason !== undefined) {
        for (const [name, info] of this.ch.openChannels((c) => c.choice === i)) {
          const rest = this.ch.close(name);
          if (!rest) continue;
          const append = inDelta.get(name);
          if (append) append(rest);
          else before.push(this.extra(info, rest));
        }
      }
    }
    return [...before, { ...ev, data: JSON.stringify(chunk) }];
  }

  onEnd(): SseEvent[] {
    return this.flush(() => true);
  }

  usage(): Usage | null {
    return this.seenUsage;
  }

  private flush(which: (c: ChatChannel) => boolean): SseEvent[] {
    const out: SseEvent[] = [];
    for (const [name, info] of this.ch.openChannels(which)) {
      const rest = this.ch.close(name);
      if (rest) out.push(this.extra(info, rest));
    }
    return out;
  }

  private extra(info: ChatChannel, text: string): SseEvent {
    const delta =
      info.field === "tool"
        ? { tool_calls: [{ index: info.tool, function: { arguments: text } }] }
        : { [info.field]: text };
    const choices = [{ index: info.choice, delta, logprobs: null, finish_reason: null }];
    return { data: JSON.stringify({ ...this.envelope, choices }) };
  }
}

interface ResponsesChannel {
  output: number;
  item?: unknown;
  /** The event type of this channel's deltas and the field the "done" event repeats the text in. */
  delta: string;
  content?: number;
  summary?: number;
}

const RESPONSES_TEXT_EVENTS: Record<string, { key: (e: JsonObject) => string; done: string; field: string }> =
  {
    "response.output_text.delta": {
      key: (e) => `o${e.output_index}.c${e.content_index}`,
      done: "response.output_text.done",
      field: "text",
    },
    "response.refusal.delta": {
      key: (e) => `o${e.output_index}.c${e.content_index}`,
      done: "response.refusal.done",
      field: "refusal",
    },
    "response.function_call_arguments.delta": {
      key: (e) => `o${e.output_index}.args`,
      done: "response.function_call_arguments.done",
      field: "arguments",
    },
    "response.custom_tool_call_input.delta": {
      key: (e) => `o${e.output_index}.args`,
      done: "response.custom_tool_call_input.done",
      field: "input",
    },
    "response.reasoning_summary_text.delta": {
      key: (e) => `o${e.output_index}.s${e.summary_index}`,
      done: "response.reasoning_summary_text.done",
      field: "text",
    },
  };
const DONE_EVENTS = new Map(
  Object.entries(RESPONSES_TEXT_EVENTS).map(([delta, d]) => [d.done, { ...d, delta }]),
);
const FINAL_EVENTS = new Set(["response.completed", "response.incomplete", "response.failed"]);

/**
 * Responses API events: text, refusal, reasoning-summary and tool-argument deltas go through the
 * guard; "done" events, finished items and the final response repeat what was released. Sequence
 * numbers are rewritten so they stay consecutive when held-back text needs an extra delta event.
 */
class ResponsesRewriter implements StreamRewriter {
  private readonly ch: GuardedChannels<ResponsesChannel>;
  private seq = 0;
  private seenUsage: Usage | null = null;

  constructor(guard: StreamTextGuard) {
    this.ch = new GuardedChannels(guard);
  }

  onEvent(ev: SseEvent): SseEvent[] {
    const e = parseJson(ev.data);
    if (!isObject(e) || typeof e.type !== "string") return [];
    const type = e.type;
    const out: JsonObject[] = [];
    const delta = RESPONSES_TEXT_EVENTS[type];
    const done = DONE_EVENTS.get(type);
    if (delta && typeof e.delta === "string") {
      e.delta = this.ch.push(delta.key(e), e.delta, this.info(e, type));
      if ("logprobs" in e) e.logprobs = [];
    } else if (done) {
      const name = done.key(e);
      const full = typeof e[done.field] === "string" ? (e[done.field] as string) : "";
      const { rest, text } = this.ch.settle(name, full, this.info(e, done.delta));
      if (rest) out.push(this.extra(this.info(e, done.delta), rest, e.item_id));
      e[done.field] = text;
      if ("logprobs" in e) e.logprobs = [];
    } else if (type === "response.content_part.done" && isObject(e.part)) {
      out.push(...this.finalPart(e.part, `o${e.output_index}.c${e.content_index}`, e));
    } else if (type === "response.reasoning_summary_part.done" && isObject(e.part)) {
      out.push(...this.finalPart(e.part, `o${e.output_index}.s${e.summary_index}`, e));
    } else if (type === "response.output_item.done" && isObject(e.item)) {
      out.push(...this.finalItem(e.item, Number(e.output_index)));
    } else if (FINAL_EVENTS.has(type) && isObject(e.response)) {
      const output = isArray(e.response.output) ? e.response.output : [];
      output.forEach((item, i) => isObject(item) && out.push(...this.finalItem(item, i)));
      out.push(...this.flush());
      this.seenUsage = usageOf("openai.responses", e.response);
    }
    out.push(e);
    return out.map((o) => {
      if ("sequence_number" in o || o !== e) o.sequence_number = this.seq++;
      return o === e
        ? { ...ev, data: JSON.stringify(o) }
        : { event: String(o.type), data: JSON.stringify(o) };
    });
  }

  onEnd(): SseEvent[] {
    return this.flush().map((o) => {
      o.sequence_number = this.seq++;
      return { event: String(o.type), data: JSON.stringify(o) };
    });
  }

  usage(): Usage | null {
    return this.seenUsage;
  }

  private info(e: JsonObject, deltaType: string): ResponsesChannel {
    const info: ResponsesChannel = { output: Number(e.output_index), delta: deltaType, item: e.item_id };
    if (typeof e.content_index === "number") info.content = e.content_index;
    if (typeof e.summary_index === "number") info.summary = e.summary_index;
    return info;
  }

  /** A part that repeats a channel's text: its text becomes what was released. */
  private finalPart(p: JsonObject, name: string, e: JsonObject): JsonObject[] {
    const field = p.type === "refusal" ? "refusal" : "text";
    if (typeof p[field] !== "string") return [];
    const deltaType =
      p.type === "refusal"
        ? "response.refusal.delta"
        : p.type === "summary_text"
          ? "response.reasoning_summary_text.delta"
          : "response.output_text.delta";
    const info = this.info(e, deltaType);
    const { rest, text } = this.ch.settle(name, p[field] as string, info);
    p[field] = text;
    return rest ? [this.extra(info, rest, e.item_id)] : [];
  }

  /** A finished output item (in output_item.done or the final response): texts become what was released. */
  private finalItem(item: JsonObject, i: number): JsonObject[] {
    const out: JsonObject[] = [];
    const e = { output_index: i, item_id: item.id };
    if (item.type === "message" && isArray(item.content))
      item.content.forEach((p, j) => {
        if (isObject(p)) out.push(...this.finalPart(p, `o${i}.c${j}`, { ...e, content_index: j }));
      });
    if (item.type === "reasoning" && isArray(item.summary))
      item.summary.forEach((p, k) => {
        if (isObject(p)) out.push(...this.finalPart(p, `o${i}.s${k}`, { ...e, summary_index: k }));
      });
    for (const [type, field, deltaType] of [
      ["function_call", "arguments", "response.function_call_arguments.delta"],
      ["custom_tool_call", "input", "response.custom_tool_call_input.delta"],
    ] as const) {
      if (item.type !== type || typeof item[field] !== "string") continue;
      const info = this.info(e, deltaType);
      const { rest, text } = this.ch.settle(`o${i}.args`, item[field] as string, info);
      item[field] = text;
      if (rest) out.push(this.extra(info, rest, item.id));
    }
    return out;
  }

  private flush(): JsonObject[] {
    const out: JsonObject[] = [];
    for (const [name, info] of this.ch.openChannels()) {
      const rest = this.ch.close(name);
      if (rest) out.push(this.extra(info, rest, info.item));
    }
    return out;
  }

  private extra(info: ResponsesChannel, text: string, itemId: unknown): JsonObject {
    const ev: JsonObject = { type: info.delta, item_id: itemId, output_index: info.output };
    if (info.content !== undefined) ev.content_index = info.content;
    if (info.summary !== undefined) ev.summary_index = info.summary;
    ev.delta = text;
    if (info.delta === "response.output_text.delta") ev.logprobs = [];
    return ev;
  }
}

function pick(o: JsonObject, keys: string[]): JsonObject {
  const out: JsonObject = {};
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
  return out;
}

// ---------------------------------------------------------------------------------------------
// Offline answers

function chatEcho(
  req: ParsedRequest,
  body: unknown,
  plan: EchoPlan,
): { json: unknown } | { events: SseEvent[] } {
  const id = echoId("chatcmpl-");
  const created = unixSeconds();
  const call = plan.toolCall && { id: echoId("call_"), name: plan.toolCall.name };
  const usage = {
    prompt_tokens: plan.usage.input,
    completion_tokens: plan.usage.output,
    total_tokens: plan.usage.input + plan.usage.output,
  };
  const finishReason = plan.toolCall ? "tool_calls" : "stop";
  if (!req.stream) {
    const message: JsonObject = {
      role: "assistant",
      content: plan.text === "" && plan.toolCall ? null : plan.text,
      refusal: null,
      annotations: [],
    };
    if (plan.toolCall && call)
      message.tool_calls = [
        { id: call.id, type: "function", function: { name: call.name, arguments: plan.toolCall.arguments } },
      ];
    return {
      json: {
        id,
        object: "chat.completion",
        created,
        model: req.model,
        choices: [{ index: 0, message, logprobs: null, finish_reason: finishReason }],
        usage,
        system_fingerprint: null,
      },
    };
  }
  const chunk = (delta: JsonObject, finish: string | null = null): SseEvent => ({
    data: JSON.stringify({
      id,
      object: "chat.completion.chunk",
      created,
      model: req.model,
      system_fingerprint: null,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    }),
  });
  const events = [chunk({ role: "assistant", content: "", refusal: null })];
  for (const piece of plan.chunks) events.push(chunk({ content: piece }));
  if (plan.toolCall && call) {
    const head = { index: 0, id: call.id, type: "function", function: { name: call.name, arguments: "" } };
    events.push(chunk({ tool_calls: [head] }));
    for (const piece of plan.toolCall.chunks)
      events.push(chunk({ tool_calls: [{ index: 0, function: { arguments: piece } }] }));
  }
  events.push(chunk({}, finishReason));
  const b = isObject(body) ? body : {};
  if (isObject(b.stream_options) && b.stream_options.include_usage === true)
    events.push({
      data: JSON.stringify({
        id,
        object: "chat.completion.chunk",
        created,
        model: req.model,
        system_fingerprint: null,
        choices: [],
        usage,
      }),
    });
  events.push({ data: "[DONE]" });
  return { events };
}

function responsesEcho(
  req: ParsedRequest,
  body: unknown,
  plan: EchoPlan,
): { json: unknown } | { events: SseEvent[] } {
  const b = isObject(body) ? body : {};
  const msgId = echoId("msg_");
  const call = plan.toolCall && { id: echoId("fc_"), call_id: echoId("call_"), name: plan.toolCall.name };
  const textPart = (text: string) => ({ type: "output_text", text, annotations: [], logprobs: [] });
  const message = (status: string, content: unknown[]) => ({
    id: msgId,
    type: "message",
    status,
    role: "assistant",
    content,
  });
  const fnItem = (args: string, status: string) =>
    call && {
      id: call.id,
      type: "function_call",
      status,
      arguments: args,
      call_id: call.call_id,
      name: call.name,
    };
  const response = (status: string, output: unknown[]) => ({
    id: echoId("resp_"),
    object: "response",
    created_at: unixSeconds(),
    status,
    background: false,
    error: null,
    incomplete_details: null,
    instructions: typeof b.instructions === "string" ? b.instructions : null,
    max_output_tokens: null,
    model: req.model,
    output,
    parallel_tool_calls: true,
    previous_response_id: null,
    reasoning: { effort: null, summary: null },
    store: false,
    temperature: 1,
    text: { format: { type: "text" } },
    tool_choice: "auto",
    tools: [],
    top_p: 1,
    truncation: "disabled",
    usage:
      status === "completed"
        ? {
            input_tokens: plan.usage.input,
            input_tokens_details: { cached_tokens: 0 },
            output_tokens: plan.usage.output,
            output_tokens_details: { reasoning_tokens: 0 },
            total_tokens: plan.usage.input + plan.usage.output,
          }
        : null,
    user: null,
    metadata: {},
  });
  const finalOutput: unknown[] = [message("completed", [textPart(plan.text)])];
  if (plan.toolCall) finalOutput.push(fnItem(plan.toolCall.arguments, "completed"));
  const done = response("completed", finalOutput);
  if (!req.stream) return { json: done };

  const events: JsonObject[] = [];
  const started = { ...done, status: "in_progress", output: [], usage: null };
  events.push({ type: "response.created", response: started });
  events.push({ type: "response.in_progress", response: started });
  events.push({ type: "response.output_item.added", output_index: 0, item: message("in_progress", []) });
  const at = { item_id: msgId, output_index: 0, content_index: 0 };
  events.push({ type: "response.content_part.added", ...at, part: textPart("") });
  for (const piece of plan.chunks)
    events.push({ type: "response.output_text.delta", ...at, delta: piece, logprobs: [] });
  events.push({ type: "response.output_text.done", ...at, text: plan.text, logprobs: [] });
  events.push({ type: "response.content_part.done", ...at, part: textPart(plan.text) });
  events.push({ type: "response.output_item.done", output_index: 0, item: finalOutput[0] });
  if (plan.toolCall && call) {
    const fat = { item_id: call.id, output_index: 1 };
    events.push({ type: "response.output_item.added", output_index: 1, item: fnItem("", "in_progress") });
    for (const piece of plan.toolCall.chunks)
      events.push({ type: "response.function_call_arguments.delta", ...fat, delta: piece });
    events.push({
      type: "response.function_call_arguments.done",
      ...fat,
      arguments: plan.toolCall.arguments,
    });
    events.push({ type: "response.output_item.done", output_index: 1, item: finalOutput[1] });
  }
  events.push({ type: "response.completed", response: done });
  return {
    events: events.map((e, i) => ({
      event: String(e.type),
      data: JSON.stringify({ ...e, sequence_number: i }),
    })),
  };
}

/** A deterministic unit vector per text, so similar calls give equal embeddings offline. */
function fakeEmbedding(text: string, dims = 8): number[] {
  let h = 2166136261;
  const v: number[] = [];
  for (let d = 0; d < dims; d++) {
    for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619) >>> 0;
    h = Math.imul(h ^ d, 16777619) >>> 0;
    v.push((h / 2 ** 32) * 2 - 1);
  }
  const norm = Math.hypot(...v) || 1;
  return v.map((x) => Math.fround(x / norm));
}

function embeddingsEcho(req: ParsedRequest, body: unknown): { json: unknown } {
  const b = isObject(body) ? body : {};
  const base64 = b.encoding_format === "base64";
  const inputs = req.parts.length ? req.parts.map((p) => p.text) : [""];
  const data = inputs.map((text, index) => {
    const vec = fakeEmbedding(text);
    const embedding = base64 ? Buffer.from(new Float32Array(vec).buffer).toString("base64") : vec;
    return { object: "embedding", index, embedding };
  });
  const tokens = inputs.reduce((n, t) => n + Math.max(1, Math.ceil(t.length / 4)), 0);
  return {
    json: { object: "list", data, model: req.model, usage: { prompt_tokens: tokens, total_tokens: tokens } },
  };
}

// ---------------------------------------------------------------------------------------------

/**
 * The OpenAI wire: Chat Completions, Responses, Embeddings and the model list. Also used for
 * `openai-compatible` providers (Azure OpenAI, Ollama, vLLM, LM Studio) with their `base_url`:
 * - Ollama `http://localhost:11434` (or `…/v1`), vLLM `http://HOST:8000/v1`, LM Studio
 *   `http://localhost:1234/v1`: a base with no path gets `/v1`; any other path is used as given.
 * - Azure OpenAI, v1 API: `https://RESOURCE.openai.azure.com/openai/v1`; the body's `model` is the
 *   deployment name. Every endpoint works.
 * - Azure OpenAI, deployment API: `https://RESOURCE.openai.azure.com/openai/deployments/DEPLOYMENT?api-version=2024-10-21`
 *   (the query is kept on every call). Chat completions and embeddings work; that API has no
 *   `/models` or `/responses` under a deployment.
 * On Azure hosts the key goes in `api-key`, elsewhere in `Authorization: Bearer`.
 *
 * @example
 * const req = openaiAdapter.parseRequest("openai.chat", { model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] }, {});
 * req.parts[0]; // { text: "hi", at: ["messages", 0, "content"], source: "message", role: "user", ... }
 */
export const openaiAdapter: WireAdapter = {
  wire: "openai",
  routes: ROUTES,
  passHeaders: ["openai-beta"],

  parseRequest(endpoint, body) {
    switch (endpoint) {
      case "openai.chat":
        return parseChat(body);
      case "openai.responses":
        return parseResponses(body);
      case "openai.embeddings":
        return parseEmbeddings(body);
      case "openai.models":
        return { endpoint, model: "", stream: false, parts: [], unscannable: [] };
      default:
        throw new WireError(`the openai wire does not serve ${endpoint}`, 404);
    }
  },

  parseResponse: parseAnswer,

  upstream(input: UpstreamInput): UpstreamRequest {
    const path = UPSTREAM_PATH[input.endpoint];
    if (!path) throw new WireError(`the openai wire does not serve ${input.endpoint}`, 404);
    const base =
      input.provider.base_url ?? (input.provider.kind === "openai" ? OPENAI_DEFAULT_BASE_URL : undefined);
    // A compatible server with no base_url would silently send the data to OpenAI instead.
    if (!base) throw new Error(`a provider of kind ${input.provider.kind} needs base_url in the policy`);
    const url = joinUrl(base, { style: "openai", version: "/v1", path });
    const headers: Record<string, string> = {
      accept: input.stream ? "text/event-stream" : "application/json",
    };
    for (const name of openaiAdapter.passHeaders) {
      const v = input.passHeaders[name];
      if (v !== undefined) headers[name] = v;
    }
    if (input.apiKey) {
      // Azure OpenAI takes a key in api-key on both its v1 and its deployment paths; Bearer there is
      // meant for Entra ID tokens.
      if (/\.(openai|cognitiveservices)\.azure\.com$/i.test(new URL(url).hostname))
        headers["api-key"] = input.apiKey;
      else headers.authorization = `Bearer ${input.apiKey}`;
    }
    if (input.endpoint === "openai.models") return { url, method: "GET", headers };
    headers["content-type"] = "application/json";
    return { url, method: "POST", headers, body: JSON.stringify(input.body) };
  },

  streamRewriter(endpoint, guard) {
    if (endpoint === "openai.chat") return new ChatRewriter(guard);
    if (endpoint === "openai.responses") return new ResponsesRewriter(guard);
    return new PassThrough();
  },

  streamEncoder(): StreamEncoder {
    return { contentType: "text/event-stream; charset=utf-8", event: encodeSse, end: () => "" };
  },

  errorBody(status, message, code) {
    return { error: { message, type: errorType(status), param: null, code: code ?? null } };
  },

  streamError(status, message, code) {
    // One shape both streaming endpoints' SDKs raise on: an `error` event whose data has `error`
    // (Chat Completions), with the Responses API's own error-event fields beside it.
    const error = { message, type: errorType(status), param: null, code: code ?? null };
    return [
      {
        event: "error",
        data: JSON.stringify({ type: "error", code: error.code, message, param: null, error }),
      },
    ];
  },

  usage: usageOf,

  echo(req, body, script?: EchoScript) {
    if (req.endpoint === "openai.embeddings") return embeddingsEcho(req, body);
    if (req.endpoint === "openai.models")
      return {
        json: { object: "list", data: [{ id: "echo", object: "model", created: 0, owned_by: "policygate" }] },
      };
    const plan = echoPlan(req, body, script);
    return req.endpoint === "openai.responses" ? responsesEcho(req, body, plan) : chatEcho(req, body, plan);
  },
};
