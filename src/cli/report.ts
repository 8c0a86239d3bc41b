import type { AuditEvent } from "../audit/event.js";
import { exposureMarkdown, exposureReport } from "../incident/exposure.js";
import { incidentsMarkdown, incidentsReport } from "../incident/incidents.js";
import type { RegisterCommand } from "./command.js";
import { CliError, type CliIO } from "./io.js";
import { parseTime } from "./logs.js";
import {
  AUDIT_OPTION_HELP,
  DATA_DIR_OPTION_HELP,
  openAuditStoreForCli,
  storeCliError,
  type StoreOptions,
} from "./store-option.js";

interface ReportOptions extends StoreOptions {
  provider?: string;
  since?: string;
  until?: string;
  json?: boolean;
}

const TIME_HELP = "ISO (2025-06-24, 2025-06-24T14:00:00Z) or back from now (30m, 1h, 7d, 2w)";

export const register: RegisterCommand = (program, ctx) => {
  const report = program
    .command("report")
    .description("Reports from the audit log for incident response and reviews (Markdown, or --json).");
  const common = (c: ReturnType<typeof report.command>) =>
    c
      .option("--until <time>", `end of the period, exclusive (${TIME_HELP}); default now`)
      .option("--json", "print JSON instead of Markdown")
      .option("--data-dir <dir>", DATA_DIR_OPTION_HELP)
      .option("--audit <spec>", AUDIT_OPTION_HELP);

  common(
    report
      .command("exposure")
      .description(
        "What data went to a provider: which integrations and users sent which classes and detector kinds, how many calls, first and last time.",
      )
      .requiredOption("--provider <name>", "the provider concerned")
      .requiredOption("--since <time>", `start of the period (${TIME_HELP})`),
  ).action(async (opts: ReportOptions) => {
    const { since, until, events } = await load(opts, ctx.io, { provider: opts.provider! });
    const r = exposureReport(events, { provider: opts.provider!, since, until });
    ctx.io.stdout.write(opts.json ? JSON.stringify(r, null, 2) + "\n" : exposureMarkdown(r));
  });

  common(
    report
      .command("incidents")
      .description(
        "Validation failures, errors and alerts (by escalation level) over a period, for the quarterly review.",
      )
      .option("--since <time>", `start of the period (${TIME_HELP})`, "90d"),
  ).action(async (opts: ReportOptions) => {
    const { since, until, events } = await load(opts, ctx.io, {});
    const r = incidentsReport(events, { since, until });
    ctx.io.stdout.write(opts.json ? JSON.stringify(r, null, 2) + "\n" : incidentsMarkdown(r));
  });
};

async function load(
  opts: ReportOptions,
  io: CliIO,
  q: { provider?: string },
): Promise<{ since: string; until: string | undefined; events: AuditEvent[] }> {
  const now = new Date();
  const since = parseTime(opts.since!, "--since", now);
  const until = opts.until === undefined ? undefined : parseTime(opts.until, "--until", now);
  if (until && since >= until) throw new CliError(`--since (${since}) is not before --until (${until})`);
  const store = await openAuditStoreForCli(opts, io);
  try {
    return { since, until, events: await store.query({ ...q, since, until }) };
  } catch (e) {
    throw storeCliError(e);
  } finally {
    await store.close();
  }
}
