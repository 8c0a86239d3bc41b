import type { AuditEvent } from "../audit/event.js";

/**
 * How the provider behaved on one call, read from its audit event: ok, error (5xx, unreachable,
 * broken answer, rate limited) or timeout; null when no provider was called (refused before,
 * answered offline, or the event is an alert).
 */
export function upstreamOutcome(e: AuditEvent): "ok" | "error" | "timeout" | null {
  if (e.status === "alert" || !e.provider) return null;
  const code = e.error?.code;
  if (code === "upstream_timeout") return "timeout";
  if (code === "upstream_refused") return e.http_status === 429 ? "error" : "ok";
  if (code?.startsWith("upstream_")) return "error";
  if (e.latency_ms.upstream === null) return null;
  return "ok";
}

/**
 * Whether the call failed validation, as the article's log format counts it: the input check
 * blocked (or would have, under audit mode), or the output check found something to act on.
 */
export function failedValidation(e: AuditEvent): { input: boolean; output: boolean } {
  return {
    // An error (bad JSON, provider down) is not the policy refusing anything.
    input: e.input.enforced_decision === "block" && e.status !== "error",
    output: e.output !== null && e.output.enforced_decision !== "allow",
  };
}
