import { isAbsolute, relative } from "node:path";
import { formatPolicyError } from "../policy/errors.js";
import { notifierCheck } from "../monitor/notifiers.js";
import { loadPolicyFile } from "../policy/load.js";
import { summarisePolicy, type PolicySummary, type ProviderLine } from "../policy/summary.js";
import { policyWarnings, type PolicyWarning } from "../policy/warnings.js";
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
    .action((file: string | undefined, opts: { env?: string; json?: boolean }) => {
      ctx.exit(runCheck(file, opts, ctx.io));
    });
};

function runCheck(file: string | undefined, opts: { env?: string; json?: boolean }, io: CliIO): number {
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
  const warnings = policyWarnings(p, { env: io.env, environment: opts.env });
  // Alert notifiers are checked for the environment the gateway would run in.
  const alerts = notifierCheck(p, io.env, opts.env || io.env.POLICYGATE_ENV || p.environment);
  warnings.push(
    ...alerts.warnings.map((w) => ({ code: "notifier-unset" as const, path: w.path, message: w.message })),
  );
  if (alerts.errors.length) return reportNotifierErrors(shown, alerts.errors, opts.json === true, io);
  if (opts.json) {
    io.stdout.write(JSON.stringify({ ok: true, ...summary, warnings }, null, 2) + "\n");
  } else {
    io.stdout.write(renderSummary(summary) + renderWarnings(warnings));
  }
  return EXIT.ok;
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

function renderWarnings(warnings: PolicyWarning[]): string {
  if (!warnings.length) return "\nNo warnings.\n";
  return (
    `\n${warnings.length} warning${warnings.length === 1 ? "" : "s"}\n` +
    warnings.map((w) => `  ${w.path}: ${w.message}`).join("\n") +
    "\n"
  );
}
