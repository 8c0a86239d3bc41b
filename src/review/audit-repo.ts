import { closeSync, lstatSync, openSync, readdirSync, readFileSync, readSync } from "node:fs";
import { lineStarts, position } from "../detect/text-position.js";
import { basename, extname, join, relative, sep } from "node:path";
import { globToRegExp } from "../detect/allowlist.js";
import { builtinDetector } from "../detect/catalogue.js";
import type { Engine } from "../enforce/engine.js";
import type { Policy } from "../policy/schema.js";
import { approvedVendors, type AiDomains } from "./ai-domains.js";
import { manifestKind, sdkVendor } from "./sdk-packages.js";

export type AuditRule =
  "sdk-dependency" | "direct-provider-call" | "hardcoded-credential" | "unapproved-provider";
export type Level = "error" | "warning" | "note";

export interface RepoFinding {
  rule: AuditRule;
  level: Level;
  /** Path relative to the audited directory, with forward slashes. */
  file: string;
  line: number;
  column?: number;
  /** What was found and what to do. Never holds a credential's value. */
  message: string;
  vendor?: string;
  detector?: string;
}

export interface AuditOptions {
  engine: Engine;
  domains: AiDomains;
  /** The policy whose approved providers are checked; undefined skips that check. */
  policy?: Policy;
  maxFileBytes?: number;
  /** Globs over paths relative to the root (`test/fixtures/*`); a match is skipped, file or directory. */
  exclude?: readonly string[];
}

export interface AuditResult {
  findings: RepoFinding[];
  filesScanned: number;
  skipped: { file: string; reason: string }[];
  /** Vendors the repository uses (SDKs or direct calls), and whether the policy approves each. */
  vendors: { vendor: string; approved: boolean | null }[];
}

export const RULE_HELP: Record<AuditRule, { summary: string; help: string; level: Level }> = {
  "sdk-dependency": {
    summary: "LLM SDK dependency",
    help: "An inventory entry: the repository depends on an LLM SDK. Point the client at the PolicyGate gateway (base_url) or wrap it with the SDK guard so every call is checked.",
    level: "note",
  },
  "direct-provider-call": {
    summary: "Provider API host in source",
    help: "Code names a provider's API host, so its calls go straight to the provider and bypass the policy. Send them through the PolicyGate gateway (set the client's base URL to the gateway) instead.",
    level: "error",
  },
  "hardcoded-credential": {
    summary: "Hard-coded credential",
    help: "A credential is written into the repository. Revoke and rotate it, remove it from the history, and read it from the environment or a secret manager.",
    level: "error",
  },
  "unapproved-provider": {
    summary: "Provider not approved by the policy",
    help: "The repository uses a provider the policy does not approve. Stop using it, or request it (policygate provider request) and have it approved in the policy.",
    level: "error",
  },
};

const SKIP_DIRS = new Set([
  "node_modules",
  ".git",
  "vendor",
  ".hg",
  ".svn",
  ".venv",
  "venv",
  "__pycache__",
  ".tox",
  ".mypy_cache",
  ".gradle",
  ".idea",
]);
const LOCKFILES = new Set([
  "package-lock.json",
  "yarn.lock",
  "pnpm-lock.yaml",
  "poetry.lock",
  "Pipfile.lock",
  "Gemfile.lock",
  "go.sum",
  "Cargo.lock",
  "composer.lock",
  "uv.lock",
]);
/** Files where a provider host names the gateway's own upstream, not a bypass. */
const POLICY_FILE = /(^|\.)policygate\.ya?ml$/;
const SOURCE_EXT = new Set([
  ".js",
  ".mjs",
  ".cjs",
  ".jsx",
  ".ts",
  ".mts",
  ".cts",
  ".tsx",
  ".py",
  ".go",
  ".rb",
  ".java",
  ".kt",
  ".kts",
  ".scala",
  ".groovy",
  ".cs",
  ".php",
  ".rs",
  ".swift",
  ".sh",
  ".bash",
  ".zsh",
  ".ps1",
  ".yaml",
  ".yml",
  ".json",
  ".toml",
  ".ini",
  ".cfg",
  ".conf",
  ".env",
  ".properties",
  ".tf",
  ".hcl",
  ".ipynb",
  ".gradle",
]);
/** A line carrying this marker is not reported (a documented example, a test fixture). */
export const ALLOW_MARKER = "policygate:allow";

export const DEFAULT_MAX_FILE_BYTES = 1024 * 1024;

function isSource(name: string): boolean {
  return (
    SOURCE_EXT.has(extname(name).toLowerCase()) ||
    name === "Dockerfile" ||
    name === ".env" ||
    name.startsWith(".env.")
  );
}

/** The provider API hosts as one regex: a host or any subdomain of it, `*` one label. */
function hostRegex(domains: AiDomains): { re: RegExp; vendorOf: (host: string) => string } {
  const entries: [string, string][] = [];
  for (const [id, v] of Object.entries(domains.vendors))
    for (const d of v.api) entries.push([d.toLowerCase(), id]);
  const alt = entries
    .map(([d]) =>
      d
        .split(".")
        .map((l) => (l === "*" ? "[a-z0-9-]+" : l.replace(/[^a-z0-9-]/g, "\\$&")))
        .join("\\."),
    )
    .join("|");
  const re = new RegExp(`(?<![a-z0-9.-])((?:[a-z0-9-]+\\.)*(?:${alt}))(?![a-z0-9-])`, "gi");
  const compiled = entries.map(
    ([d, id]) =>
      [new RegExp(`(^|\\.)${d.replace(/\./g, "\\.").replace(/\*/g, "[a-z0-9-]+")}$`, "i"), id] as const,
  );
  return { re, vendorOf: (host) => compiled.find(([r]) => r.test(host))?.[1] ?? "unknown" };
}

