import type { DataClass } from "../policy/classes.js";
import type { AuditEvent } from "./event.js";
import type { AuditQuery, AuditStore } from "./store.js";

/**
 * One line of the exported log: first the fields of the article's example log format (section 6,
 * "Example Log Format"), under its names, then ours. Tools written against the article's format
 * read the first nine fields and ignore the rest.
 */
export interface ExportRecord {
  timestamp: string;
  user_id: string | null;
  llm_provider: string | null;
  input_classification: "Public" | "Internal" | "Confidential" | "Restricted";
  /**
   * False when the input check would block the call. Redaction passes, as in the article's input
   * validator: the call goes ahead with the value removed.
   */
  input_validation_passed: boolean;
  restricted_data_detected: boolean;
  /**
   * False when the output check found something it would redact or block, as in the article's
   * output validator; null when there was no answer to check (blocked before the call, or an error).
   */
  output_validation_passed: boolean | null;
  response_status: AuditEvent["status"];
  error: string | null;

  event_id: string;
  request_id: string;
  policy_revision: string;
  source: AuditEvent["source"];
  environment: string;
  integration: string | null;
  model: string | null;
  endpoint: string | null;
  stream: boolean;
  input_decision: AuditEvent["input"]["decision"];
  input_enforced_decision: AuditEvent["input"]["enforced_decision"];
  input_findings: Record<string, number>;
  classes_sent: DataClass[];
  input_rules: string[];
  output_decision: NonNullable<AuditEvent["output"]>["decision"] | null;
  output_enforced_decision: NonNullable<AuditEvent["output"]>["enforced_decision"] | null;
  output_findings: Record<string, number> | null;
  output_rules: string[] | null;
  http_status: number;
  error_code: string | null;
  latency_ms: AuditEvent["latency_ms"];
  tokens: AuditEvent["tokens"];
}

const CLASS_LABEL = {
  public: "Public",
  internal: "Internal",
  confidential: "Confidential",
  restricted: "Restricted",
} as const satisfies Record<DataClass, string>;

/**
 * Maps an event onto the article's log format. "Passed" follows the enforced decision, what the
 * policy does with every rule enforced, so a rule still in audit mode shows up as a failed
 * validation even though the call went through.
 *
 * @example
 * toExportRecord(event).input_classification; // "Confidential"
 */
export function toExportRecord(e: AuditEvent): ExportRecord {
  return {
    timestamp: e.ts,
    user_id: e.user,
    llm_provider: e.provider,
    input_classification: CLASS_LABEL[e.input.highest_class],
    input_validation_passed: e.input.enforced_decision !== "block",
    restricted_data_detected: e.input.restricted_detected,
    output_validation_passed: e.output ? e.output.enforced_decision === "allow" : null,
    response_status: e.status,
    error: e.error?.message ?? null,

    event_id: e.id,
    request_id: e.request_id,
    policy_revision: e.policy_revision,
    source: e.source,
    environment: e.environment,
    integration: e.integration,
    model: e.model,
    endpoint: e.endpoint,
    stream: e.stream,
    input_decision: e.input.decision,
    input_enforced_decision: e.input.enforced_decision,
    input_findings: e.input.findings,
    classes_sent: e.input.classes_sent,
    input_rules: e.input.rules,
    output_decision: e.output?.decision ?? null,
    output_enforced_decision: e.output?.enforced_decision ?? null,
    output_findings: e.output?.findings ?? null,
    output_rules: e.output?.rules ?? null,
    http_status: e.http_status,
    error_code: e.error?.code ?? null,
    latency_ms: e.latency_ms,
    tokens: e.tokens,
  };
}

/**
 * Writes the events a query selects as JSON Lines in the article's format, oldest first, and
 * resolves to how many were written.
 */
export async function exportJsonl(
  store: AuditStore,
  q: AuditQuery,
  write: (chunk: string) => unknown,
): Promise<number> {
  const events = await store.query({ ...q, newestFirst: false });
  for (const e of events) write(JSON.stringify(toExportRecord(e)) + "\n");
  return events.length;
}
