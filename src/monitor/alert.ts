import { nonCallFields, type AlertRecord, type AuditEvent } from "../audit/event.js";
import type { Policy } from "../policy/schema.js";

/** An alert on its way to people: the audit record plus when, where, and who to call. */
export interface Alert extends AlertRecord {
  ts: string;
  environment: string;
  organisation: string;
  policy_revision: string;
  /** Name and email of each contact at this level (from organisation.contacts); never a value from a call. */
  people: { role: string; name?: string; email?: string }[];
}

/** The contacts of one escalation level, as people to address. */
export function peopleAt(policy: Policy, level: number): Alert["people"] {
  const lvl = policy.alerts?.levels[level - 1];
  return (lvl?.contacts ?? []).map((role) => {
    const c = policy.organisation.contacts[role];
    return { role, ...(c?.name ? { name: c.name } : {}), ...(c?.email ? { email: c.email } : {}) };
  });
}

/**
 * The alert as an audit event (status "alert"). Its input fields are neutral on purpose: reports
 * that count findings or restricted calls must not count the alert about them a second time; the
 * alert's own counts are in `alert`.
 */
export function alertAuditEvent(a: Alert, id: string): AuditEvent {
  return {
    id,
    ts: a.ts,
    request_id: a.id,
    policy_revision: a.policy_revision,
    source: "gateway",
    environment: a.environment,
    integration: a.key.integration ?? null,
    user: a.key.user ?? null,
    provider: a.key.provider ?? null,
    endpoint: null,
    ...nonCallFields([`alerts.rules.${a.rule}`]),
    status: "alert",
    http_status: 0,
    alert: {
      id: a.id,
      rule: a.rule,
      level: a.level,
      title: a.title,
      key: a.key,
      counts: a.counts,
      detectors: a.detectors,
      classes: a.classes,
      contacts: a.contacts,
      notifiers: a.notifiers,
      request_ids: a.request_ids,
    },
  };
}

/** One line for logs and email subjects. */
export function alertLine(a: Pick<Alert, "level" | "rule" | "title">): string {
  return `[PolicyGate L${a.level}] ${a.title} (${a.rule})`;
}

/** Plain text body shared by email and the Slack fallback text. */
export function alertText(a: Alert): string {
  const lines = [
    alertLine(a),
    `When: ${a.ts}   Environment: ${a.environment}   Organisation: ${a.organisation}`,
    `About: ${Object.entries(a.key)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ")}`,
    `Counts: ${Object.entries(a.counts)
      .map(([k, v]) => `${k}=${v}`)
      .join(", ")}`,
  ];
  if (a.detectors.length) lines.push(`Detectors: ${a.detectors.join(", ")}`);
  if (a.classes.length) lines.push(`Classes: ${a.classes.join(", ")}`);
  if (a.people.length)
    lines.push(
      `Contacts: ${a.people.map((p) => [p.name ?? p.role, p.email].filter(Boolean).join(" ")).join("; ")}`,
    );
  if (a.request_ids.length) lines.push(`Request ids: ${a.request_ids.join(", ")}`);
  lines.push(`Alert id: ${a.id}. Read the calls with: policygate logs --since 1h` + keyFlags(a.key));
  return lines.join("\n");
}

function keyFlags(key: Record<string, string>): string {
  return ["integration", "user", "provider"]
    .filter((k) => key[k] && /^[A-Za-z0-9._@:-]+$/.test(key[k]))
    .map((k) => ` --${k} ${key[k]}`)
    .join("");
}
