import { appendFileSync, fsyncSync, openSync, closeSync } from "node:fs";
import { join } from "node:path";
import type { AuditEvent } from "./event.js";

export const SPOOL_FILE = "audit-spool.jsonl";

/**
 * Where events go when the audit store cannot take them and the policy chooses availability
 * (audit.on_failure: spool): one JSON line per event, fsynced, with the time and the reason, so the
 * gap is on record and the events can be replayed into the store. Never holds more than the event.
 */
export function spoolEvent(dataDir: string, event: AuditEvent, err: unknown): void {
  const path = join(dataDir, SPOOL_FILE);
  const line =
    JSON.stringify({
      spooled_at: new Date().toISOString(),
      reason: err instanceof Error ? err.name : "store_error",
      event,
    }) + "\n";
  const fd = openSync(path, "a", 0o600);
  try {
    appendFileSync(fd, line);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
