import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import type Database from "better-sqlite3";
import { checkEvent } from "./check.js";
import { eventRow, whereClause } from "./columns.js";
import { AuditStoreError } from "./errors.js";
import type { AuditEvent } from "./event.js";
import { canonicalTime, checkQuery } from "./filter.js";
import {
  checkWritable,
  DEFAULT_BUSY_TIMEOUT_MS,
  migrate,
  openSqliteFile,
  sqliteError,
  type Migration,
  type SqliteFileOptions,
} from "./sqlite-file.js";
import type { AuditQuery, AuditStore } from "./store.js";
import { CHAIN_VERSION, GENESIS_HASH } from "./chain.js";
import type { Checkpoint, SigningKey } from "./checkpoint.js";
import {
  EXISTS_SQL,
  HEAD_SQL,
  migrateChain,
  purgeSqlite,
  sqliteChainEntries,
  sqliteCheckpoints,
  type PurgeResult,
} from "./sqlite-chain.js";
import type { ChainEntry, ChainedStore } from "./verify.js";

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
  // The hash chain (see chain.ts). Rows written before it keep NULL links; `logs verify` reports
  // them as unchained rather than failing, so files from earlier versions stay readable.
  { version: 2, up: migrateChain },
];

export interface SqliteAuditStoreOptions extends SqliteFileOptions {
  /**
   * Most events committed in one transaction. Appends that arrive while a commit is in flight are
   * written together by the next one; the cap keeps one commit, and so one append's wait, short.
   */
  maxBatch?: number;
}

const INSERT_SQL = `INSERT INTO audit_events (id, ts, request_id, source, environment, integration, user_id, provider,
    model, status, http_status, input_decision, output_decision, highest_class, class_rank, restricted_detected,
    policy_revision, event, prev_hash, hash)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (id) DO NOTHING`;

/**
 * The writer thread: its own connection, one transaction per batch. A string, not a module file,
 * so the same code runs from the TypeScript sources (tests) and from dist/ without a loader; it
 * uses process.getBuiltinModule rather than require or import, because whether eval'd code is
 * CommonJS or an ES module depends on flags the worker inherits (--input-type).
 * Replies { seq, errors }: errors is null when the whole batch committed, else one entry per row
 * (null for a row that committed).
 */
const WRITER_SOURCE = `
const { parentPort, workerData } = process.getBuiltinModule("node:worker_threads");
const { createRequire } = process.getBuiltinModule("node:module");
const Database = createRequire(workerData.driver)(workerData.driver);
const { createHash } = process.getBuiltinModule("node:crypto");
const failure = (e) => ({ code: e && e.code, message: String(e && e.message ? e.message : e) });
let db, insertMany, openError;
try {
  db = new Database(workerData.path, { fileMustExist: true, timeout: workerData.busyTimeoutMs });
  db.pragma("journal_mode = WAL");
  db.pragma(workerData.synchronous === "full" ? "synchronous = FULL" : "synchronous = NORMAL");
  const insert = db.prepare(workerData.insertSql);
  const exists = db.prepare(workerData.existsSql).pluck();
  const head = db.prepare(workerData.headSql).pluck();
  // Linked inside the write lock (IMMEDIATE), so the chain follows commit order even when several
  // processes write the file. The last row element is the event's canonical JSON.
  const tx = db.transaction((rows) => {
    let prev;
    for (const r of rows) {
      if (exists.get(r[0])) continue;
      if (prev === undefined) prev = head.get() || workerData.genesis;
      const hash = createHash("sha256").update(workerData.version + "\\n" + prev + "\\n" + r[r.length - 1]).digest("hex");
      insert.run(...r.slice(0, -1), prev, hash);
      prev = hash;
    }
  });
  insertMany = (rows) => tx.immediate(rows);
} catch (e) {
  openError = failure(e);
}
parentPort.on("message", (m) => {
  if (m.close) {
    if (db) db.close();
    return parentPort.close();
  }
  const { seq, rows } = m;
  if (openError) return parentPort.postMessage({ seq, errors: rows.map(() => openError) });
  try {
    insertMany(rows);
    parentPort.postMessage({ seq, errors: null });
  } catch (e) {
    const f = failure(e);
    if (rows.length === 1 || !String(f.code).startsWith("SQLITE_CONSTRAINT")) {
      return parentPort.postMessage({ seq, errors: rows.map(() => f) });
    }
    // One bad row must not fail its neighbours: write them one by one so only it is refused.
    const errors = rows.map((r) => { try { insertMany([r]); return null; } catch (e2) { return failure(e2); } });
    parentPort.postMessage({ seq, errors });
  }
});
`;

interface Pending {
  row: unknown[];
  resolve: () => void;
  reject: (e: unknown) => void;
}

