import { hostMatches, type AiDomains } from "./ai-domains.js";

export const BLOCKLIST_FORMATS = ["hosts", "dnsmasq", "squid", "pac"] as const;
export type BlocklistFormat = (typeof BLOCKLIST_FORMATS)[number];

export interface BlockedDomain {
  domain: string;
  vendor: string;
  products: string[];
}

export interface KeptDomain {
  domain: string;
  vendor: string;
  /** Why it is not blocked: it also serves an approved vendor's API or enterprise product, or --allow. */
  reason: string;
}

export interface Blocklist {
  blocked: BlockedDomain[];
  kept: KeptDomain[];
}

/**
 * The consumer AI domains to block. Consumer accounts are never approved, so an approved vendor's
 * consumer domains are blocked too, except where the same domain serves that vendor's API or
 * enterprise product: blocking it would break the approved use, and separating the two is the
 * proxy's job (tenant restrictions), which the output says. Pure.
 */
export function buildBlocklist(
  domains: AiDomains,
  approved: ReadonlySet<string>,
  allow: readonly string[] = [],
): Blocklist {
  const byDomain = new Map<string, BlockedDomain>();
  const kept = new Map<string, KeptDomain>();
  const approvedDomains: { domain: string; vendor: string; product: string }[] = [];
  for (const vendor of approved) {
    const v = domains.vendors[vendor];
    if (!v) continue;
    for (const d of v.api) approvedDomains.push({ domain: d, vendor, product: `${v.name} API` });
    for (const e of v.enterprise)
      for (const d of e.domains) approvedDomains.push({ domain: d, vendor, product: e.product });
  }
  for (const [vendor, v] of Object.entries(domains.vendors)) {
    for (const product of v.consumer) {
      for (const raw of product.domains) {
        const domain = raw.toLowerCase();
        if (kept.has(domain)) continue;
        const shared = approvedDomains.find(
          (a) => hostMatches(domain, a.domain) || hostMatches(a.domain, domain),
        );
        if (shared) {
          kept.set(domain, {
            domain,
            vendor,
            reason: `also serves ${shared.product}, which the policy approves`,
          });
          byDomain.delete(domain);
          continue;
        }
        if (allow.some((a) => hostMatches(domain, a))) {
          kept.set(domain, { domain, vendor, reason: "allowed with --allow" });
          continue;
        }
        const entry = byDomain.get(domain);
        if (entry) {
          if (!entry.products.includes(product.product)) entry.products.push(product.product);
        } else byDomain.set(domain, { domain, vendor, products: [product.product] });
      }
    }
  }
  return {
    blocked: [...byDomain.values()].sort((a, b) => a.domain.localeCompare(b.domain)),
    kept: [...kept.values()].sort((a, b) => a.domain.localeCompare(b.domain)),
  };
}

/** Domains whose parent is not in the list: formats that match subdomains need only these. */
function roots(list: readonly string[]): string[] {
  return list.filter((d) => !list.some((p) => p !== d && d.endsWith("." + p)));
}

export interface RenderOptions {
  /** Lines for the header (policy, revision, list date). */
  header: string[];
  /** What a PAC file answers for a blocked host. */
  pacProxy?: string;
}

/** The blocklist in the format a firewall, resolver or proxy reads. */
export function renderBlocklist(list: Blocklist, format: BlocklistFormat, opts: RenderOptions): string {
  const domains = list.blocked.map((b) => b.domain);
  const note = (prefix: string) => {
    const lines = opts.header.map((h) => `${prefix} ${h}`);
    for (const k of list.kept) lines.push(`${prefix} not blocked: ${k.domain} (${k.reason})`);
    return lines.join("\n") + "\n";
  };
  switch (format) {
    case "hosts": {
      // hosts files match exact names only: list the www. form of bare domains too.
      const names = domains.flatMap((d) => (d.split(".").length === 2 ? [d, `www.${d}`] : [d]));
      return note("#") + names.map((d) => `0.0.0.0 ${d}`).join("\n") + "\n";
    }
    case "dnsmasq":
      // address=/d/ answers for d and every subdomain.
      return (
        note("#") +
        roots(domains)
          .map((d) => `address=/${d}/0.0.0.0`)
          .join("\n") +
        "\n"
      );
    case "squid": {
      // squid refuses overlapping dstdomain entries (.a.com and b.a.com), so only roots are listed.
      const acl = roots(domains).map((d) => `acl policygate_ai_blocked dstdomain .${d}`);
      return note("#") + acl.join("\n") + "\nhttp_access deny policygate_ai_blocked\n";
    }
    case "pac": {
      const proxy = opts.pacProxy ?? "PROXY 127.0.0.1:9";
      const list = JSON.stringify(roots(domains), null, 2);
      return (
        note("//") +
        `var POLICYGATE_BLOCKED = ${list};\n` +
        `function FindProxyForURL(url, host) {\n` +
        `  host = host.toLowerCase();\n` +
        `  for (var i = 0; i < POLICYGATE_BLOCKED.length; i++) {\n` +
        `    var d = POLICYGATE_BLOCKED[i];\n` +
        `    if (host === d || dnsDomainIs(host, "." + d)) return ${JSON.stringify(proxy)};\n` +
        `  }\n` +
        `  return "DIRECT";\n` +
        `}\n`
      );
    }
  }
}
