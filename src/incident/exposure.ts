import { isAdminEvent } from "../audit/admin-event.js";
import type { AuditEvent } from "../audit/event.js";
import { classRank, type DataClass } from "../policy/classes.js";

/** One integration's (or user's) traffic to the provider in the period. */
export interface ExposureRow {
  key: string | null;
  calls: number;
  /** Calls that reached the provider (data left), and calls refused before anything was sent. */
  sent: number;
  refused: number;
  /** Calls that sent data of each class (after redaction: what actually left). */
  classes: Partial<Record<DataClass, number>>;
  /** Findings per detector in the input of calls that reached the provider (see docs: redacted or not). */
  detectors: Record<string, number>;
  /** Input decisions of the calls that reached the provider: allow (sent as is) or redact. */
  decisions: Record<string, number>;
  first: string;
  last: string;
}

export interface ExposureReport {
  provider: string;
  since: string;
  until: string | null;
  generated_at: string;
  totals: Omit<ExposureRow, "key">;
  by_integration: ExposureRow[];
  by_user: ExposureRow[];
  /** Kill switch actions on this provider in the period. */
  admin: { ts: string; action: string; actor: string | null; reason: string | null }[];
}

/**
 * "Within one hour, assess what data was sent": from the audit events of one provider, who sent
 * what class of data, what the detectors found in it, how often, and when first and last. Counts,
 * classes and detector ids only: the log holds no values, so neither does the report.
 */
export function exposureReport(
  events: readonly AuditEvent[],
  opts: { provider: string; since: string; until?: string; now?: Date },
): ExposureReport {
  // Alert events (from the alerting component) describe calls; they are not calls themselves.
  const calls = events.filter(
    (e) => e.provider === opts.provider && !isAdminEvent(e) && (e.status as string) !== "alert",
  );
  const admin = events
    .filter((e) => e.provider === opts.provider && isAdminEvent(e))
    .map((e) => ({
      ts: e.ts,
      action: e.admin?.action ?? e.endpoint ?? "admin",
      actor: e.admin?.actor ?? e.user,
      reason: e.admin?.reason ?? null,
    }));
  const group = (key: (e: AuditEvent) => string | null) => {
    const m = new Map<string | null, AuditEvent[]>();
    for (const e of calls) {
      const k = key(e);
      m.set(k, [...(m.get(k) ?? []), e]);
    }
    return [...m.entries()]
      .map(([k, es]) => ({ key: k, ...summarise(es) }))
      .sort((a, b) => b.sent - a.sent || b.calls - a.calls || String(a.key).localeCompare(String(b.key)));
  };
  return {
    provider: opts.provider,
    since: opts.since,
    until: opts.until ?? null,
    generated_at: (opts.now ?? new Date()).toISOString(),
    totals: summarise(calls),
    by_integration: group((e) => e.integration),
    by_user: group((e) => e.user),
    admin,
  };
}

/** Whether data left for the provider: an upstream call was made and the call was not refused first. */
export function reachedProvider(e: AuditEvent): boolean {
  return e.latency_ms.upstream !== null && e.status !== "blocked";
}

function summarise(es: readonly AuditEvent[]): Omit<ExposureRow, "key"> {
  const row: Omit<ExposureRow, "key"> = {
    calls: es.length,
    sent: 0,
    refused: 0,
    classes: {},
    detectors: {},
    decisions: {},
    first: "",
    last: "",
  };
  for (const e of es) {
    if (!row.first || e.ts < row.first) row.first = e.ts;
    if (!row.last || e.ts > row.last) row.last = e.ts;
    if (!reachedProvider(e)) {
      row.refused++;
      continue;
    }
    row.sent++;
    for (const c of new Set(e.input.classes_sent)) row.classes[c] = (row.classes[c] ?? 0) + 1;
    for (const [d, n] of Object.entries(e.input.findings)) row.detectors[d] = (row.detectors[d] ?? 0) + n;
    row.decisions[e.input.decision] = (row.decisions[e.input.decision] ?? 0) + 1;
  }
  return row;
}

export function exposureMarkdown(r: ExposureReport): string {
  const t = r.totals;
  const out: string[] = [];
  out.push(`# Exposure report: provider \`${md(r.provider)}\``, "");
  out.push(`Period: ${r.since} to ${r.until ?? "now"} (generated ${r.generated_at}).`, "");
  if (!t.calls) {
    out.push(`No calls to ${md(r.provider)} in this period.`, "");
  } else {
    out.push(
      `${t.calls} call${t.calls === 1 ? "" : "s"}: ${t.sent} reached the provider, ${t.refused} refused before anything was sent. First ${t.first}, last ${t.last}.`,
      "",
    );
    out.push("## Data classes that reached the provider", "");
    out.push("| class | calls |", "|---|---|");
    const classes = Object.entries(t.classes).sort(
      ([a], [b]) => classRank(b as DataClass) - classRank(a as DataClass),
    );
    for (const [c, n] of classes) out.push(`| ${c} | ${n} |`);
    if (!classes.length) out.push("| (none) | 0 |");
    out.push("");
    out.push(
      "Detectors are the findings in calls that reached the provider; with decision `redact` the values were replaced by placeholders before sending unless their class is listed as sent.",
      "",
    );
    for (const [title, rows, label] of [
      ["By integration", r.by_integration, "integration"],
      ["By user", r.by_user, "user"],
    ] as const) {
      out.push(`## ${title}`, "");
      out.push(
        `| ${label} | calls | reached | refused | classes sent | detectors | decisions | first | last |`,
      );
      out.push("|---|---|---|---|---|---|---|---|---|");
      for (const row of rows) {
        out.push(
          `| ${md(row.key ?? "(none)")} | ${row.calls} | ${row.sent} | ${row.refused} | ${counts(row.classes)} | ${counts(row.detectors)} | ${counts(row.decisions)} | ${row.first} | ${row.last} |`,
        );
      }
      out.push("");
    }
  }
  if (r.admin.length) {
    out.push("## Kill switch", "");
    for (const a of r.admin)
      out.push(
        `- ${a.ts} ${a.action}${a.actor ? ` by ${md(a.actor)}` : ""}${a.reason ? `: ${md(a.reason)}` : ""}`,
      );
    out.push("");
  }
  return out.join("\n");
}

function counts(m: Record<string, number | undefined>): string {
  const e = Object.entries(m).filter(([, n]) => n);
  return e.length ? e.map(([k, n]) => `${md(k)} ${n}`).join(", ") : "-";
}

/** Text from the log (users, reasons) inside a Markdown table: no pipes, no line breaks, no controls. */
export function md(s: string): string {
  return s
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, " ")
    .replace(/([\\|`*[\]<>])/g, "\\$1");
}
