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
import { echoId, echoPlan } from "./echo.js";
import {
  formatPath,
  isArray,
  isBoolean,
  isObject,
  optional,
  parseJson,
  PartCollector,
  requireBody,
  requireString,
  stringLeaves,
  type JsonObject,
} from "./parts.js";
import { encodeSse } from "./sse.js";
import type { CallPart, Endpoint, JsonPath, ParsedRequest, PartSource, SseEvent } from "./types.js";
import { WireError } from "./types.js";
import { joinUrl } from "./url.js";

export const ANTHROPIC_DEFAULT_BASE_URL = "https://api.anthropic.com";
export const ANTHROPIC_DEFAULT_VERSION = "2023-06-01";

const ROUTES: readonly WireRoute[] = [
  { method: "POST", path: "/v1/messages", endpoint: "anthropic.messages" },
  { method: "POST", path: "/v1/messages/count_tokens", endpoint: "anthropic.count_tokens" },
];

/** Anthropic's documented error types; the SDK picks its exception class from the status. */
const ERROR_TYPES: Record<number, string> = {
  400: "invalid_request_error",
  401: "authentication_error",
  402: "billing_error",
  403: "permission_error",
  404: "not_found_error",
  413: "request_too_large",
  429: "rate_limit_error",
  500: "api_error",
  504: "timeout_error",
  529: "overloaded_error",
};

function errorType(status: number): string {
  return ERROR_TYPES[status] ?? (status >= 500 ? "api_error" : "invalid_request_error");
}

// ---------------------------------------------------------------------------------------------
// Requests

/** Content blocks of a message, a tool result or a document. */
function blocks(c: PartCollector, at: JsonPath, content: unknown, source: PartSource, role: string): void {
  if (typeof content === "string") return c.text(at, content, source, role);
  if (!Array.isArray(content))
    throw new WireError(`${formatPath(at)} must be a string or an array of content blocks`);
  content.forEach((block, j) => {
    const bat = [...at, j];
    if (!isObject(block) || typeof block.type !== "string")
      throw new WireError(`${formatPath(bat)} must be a content block with a type`);
    switch (block.type) {
      case "text":
        return c.requiredText(block, "text", bat, source, role);
      case "image":
        return c.opaque(bat, "image");
      case "document": {
        const src = isObject(block.source) ? block.source : {};
        // Plain-text and content documents are text the model reads; PDFs and URLs are not readable here.
        if (src.type === "text") return c.requiredText(src, "data", [...bat, "source"], source, role);
        if (src.type === "content")
          return blocks(c, [...bat, "source", "content"], src.content, source, role);
        return c.opaque(bat, "document");
      }
      case "search_result":
        c.text([...bat, "title"], block.title, source, role);
        return blocks(c, [...bat, "content"], block.content, source, role);
      case "tool_use":
      case "server_tool_use":
        return c.leaves([...bat, "input"], block.input, "tool_arguments", role);
      case "tool_result":
        if (block.content === undefined) return;
        return blocks(c, [...bat, "content"], block.content, "tool_result", role);
      case "thinking":
      case "redacted_thinking":
        // Signed by the provider and sent back verbatim; it was scanned when the model produced it.
        return;
      case "container_upload":
        return c.opaque(bat, "file");
      default:
        return c.opaque(bat, "other");
    }
  });
}

