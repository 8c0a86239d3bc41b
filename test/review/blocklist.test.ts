import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { approvedVendors, hostMatches, loadAiDomains } from "../../src/review/ai-domains.js";
import { buildBlocklist, renderBlocklist } from "../../src/review/blocklist.js";
import { parsePolicy } from "../../src/policy/load.js";
import { run, tempDir } from "../cli/helpers.js";

const ROOT = join(import.meta.dirname, "../..");
const BALANCED = join(ROOT, "examples/balanced.policygate.yaml");
const domains = loadAiDomains();

function policy(yaml: string) {
  const r = parsePolicy(yaml);
  if (!r.ok) throw new Error(r.errors[0]!.message);
  return r.value.policy;
}

/** Evaluates the PAC file as a browser would, with the one helper it uses. */
function pacDecides(pac: string, host: string): string {
  const sandbox: Record<string, unknown> = {
    dnsDomainIs: (h: string, d: string) => h.endsWith(d),
  };
  runInNewContext(pac, sandbox);
  return (sandbox.FindProxyForURL as (u: string, h: string) => string)(`https://${host}/`, host);
}

describe("the AI domain list", () => {
  it("is dated, shipped in the package, and keeps consumer and enterprise domains apart", () => {
    expect(domains.updated).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { files: string[] };
    expect(pkg.files).toContain("data");
    for (const v of Object.values(domains.vendors)) {
      expect(Array.isArray(v.consumer) && Array.isArray(v.enterprise) && Array.isArray(v.api)).toBe(true);
    }
  });

  it("matches hosts, subdomains and one-label wildcards", () => {
    expect(hostMatches("api.openai.com", "api.openai.com")).toBe(true);
    expect(hostMatches("eu.api.openai.com", "api.openai.com")).toBe(true);
    expect(hostMatches("notapi.openai.com", "api.openai.com")).toBe(false);
    expect(hostMatches("bedrock-runtime.us-east-1.amazonaws.com", "bedrock-runtime.*.amazonaws.com")).toBe(
      true,
    );
    expect(hostMatches("bedrock-runtime.amazonaws.com", "bedrock-runtime.*.amazonaws.com")).toBe(false);
  });
});

describe("buildBlocklist", () => {
  it("blocks every consumer tool when nothing is approved", () => {
    const list = buildBlocklist(domains, new Set());
    const blocked = list.blocked.map((b) => b.domain);
    expect(blocked).toEqual(
      expect.arrayContaining(["chatgpt.com", "claude.ai", "gemini.google.com", "perplexity.ai"]),
    );
    // API hosts are the gateway's upstreams, never on a consumer blocklist.
    expect(blocked).not.toContain("api.openai.com");
    expect(list.kept).toEqual([]);
  });

  it("keeps a domain shared with an approved vendor's enterprise product, and still blocks its other consumer domains", () => {
    const approved = approvedVendors(
      policy("providers:\n  anthropic: { kind: anthropic, environments: [development] }\n"),
      domains,
    );
    expect([...approved]).toEqual(["anthropic"]);
    const list = buildBlocklist(domains, approved);
    expect(list.kept).toEqual([expect.objectContaining({ domain: "claude.ai", vendor: "anthropic" })]);
    expect(list.blocked.map((b) => b.domain)).toContain("claude.com");
    expect(list.blocked.map((b) => b.domain)).toContain("chatgpt.com");
  });

  it("a requested or disabled provider approves nothing; an openai-compatible one is known by its host", () => {
    const p = policy(`providers:
  openai: { kind: openai, status: requested }
  mistral: { kind: openai-compatible, base_url: "https://api.mistral.ai/v1" }
  local: { kind: openai-compatible, base_url: "http://127.0.0.1:8000/v1" }
`);
    expect([...approvedVendors(p, domains)]).toEqual(["mistral"]);
  });

  it("--allow keeps a domain off the list", () => {
    const list = buildBlocklist(domains, new Set(), ["perplexity.ai"]);
    expect(list.blocked.map((b) => b.domain)).not.toContain("perplexity.ai");
    expect(list.kept).toEqual([
      { domain: "perplexity.ai", vendor: "perplexity", reason: "allowed with --allow" },
    ]);
  });
});

describe("renderBlocklist", () => {
  const list = buildBlocklist(domains, new Set(["openai"]));
  const header = ["test header"];

  it("a PAC file sends blocked hosts and their subdomains to the black hole and the rest direct", () => {
    const pac = renderBlocklist(list, "pac", { header });
    expect(pacDecides(pac, "www.perplexity.ai")).toBe("PROXY 127.0.0.1:9");
    expect(pacDecides(pac, "perplexity.ai")).toBe("PROXY 127.0.0.1:9");
    expect(pacDecides(pac, "chatgpt.com")).toBe("DIRECT");
    expect(pacDecides(pac, "api.openai.com")).toBe("DIRECT");
    expect(pacDecides(pac, "example.com")).toBe("DIRECT");
    expect(pac).toContain("// not blocked: chatgpt.com (also serves ChatGPT Enterprise / Team / Edu");
  });

  it("squid and dnsmasq list each root once (squid rejects overlapping entries)", () => {
    const squid = renderBlocklist(list, "squid", { header });
    expect(squid).toContain("acl policygate_ai_blocked dstdomain .deepseek.com\n");
    expect(squid).not.toContain(".chat.deepseek.com");
    expect(squid.trimEnd().split("\n").at(-1)).toBe("http_access deny policygate_ai_blocked");
    expect(renderBlocklist(list, "dnsmasq", { header })).toContain("address=/deepseek.com/0.0.0.0\n");
  });

  it("a hosts file names bare domains with and without www.", () => {
    const hosts = renderBlocklist(list, "hosts", { header });
    expect(hosts).toContain("0.0.0.0 perplexity.ai\n0.0.0.0 www.perplexity.ai\n");
    expect(hosts).toContain("0.0.0.0 chat.deepseek.com\n");
    expect(hosts.split("\n")[0]).toBe("# test header");
  });
});

describe("policygate export blocklist", () => {
  it("prints the list for the policy with its date and revision", async () => {
    const r = await run(["export", "blocklist", "--format", "dnsmasq", "--policy", BALANCED]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`domain list dated ${domains.updated}`);
    expect(r.stdout).toContain("approved vendors: anthropic, openai");
    expect(r.stdout).toContain("address=/perplexity.ai/0.0.0.0");
  });

  it("rejects an unknown format and a broken domain list clearly", async () => {
    const bad = await run(["export", "blocklist", "--format", "iptables"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--format is one of hosts, dnsmasq, squid, pac/);
    const dir = tempDir();
    writeFileSync(join(dir, "d.json"), JSON.stringify({ updated: "soon", vendors: {} }));
    const data = await run(["export", "blocklist", "--data", "d.json"], { cwd: dir });
    expect(data.code).toBe(2);
    expect(data.stderr).toMatch(/d\.json: updated: a date, YYYY-MM-DD/);
  });
});