interface WriterReply {
  seq: number;
  errors: ({ code?: string; message: string } | null)[] | null;
}

/**
 * The embedded default store: one SQLite file.
 *
 * better-sqlite3 is synchronous, and with synchronous=FULL every commit waits for an fsync; done on
 * the main thread that would pause every request in the process for each commit. Writes therefore
 * go to a writer thread with its own connection, and appends that arrive while a commit is in
 * flight are committed together by the next one (group commit): a burst of concurrent calls pays
 * one fsync per group, and the event loop never waits for the disk. `append` resolves only after
 * the transaction holding its event has committed. Reads (`query`, `count`) use a connection on
 * the calling thread; they are for people and the CLI, not for the request path.
 *
 * @example
 * const store = SqliteAuditStore.open(".policygate/audit.sqlite");
 * await store.append(event);
 * const blocked = await store.query({ decision: "block", since: "2025-06-24T00:00:00Z" });
 */
export class SqliteAuditStore implements AuditStore, ChainedStore {
  readonly description: string;
  /** Transactions committed and events in them, for metrics: events / commits is the group size. */
  readonly stats = { commits: 0, events: 0 };
  private readonly maxBatch: number;
  private readonly busyTimeoutMs: number;
  private readonly synchronous: "full" | "normal";
  private inlineScheduled = false;
  private insertMany: ((rows: unknown[][]) => void) | undefined;
  private readonly statements = new Map<string, Database.Statement>();
  private worker: Worker | undefined;
  private queue: Pending[] = [];
  private inflight: { seq: number; batch: Pending[] } | undefined;
  private seq = 0;
  private idleWaiters: (() => void)[] = [];
  private closed = false;

