import type { Part } from "../enforce/decide.js";

/** The wire formats the gateway speaks. `openai-compatible` providers speak `openai`. */
export type WireKind = "openai" | "anthropic" | "gemini";

/** Every endpoint the gateway serves, by wire. */
export type Endpoint =
  | "openai.chat"
  | "openai.responses"
  | "openai.embeddings"
  | "openai.models"
  | "anthropic.messages"
  | "anthropic.count_tokens"
  | "gemini.generate"
  | "gemini.stream_generate";

/** A path into a JSON document: ["messages", 2, "content", 0, "text"]. */
export type JsonPath = (string | number)[];

/** Where a text came from in a request or response, for scanning policy and reports. */
export type PartSource =
  | "system"
  | "instructions"
  | "message"
  | "tool_definition"
  | "tool_result"
  | "tool_arguments"
  | "embedding_input"
  | "output_text";

/** A text the call carries, located in the body so a redacted version can be written back. */
export interface CallPart extends Part {
  at: JsonPath;
  source: PartSource;
}

/** Content the scanner cannot read: images, audio, files. The policy decides whether they may pass. */
export interface UnscannablePart {
  at: JsonPath;
  type: "image" | "audio" | "file" | "document" | "other";
}

/** A request parsed into what enforcement needs, independent of the wire format. */
export interface ParsedRequest {
  endpoint: Endpoint;
  model: string;
  stream: boolean;
  parts: CallPart[];
  unscannable: UnscannablePart[];
  /** Caller-supplied end-user id, when the wire has one (OpenAI `user`, Anthropic `metadata.user_id`). */
  user?: string;
}

/** One Server-Sent Event. `data` is the raw data field (JSON text for every provider we speak). */
export interface SseEvent {
  event?: string;
  data: string;
  id?: string;
}

/** A request body that is not what the endpoint accepts: answered 400 in the provider's error shape. */
export class WireError extends Error {
  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = "WireError";
  }
}
