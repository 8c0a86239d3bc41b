import type { DataClass } from "../policy/classes.js";
import type { Action } from "../policy/schema.js";
import type { AuditEvent } from "./event.js";

/** Filters for reading the audit log. All are optional and combine with AND. */
export interface AuditQuery {
  user?: string;
  integration?: string;
  provider?: string;
  /** Matches the input or the output decision. */
  decision?: Action;
  status?: AuditEvent["status"];
  /** Events whose highest input class is at least this. */
  minClass?: DataClass;
  /** ISO timestamps, inclusive since, exclusive until. */
  since?: string;
  until?: string;
  /** Newest first when true (the default for the logs command). */
  newestFirst?: boolean;
  limit?: number;
}

/**
 * Where audit events go. Every store passes the same conformance suite
 * (test/audit/store.case.ts). `append` resolves only once the event is durable: the gateway
 * answers a call after its event is written, so no event is lost silently.
 */
export interface AuditStore {
  /** A short name for messages: "sqlite:/path/to/file", "jsonl:/path", "postgres://host/db". */
  readonly description: string;
  append(event: AuditEvent): Promise<void>;
  query(q?: AuditQuery): Promise<AuditEvent[]>;
  count(q?: AuditQuery): Promise<number>;
  close(): Promise<void>;
}
