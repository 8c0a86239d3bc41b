import { classRank, isDataClass } from "../policy/classes.js";
import type { Action } from "../policy/schema.js";
import { AUDIT_STATUSES, type AuditEvent } from "./event.js";
import type { AuditQuery } from "./store.js";

export const ACTIONS = ["block", "redact", "allow"] as const satisfies readonly Action[];

/** A query checked once, with its times in the one form stores compare. */
export interface CheckedQuery {
  user?: string;
  integration?: string;
  provider?: string;
  decision?: Action;
  status?: AuditEvent["status"];
  minRank?: number;
  /** Canonical ISO (Date.toISOString): compares as text in time order. */
  since?: string;
  until?: string;
  newestFirst: boolean;
  limit?: number;
}

/** Validates a query; a bad filter is an error, never a silent match-everything. */
export function checkQuery(q: AuditQuery = {}): CheckedQuery {
  const out: CheckedQuery = { newestFirst: q.newestFirst === true };
  if (q.user !== undefined) out.user = q.user;
  if (q.integration !== undefined) out.integration = q.integration;
  if (q.provider !== undefined) out.provider = q.provider;
  if (q.decision !== undefined) {
    if (!(ACTIONS as readonly string[]).includes(q.decision)) {
      throw new RangeError(`decision is one of ${ACTIONS.join(", ")}, not "${q.decision}"`);
    }
    out.decision = q.decision;
  }
  if (q.status !== undefined) {
    if (!(AUDIT_STATUSES as readonly string[]).includes(q.status)) {
      throw new RangeError(`status is one of ${AUDIT_STATUSES.join(", ")}, not "${q.status}"`);
    }
    out.status = q.status;
  }
  if (q.minClass !== undefined) {
    if (!isDataClass(q.minClass)) throw new RangeError(`minClass "${q.minClass}" is not a data class`);
    out.minRank = classRank(q.minClass);
  }
  if (q.since !== undefined) out.since = canonicalTime(q.since, "since");
  if (q.until !== undefined) out.until = canonicalTime(q.until, "until");
  if (q.limit !== undefined) {
    if (!Number.isSafeInteger(q.limit) || q.limit < 0) {
      throw new RangeError(`limit is a whole number of events, not ${q.limit}`);
    }
    out.limit = q.limit;
  }
  return out;
}

/** The canonical form of an ISO timestamp, or a RangeError naming the field. */
export function canonicalTime(value: string, field: string): string {
  const ms = Date.parse(value);
  if (typeof value !== "string" || Number.isNaN(ms)) {
    throw new RangeError(`${field} is not an ISO timestamp: "${value}"`);
  }
  return new Date(ms).toISOString();
}

/** Whether an event passes a query's filters (limit and order aside). */
export function matchesQuery(e: AuditEvent, q: CheckedQuery): boolean {
  if (q.user !== undefined && e.user !== q.user) return false;
  if (q.integration !== undefined && e.integration !== q.integration) return false;
  if (q.provider !== undefined && e.provider !== q.provider) return false;
  if (q.decision !== undefined && e.input.decision !== q.decision && e.output?.decision !== q.decision) {
    return false;
  }
  if (q.status !== undefined && e.status !== q.status) return false;
  if (q.minRank !== undefined && classRank(e.input.highest_class) < q.minRank) return false;
  const ts = canonicalTime(e.ts, "ts");
  if (q.since !== undefined && ts < q.since) return false;
  if (q.until !== undefined && ts >= q.until) return false;
  return true;
}

/**
 * The order every store returns: by time, then by id. Ids are monotonic ULIDs, so events from one
 * process in the same millisecond keep the order they were made in.
 */
export function compareEvents(a: AuditEvent, b: AuditEvent): number {
  const ta = canonicalTime(a.ts, "ts");
  const tb = canonicalTime(b.ts, "ts");
  if (ta !== tb) return ta < tb ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Applies order and limit to events that already passed the filters. */
export function orderAndLimit(events: AuditEvent[], q: CheckedQuery): AuditEvent[] {
  events.sort(compareEvents);
  if (q.newestFirst) events.reverse();
  return q.limit === undefined ? events : events.slice(0, q.limit);
}