  private constructor(
    private readonly db: Database.Database,
    readonly path: string,
    opts: SqliteAuditStoreOptions,
  ) {
    this.description = `sqlite:${path}`;
    this.maxBatch = Math.max(1, opts.maxBatch ?? 512);
    this.busyTimeoutMs = opts.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
    this.synchronous = opts.synchronous ?? "normal";
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
      row = eventRow(event);
    } catch (e) {
      return Promise.reject(
        new AuditStoreError(`not a valid audit event: ${(e as Error).message}`, this.path),
      );
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ row, resolve, reject });
      this.pump();
    });
  }

  async query(q?: AuditQuery): Promise<AuditEvent[]> {
    const cq = checkQuery(q);
    await this.idle();
    const { where, params } = whereClause(cq);
    const order = cq.newestFirst ? "ts DESC, id DESC" : "ts, id";
    const limit = cq.limit === undefined ? [] : [cq.limit];
    const sql = `SELECT event FROM audit_events${where} ORDER BY ${order}${limit.length ? " LIMIT ?" : ""}`;
    const rows = this.read(() =>
      this.statement(sql)
        .pluck()
        .all(...params, ...limit),
    ) as string[];
    return rows.map((s) => JSON.parse(s) as AuditEvent);
  }

  async count(q?: AuditQuery): Promise<number> {
    const cq = checkQuery(q);
    await this.idle();
    const { where, params } = whereClause(cq);
    const sql = `SELECT count(*) FROM audit_events${where}`;
    const n = this.read(() =>
      this.statement(sql)
        .pluck()
        .get(...params),
    ) as number;
    return cq.limit === undefined ? n : Math.min(n, cq.limit);
  }

  /** Every stored event in append order, with its chain links (for `logs verify`). */
  async *chainEntries(): AsyncGenerator<ChainEntry> {
    await this.idle();
    yield* this.read(() => [...sqliteChainEntries(this.db)]);
  }

  async checkpoints(): Promise<Checkpoint[]> {
    await this.idle();
    return this.read(() => sqliteCheckpoints(this.db));
  }

  /** Removes the oldest events before `cutoff` and records a signed checkpoint (see purgeSqlite). */
  async purge(cutoff: string, key: SigningKey, now = new Date()): Promise<PurgeResult> {
    await this.idle();
    return this.read(() => purgeSqlite(this.db, canonicalTime(cutoff, "cutoff"), key, now));
  }

  /** Waits for every append made before it to be written, then closes. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.idle();
    const worker = this.worker;
    this.worker = undefined;
    if (worker) {
      // Let the writer close its connection (SQLite checkpoints the WAL then), then wait for it.
      const exited = new Promise((resolve) => worker.once("exit", resolve));
      worker.ref();
      worker.postMessage({ close: true });
      await exited;
    }
    this.db.close();
  }

  private pump(): void {
    if (this.synchronous === "normal") return this.pumpInline();
    if (this.inflight || !this.queue.length) return;
    const batch = this.queue.splice(0, this.maxBatch);
    this.inflight = { seq: ++this.seq, batch };
    const worker = this.writer();
    // Keep the process alive while events are unwritten, and only then.
    worker.ref();
    worker.postMessage({ seq: this.inflight.seq, rows: batch.map((p) => p.row) });
  }

  /**
   * With synchronous=NORMAL a commit does not wait for the disk (tens of microseconds), so writing
   * on this thread is cheaper than a round trip to the writer: appends made in one turn of the event
   * loop are committed together in one transaction at the next.
   */
  private pumpInline(): void {
    if (this.inlineScheduled) return;
    this.inlineScheduled = true;
    setImmediate(() => {
      this.inlineScheduled = false;
      while (this.queue.length) {
        const batch = this.queue.splice(0, this.maxBatch);
        if (!this.insertMany) {
          const tx = this.db.transaction((rows: unknown[][]) => this.insertChained(rows));
          this.insertMany = (rows) => tx.immediate(rows);
        }
        try {
          this.insertMany(batch.map((p) => p.row));
          this.stats.commits++;
          this.stats.events += batch.length;
          for (const p of batch) p.resolve();
        } catch (e) {
          // One bad row must not fail its neighbours: retry them one by one.
          for (const p of batch) {
            try {
              this.insertMany([p.row]);
              p.resolve();
            } catch (e2) {
              p.reject(sqliteError(this.path, e2 ?? e, this.busyTimeoutMs));
            }
          }
        }
      }
      for (const f of this.idleWaiters.splice(0)) f();
    });
  }

  /** The same linking as the writer thread's (WRITER_SOURCE); runs inside an IMMEDIATE transaction. */
  private insertChained(rows: unknown[][]): void {
    const insert = this.statement(INSERT_SQL);
    const exists = this.statement(EXISTS_SQL).pluck();
    let prev: string | undefined;
    for (const r of rows) {
      if (exists.get(r[0])) continue;
      prev ??= (this.statement(HEAD_SQL).pluck().get() as string | null) || GENESIS_HASH;
      const hash = createHash("sha256")
        .update(CHAIN_VERSION + "\n" + prev + "\n" + (r[r.length - 1] as string))
        .digest("hex");
      insert.run(...r.slice(0, -1), prev, hash);
      prev = hash;
    }
  }

  private writer(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(WRITER_SOURCE, {
      eval: true,
      workerData: {
        driver: createRequire(import.meta.url).resolve("better-sqlite3"),
        path: this.path,
        busyTimeoutMs: this.busyTimeoutMs,
        synchronous: this.synchronous,
        insertSql: INSERT_SQL,
        existsSql: EXISTS_SQL,
        headSql: HEAD_SQL,
        genesis: GENESIS_HASH,
        version: CHAIN_VERSION,
      },
    });
    let reason = "it exited";
    worker.on("message", (m: WriterReply) => this.onReply(m));
    worker.on("error", (e) => (reason = e.message));
    worker.on("exit", () => this.onWriterExit(worker, reason));
    this.worker = worker;
    return worker;
  }

  private onReply({ seq, errors }: WriterReply): void {
    const inflight = this.inflight;
    if (!inflight || inflight.seq !== seq) return;
    this.inflight = undefined;
    let committed = 0;
    inflight.batch.forEach((p, i) => {
      const err = errors?.[i];
      if (err) {
        p.reject(sqliteError(this.path, err, this.busyTimeoutMs));
      } else {
        committed++;
        p.resolve();
      }
    });
    if (committed) {
      this.stats.commits++;
      this.stats.events += committed;
    }
    this.next();
  }

  /**
   * A writer that dies mid-batch leaves its events' fate unknown: they are refused with a message
   * saying so, and the next batch starts a new writer. Appending the same events again is safe,
   * because an id already stored is not stored twice.
   */
  private onWriterExit(worker: Worker, reason: string): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    const inflight = this.inflight;
    this.inflight = undefined;
    if (inflight) {
      const err = new AuditStoreError(
        `the audit writer for ${this.path} stopped (${reason}) while writing ${inflight.batch.length} event(s); ` +
          "they may or may not be recorded, and appending them again is safe",
        this.path,
      );
      for (const p of inflight.batch) p.reject(err);
    }
    if (!this.closed) this.next();
  }

  private next(): void {
    if (this.queue.length) return this.pump();
    this.worker?.unref();
    for (const w of this.idleWaiters.splice(0)) w();
  }

  /** Resolves once every append made so far has been committed or refused. */
  private idle(): Promise<void> {
    if (!this.inflight && !this.queue.length) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private statement(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  private read<T>(f: () => T): T {
    if (this.closed) throw this.closedError();
    try {
      return f();
    } catch (e) {
      throw sqliteError(this.path, e, this.busyTimeoutMs);
    }
  }

  private closedError(): AuditStoreError {
    return new AuditStoreError(`the audit store ${this.description} is closed`, this.path);
  }
}
