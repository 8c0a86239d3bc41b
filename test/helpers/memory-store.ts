import type { AuditEvent } from "../../src/audit/event.js";
import type { AuditQuery, AuditStore } from "../../src/audit/store.js";

/** An in-memory audit store for gateway tests that do not need a file. */
export class MemoryStore implements AuditStore {
  readonly description = "memory";
  readonly events: AuditEvent[] = [];
  failing = false;

  async append(event: AuditEvent): Promise<void> {
    if (this.failing) throw new Error("store is down");
    this.events.push(structuredClone(event));
  }

  async query(q: AuditQuery = {}): Promise<AuditEvent[]> {
    let out = this.events.filter(
      (e) =>
        (!q.integration || e.integration === q.integration) &&
        (!q.provider || e.provider === q.provider) &&
        (!q.user || e.user === q.user),
    );
    if (q.newestFirst) out = out.reverse();
    return q.limit ? out.slice(0, q.limit) : out;
  }

  async count(q?: AuditQuery): Promise<number> {
    if (this.failing) throw new Error("store is down");
    return (await this.query(q)).length;
  }

  async close(): Promise<void> {}
}
