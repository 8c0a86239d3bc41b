import { relative, resolve } from "node:path";
import { ulid } from "../audit/ulid.js";
import { peopleAt, type Alert } from "../monitor/alert.js";
import { readDeadLetters } from "../monitor/delivery.js";
import { DEAD_LETTER_FILE, deadLetterPath } from "../monitor/monitor.js";
import { buildNotifiers, requiredEnvironments } from "../monitor/notifiers.js";
import { DeliveryError } from "../monitor/webhook.js";
import type { LoadedPolicy } from "../policy/load.js";
import type { RegisterCommand } from "./command.js";
import { CliError, EXIT, type CliIO } from "./io.js";
import { loadPolicyForCli, POLICY_OPTION_HELP } from "./policy-option.js";
import { printable } from "./printable.js";
import { DATA_DIR_OPTION_HELP, dataDirForCli } from "./store-option.js";

interface AlertsOptions {
  policy?: string;
  env?: string;
  dataDir?: string;
  json?: boolean;
  notifier?: string;
  level?: string;
}

/**
 * `policygate alerts`: what the alert rules are, whether the notifiers can deliver (a test alert),
 * and what could not be delivered (the dead-letter file).
 */
export const register: RegisterCommand = (program, ctx) => {
  const alerts = program
    .command("alerts")
    .description(
      "Alert rules, notifiers and undelivered alerts.\n" +
        "  alerts rules          show levels, contacts, rules and whether each notifier can deliver here\n" +
        "  alerts test           send a test alert through the notifiers (exit 1 if one fails)\n" +
        "  alerts dead-letters   list alerts that could not be delivered",
    );
  const common = (name: string, description: string) =>
    alerts
      .command(name)
      .description(description)
      .option("-p, --policy <file>", POLICY_OPTION_HELP)
      .option("-e, --env <environment>", "environment (default: $POLICYGATE_ENV, else the policy's)")
      .option("--data-dir <dir>", DATA_DIR_OPTION_HELP)
      .option("--json", "print JSON");
  common("rules", "show the escalation levels, rules and notifiers").action((opts: AlertsOptions) =>
    showRules(opts, ctx.io),
  );
  common("test", "send a test alert through every notifier of a level (or one notifier)")
    .option("--notifier <name>", "only this notifier")
    .option("--level <n>", "the level whose contacts and notifiers are used", "1")
    .action(async (opts: AlertsOptions) => ctx.exit(await sendTest(opts, ctx.io)));
  common("dead-letters", "list alerts that could not be delivered").action(async (opts: AlertsOptions) =>
    listDeadLetters(opts, ctx.io),
  );
};

function policyFor(opts: AlertsOptions, io: CliIO): { loaded: LoadedPolicy; environment: string } {
  const loaded = loadPolicyForCli(opts.policy, io);
  if (!loaded) {
    throw new CliError("no policy file: pass --policy, set POLICYGATE_POLICY, or create ./policygate.yaml");
  }
  const environment = opts.env || io.env.POLICYGATE_ENV || loaded.policy.environment;
  if (!loaded.policy.environments.includes(environment)) {
    throw new CliError(
      `unknown environment "${environment}"; the policy declares ${loaded.policy.environments.join(", ")}`,
    );
  }
  return { loaded, environment };
}

function showRules(opts: AlertsOptions, io: CliIO): void {
  const { loaded, environment } = policyFor(opts, io);
  const p = loaded.policy;
  const a = p.alerts;
  const { notifiers, problems } = buildNotifiers(p, io.env, environment);
  const notifierState = Object.entries(a?.notifiers ?? {}).map(([name, n]) => ({
    name,
    kind: n.kind,
    ready: notifiers.has(name),
    required_in: requiredEnvironments(n, p),
    problem: problems.find((x) => x.notifier === name)?.message ?? null,
  }));
  if (opts.json) {
    io.stdout.write(
      JSON.stringify({ environment, alerts: a ?? null, notifiers: notifierState }, null, 2) + "\n",
    );
    return;
  }
  if (!a) {
    io.stdout.write(
      "No alerts section in the policy: no alert rules run (metrics still work). See docs/alerts.md.\n",
    );
    return;
  }
  const lines = [`Alerts ${a.enabled ? "enabled" : "DISABLED"} (environment ${environment})`, "", "Levels"];
  a.levels.forEach((l, i) => {
    const people = peopleAt(p, i + 1).map((x) => x.name ?? x.role);
    lines.push(
      `  ${i + 1}${l.name ? ` ${l.name}` : ""}: contacts ${people.join(", ") || "none"}; notify ${l.notify.join(", ") || "none (audit log only)"}`,
    );
  });
  lines.push("", "Rules");
  for (const [id, r] of Object.entries(a.rules)) {
    const { enabled, level, cooldown_minutes, ...rest } = r;
    const settings = Object.entries(rest)
      .map(([k, v]) => `${k} ${Array.isArray(v) ? v.join("/") : v}`)
      .join(", ");
    lines.push(
      `  ${id.padEnd(20)} ${enabled ? `level ${level}` : "off    "}  cool-down ${cooldown_minutes} min  ${settings}`,
    );
  }
  lines.push("", "Notifiers");
  if (!notifierState.length) lines.push("  (none: alerts are recorded in the audit log and logged)");
  for (const n of notifierState) {
    lines.push(
      `  ${n.name.padEnd(16)} ${n.kind.padEnd(8)} ${n.ready ? "ready" : "NOT READY"}  required in ${n.required_in.join(", ") || "no environment"}`,
    );
    if (n.problem) lines.push(`    ${n.problem}`);
  }
  const d = a.delivery;
  lines.push(
    "",
    `Delivery: ${d.retries} retries from ${d.backoff_ms} ms (doubling, at most ${d.max_backoff_ms} ms), queue ${d.queue_size}`,
  );
  io.stdout.write(lines.join("\n") + "\n");
}