function parseMessages(endpoint: Endpoint, body: unknown): ParsedRequest {
  const b = requireBody(
    body,
    endpoint === "anthropic.messages" ? "a Messages request" : "a count_tokens request",
  );
  const model = requireString(b, "model");
  const messages = b.messages;
  if (!Array.isArray(messages) || messages.length === 0)
    throw new WireError("messages is required and must be a non-empty array of messages");
  const stream =
    endpoint === "anthropic.messages"
      ? (optional(b, "stream", [], isBoolean, "true or false") ?? false)
      : false;
  const c = new PartCollector();
  if (b.system !== undefined && b.system !== null) blocks(c, ["system"], b.system, "system", "system");
  messages.forEach((m, i) => {
    const at: JsonPath = ["messages", i];
    if (!isObject(m)) throw new WireError(`messages[${i}] must be an object with a role`);
    const role = requireString(m, "role", at);
    if (m.content === undefined) throw new WireError(`${formatPath([...at, "content"])} is required`);
    blocks(c, [...at, "content"], m.content, "message", role);
  });
  const tools = optional(b, "tools", [], isArray, "an array of tools") ?? [];
  tools.forEach((t, k) => {
    if (!isObject(t)) throw new WireError(`tools[${k}] must be an object`);
    c.text(["tools", k, "description"], t.description, "tool_definition");
    c.schemaDescriptions(["tools", k, "input_schema"], t.input_schema);
  });
  const req: ParsedRequest = { endpoint, model, stream, parts: c.parts, unscannable: c.unscannable };
  if (isObject(b.metadata) && typeof b.metadata.user_id === "string") req.user = b.metadata.user_id;
  return req;
}

// ---------------------------------------------------------------------------------------------
// Responses

function parseAnswer(endpoint: Endpoint, body: unknown): CallPart[] {
  if (endpoint !== "anthropic.messages") return [];
  if (!isObject(body)) throw new WireError("the provider's answer is not a JSON object", 502);
  const out: CallPart[] = [];
  const add = (at: JsonPath, text: string, source: PartSource) =>
    out.push({ at, text, source, path: formatPath(at), role: "assistant" });
  (isArray(body.content) ? body.content : []).forEach((block, j) => {
    if (!isObject(block)) return;
    const at: JsonPath = ["content", j];
    if (block.type === "text" && typeof block.text === "string")
      add([...at, "text"], block.text, "output_text");
    if (block.type === "thinking" && typeof block.thinking === "string")
      add([...at, "thinking"], block.thinking, "output_text");
    if (block.type === "tool_use" || block.type === "server_tool_use")
      for (const leaf of stringLeaves(block.input, [...at, "input"]))
        add(leaf.at, leaf.text, "tool_arguments");
  });
  return out;
}

function usageOf(endpoint: Endpoint, body: unknown): Usage | null {
  if (!isObject(body)) return null;
  if (endpoint === "anthropic.count_tokens")
    return typeof body.input_tokens === "number" ? { input: body.input_tokens, output: null } : null;
  return isObject(body.usage) ? usageFields(body.usage) : null;
}

/** Input tokens include cache reads and writes: together they are what the prompt cost. */
function usageFields(u: JsonObject): Usage {
  const n = (v: unknown) => (typeof v === "number" ? v : 0);
  const input =
    typeof u.input_tokens === "number"
      ? u.input_tokens + n(u.cache_creation_input_tokens) + n(u.cache_read_input_tokens)
      : null;
  return { input, output: typeof u.output_tokens === "number" ? u.output_tokens : null };
}

// ---------------------------------------------------------------------------------------------
// Streams

type BlockKind = "text" | "json" | "thinking";

const DELTA_FIELD: Record<BlockKind, { type: string; field: string }> = {
  text: { type: "text_delta", field: "text" },
  json: { type: "input_json_delta", field: "partial_json" },
  thinking: { type: "thinking_delta", field: "thinking" },
};
const KIND_OF_DELTA: Record<string, BlockKind> = {
  text_delta: "text",
  input_json_delta: "json",
  thinking_delta: "thinking",
};

/**
 * Messages stream events: text, tool-input JSON and thinking deltas go through the guard, one
 * channel per content block. A block's held-back text goes out as one more delta just before its
 * `content_block_stop`.
 */
class MessagesRewriter implements StreamRewriter {
  private readonly ch: GuardedChannels<{ index: number; kind: BlockKind }>;
  private input: number | null = null;
  private output: number | null = null;
  private seen = false;

  constructor(guard: StreamTextGuard) {
    this.ch = new GuardedChannels(guard);
  }

