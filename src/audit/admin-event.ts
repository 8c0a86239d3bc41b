import { userInfo } from "node:os";
import type { AdminAction, AuditEvent } from "./event.js";
import { ulid } from "./ulid.js";

/**
 * The audit event for an operator's action (a kill switch, a purge). It has the shape of a call's
 * event so every store, filter and export takes it unchanged; `endpoint` is "admin.<action>" and
 * no data was sent (classes_sent is empty), so exposure reports leave it out.
 */
export function adminEvent(
  action: AdminAction,
  opts: {
    source: AuditEvent["source"];
    environment: string;
    policyRevision: string;
    now?: Date;
    id?: string;
  },
): AuditEvent {
  const id = opts.id ?? ulid();
  return {
    id,
    ts: (opts.now ?? new Date()).toISOString(),
    request_id: id,
    policy_revision: opts.policyRevision,
    source: opts.source,
    environment: opts.environment,
    integration: null,
    user: action.actor,
    provider: action.action.startsWith("provider.") ? action.target : null,
    model: null,
    endpoint: `admin.${action.action}`,
    stream: false,
    input: {
      decision: "allow",
      enforced_decision: "allow",
      highest_class: "public",
      restricted_detected: false,
      findings: {},
      classes_sent: [],
      rules: [],
    },
    output: null,
    status: "success",
    http_status: 200,
    error: null,
    latency_ms: { total: 0, upstream: null, gateway: 0 },
    tokens: null,
    admin: action,
  };
}

export function isAdminEvent(e: AuditEvent): boolean {
  return e.admin !== undefined || (e.endpoint?.startsWith("admin.") ?? false);
}

/** Who is running the command, for the record; null when the system cannot say. */
export function currentActor(env: NodeJS.ProcessEnv): string | null {
  if (env.POLICYGATE_ACTOR) return env.POLICYGATE_ACTOR;
  try {
    return userInfo().username || null;
  } catch {
    return env.USER ?? null;
  }
}
