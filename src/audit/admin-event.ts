import { userInfo } from "node:os";
import { nonCallFields, type AuditEvent } from "./event.js";
import { ulid } from "./ulid.js";

/** An operator's action on the gateway or the log: who did what to which provider, and why. */
export interface AdminAction {
  action: "provider.disable" | "provider.enable" | "logs.purge";
  /** The provider, or the store for logs.purge. */
  target: string;
  /** The reason the operator gave (--reason); free text written by the operator, not call data. */
  reason: string | null;
  /** The operating-system user, or "admin-api" for the gateway's admin endpoint. */
  actor: string | null;
  /** Details such as the number of events purged. */
  details?: Record<string, string | number | boolean | null>;
}

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
    endpoint: `admin.${action.action}`,
    ...nonCallFields(),
    status: "success",
    http_status: 200,
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