  onEvent(ev: SseEvent): SseEvent[] {
    const e = parseJson(ev.data);
    // Nothing unreadable reaches the caller: it could carry text the guard never saw.
    if (!isObject(e) || typeof e.type !== "string") return [];
    const index = typeof e.index === "number" ? e.index : 0;
    const name = `b${index}`;
    switch (e.type) {
      case "message_start":
        if (isObject(e.message) && isObject(e.message.usage)) this.take(e.message.usage);
        break;
      case "content_block_start": {
        const block = isObject(e.content_block) ? e.content_block : {};
        if (block.type === "text" && typeof block.text === "string")
          block.text = this.ch.push(name, block.text, { index, kind: "text" });
        else if (block.type === "thinking" && typeof block.thinking === "string")
          block.thinking = this.ch.push(name, block.thinking, { index, kind: "thinking" });
        else if (block.type === "tool_use" || block.type === "server_tool_use") {
          this.ch.push(name, "", { index, kind: "json" });
          // A tool input that arrives whole rather than as deltas is still scanned.
          if (isObject(block.input) && Object.keys(block.input).length)
            block.input = this.wholeInput(name, block.input);
        }
        break;
      }
      case "content_block_delta": {
        const delta = isObject(e.delta) ? e.delta : {};
        const kind = KIND_OF_DELTA[String(delta.type)];
        if (!kind) break;
        const { field } = DELTA_FIELD[kind];
        if (typeof delta[field] !== "string") break;
        const released = this.ch.push(name, delta[field] as string, { index, kind });
        if (!released) return [];
        delta[field] = released;
        break;
      }
      case "content_block_stop": {
        const rest = this.ch.close(name);
        const info = this.ch.info(name);
        return rest && info ? [this.extra(index, info.kind, rest), ev] : [ev];
      }
      case "message_delta":
        if (isObject(e.usage)) this.take(e.usage);
        return [...this.flush(), { ...ev, data: JSON.stringify(e) }];
      case "message_stop":
        return [...this.flush(), ev];
      default:
        return [ev];
    }
    return [{ ...ev, data: JSON.stringify(e) }];
  }

  onEnd(): SseEvent[] {
    return this.flush();
  }

  usage(): Usage | null {
    return this.seen ? { input: this.input, output: this.output } : null;
  }

  private take(u: JsonObject): void {
    const f = usageFields(u);
    this.seen = true;
    if (f.input !== null) this.input = f.input;
    if (f.output !== null) this.output = f.output;
  }

  private wholeInput(name: string, input: JsonObject): unknown {
    const text = JSON.stringify(input);
    const released = this.ch.guard.push(`${name}.whole`, text) + this.ch.guard.end(`${name}.whole`);
    try {
      return JSON.parse(released);
    } catch {
      return {};
    }
  }

  private flush(): SseEvent[] {
    const out: SseEvent[] = [];
    for (const [name, info] of this.ch.openChannels()) {
      const rest = this.ch.close(name);
      if (rest) out.push(this.extra(info.index, info.kind, rest));
    }
    return out;
  }

  private extra(index: number, kind: BlockKind, text: string): SseEvent {
    const { type, field } = DELTA_FIELD[kind];
    const data = { type: "content_block_delta", index, delta: { type, [field]: text } };
    return { event: "content_block_delta", data: JSON.stringify(data) };
  }
}

// ---------------------------------------------------------------------------------------------
// Offline answers

