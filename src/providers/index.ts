import type { PROVIDER_KINDS } from "../policy/schema.js";
import type { WireAdapter, WireRoute } from "./adapter.js";
import { ANTHROPIC_DEFAULT_BASE_URL, anthropicAdapter } from "./anthropic.js";
import { GEMINI_DEFAULT_BASE_URL, geminiAdapter } from "./gemini.js";
import { OPENAI_DEFAULT_BASE_URL, openaiAdapter } from "./openai.js";
import type { WireKind } from "./types.js";

export type ProviderKind = (typeof PROVIDER_KINDS)[number];

const ADAPTERS: Record<WireKind, WireAdapter> = {
  openai: openaiAdapter,
  anthropic: anthropicAdapter,
  gemini: geminiAdapter,
};

/**
 * The adapter for a wire format.
 *
 * @example
 * adapterFor("anthropic").parseRequest("anthropic.messages", body, {});
 */
export function adapterFor(wire: WireKind): WireAdapter {
  return ADAPTERS[wire];
}

/**
 * The wire a provider kind speaks. `echo` answers offline in whichever wire the caller used, so
 * it has none of its own (null).
 *
 * @example
 * wireOf("openai-compatible"); // "openai"
 * wireOf("echo");              // null
 */
export function wireOf(kind: ProviderKind): WireKind | null {
  switch (kind) {
    case "openai":
    case "openai-compatible":
      return "openai";
    case "anthropic":
      return "anthropic";
    case "gemini":
      return "gemini";
    case "echo":
      return null;
  }
}

/** Where a provider kind's API lives when the policy gives no base_url (none for compatible servers). */
export function defaultBaseUrl(kind: ProviderKind): string | undefined {
  switch (kind) {
    case "openai":
      return OPENAI_DEFAULT_BASE_URL;
    case "anthropic":
      return ANTHROPIC_DEFAULT_BASE_URL;
    case "gemini":
      return GEMINI_DEFAULT_BASE_URL;
    default:
      return undefined;
  }
}

/** Every route the gateway serves, with the wire that serves it. */
export const ALL_ROUTES: readonly (WireRoute & { wire: WireKind })[] = Object.values(ADAPTERS).flatMap((a) =>
  a.routes.map((r) => ({ ...r, wire: a.wire })),
);

export { anthropicAdapter, geminiAdapter, openaiAdapter };