async function sendTest(opts: AlertsOptions, io: CliIO): Promise<number> {
  const { loaded, environment } = policyFor(opts, io);
  const p = loaded.policy;
  if (!p.alerts) throw new CliError("the policy has no alerts section; there is nothing to test");
  const level = Number(opts.level ?? "1");
  if (!Number.isInteger(level) || level < 1 || level > p.alerts.levels.length) {
    throw new CliError(`--level takes 1 to ${p.alerts.levels.length}, not "${opts.level}"`);
  }
  const { notifiers, problems } = buildNotifiers(p, io.env, environment);
  const names = opts.notifier ? [opts.notifier] : p.alerts.levels[level - 1]!.notify;
  if (opts.notifier && !(opts.notifier in p.alerts.notifiers)) {
    throw new CliError(
      `unknown notifier "${opts.notifier}"; the policy declares ${Object.keys(p.alerts.notifiers).join(", ") || "none"}`,
    );
  }
  if (!names.length) {
    io.stderr.write(`level ${level} has no notifiers; pass --notifier NAME to test one\n`);
    return EXIT.blocked;
  }
  const alert: Alert = {
    id: ulid(),
    rule: "test",
    level,
    title: "Test alert from policygate alerts test (no action needed)",
    key: { test: "true" },
    counts: { test: 1 },
    detectors: [],
    classes: [],
    contacts: p.alerts.levels[level - 1]!.contacts,
    notifiers: names,
    request_ids: [],
    ts: new Date().toISOString(),
    environment,
    organisation: p.organisation.name,
    policy_revision: loaded.revision,
    people: peopleAt(p, level),
  };
  let failed = 0;
  for (const name of names) {
    const n = notifiers.get(name);
    if (!n) {
      failed++;
      io.stdout.write(
        `${name}: not ready: ${problems.find((x) => x.notifier === name)?.message ?? "not configured"}\n`,
      );
      continue;
    }
    try {
      await n.send(alert);
      io.stdout.write(`${name}: sent\n`);
    } catch (e) {
      failed++;
      const msg = e instanceof DeliveryError ? e.message : "the notifier failed";
      io.stdout.write(printable(`${name}: FAILED: ${msg}`) + "\n");
    }
  }
  return failed ? EXIT.blocked : EXIT.ok;
}

async function listDeadLetters(opts: AlertsOptions, io: CliIO): Promise<void> {
  const dataDir = dataDirForCli(opts, io);
  // Without a policy the default file name is used, so the command works on a bare data directory.
  const loaded = loadPolicyForCli(opts.policy, io);
  const file = loaded ? deadLetterPath(loaded.policy, dataDir) : resolve(dataDir, DEAD_LETTER_FILE);
  let read;
  try {
    read = await readDeadLetters(file);
  } catch (e) {
    throw new CliError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const { letters, damaged } = read;
  if (opts.json) {
    io.stdout.write(JSON.stringify({ file, letters, damaged }, null, 2) + "\n");
    return;
  }
  const shown = relative(io.cwd, file) || file;
  if (!letters.length) io.stderr.write(`no undelivered alerts in ${shown}\n`);
  for (const l of letters) {
    io.stdout.write(
      printable(
        `${l.ts}  ${l.notifier}  attempts ${l.attempts}  ${l.reason}  L${l.alert.level} ${l.alert.rule}: ${l.alert.title}  (alert ${l.alert.id})`,
      ) + "\n",
    );
  }
  if (damaged) io.stderr.write(`${damaged} damaged line${damaged === 1 ? "" : "s"} in ${shown} skipped\n`);
}
