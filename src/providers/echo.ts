import { randomUUID } from "node:crypto";
import { getAt, type EchoScript } from "./adapter.js";
import type { ParsedRequest } from "./types.js";

/** What an echo answer holds once its defaults are filled in. */
export interface EchoPlan {
  text: string;
  chunks: string[];
  toolCall?: { name: string; arguments: string; chunks: string[] };
  usage: { input: number; output: number };
}

/**
 * The offline provider's answer: "Echo: " and the last user text, read from `body` (the body after
 * enforcement, so the echo repeats the redacted text, not the original).
 */
export function echoPlan(req: ParsedRequest, body: unknown, script: EchoScript = {}): EchoPlan {
  const text = script.text ?? `Echo: ${lastUserText(req, body)}`;
  const chunks = script.chunks ?? pieces(text);
  if (chunks.join("") !== text) throw new Error("echo script: the chunks do not join to the text");
  const plan: EchoPlan = {
    text,
    chunks,
    usage: {
      input: script.usage?.input ?? tokenEstimate(req.parts.map((p) => p.text).join(" ")),
      output: script.usage?.output ?? tokenEstimate(text + (script.toolCall?.arguments ?? "")),
    },
  };
  if (script.toolCall) plan.toolCall = { ...script.toolCall, chunks: pieces(script.toolCall.arguments) };
  return plan;
}

/** The last text a user sent: the last user message's last text part. */
export function lastUserText(req: ParsedRequest, body: unknown): string {
  const candidates = req.parts.filter(
    (p) => p.source === "embedding_input" || (p.source === "message" && p.role === "user"),
  );
  const last = candidates.at(-1) ?? req.parts.filter((p) => p.source === "message").at(-1);
  if (!last) return "";
  const now = getAt(body, last.at);
  return typeof now === "string" ? now : last.text;
}

/**
 * Cuts a text into pieces of 3 to 8 characters (never splitting a surrogate pair), the way a model
 * streams tokens. Deterministic, so tests can predict the event sequence.
 */
export function pieces(text: string): string[] {
  const sizes = [5, 3, 8, 4, 6, 7];
  const chars = [...text];
  const out: string[] = [];
  for (let i = 0, k = 0; i < chars.length; k++) {
    const n = sizes[k % sizes.length]!;
    out.push(chars.slice(i, i + n).join(""));
    i += n;
  }
  return out;
}

/** A rough token count (4 characters a token), for usage fields of offline answers. */
export function tokenEstimate(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

/** A short random id with a provider-style prefix. */
export function echoId(prefix: string): string {
  return `${prefix}${randomUUID().replace(/-/g, "").slice(0, 24)}`;
}

export const unixSeconds = (): number => Math.floor(Date.now() / 1000);
