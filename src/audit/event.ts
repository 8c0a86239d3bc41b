import type { DataClass } from "../policy/classes.js";
import type { Action } from "../policy/schema.js";
import type { AdminAction } from "./admin-event.js";

/**
 * One audit event per call: stable, documented, and free of sensitive values. It holds decisions,
 * classes, rule ids and counts per detector; never a matched value, a prompt or a key.
 */
export interface AuditEvent {
  /** Unique, sortable by time (a ULID). */
  id: string;
  /** ISO 8601, UTC, millisecond precision. */
  ts: string;
  /** The caller's request id (x-request-id) or one we made up; echoed to the caller. */
  request_id: string;
  /** sha256 of the policy in force (see policygate check). */
  policy_revision: string;
  /** gateway, sdk (the in-process guard) or cli. */
  source: "gateway" | "sdk" | "cli";
  environment: string;
  integration: string | null;
  user: string | null;
  provider: string | null;
  model: string | null;
  /** Wire endpoint: openai.chat, anthropic.messages, gemini.generate, … */
  endpoint: string | null;
  stream: boolean;
  input: {
    decision: Action;
    /** What the policy would have done with every rule enforced (differs under audit mode). */
    enforced_decision: Action;
    highest_class: DataClass;
    restricted_detected: boolean;
    /** Findings per detector id. */
    findings: Record<string, number>;
    /** Classes of the data that actually left for the provider (after redaction). */
    classes_sent: DataClass[];
    /** Policy rule ids that acted (blocked, redacted, or would have under audit). */
    rules: string[];
  };
  output: {
    decision: Action;
    enforced_decision: Action;
    findings: Record<string, number>;
    rules: string[];
  } | null;
  /**
   * success: the caller got an answer; blocked: a policy rule refused it; error: something failed;
   * alert: not a call but an alert rule firing (details in `alert`).
   */
  status: "success" | "blocked" | "error" | "alert";
  http_status: number;
  /** A code and a message with no sensitive value in it. */
  error: { code: string; message: string } | null;
  /** Set on events that record an operator's action rather than a call (see admin-event.ts). */
  admin?: AdminAction;
  latency_ms: {
    /** From the request arriving to the last byte sent. */
    total: number;
    /** Time spent waiting for the provider, null when no upstream call was made. */
    upstream: number | null;
    /** total - upstream: what the gateway itself added. */
    gateway: number;
  };
  tokens: { input: number | null; output: number | null } | null;
  /** Present only on status "alert" events: which rule fired, at what level, with counts. */
  alert?: AlertRecord;
}

/** What an alert event records: counts, detector ids and context, never a matched value. */
export interface AlertRecord {
  /** The alert's own id (also in dead letters and notifier payloads). */
  id: string;
  /** alerts.rules key: restricted_data, validation_failures, volume_spike, unusual_class, provider_errors. */
  rule: string;
  level: number;
  title: string;
  /** What the counts are about, e.g. { integration: "support-bot" } or { user: "u-42" }. */
  key: Record<string, string>;
  counts: Record<string, number>;
  detectors: string[];
  classes: string[];
  /** Contact role keys (organisation.contacts) told at this level. */
  contacts: string[];
  /** Notifiers asked to deliver it; the outcome of delivery is in metrics and dead letters. */
  notifiers: string[];
  /** Request ids of the calls that triggered it (the last few). */
  request_ids: string[];
}

/**
 * The fields of an event that records something other than a model call (an alert, an admin
 * action): no model, nothing scanned or sent, no answer, no time spent. Neutral on purpose, so
 * reports that count findings or restricted calls do not count these events.
 */
export function nonCallFields(
  rules: string[] = [],
): Pick<AuditEvent, "model" | "stream" | "input" | "output" | "error" | "latency_ms" | "tokens"> {
  return {
    model: null,
    stream: false,
    input: {
      decision: "allow",
      enforced_decision: "allow",
      highest_class: "public",
      restricted_detected: false,
      findings: {},
      classes_sent: [],
      rules,
    },
    output: null,
    error: null,
    latency_ms: { total: 0, upstream: null, gateway: 0 },
    tokens: null,
  };
}

/** The statuses and their meaning, for docs and the logs command. */
export const AUDIT_STATUSES = ["success", "blocked", "error", "alert"] as const;