function messagesEcho(
  req: ParsedRequest,
  body: unknown,
  script?: EchoScript,
): { json: unknown } | { events: SseEvent[] } {
  const plan = echoPlan(req, body, script);
  if (req.endpoint === "anthropic.count_tokens") return { json: { input_tokens: plan.usage.input } };
  const id = echoId("msg_");
  const tool = plan.toolCall && { id: echoId("toolu_"), name: plan.toolCall.name };
  const stopReason = plan.toolCall ? "tool_use" : "end_turn";
  const content: JsonObject[] = [];
  if (plan.text || !plan.toolCall) content.push({ type: "text", text: plan.text });
  if (plan.toolCall && tool)
    content.push({
      type: "tool_use",
      id: tool.id,
      name: tool.name,
      input: JSON.parse(plan.toolCall.arguments),
    });
  const message = (content: unknown[], stop: string | null, output: number) => ({
    id,
    type: "message",
    role: "assistant",
    model: req.model,
    content,
    stop_reason: stop,
    stop_sequence: null,
    usage: {
      input_tokens: plan.usage.input,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      output_tokens: output,
    },
  });
  if (!req.stream) return { json: message(content, stopReason, plan.usage.output) };

  const events: JsonObject[] = [{ type: "message_start", message: message([], null, 1) }];
  let index = 0;
  if (plan.text || !plan.toolCall) {
    events.push({ type: "content_block_start", index, content_block: { type: "text", text: "" } });
    events.push({ type: "ping" });
    for (const piece of plan.chunks)
      events.push({ type: "content_block_delta", index, delta: { type: "text_delta", text: piece } });
    events.push({ type: "content_block_stop", index });
    index++;
  }
  if (plan.toolCall && tool) {
    events.push({
      type: "content_block_start",
      index,
      content_block: { type: "tool_use", ...tool, input: {} },
    });
    for (const piece of plan.toolCall.chunks)
      events.push({
        type: "content_block_delta",
        index,
        delta: { type: "input_json_delta", partial_json: piece },
      });
    events.push({ type: "content_block_stop", index });
  }
  events.push({
    type: "message_delta",
    delta: { stop_reason: stopReason, stop_sequence: null },
    usage: { output_tokens: plan.usage.output },
  });
  events.push({ type: "message_stop" });
  return { events: events.map((e) => ({ event: String(e.type), data: JSON.stringify(e) })) };
}

// ---------------------------------------------------------------------------------------------

/**
 * The Anthropic wire: Messages (streamed and not) and count_tokens.
 *
 * @example
 * const req = anthropicAdapter.parseRequest("anthropic.messages", { model: "claude-sonnet-4-5", max_tokens: 100, messages: [{ role: "user", content: "hi" }] }, {});
 * req.parts[0].at; // ["messages", 0, "content"]
 */
export const anthropicAdapter: WireAdapter = {
  wire: "anthropic",
  routes: ROUTES,
  passHeaders: ["anthropic-version", "anthropic-beta"],

  parseRequest(endpoint, body) {
    if (endpoint !== "anthropic.messages" && endpoint !== "anthropic.count_tokens")
      throw new WireError(`the anthropic wire does not serve ${endpoint}`, 404);
    return parseMessages(endpoint, body);
  },

  parseResponse: parseAnswer,

  upstream(input: UpstreamInput): UpstreamRequest {
    const path = input.endpoint === "anthropic.count_tokens" ? "/messages/count_tokens" : "/messages";
    const base = input.provider.base_url ?? ANTHROPIC_DEFAULT_BASE_URL;
    const url = joinUrl(base, { style: "versioned", version: "/v1", path });
    const headers: Record<string, string> = {
      accept: input.stream ? "text/event-stream" : "application/json",
      "content-type": "application/json",
      "anthropic-version": input.passHeaders["anthropic-version"] ?? ANTHROPIC_DEFAULT_VERSION,
    };
    const beta = input.passHeaders["anthropic-beta"];
    if (beta !== undefined) headers["anthropic-beta"] = beta;
    if (input.apiKey) headers["x-api-key"] = input.apiKey;
    return { url, method: "POST", headers, body: JSON.stringify(input.body) };
  },

  streamRewriter(endpoint, guard) {
    return endpoint === "anthropic.messages" ? new MessagesRewriter(guard) : new PassThrough();
  },

  streamEncoder(): StreamEncoder {
    return { contentType: "text/event-stream; charset=utf-8", event: encodeSse, end: () => "" };
  },

  errorBody(status, message) {
    return { type: "error", error: { type: errorType(status), message } };
  },

  streamError(status, message) {
    return [
      {
        event: "error",
        data: JSON.stringify({ type: "error", error: { type: errorType(status), message } }),
      },
    ];
  },

  usage: usageOf,

  echo: messagesEcho,
};
