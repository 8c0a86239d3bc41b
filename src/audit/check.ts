import { isDataClass } from "../policy/classes.js";
import { AUDIT_STATUSES, type AuditEvent } from "./event.js";
import { ACTIONS } from "./filter.js";

const SOURCES = ["gateway", "sdk", "cli"];

/**
 * Refuses an event that stores could not index or readers could not trust. The message names the
 * field and never repeats its value: a caller that put something sensitive in the wrong field must
 * not see it echoed into a log.
 */
export function checkEvent(e: AuditEvent): string | undefined {
  if (typeof e !== "object" || e === null) return "the event is not an object";
  if (typeof e.id !== "string" || e.id.length === 0 || e.id.length > 128) {
    return "id must be a string of 1 to 128 characters";
  }
  if (typeof e.ts !== "string" || Number.isNaN(Date.parse(e.ts))) return "ts must be an ISO 8601 timestamp";
  for (const f of ["request_id", "policy_revision", "environment"] as const) {
    if (typeof e[f] !== "string") return `${f} must be a string`;
  }
  for (const f of ["integration", "user", "provider", "model", "endpoint"] as const) {
    if (e[f] !== null && typeof e[f] !== "string") return `${f} must be a string or null`;
  }
  if (!SOURCES.includes(e.source)) return `source must be one of ${SOURCES.join(", ")}`;
  if (!(AUDIT_STATUSES as readonly string[]).includes(e.status)) {
    return `status must be one of ${AUDIT_STATUSES.join(", ")}`;
  }
  if (!Number.isInteger(e.http_status)) return "http_status must be an integer";
  if (typeof e.input !== "object" || e.input === null) return "input is missing";
  if (!isDataClass(e.input.highest_class)) return "input.highest_class must be a data class";
  if (!isAction(e.input.decision)) return `input.decision must be one of ${ACTIONS.join(", ")}`;
  if (e.output !== null && (typeof e.output !== "object" || !isAction(e.output.decision))) {
    return `output must be null or have a decision, one of ${ACTIONS.join(", ")}`;
  }
  return undefined;
}

function isAction(v: unknown): boolean {
  return (ACTIONS as readonly unknown[]).includes(v);
}