function looksBinary(path: string): boolean {
  const fd = openSync(path, "r");
  try {
    const buf = Buffer.alloc(8000);
    const n = readSync(fd, buf, 0, buf.length, 0);
    return buf.subarray(0, n).includes(0);
  } finally {
    closeSync(fd);
  }
}

/** Walks `root` and reports SDKs, direct provider calls, credentials and unapproved providers. */
export function auditRepo(root: string, opts: AuditOptions): AuditResult {
  const maxBytes = opts.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const findings: RepoFinding[] = [];
  const skipped: AuditResult["skipped"] = [];
  const used = new Map<string, { file: string; line: number; how: string }>();
  const hosts = hostRegex(opts.domains);
  let filesScanned = 0;
  const excluded = (opts.exclude ?? []).map(globToRegExp);
  const isExcluded = (relPath: string) => excluded.some((re) => re.test(relPath));

  const visit = (dir: string) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch (e) {
      skipped.push({
        file: rel(dir),
        reason: `cannot read (${(e as NodeJS.ErrnoException).code ?? "error"})`,
      });
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const ent of entries) {
      const path = join(dir, ent.name);
      if (excluded.length && isExcluded(rel(path))) continue;
      // Symbolic links are not followed: they can loop, or point outside the repository.
      if (ent.isDirectory()) {
        if (!SKIP_DIRS.has(ent.name)) visit(path);
      } else if (ent.isFile()) scanFile(path);
    }
  };
  const rel = (p: string) => relative(root, p).split(sep).join("/") || ".";

  const scanFile = (path: string) => {
    const name = basename(path);
    const file = rel(path);
    const size = lstatSync(path).size;
    if (size > maxBytes) {
      skipped.push({ file, reason: `larger than ${maxBytes} bytes` });
      return;
    }
    if (size === 0) return;
    if (looksBinary(path)) return;
    const text = readFileSync(path, "utf8");
    filesScanned++;

    const manifest = manifestKind(name);
    if (manifest) {
      for (const dep of manifest(text)) {
        const vendor = sdkVendor(dep);
        if (vendor === undefined) continue;
        findings.push({
          rule: "sdk-dependency",
          level: "note",
          file,
          line: dep.line,
          vendor: vendor ?? undefined,
          message: `${dep.ecosystem} package ${dep.name}: ${vendor ? `an SDK for ${vendorName(opts.domains, vendor)}` : "a multi-provider LLM framework"}. Route its calls through the PolicyGate gateway or the SDK guard.`,
        });
        if (vendor && !used.has(vendor))
          used.set(vendor, { file, line: dep.line, how: `package ${dep.name}` });
      }
    }
    if (LOCKFILES.has(name)) return;

    const starts = lineStarts(text);
    const lines = text.split("\n");
    const allowed = (line: number) => lines[line - 1]?.includes(ALLOW_MARKER) ?? false;
    if (isSource(name) && !POLICY_FILE.test(name)) {
      hosts.re.lastIndex = 0;
      const seen = new Set<number>();
      for (const m of text.matchAll(hosts.re)) {
        const host = m[1]!.toLowerCase();
        const pos = position(starts, m.index);
        if (seen.has(pos.line) || allowed(pos.line)) continue;
        seen.add(pos.line);
        const vendor = hosts.vendorOf(host);
        findings.push({
          rule: "direct-provider-call",
          level: "error",
          file,
          ...pos,
          vendor,
          message: `${host} (${vendorName(opts.domains, vendor)}) is called directly, bypassing the policy: set the client's base URL to the PolicyGate gateway instead.`,
        });
        if (!used.has(vendor)) used.set(vendor, { file, line: pos.line, how: `calls to ${host}` });
      }
    }

    for (const f of opts.engine.scan(text, "input")) {
      const spec = builtinDetector(f.detector);
      if (spec?.family !== "secret") continue;
      const pos = position(starts, f.start);
      if (allowed(pos.line)) continue;
      // The value is never printed: the detector, the file and the line are enough to find it.
      findings.push({
        rule: "hardcoded-credential",
        level: "error",
        file,
        ...pos,
        detector: f.detector,
        message: `a credential (${f.detector}) is written into the repository: revoke and rotate it, then read it from the environment or a secret manager.`,
      });
    }
  };

  visit(root);

  const approved = opts.policy ? approvedVendors(opts.policy, opts.domains) : null;
  const vendors: AuditResult["vendors"] = [];
  for (const [vendor, where] of used) {
    const ok = approved ? approved.has(vendor) : null;
    vendors.push({ vendor, approved: ok });
    if (ok === false) {
      findings.push({
        rule: "unapproved-provider",
        level: "error",
        file: where.file,
        line: where.line,
        vendor,
        message: `${vendorName(opts.domains, vendor)} is used here (${where.how}) but the policy does not approve it: stop using it, or request it (policygate provider request) and have it approved.`,
      });
    }
  }
  findings.sort((a, b) =>
    a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.rule.localeCompare(b.rule),
  );
  return {
    findings,
    filesScanned,
    skipped,
    vendors: vendors.sort((a, b) => a.vendor.localeCompare(b.vendor)),
  };
}

function vendorName(domains: AiDomains, vendor: string): string {
  return domains.vendors[vendor]?.name ?? vendor;
}
