import { readFileSync, writeFileSync } from "node:fs";
import { basename, dirname, isAbsolute, relative, resolve } from "node:path";
import { approvalRequiredIn } from "../governance/approval.js";
import { runGate, type GateProblem } from "../governance/gate.js";
import { lineLocator } from "../governance/locate.js";
import { governanceWarnings, type GovernanceWarning } from "../governance/reviews.js";
import { toSarif } from "../governance/sarif.js";
import { today } from "../governance/today.js";
import { formatPolicyError } from "../policy/errors.js";
import { notifierCheck } from "../monitor/notifiers.js";
import { loadPolicyFile } from "../policy/load.js";
import { summarisePolicy, type PolicySummary, type ProviderLine } from "../policy/summary.js";
import { isProductionEnvironment, policyWarnings, type PolicyWarning } from "../policy/warnings.js";
import type { RegisterCommand } from "./command.js";
import { CliError, EXIT, type CliIO } from "./io.js";
import { policyPath } from "./policy-option.js";

export const register: RegisterCommand = (program, ctx) => {
  program
    .command("check")
    .description("validate a policy file and summarise what it enforces (exit 2 on errors)")
    .argument("[file]", "policy file (default: $POLICYGATE_POLICY, else ./policygate.yaml)")
    .option("--env <environment>", "summarise one environment only")
    .option("--json", "print the result as JSON")
    .option(
      "--sarif <file>",
      "also write warnings and deployment-gate problems as SARIF 2.1.0 (- for stdout, instead of the summary)",
    )
    .option(
      "--security-md <file>",
      "the SECURITY.md the gate compares (default: governance.security_md beside the policy)",
    )
    .addHelpText(
      "after",
      "\nWith --env set to an environment that needs approvals (production by default), check is also the deployment\n" +
        "gate: it exits 1 with one line per problem (unapproved integrations, unfit providers, unset keys, stale SECURITY.md).",
    )
    .action((file: string | undefined, opts: CheckOptions) => {
      ctx.exit(runCheck(file, opts, ctx.io));
    });
};

interface CheckOptions {
  env?: string;
  json?: boolean;
  sarif?: string;
  securityMd?: string;
}

function runCheck(file: string | undefined, opts: CheckOptions, io: CliIO): number {
  const path = policyPath(file, io);
  if (!path) {
    // Checking the built-in default would pass vacuously; in CI that hides a missing file.
    throw new CliError(
      "no policy file: pass one, set POLICYGATE_POLICY, or create ./policygate.yaml (policygate init)",
    );
  }
  const shown = relative(io.cwd, path) || path;
  const r = loadPolicyFile(path);
  if (!r.ok) {
    const errors = r.errors.map((e) => ({ ...e, file: displayFile(e.file, io.cwd) }));
    if (opts.json) io.stdout.write(JSON.stringify({ ok: false, file: shown, errors }, null, 2) + "\n");
    else {
      io.stderr.write(
        `${shown}: ${errors.length} error${errors.length === 1 ? "" : "s"}\n` +
          errors.map((e) => "  " + formatPolicyError(e)).join("\n") +
          "\n",
      );
    }
    return EXIT.usage;
  }
  const p = r.value.policy;
  if (opts.env && !p.environments.includes(opts.env)) {
    throw new CliError(`unknown environment "${opts.env}"; the policy declares ${p.environments.join(", ")}`);
  }
  const summary = summarisePolicy({ ...r.value, file: shown }, { environment: opts.env });
  const warnings: (PolicyWarning | GovernanceWarning)[] = [
    ...policyWarnings(p, { env: io.env, environment: opts.env }),
    ...governanceWarnings(r.value, today(io.env)),
  ];
  // Alert notifiers are checked for the environment the gateway would run in.
  const alerts = notifierCheck(p, io.env, opts.env || io.env.POLICYGATE_ENV || p.environment);
  warnings.push(
    ...alerts.warnings.map((w) => ({ code: "notifier-unset" as const, path: w.path, message: w.message })),
  );
  if (alerts.errors.length) return reportNotifierErrors(shown, alerts.errors, opts.json === true, io);
  const env = opts.env;
  const gated = env !== undefined && (approvalRequiredIn(p, env) || isProductionEnvironment(env));
  const mdPath = resolve(
    opts.securityMd ? io.cwd : dirname(path),
    opts.securityMd ?? p.governance.security_md,
  );
  const problems: GateProblem[] = gated
    ? runGate({
        loaded: r.value,
        environment: env,
        env: io.env,
        securityMd: { path: mdPath, shown: relative(io.cwd, mdPath) || mdPath },
        source: basename(path),
      })
    : [];
  const lineOf = lineLocator(readFileSync(path, "utf8"));
  const located = problems.map((x) => ({ ...x, line: lineOf(x.path) }));
  if (opts.sarif) {
    const pathOf = (w: string) => w.split(/\.|\[(\d+)\]/).filter(Boolean);
    const sarif = toSarif(
      [
        ...located.map((x) => ({ ...x, level: "error" as const })),
        ...warnings.map((w) => ({
          rule: w.code,
          path: pathOf(w.path),
          message: `${w.path}: ${w.message}`,
          level: "warning" as const,
          line: lineOf(pathOf(w.path)),
        })),
      ],
      { uri: shown, version: "0.1.0" },
    );
    const text = JSON.stringify(sarif, null, 2) + "\n";
    if (opts.sarif === "-") io.stdout.write(text);
    else writeFileSync(resolve(io.cwd, opts.sarif), text);
  }
  if (opts.json) {
    io.stdout.write(
      JSON.stringify({ ok: problems.length === 0, ...summary, warnings, problems: located }, null, 2) + "\n",
    );
  } else if (opts.sarif !== "-") {
    io.stdout.write(renderSummary(summary) + renderWarnings(warnings));
    if (gated) io.stdout.write(renderProblems(located, shown, env));
  }
  return problems.length ? EXIT.blocked : EXIT.ok;
}

