import { isAdminEvent } from "../audit/admin-event.js";
import type { AuditEvent } from "../audit/event.js";
import { md } from "./exposure.js";

interface Group {
  key: string;
  count: number;
  integrations: Record<string, number>;
  first: string;
  last: string;
}

export interface IncidentsReport {
  since: string;
  until: string | null;
  generated_at: string;
  calls: number;
  /** Calls a policy rule refused (input or output), by rule id. */
  validation_failures: { total: number; input: number; output: number; by_rule: Group[] };
  /** Calls that failed for another reason (provider errors, timeouts), by error code. */
  errors: { total: number; by_code: Group[] };
  /** Alert events (status "alert"), by escalation level when they carry one. */
  alerts: { total: number; by_level: (Group & { rules: Record<string, number> })[] };
  admin: { ts: string; action: string; target: string | null; actor: string | null; reason: string | null }[];
}

/** An alert as the alerting component records it; read tolerantly, since its shape is not ours. */
interface AlertLike {
  level?: unknown;
  rule?: unknown;
  id?: unknown;
}

/**
 * For the quarterly review: what the policy refused, what failed, which alerts fired at which
 * level, and what operators did, over a period. Rule ids and counts, never call content.
 */
export function incidentsReport(
  events: readonly AuditEvent[],
  opts: { since: string; until?: string; now?: Date },
): IncidentsReport {
  const rules = new Map<string, Group>();
  const codes = new Map<string, Group>();
  const levels = new Map<string, Group & { rules: Record<string, number> }>();
  const r: IncidentsReport = {
    since: opts.since,
    until: opts.until ?? null,
    generated_at: (opts.now ?? new Date()).toISOString(),
    calls: 0,
    validation_failures: { total: 0, input: 0, output: 0, by_rule: [] },
    errors: { total: 0, by_code: [] },
    alerts: { total: 0, by_level: [] },
    admin: [],
  };
  for (const e of events) {
    const status = e.status as string;
    if (status === "alert") {
      const alert = ((e as unknown as { alert?: AlertLike }).alert ?? {}) as AlertLike;
      const level = alert.level === undefined || alert.level === null ? "unknown" : String(alert.level);
      const g = add(levels, level, e, { rules: {} });
      const rule =
        typeof alert.rule === "string" ? alert.rule : typeof alert.id === "string" ? alert.id : "unknown";
      g.rules[rule] = (g.rules[rule] ?? 0) + 1;
      r.alerts.total++;
      continue;
    }
    if (isAdminEvent(e)) {
      r.admin.push({
        ts: e.ts,
        action: e.admin?.action ?? e.endpoint ?? "admin",
        target: e.admin?.target ?? e.provider,
        actor: e.admin?.actor ?? e.user,
        reason: e.admin?.reason ?? null,
      });
      continue;
    }
    r.calls++;
    const outputBlocked = e.output?.decision === "block" || e.error?.code === "output_blocked";
    if (status === "blocked" || outputBlocked) {
      r.validation_failures.total++;
      if (outputBlocked) r.validation_failures.output++;
      else r.validation_failures.input++;
      const ids = [...new Set([...e.input.rules, ...(e.output?.rules ?? [])])];
      for (const id of ids.length ? ids : [e.error?.code ?? "unknown"]) add(rules, id, e);
    } else if (status === "error") {
      r.errors.total++;
      add(codes, e.error?.code ?? "unknown", e);
    }
  }
  const sorted = <G extends Group>(m: Map<string, G>) =>
    [...m.values()].sort((a, b) => b.count - a.count || a.key.localeCompare(b.key));
  r.validation_failures.by_rule = sorted(rules);
  r.errors.by_code = sorted(codes);
  r.alerts.by_level = [...levels.values()].sort((a, b) =>
    a.key.localeCompare(b.key, undefined, { numeric: true }),
  );
  return r;
}

function add<G extends Group>(
  m: Map<string, G>,
  key: string,
  e: AuditEvent,
  extra?: Omit<G, keyof Group>,
): G {
  let g = m.get(key);
  if (!g) {
    g = { key, count: 0, integrations: {}, first: e.ts, last: e.ts, ...extra } as G;
    m.set(key, g);
  }
  g.count++;
  const i = e.integration ?? "(none)";
  g.integrations[i] = (g.integrations[i] ?? 0) + 1;
  if (e.ts < g.first) g.first = e.ts;
  if (e.ts > g.last) g.last = e.ts;
  return g;
}

export function incidentsMarkdown(r: IncidentsReport): string {
  const out: string[] = [];
  const v = r.validation_failures;
  out.push(
    "# Incidents report",
    "",
    `Period: ${r.since} to ${r.until ?? "now"} (generated ${r.generated_at}).`,
    "",
  );
  out.push(
    `${r.calls} call${r.calls === 1 ? "" : "s"}; ${v.total} refused by the policy (${v.input} input, ${v.output} output); ${r.errors.total} failed; ${r.alerts.total} alert${r.alerts.total === 1 ? "" : "s"}.`,
    "",
  );
  const table = (title: string, label: string, groups: Group[]) => {
    out.push(`## ${title}`, "");
    if (!groups.length) {
      out.push("None.", "");
      return;
    }
    out.push(`| ${label} | count | integrations | first | last |`, "|---|---|---|---|---|");
    for (const g of groups)
      out.push(`| ${md(g.key)} | ${g.count} | ${counts(g.integrations)} | ${g.first} | ${g.last} |`);
    out.push("");
  };
  table("Validation failures by rule", "rule", v.by_rule);
  out.push("## Alerts by level", "");
  if (!r.alerts.by_level.length) out.push("None.", "");
  else {
    out.push("| level | count | rules | integrations | first | last |", "|---|---|---|---|---|---|");
    for (const g of r.alerts.by_level) {
      out.push(
        `| ${md(g.key)} | ${g.count} | ${counts(g.rules)} | ${counts(g.integrations)} | ${g.first} | ${g.last} |`,
      );
    }
    out.push("");
  }
  table("Errors by code", "code", r.errors.by_code);
  out.push("## Operator actions", "");
  if (!r.admin.length) out.push("None.", "");
  for (const a of r.admin) {
    out.push(
      `- ${a.ts} ${a.action}${a.target ? ` ${md(a.target)}` : ""}${a.actor ? ` by ${md(a.actor)}` : ""}${a.reason ? `: ${md(a.reason)}` : ""}`,
    );
  }
  if (r.admin.length) out.push("");
  return out.join("\n");
}

function counts(m: Record<string, number>): string {
  const e = Object.entries(m);
  return e.length ? e.map(([k, n]) => `${md(k)} ${n}`).join(", ") : "-";
}
