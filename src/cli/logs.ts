import { writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import type { AuditEvent } from "../audit/event.js";
import { exportJsonl } from "../audit/export.js";
import { ACTIONS } from "../audit/filter.js";
import type { AuditQuery, AuditStore } from "../audit/store.js";
import { AUDIT_STATUSES } from "../audit/event.js";
import { DATA_CLASSES, isDataClass } from "../policy/classes.js";
import type { RegisterCommand } from "./command.js";
import { CliError, type CliIO } from "./io.js";
import { runPurge, runVerify, type ChainOptions } from "./logs-chain.js";
import { printable } from "./printable.js";
import {
  AUDIT_OPTION_HELP,
  DATA_DIR_OPTION_HELP,
  openAuditStoreForCli,
  storeCliError,
  type StoreOptions,
} from "./store-option.js";

interface LogsOptions extends StoreOptions {
  user?: string;
  integration?: string;
  provider?: string;
  decision?: string;
  status?: string;
  class?: string;
  since?: string;
  until?: string;
  limit?: string;
  oldestFirst?: boolean;
  json?: boolean;
  jsonl?: boolean;
  output?: string;
}

const DEFAULT_LIMIT = 100;

export const register: RegisterCommand = (program, ctx) => {
  program
    .command("logs")
    .description(
      "Read the audit log: one line per call, newest first.\n" +
        "`policygate logs export --jsonl` writes the log in the article's JSON Lines format instead.\n" +
        "Times: ISO (2025-06-24, 2025-06-24T14:00:00Z) or relative to now (30m, 1h, 7d, 2w).",
    )
    .argument(
      "[action]",
      "export: write the selected events as JSON Lines (with --jsonl); verify: check the hash chain; purge: remove events older than audit.retention_days",
    )
    .option("--data-dir <dir>", DATA_DIR_OPTION_HELP)
    .option("--audit <spec>", AUDIT_OPTION_HELP)
    .option("--user <id>", "only this user's calls")
    .option("--integration <name>", "only this integration's calls")
    .option("--provider <name>", "only calls to this provider")
    .option(
      "--decision <action>",
      `only calls whose input or output decision was this (${ACTIONS.join(", ")})`,
    )
    .option("--status <status>", `only calls that ended so (${AUDIT_STATUSES.join(", ")})`)
    .option("--class <class>", `only calls whose input held at least this class (${DATA_CLASSES.join(", ")})`)
    .option("--since <time>", "only calls at or after this time")
    .option("--until <time>", "only calls before this time")
    .option("--limit <n>", `most events to show (default ${DEFAULT_LIMIT}, none when exporting; 0 for all)`)
    .option("--oldest-first", "show the oldest events first")
    .option("--json", "print the events as a JSON array, one event per line")
    .option("--jsonl", "with export: JSON Lines in the article's log format")
    .option("-o, --output <file>", "with export: write to this file instead of standard output")
    .option(
      "--public-key <file>",
      "with verify: the key purge checkpoints must be signed with (default: the data dir's)",
    )
    .option("--head <hash>", "with verify: a head noted earlier; the log must still contain it")
    .option("--policy <file>", "with purge: the policy whose audit.retention_days applies")
    .option("--older-than <span>", "with purge: remove events older than this (90d, 12w) instead")
    .option("--dry-run", "with purge: count what would go, remove nothing")
    .action(async (action: string | undefined, opts: LogsOptions & ChainOptions) => {
      if (action === "verify") return runVerify(opts, ctx);
      if (action === "purge") return runPurge(opts, ctx);
      if (action !== undefined && action !== "export") {
        throw new CliError(`unknown logs action "${action}"; the actions are export, verify and purge`);
      }
      const exporting = action === "export";
      if (exporting && !opts.jsonl) throw new CliError("logs export needs a format: --jsonl");
      if (!exporting && (opts.jsonl || opts.output)) {
        throw new CliError("--jsonl and --output go with export: policygate logs export --jsonl");
      }
      if (exporting && opts.json) throw new CliError("--json is for reading; export writes --jsonl");
      const query = parseFilters(opts, exporting, new Date());
      const store = await openAuditStoreForCli(opts, ctx.io);
      try {
        if (exporting) await runExport(store, query, opts.output, ctx.io);
        else await show(store, query, opts.json === true, ctx.io);
      } catch (e) {
        throw storeCliError(e);
      } finally {
        await store.close();
      }
    });
};

async function show(store: AuditStore, query: AuditQuery, json: boolean, io: CliIO): Promise<void> {
  const events = await store.query(query);
  if (json) {
    io.stdout.write(
      events.length ? "[\n" + events.map((e) => JSON.stringify(e)).join(",\n") + "\n]\n" : "[]\n",
    );
  } else {
    for (const e of events) io.stdout.write(formatEvent(e) + "\n");
  }
  const { limit, newestFirst, ...filters } = query;
  const total = limit !== undefined && events.length === limit ? await store.count(filters) : events.length;
  if (total === 0) io.stderr.write(`no events match in ${store.description}\n`);
  else if (total > events.length) {
    io.stderr.write(
      `showing ${events.length} of ${total} events, ${newestFirst ? "newest" : "oldest"} first; --limit 0 shows all\n`,
    );
  }
}

async function runExport(store: AuditStore, query: AuditQuery, output: string | undefined, io: CliIO) {
  if (!output) {
    await exportJsonl(store, query, (s) => io.stdout.write(s));
    return;
  }
  const path = resolve(io.cwd, output);
  const chunks: string[] = [];
  const n = await exportJsonl(store, query, (s) => chunks.push(s));
  try {
    await writeFile(path, chunks.join(""), { mode: 0o600 });
  } catch (e) {
    throw new CliError(`cannot write ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  io.stderr.write(`wrote ${n} event${n === 1 ? "" : "s"} to ${path}\n`);
}

/**
 * time, status, integration, user, provider/model, input decision with the highest class and the
 * findings per detector, output decision, total latency, and the error code when there is one.
 */
export function formatEvent(e: AuditEvent): string {
  if (e.status === "alert" && e.alert) {
    const a = e.alert;
    return printable([e.ts, "alert  ", `L${a.level}`, a.rule, a.title, `(alert ${a.id})`].join("  "));
  }
  const findings = Object.entries(e.input.findings)
    .map(([id, n]) => `${id}:${n}`)
    .join(",");
  const input = `in=${e.input.decision}${e.input.enforced_decision !== e.input.decision ? `(enforced:${e.input.enforced_decision})` : ""} ${e.input.highest_class}${findings ? " " + findings : ""}`;
  const outFindings = e.output
    ? Object.entries(e.output.findings)
        .map(([id, n]) => `${id}:${n}`)
        .join(",")
    : "";
  const output = `out=${e.output ? e.output.decision + (outFindings ? " " + outFindings : "") : "-"}`;
  const fields = [
    e.ts,
    e.status.padEnd(7),
    e.integration ?? "-",
    e.user ?? "-",
    `${e.provider ?? "-"}/${e.model ?? "-"}`,
    input,
    output,
    `${Math.round(e.latency_ms.total)}ms`,
  ];
  if (e.error) fields.push(e.error.code);
  return printable(fields.join("  "));
}

/** Turns the flags into a store query, refusing anything it cannot read exactly. */
export function parseFilters(opts: LogsOptions, exporting: boolean, now: Date): AuditQuery {
  const q: AuditQuery = { newestFirst: !exporting && !opts.oldestFirst };
  if (opts.user !== undefined) q.user = opts.user;
  if (opts.integration !== undefined) q.integration = opts.integration;
  if (opts.provider !== undefined) q.provider = opts.provider;
  if (opts.decision !== undefined) {
    const d = opts.decision.toLowerCase();
    if (!(ACTIONS as readonly string[]).includes(d)) {
      throw new CliError(`--decision is one of ${ACTIONS.join(", ")}, not "${opts.decision}"`);
    }
    q.decision = d as AuditQuery["decision"];
  }
  if (opts.status !== undefined) {
    const s = opts.status.toLowerCase();
    if (!(AUDIT_STATUSES as readonly string[]).includes(s)) {
      throw new CliError(`--status is one of ${AUDIT_STATUSES.join(", ")}, not "${opts.status}"`);
    }
    q.status = s as AuditQuery["status"];
  }
  if (opts.class !== undefined) {
    const c = opts.class.toLowerCase();
    if (!isDataClass(c))
      throw new CliError(`--class is one of ${DATA_CLASSES.join(", ")}, not "${opts.class}"`);
    q.minClass = c;
  }
  if (opts.since !== undefined) q.since = parseTime(opts.since, "--since", now);
  if (opts.until !== undefined) q.until = parseTime(opts.until, "--until", now);
  if (q.since && q.until && q.since >= q.until) {
    throw new CliError(`--since (${q.since}) is not before --until (${q.until}); no event could match`);
  }
  const limit = opts.limit === undefined ? (exporting ? 0 : DEFAULT_LIMIT) : Number(opts.limit);
  if (!Number.isSafeInteger(limit) || limit < 0) {
    throw new CliError(`--limit takes a whole number (0 for all), not "${opts.limit}"`);
  }
  if (limit > 0) q.limit = limit;
  return q;
}

const UNIT_MS: Record<string, number> = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 7 * 86400e3 };

/** An ISO date or timestamp, or a span back from now (30m, 1h, 7d, 2w), as a canonical ISO string. */
export function parseTime(value: string, flag: string, now: Date): string {
  const rel = /^(\d+)\s*([smhdw])$/i.exec(value.trim());
  if (rel) return new Date(now.getTime() - Number(rel[1]) * UNIT_MS[rel[2]!.toLowerCase()]!).toISOString();
  // Date.parse alone accepts forms like "6/24" whose meaning depends on the locale; ask for ISO.
  // A time without a zone is UTC, like every timestamp in the log.
  const iso = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(Z|[+-]\d{2}:?\d{2})?)?$/i.exec(
    value.trim(),
  );
  const ms = iso ? Date.parse(`${iso[1]}T${iso[2] ?? "00:00"}${iso[3] ?? "Z"}`) : NaN;
  if (Number.isNaN(ms)) {
    throw new CliError(
      `${flag} takes an ISO time (2025-06-24, 2025-06-24T14:00:00Z) or a span back from now (30m, 1h, 7d, 2w), not "${value}"`,
    );
  }
  return new Date(ms).toISOString();
}
