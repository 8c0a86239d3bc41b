import { classRank } from "../policy/classes.js";
import { canonicalJson, unchained } from "./chain.js";
import type { AuditEvent } from "./event.js";
import { canonicalTime, type CheckedQuery } from "./filter.js";
import type { ChainEntry } from "./verify.js";

/**
 * How the SQL stores lay an event out: the fields people filter on copied into columns, then the
 * event's JSON. Shared so the SQLite and PostgreSQL stores index, filter and verify alike.
 */

/** The columns that are copies of the event's fields, in eventRow's order. */
export const COLUMNS_SQL = `id, ts, request_id, source, environment, integration, user_id, provider, model, status,
  http_status, input_decision, output_decision, highest_class, class_rank, restricted_detected, policy_revision`;

/** How many of eventRow's leading values are copy columns (COLUMNS_SQL). */
export const COPY_COLUMNS = 17;

/**
 * The copy columns, then the event's JSON (the `event` column), then the canonical JSON the chain
 * hash covers (not a column). Throws on an event that has no JSON form or an unreadable ts.
 */
export function eventRow(event: AuditEvent): unknown[] {
  const e = unchained(event) as AuditEvent;
  return [
    e.id,
    canonicalTime(e.ts, "ts"),
    e.request_id,
    e.source,
    e.environment,
    e.integration,
    e.user,
    e.provider,
    e.model,
    e.status,
    e.http_status,
    e.input.decision,
    e.output?.decision ?? null,
    e.input.highest_class,
    classRank(e.input.highest_class),
    e.input.restricted_detected ? 1 : 0,
    e.policy_revision,
    JSON.stringify(e),
    canonicalJson(e),
  ];
}

/** The copy columns an event should have, to notice a column edited behind the event's back. */
export function copyColumns(event: AuditEvent): unknown[] {
  return eventRow(event).slice(0, COPY_COLUMNS);
}

/**
 * The WHERE clause for a checked query. `param(n)` writes the n-th (1-based) placeholder: "?" for
 * SQLite, "$n" for PostgreSQL.
 */
export function whereClause(
  q: CheckedQuery,
  param: (n: number) => string = () => "?",
): { where: string; params: unknown[] } {
  const conds: string[] = [];
  const params: unknown[] = [];
  const p = (v: unknown) => {
    params.push(v);
    return param(params.length);
  };
  const eq = (col: string, v: unknown) => conds.push(`${col} = ${p(v)}`);
  if (q.user !== undefined) eq("user_id", q.user);
  if (q.integration !== undefined) eq("integration", q.integration);
  if (q.provider !== undefined) eq("provider", q.provider);
  if (q.status !== undefined) eq("status", q.status);
  if (q.decision !== undefined) {
    conds.push(`(input_decision = ${p(q.decision)} OR output_decision = ${p(q.decision)})`);
  }
  if (q.minRank !== undefined) conds.push(`class_rank >= ${p(q.minRank)}`);
  if (q.since !== undefined) conds.push(`ts >= ${p(q.since)}`);
  if (q.until !== undefined) conds.push(`ts < ${p(q.until)}`);
  return { where: conds.length ? ` WHERE ${conds.join(" AND ")}` : "", params };
}

/**
 * One stored row as the chain sees it, with a problem when an indexed column no longer matches the
 * event it was copied from (an edit that queries would see but the event JSON would hide).
 */
export function storedEntry(
  where: string,
  columns: unknown[],
  text: string,
  prev_hash: string | null,
  hash: string | null,
): ChainEntry {
  let event: Record<string, unknown> | null = null;
  let problem: string | undefined;
  try {
    event = JSON.parse(text) as Record<string, unknown>;
  } catch {
    problem = "the stored event is not readable JSON";
  }
  if (event) {
    try {
      const expected = copyColumns(event as unknown as AuditEvent);
      if (expected.some((v, i) => v !== columns[i])) {
        problem = "an indexed column no longer matches the event it was copied from";
      }
    } catch {
      problem = "the stored event is no longer a valid audit event";
    }
  }
  return { where, id: (columns[0] as string) ?? null, event, prev_hash, hash, problem };
}