function renderProblems(problems: (GateProblem & { line: number })[], shown: string, env: string): string {
  if (!problems.length) return `\nDeployment gate for ${env}: passed.\n`;
  return (
    `\nDeployment gate for ${env}: ${problems.length} problem${problems.length === 1 ? "" : "s"}\n` +
    problems.map((x) => `${shown}:${x.line}: ${x.rule}: ${x.message}`).join("\n") +
    "\n"
  );
}

function reportNotifierErrors(
  file: string,
  errors: { path: string; message: string }[],
  json: boolean,
  io: CliIO,
): number {
  const list = errors.map(({ path, message }) => ({ file, path, message }));
  if (json) io.stdout.write(JSON.stringify({ ok: false, file, errors: list }, null, 2) + "\n");
  else {
    io.stderr.write(
      `${file}: ${list.length} error${list.length === 1 ? "" : "s"}\n` +
        list.map((e) => `  ${e.path}: ${e.message}`).join("\n") +
        "\n",
    );
  }
  return EXIT.usage;
}

/** The loader names files by absolute path; show them relative to where the user is. */
function displayFile(file: string, cwd: string): string {
  return isAbsolute(file) ? relative(cwd, file) || file : file;
}

function renderSummary(s: PolicySummary): string {
  const lines: string[] = [];
  lines.push(`${s.file}: OK (revision ${s.revision})`);
  lines.push(
    `${s.organisation}: mode ${s.mode}, on engine error ${s.on_engine_error}, default environment ${s.default_environment}`,
  );

  lines.push("", s.environment ? `Providers in ${s.environment}` : "Providers by environment");
  const indent = s.environment ? "  " : "    ";
  for (const { environment, providers } of s.providers) {
    if (!s.environment) lines.push(`  ${environment}`);
    if (!providers.length) lines.push(`${indent}(none: every call is refused)`);
    for (const pr of providers) lines.push(indent + providerText(pr));
  }
  if (s.providers_without_environment.length) {
    lines.push(`  in no environment: ${s.providers_without_environment.join(", ")}`);
  }

  lines.push("", "Classes");
  for (const c of s.classes) {
    lines.push(
      `  ${c.class.padEnd(13)}${c.action.padEnd(8)}${c.mode.padEnd(9)}min confidence ${c.min_confidence}`,
    );
  }

  const d = s.detectors;
  lines.push(
    "",
    `Detectors: ${d.builtin} built-in, ${d.enabled} enabled, ${d.disabled.length} disabled` +
      (d.disabled.length ? ` (${d.disabled.join(", ")})` : "") +
      (d.configured.length ? `; settings for ${d.configured.join(", ")}` : ""),
  );
  lines.push(
    `  ${d.custom.length} custom rule${d.custom.length === 1 ? "" : "s"}` +
      (d.custom.length ? ": " + d.custom.map((c) => `${c.id} (${c.class}, ${c.mode})`).join(", ") : ""),
  );

  const dd = s.data_dictionary;
  const byClass = Object.entries(dd.by_class)
    .reverse()
    .map(([c, n]) => `${c} ${n}`)
    .join(", ");
  lines.push(
    "",
    `Data dictionary: ${dd.columns} column${dd.columns === 1 ? "" : "s"} (${byClass})` +
      (dd.imports.length ? `, imported from ${dd.imports.join(", ")}` : "") +
      (dd.reviewed ? `, reviewed ${dd.reviewed}` : ""),
  );

  lines.push("", s.environment ? `Integrations in ${s.environment}` : "Integrations");
  if (!s.integrations.length) lines.push("  (none)");
  for (const i of s.integrations) {
    lines.push(
      `  ${i.id}: ${i.providers.join(", ") || "no providers"} in ${i.environments.join(", ") || "no environment"}` +
        (i.max_class ? `, up to ${i.max_class}` : "") +
        (i.mode === "audit" ? ", audit mode" : "") +
        (i.owner ? `, owner ${i.owner}` : ""),
    );
  }

  const o = s.output;
  lines.push(
    "",
    `Output: ${o.leak_classes.join(" and ")} in an answer -> ${o.on_leak} (${o.mode}); ${o.internal_hosts} internal host pattern${o.internal_hosts === 1 ? "" : "s"}`,
  );
  lines.push(
    `Unscannable parts (images, files): ${s.unscannable_parts}; audit store failure: ${s.audit_on_failure}`,
  );
  return lines.join("\n") + "\n";
}

function providerText(p: ProviderLine): string {
  return [
    p.id.padEnd(16),
    p.kind.padEnd(18),
    p.status.padEnd(11),
    `up to ${p.max_class}`.padEnd(20),
    p.kind === "echo" ? "offline" : p.zero_data_retention ? "zero data retention" : "retains data",
  ]
    .join("")
    .trimEnd();
}

function renderWarnings(warnings: (PolicyWarning | GovernanceWarning)[]): string {
  if (!warnings.length) return "\nNo warnings.\n";
  return (
    `\n${warnings.length} warning${warnings.length === 1 ? "" : "s"}\n` +
    warnings.map((w) => `  ${w.path}: ${w.message}`).join("\n") +
    "\n"
  );
}
