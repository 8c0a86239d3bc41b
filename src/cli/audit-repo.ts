import { existsSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { defaultLoadedPolicy, Engine } from "../enforce/engine.js";
import type { LoadedPolicy } from "../policy/load.js";
import { loadAiDomains } from "../review/ai-domains.js";
import { auditRepo, DEFAULT_MAX_FILE_BYTES, type AuditResult } from "../review/audit-repo.js";
import { toSarif } from "../review/sarif.js";
import type { RegisterCommand } from "./command.js";
import { CliError, EXIT, type CliIO } from "./io.js";
import { VERSION } from "./version.js";
import { loadPolicyForCli } from "./policy-option.js";

interface AuditRepoOptions {
  policy?: string;
  sarif?: boolean;
  json?: boolean;
  data?: string;
  maxFileBytes: string;
  exclude: string[];
}

export const register: RegisterCommand = (program, ctx) => {
  program
    .command("audit-repo")
    .description(
      "Audit a repository: LLM SDK dependencies, provider API calls that bypass the gateway, hard-coded\n" +
        "credentials, and providers the policy does not approve. Credential values are never printed.\n" +
        "Exit status: 0 nothing but the SDK inventory, 1 findings, 2 usage or policy errors.",
    )
    .argument("[dir]", "repository to audit", ".")
    .option(
      "-p, --policy <file>",
      "policy whose providers are approved (default: $POLICYGATE_POLICY, DIR/policygate.yaml, ./policygate.yaml)",
    )
    .option("--sarif", "print SARIF 2.1.0 for code-scanning UIs")
    .option("--json", "print the findings as JSON")
    .option("--data <file>", "AI domain list (default: the data/ai-domains.json shipped with policygate)")
    .option(
      "--exclude <glob>",
      "skip paths matching this glob, relative to DIR (repeatable): --exclude 'test/fixtures/*'",
      (v: string, acc: string[]) => [...acc, v],
      [],
    )
    .option("--max-file-bytes <n>", "skip files larger than this", String(DEFAULT_MAX_FILE_BYTES))
    .action((dir: string, opts: AuditRepoOptions) => {
      ctx.exit(runAudit(dir, opts, ctx.io));
    });
};

function runAudit(dir: string, opts: AuditRepoOptions, io: CliIO): number {
  const root = resolve(io.cwd, dir);
  if (!existsSync(root) || !statSync(root).isDirectory()) throw new CliError(`${dir}: not a directory`);
  const maxFileBytes = Number(opts.maxFileBytes);
  if (!Number.isSafeInteger(maxFileBytes) || maxFileBytes <= 0)
    throw new CliError("--max-file-bytes takes a positive number");
  let loaded: LoadedPolicy | undefined = loadPolicyForCli(opts.policy, io);
  if (!loaded && !opts.policy && !io.env.POLICYGATE_POLICY && existsSync(join(root, "policygate.yaml"))) {
    loaded = loadPolicyForCli(join(root, "policygate.yaml"), io);
  }
  let domains;
  try {
    domains = loadAiDomains(opts.data ? resolve(io.cwd, opts.data) : undefined);
  } catch (e) {
    throw new CliError((e as Error).message);
  }
  // The policy's allowlists apply to credentials too: a documented test value is not a finding.
  const engine = new Engine(loaded ?? defaultLoadedPolicy());
  const result = auditRepo(root, {
    engine,
    domains,
    policy: loaded?.policy,
    maxFileBytes,
    exclude: opts.exclude,
  });
  const failing = result.findings.filter((f) => f.level !== "note").length;
  if (opts.sarif)
    io.stdout.write(JSON.stringify(toSarif(result.findings, { version: VERSION }), null, 2) + "\n");
  else if (opts.json) io.stdout.write(JSON.stringify(result, null, 2) + "\n");
  else
    io.stdout.write(
      render(
        result,
        relative(io.cwd, root) || ".",
        loaded ? relative(io.cwd, loaded.file ?? "") || loaded.file : undefined,
      ),
    );
  return failing ? EXIT.blocked : EXIT.ok;
}

function render(r: AuditResult, shown: string, policy: string | undefined): string {
  const lines: string[] = [];
  for (const f of r.findings) {
    lines.push(
      `${shown === "." ? "" : shown + "/"}${f.file}:${f.line}  ${f.level.padEnd(7)} ${f.rule.padEnd(20)} ${f.message}`,
    );
  }
  if (r.findings.length) lines.push("");
  const count = (level: string) => r.findings.filter((f) => f.level === level).length;
  lines.push(
    `${shown}: ${r.filesScanned} file${r.filesScanned === 1 ? "" : "s"} scanned; ${count("error")} error${count("error") === 1 ? "" : "s"}, ${count("note")} SDK dependenc${count("note") === 1 ? "y" : "ies"}`,
  );
  if (r.vendors.length) {
    lines.push(
      "Providers in use: " +
        r.vendors
          .map(
            (v) =>
              `${v.vendor} (${v.approved === null ? "approval not checked" : v.approved ? "approved" : "NOT approved"})`,
          )
          .join(", "),
    );
  }
  if (!policy) lines.push("No policy file found: provider approval was not checked (pass --policy).");
  else lines.push(`Policy: ${policy}`);
  for (const s of r.skipped) lines.push(`skipped ${s.file}: ${s.reason}`);
  return lines.join("\n") + "\n";
}
