/**
 * Joins a provider's base URL (from the policy, never from a request) and an API path.
 *
 * Two conventions, matching each provider's official SDK:
 * - `openai`: the base URL includes the version root (`https://api.openai.com/v1`,
 *   `https://openrouter.ai/api/v1`, `https://RES.openai.azure.com/openai/v1`). A base with no path
 *   at all (`http://localhost:11434`) gets `/v1`, the root every OpenAI-compatible server uses.
 * - `versioned` (Anthropic, Gemini): the base URL is the host, optionally behind a path prefix;
 *   the version segment is added unless the base already ends with it.
 *
 * The base's own query string is kept (Azure's `?api-version=...`); `query` is added to it.
 *
 * @example
 * joinUrl("http://localhost:11434", { style: "openai", version: "/v1", path: "/chat/completions" });
 * // "http://localhost:11434/v1/chat/completions"
 * joinUrl("https://proxy.example/anthropic", { style: "versioned", version: "/v1", path: "/messages" });
 * // "https://proxy.example/anthropic/v1/messages"
 */
export function joinUrl(
  base: string,
  opts: {
    style: "openai" | "versioned";
    version: string;
    path: string;
    query?: Record<string, string>;
    /** Other version segments a base may already end with (Gemini's `/v1` beside `/v1beta`). */
    alsoVersions?: string[];
  },
): string {
  const url = new URL(base);
  if (url.protocol !== "https:" && url.protocol !== "http:")
    throw new Error(`provider base_url must be http or https, got ${url.protocol}`);
  const root = url.pathname.replace(/\/+$/, "");
  let prefix: string;
  if (opts.style === "openai") prefix = root || opts.version;
  else {
    const versions = [opts.version, ...(opts.alsoVersions ?? [])];
    prefix = versions.some((v) => root.endsWith(v)) ? root : root + opts.version;
  }
  url.pathname = prefix + opts.path;
  for (const [k, v] of Object.entries(opts.query ?? {})) url.searchParams.set(k, v);
  url.hash = "";
  return url.toString();
}
