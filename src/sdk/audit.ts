import type { AuditEvent } from "../audit/event.js";
import { openAuditStore } from "../audit/open.js";
import { spoolEvent } from "../audit/spool.js";
import type { AuditStore } from "../audit/store.js";
import { ensureDataDir, resolveDataDir } from "../config/data-dir.js";
import type { Engine } from "../enforce/engine.js";
import { PolicyViolation } from "../enforce/violation.js";

/** Where the guard's audit events go: the same stores and event format as the gateway. */
export interface AuditTarget {
  /** A store, or a spec (sqlite:PATH, jsonl:PATH, postgres://…); default: the gateway's default SQLite file. */
  audit?: AuditStore | string;
  /** The data directory (default $POLICYGATE_DATA_DIR, else ./.policygate). */
  dataDir?: string;
}

// One store per spec for the process: many guarded clients share one SQLite handle.
const opened = new Map<string, Promise<AuditStore>>();

export class AuditSink {
  private store: Promise<AuditStore> | null = null;
  readonly dataDir: string;

  constructor(
    private readonly target: AuditTarget,
    env: NodeJS.ProcessEnv,
  ) {
    this.dataDir = resolveDataDir(target.dataDir, env, process.cwd());
  }

  private open(): Promise<AuditStore> {
    if (this.store) return this.store;
    const t = this.target.audit;
    if (t && typeof t === "object") return (this.store = Promise.resolve(t));
    const key = `${this.dataDir}\u0000${t ?? ""}`;
    let p = opened.get(key);
    if (!p) {
      p = openAuditStore(t, { dataDir: this.dataDir });
      // A store that failed to open is retried on the next call rather than cached as broken.
      p.catch(() => opened.delete(key));
      opened.set(key, p);
    }
    return (this.store = p.catch((e: unknown) => {
      this.store = null;
      throw e;
    }));
  }

  /**
   * Records one event. When the store cannot take it, the policy decides: block (the default)
   * refuses the call; spool writes it to the local spool file and lets the call through.
   */
  async record(engine: Engine, event: AuditEvent): Promise<void> {
    try {
      await (await this.open()).append(event);
    } catch (err) {
      if (engine.policy.audit.on_failure === "spool") {
        try {
          ensureDataDir(this.dataDir);
          spoolEvent(this.dataDir, event, err);
          return;
        } catch {
          // The spool failed too: nothing recorded the call, so it fails closed below.
        }
      }
      throw auditUnavailable();
    }
  }
}

export function auditUnavailable(): PolicyViolation {
  return new PolicyViolation(
    503,
    "audit_unavailable",
    "audit.on_failure: the audit store could not record this call, and the policy does not allow unrecorded calls; nothing more was returned. Check the audit store (the guard's `audit` option or the data directory).",
    ["audit.on_failure"],
    "error",
  );
}
