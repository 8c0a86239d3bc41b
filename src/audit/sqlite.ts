import type Database from "better-sqlite3";
import { classRank } from "../policy/classes.js";
import { checkEvent } from "./check.js";
import { AuditStoreError } from "./errors.js";
import type { AuditEvent } from "./event.js";
import { canonicalTime, checkQuery, type CheckedQuery } from "./filter.js";
import {
  checkWritable,
  migrate,
  openSqliteFile,
  sqliteError,
  type Migration,
  type SqliteFileOptions,
} from "./sqlite-file.js";
import type { AuditQuery, AuditStore } from "./store.js";

/**
 * The columns people filter on during an incident, plus the whole event as JSON so a read gives
 * back exactly what was written. New fields go in the JSON first; a column (and an index) is added
 * by a migration only when a filter needs it.
 */
const MIGRATIONS: Migration[] = [
  {
    version: 1,
    up: (db) =>
      db.exec(`
        CREATE TABLE audit_events (
          seq INTEGER PRIMARY KEY,
          id TEXT NOT NULL UNIQUE,
          ts TEXT NOT NULL,
          request_id TEXT NOT NULL,
          source TEXT NOT NULL,
          environment TEXT NOT NULL,
          integration TEXT,
          user_id TEXT,
          provider TEXT,
          model TEXT,
          status TEXT NOT NULL,
          http_status INTEGER NOT NULL,
          input_decision TEXT NOT NULL,
          output_decision TEXT,
          highest_class TEXT NOT NULL,
          class_rank INTEGER NOT NULL,
          restricted_detected INTEGER NOT NULL,
          policy_revision TEXT NOT NULL,
          event TEXT NOT NULL
        ) STRICT;
        CREATE INDEX audit_events_ts ON audit_events (ts, id);
        CREATE INDEX audit_events_user ON audit_events (user_id, ts);
        CREATE INDEX audit_events_integration ON audit_events (integration, ts);
        CREATE INDEX audit_events_provider ON audit_events (provider, ts);
        CREATE INDEX audit_events_input_decision ON audit_events (input_decision, ts);
        CREATE INDEX audit_events_output_decision ON audit_events (output_decision, ts);
      `),
  },
];

export interface SqliteAuditStoreOptions extends SqliteFileOptions {
  /**
   * Most events committed in one transaction. Appends that arrive while the event loop is busy are
   * written together at the next turn; a cap keeps one commit, and so one pause of the loop, short.
   */
  maxBatch?: number;
}

interface Pending {
  row: unknown[];
  resolve: () => void;
  reject: (e: unknown) => void;
}

/**
 * The embedded default store: one SQLite file.
 *
 * better-sqlite3 is synchronous, so a commit (and its fsync) pauses the event loop. Appends are
 * therefore queued and committed as a group at the next turn of the loop (group commit): a burst
 * of concurrent calls pays one fsync, not one each. `append` still resolves only after the
 * transaction holding its event has committed.
 *
 * @example
 * const store = SqliteAuditStore.open(".policygate/audit.sqlite");
 * await store.append(event);
 * const blocked = await store.query({ decision: "block", since: "2025-06-24T00:00:00Z" });
 */
export class SqliteAuditStore implements AuditStore {
  readonly description: string;
  /** Transactions committed and events in them, for metrics: events / commits is the group size. */
  readonly stats = { commits: 0, events: 0 };
  private readonly insert: Database.Statement;
  private readonly insertBatch: (rows: Pending[]) => void;
  private readonly maxBatch: number;
  private readonly statements = new Map<string, Database.Statement>();
  private queue: Pending[] = [];
  private scheduled = false;
  private closed = false;

  private constructor(
    private readonly db: Database.Database,
    readonly path: string,
    opts: SqliteAuditStoreOptions,
  ) {
    this.description = `sqlite:${path}`;
    this.maxBatch = Math.max(1, opts.maxBatch ?? 512);
    this.insert = db.prepare(
      `INSERT INTO audit_events (id, ts, request_id, source, environment, integration, user_id, provider, model,
         status, http_status, input_decision, output_decision, highest_class, class_rank, restricted_detected,
         policy_revision, event)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO NOTHING`,
    );
    this.insertBatch = db.transaction((batch: Pending[]) => {
      for (const p of batch) this.insert.run(p.row);
    });
  }

  /** Opens or creates the store; a file that is not ours, damaged, read-only or locked is refused here. */
  static open(path: string, opts: SqliteAuditStoreOptions = {}): SqliteAuditStore {
    const db = openSqliteFile(path, opts);
    try {
      migrate(db, path, "audit", MIGRATIONS);
      if (opts.create ?? true) checkWritable(db, path);
      return new SqliteAuditStore(db, path, opts);
    } catch (e) {
      db.close();
      throw e;
    }
  }

