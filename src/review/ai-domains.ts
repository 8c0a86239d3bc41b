import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import type { Policy } from "../policy/schema.js";
import { defaultBaseUrl } from "../providers/index.js";

const Product = z.strictObject({ product: z.string(), domains: z.array(z.string().min(1)) });
const Vendor = z.strictObject({
  name: z.string(),
  api: z.array(z.string().min(1)),
  enterprise: z.array(Product),
  consumer: z.array(Product),
});
const AiDomainsSchema = z.strictObject({
  $comment: z.string().optional(),
  updated: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "a date, YYYY-MM-DD"),
  vendors: z.record(z.string(), Vendor),
});

export type AiDomains = z.infer<typeof AiDomainsSchema>;
export type AiVendor = z.infer<typeof Vendor>;

/** The list shipped with the package: data/ai-domains.json, two levels above this module in src/ and dist/. */
export const DEFAULT_AI_DOMAINS = fileURLToPath(new URL("../../data/ai-domains.json", import.meta.url));

/** Reads and checks a domain list; throws an Error naming the file and the problem. */
export function loadAiDomains(path = DEFAULT_AI_DOMAINS): AiDomains {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new Error(
      `${path}: cannot read the AI domain list (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
      { cause: e },
    );
  }
  const r = AiDomainsSchema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new Error(`${path}: ${i.path.join(".") || "(top level)"}: ${i.message}`);
  }
  return r.data;
}

/** Whether `host` is `pattern` or a subdomain of it; a `*` label matches one label. */
export function hostMatches(host: string, pattern: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, "");
  const p = pattern.toLowerCase();
  if (!p.includes("*")) return h === p || h.endsWith("." + p);
  const labels = p.split(".").map((l) => (l === "*" ? "[a-z0-9-]+" : l.replace(/[^a-z0-9-]/g, "\\$&")));
  return new RegExp("^(?:[a-z0-9-]+\\.)*" + labels.join("\\.") + "$").test(h);
}

/** The vendor whose API a host belongs to, if any. */
export function vendorOfApiHost(domains: AiDomains, host: string): string | undefined {
  for (const [id, v] of Object.entries(domains.vendors))
    if (v.api.some((d) => hostMatches(host, d))) return id;
  return undefined;
}

/**
 * Vendors the policy approves: a provider with status approved (in any environment), identified by
 * its kind (openai, anthropic, gemini) or, for an openai-compatible provider, by its base_url host.
 */
export function approvedVendors(policy: Policy, domains: AiDomains): Set<string> {
  const out = new Set<string>();
  for (const p of Object.values(policy.providers)) {
    if (p.status !== "approved" || p.kind === "echo") continue;
    const url = p.base_url ?? defaultBaseUrl(p.kind);
    let vendor: string | undefined;
    if (url) {
      try {
        vendor = vendorOfApiHost(domains, new URL(url).hostname);
      } catch {
        vendor = undefined;
      }
    }
    // A base_url pointing at a proxy still speaks for the vendor of the provider's kind.
    vendor ??= p.kind === "openai-compatible" ? undefined : p.kind;
    if (vendor) out.add(vendor);
  }
  return out;
}