  /**
   * Appending an event whose id is already stored does nothing: forwarding is at least once, and the
   * id is the idempotency key.
   */
  append(event: AuditEvent): Promise<void> {
    if (this.closed) return Promise.reject(this.closedError());
    const problem = checkEvent(event);
    if (problem) return Promise.reject(new AuditStoreError(`not a valid audit event: ${problem}`, this.path));
    let row: unknown[];
    try {
      row = toRow(event);
    } catch (e) {
      return Promise.reject(
        new AuditStoreError(`not a valid audit event: ${(e as Error).message}`, this.path),
      );
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ row, resolve, reject });
      this.schedule();
    });
  }

  async query(q?: AuditQuery): Promise<AuditEvent[]> {
    const cq = checkQuery(q);
    this.flushAll();
    const { where, params } = whereClause(cq);
    const order = cq.newestFirst ? "ts DESC, id DESC" : "ts, id";
    const limit = cq.limit === undefined ? "" : " LIMIT ?";
    const sql = `SELECT event FROM audit_events${where} ORDER BY ${order}${limit}`;
    const rows = this.run(() =>
      this.statement(sql)
        .pluck()
        .all(...params, ...(cq.limit === undefined ? [] : [cq.limit])),
    );
    return (rows as string[]).map((s) => JSON.parse(s) as AuditEvent);
  }

  async count(q?: AuditQuery): Promise<number> {
    const cq = checkQuery(q);
    this.flushAll();
    const { where, params } = whereClause(cq);
    const n = this.run(() =>
      this.statement(`SELECT count(*) FROM audit_events${where}`)
        .pluck()
        .get(...params),
    ) as number;
    return cq.limit === undefined ? n : Math.min(n, cq.limit);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.flushAll();
    this.closed = true;
    this.db.close();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    // setImmediate, not a microtask: appends made by I/O callbacks in the same turn join the group.
    setImmediate(() => {
      this.scheduled = false;
      if (this.closed) return;
      this.writeBatch(this.queue.splice(0, this.maxBatch));
      if (this.queue.length) this.schedule();
    });
  }

  /** Commits everything queued before a read or close, so a reader sees every append made before it. */
  private flushAll(): void {
    while (this.queue.length) this.writeBatch(this.queue.splice(0, this.maxBatch));
  }

  private writeBatch(batch: Pending[]): void {
    if (!batch.length) return;
    try {
      this.insertBatch(batch);
      this.stats.commits++;
      this.stats.events += batch.length;
      for (const p of batch) p.resolve();
    } catch (e) {
      if (batch.length > 1 && isConstraintError(e)) {
        // One bad row must not fail its neighbours: write them one by one so only it is refused.
        for (const p of batch) this.writeBatch([p]);
        return;
      }
      const err = sqliteError(this.path, e, this.db.pragma("busy_timeout", { simple: true }) as number);
      for (const p of batch) p.reject(err);
    }
  }

  private statement(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  private run<T>(f: () => T): T {
    if (this.closed) throw this.closedError();
    try {
      return f();
    } catch (e) {
      throw sqliteError(this.path, e);
    }
  }

  private closedError(): AuditStoreError {
    return new AuditStoreError(`the audit store ${this.description} is closed`, this.path);
  }
}

function isConstraintError(e: unknown): boolean {
  return ((e as { code?: string }).code ?? "").startsWith("SQLITE_CONSTRAINT");
}

function toRow(e: AuditEvent): unknown[] {
  return [
    e.id,
    canonicalTime(e.ts, "ts"),
    e.request_id,
    e.source,
    e.environment,
    e.integration,
    e.user,
    e.provider,
    e.model,
    e.status,
    e.http_status,
    e.input.decision,
    e.output?.decision ?? null,
    e.input.highest_class,
    classRank(e.input.highest_class),
    e.input.restricted_detected ? 1 : 0,
    e.policy_revision,
    JSON.stringify(e),
  ];
}

function whereClause(q: CheckedQuery): { where: string; params: unknown[] } {
  const conds: string[] = [];
  const params: unknown[] = [];
  const eq = (col: string, v: unknown) => {
    conds.push(`${col} = ?`);
    params.push(v);
  };
  if (q.user !== undefined) eq("user_id", q.user);
  if (q.integration !== undefined) eq("integration", q.integration);
  if (q.provider !== undefined) eq("provider", q.provider);
  if (q.status !== undefined) eq("status", q.status);
  if (q.decision !== undefined) {
    conds.push("(input_decision = ? OR output_decision = ?)");
    params.push(q.decision, q.decision);
  }
  if (q.minRank !== undefined) {
    conds.push("class_rank >= ?");
    params.push(q.minRank);
  }
  if (q.since !== undefined) {
    conds.push("ts >= ?");
    params.push(q.since);
  }
  if (q.until !== undefined) {
    conds.push("ts < ?");
    params.push(q.until);
  }
  return { where: conds.length ? ` WHERE ${conds.join(" AND ")}` : "", params };
}
