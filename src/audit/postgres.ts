import { createHash } from "node:crypto";
import pg from "pg";
import { CHAIN_VERSION, GENESIS_HASH } from "./chain.js";
import { checkEvent } from "./check.js";
import { isCheckpoint, purgeCheckpoint, type Checkpoint, type SigningKey } from "./checkpoint.js";
import { COLUMNS_SQL, COPY_COLUMNS, eventRow, storedEntry, whereClause } from "./columns.js";
import { AuditStoreError } from "./errors.js";
import type { AuditEvent } from "./event.js";
import { canonicalTime, checkQuery } from "./filter.js";
import type { PurgeResult } from "./sqlite-chain.js";
import type { AuditQuery, AuditStore } from "./store.js";
import type { ChainEntry, ChainedStore } from "./verify.js";

export const EVENTS_TABLE = "policygate_audit_events";
export const CHECKPOINTS_TABLE = "policygate_audit_checkpoints";
export const SCHEMA_TABLE = "policygate_audit_schema";
export const SCHEMA_VERSION = 1;

/**
 * Advisory lock keys (two int4s: one namespace, then what is locked). Every writer of the chain,
 * in every replica, takes LOCK_CHAIN for the length of its transaction, so reading the head and
 * inserting after it is one step and the chain follows commit order. LOCK_SCHEMA keeps replicas
 * starting together from racing to create the tables.
 */
export const LOCK_NAMESPACE = 0x50474155; // "PGAU"
/** Held while any component (audit, keys) creates its tables. */
export const LOCK_SCHEMA = 1;
const LOCK_CHAIN = 2;

/** One row per component (audit, keys) with the version of its tables. */
export const SCHEMA_TABLE_SQL = `CREATE TABLE IF NOT EXISTS ${SCHEMA_TABLE} (
    component text PRIMARY KEY,
    version integer NOT NULL
  );`;

/**
 * ts and id are compared as bytes, as SQLite does: canonical ISO times then sort in time order and
 * ULIDs in creation order, whatever the database's default collation.
 */
const SCHEMA_SQL = `
  ${SCHEMA_TABLE_SQL}
  CREATE TABLE IF NOT EXISTS ${EVENTS_TABLE} (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id text COLLATE "C" NOT NULL UNIQUE,
    ts text COLLATE "C" NOT NULL,
    request_id text NOT NULL,
    source text NOT NULL,
    environment text NOT NULL,
    integration text,
    user_id text,
    provider text,
    model text,
    status text NOT NULL,
    http_status integer NOT NULL,
    input_decision text NOT NULL,
    output_decision text,
    highest_class text NOT NULL,
    class_rank integer NOT NULL,
    restricted_detected integer NOT NULL,
    policy_revision text NOT NULL,
    event text NOT NULL,
    prev_hash text,
    hash text
  );
  CREATE INDEX IF NOT EXISTS ${EVENTS_TABLE}_ts ON ${EVENTS_TABLE} (ts, id);
  CREATE INDEX IF NOT EXISTS ${EVENTS_TABLE}_user ON ${EVENTS_TABLE} (user_id, ts);
  CREATE INDEX IF NOT EXISTS ${EVENTS_TABLE}_integration ON ${EVENTS_TABLE} (integration, ts);
  CREATE INDEX IF NOT EXISTS ${EVENTS_TABLE}_provider ON ${EVENTS_TABLE} (provider, ts);
  CREATE INDEX IF NOT EXISTS ${EVENTS_TABLE}_input_decision ON ${EVENTS_TABLE} (input_decision, ts);
  CREATE INDEX IF NOT EXISTS ${EVENTS_TABLE}_output_decision ON ${EVENTS_TABLE} (output_decision, ts);
  CREATE TABLE IF NOT EXISTS ${CHECKPOINTS_TABLE} (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    chain_head text NOT NULL,
    checkpoint text NOT NULL
  );
  INSERT INTO ${SCHEMA_TABLE} (component, version) VALUES ('audit', ${SCHEMA_VERSION})
    ON CONFLICT (component) DO NOTHING;
`;

/** The same rule as the SQLite store's HEAD_SQL: last row, else last checkpoint, else genesis. */
const HEAD_SQL = `SELECT CASE
    WHEN EXISTS (SELECT 1 FROM ${EVENTS_TABLE})
      THEN coalesce((SELECT hash FROM ${EVENTS_TABLE} ORDER BY seq DESC LIMIT 1), '${GENESIS_HASH}')
    ELSE coalesce((SELECT chain_head FROM ${CHECKPOINTS_TABLE} ORDER BY id DESC LIMIT 1), '${GENESIS_HASH}')
  END AS head`;

/** Column types for the batch insert's unnest(), in eventRow's order, then prev_hash and hash. */
const INSERT_TYPES = [
  ...["text", "text", "text", "text", "text", "text", "text", "text", "text", "text"],
  ...["integer", "text", "text", "text", "integer", "integer", "text", "text", "text", "text"],
];
// seq (the chain order) is handed out in the order rows come, so they come in array order.
const INSERT_SQL = `INSERT INTO ${EVENTS_TABLE} (${COLUMNS_SQL}, event, prev_hash, hash)
  SELECT ${INSERT_TYPES.map((_, i) => `c${i}`).join(", ")}
  FROM unnest(${INSERT_TYPES.map((t, i) => `$${i + 1}::${t}[]`).join(", ")})
    WITH ORDINALITY AS u(${INSERT_TYPES.map((_, i) => `c${i}`).join(", ")}, n)
  ORDER BY n`;

const CHAIN_PAGE = 1000;

export interface PostgresAuditStoreOptions {
  /** Create the tables when they do not exist (writers); readers want false, to notice a wrong database. */
  create?: boolean;
  /** Most events committed in one transaction (see append). */
  maxBatch?: number;
  /** Connections in the pool; appends use one at a time, reads the others. */
  maxConnections?: number;
  connectTimeoutMs?: number;
  /**
   * How long one append transaction may take before its events are refused (default 10 s). A stalled
   * server or a silently dropped connection must not hold calls forever: the gateway then fails
   * closed, or spools, as the policy's audit.on_failure says.
   */
  appendTimeoutMs?: number;
  /**
   * Tests only: the schema to work in (set as the connection's search_path), so each test gets
   * tables of its own. Production uses the database's default search_path.
   */
  schema?: string;
}

interface Pending {
  row: unknown[];
  resolve: () => void;
  reject: (e: unknown) => void;
}

/**
 * The store for several gateway replicas sharing one log: PostgreSQL tables that hold the same
 * rows as the SQLite store's, chained in one sequence whichever replica wrote them.
 *
 * Appends that arrive while a transaction is in flight are committed together by the next one
 * (group commit): a burst of concurrent calls pays one round trip sequence per group, not per
 * call. `append` resolves only after the transaction holding its event has committed.
 *
 * @example
 * const store = await PostgresAuditStore.open("postgres://policygate@db.internal/audit");
 * await store.append(event);
 */
export class PostgresAuditStore implements AuditStore, ChainedStore {
  /** Transactions committed and events in them, for metrics: events / commits is the group size. */
  readonly stats = { commits: 0, events: 0 };
  private readonly maxBatch: number;
  private readonly appendTimeoutMs: number;
  private queue: Pending[] = [];
  private writing: Promise<void> | undefined;
  private closed = false;

  private constructor(
    private readonly pool: pg.Pool,
    readonly description: string,
    /** The URL's password (or $PGPASSWORD), kept only to cut it out of any error message. */
    private readonly secret: string,
    opts: PostgresAuditStoreOptions,
  ) {
    this.maxBatch = Math.max(1, opts.maxBatch ?? 512);
    this.appendTimeoutMs = Math.max(1, opts.appendTimeoutMs ?? 10_000);
  }

  /** Connects, and creates the tables when asked; a database that cannot be reached is refused here. */
  static async open(url: string, opts: PostgresAuditStoreOptions = {}): Promise<PostgresAuditStore> {
    const { pool, description, secret } = openPool(url, { ...opts, application: "policygate-audit" });
    const store = new PostgresAuditStore(pool, description, secret, opts);
    try {
      await store.prepareSchema(opts.create ?? true);
      return store;
    } catch (e) {
      await pool.end().catch(() => undefined);
      throw pgError(description, secret, e);
    }
  }

  /**
   * Appending an event whose id is already stored does nothing: forwarding is at least once, and the
   * id is the idempotency key.
   */
  append(event: AuditEvent): Promise<void> {
    if (this.closed) return Promise.reject(this.closedError());
    const problem = checkEvent(event);
    if (problem) return Promise.reject(this.error(`not a valid audit event: ${problem}`));
    let row: unknown[];
    try {
      row = eventRow(event);
    } catch (e) {
      return Promise.reject(this.error(`not a valid audit event: ${(e as Error).message}`));
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ row, resolve, reject });
      this.writing ??= this.drain();
    });
  }

  async query(q?: AuditQuery): Promise<AuditEvent[]> {
    const cq = checkQuery(q);
    await this.idle();
    const { where, params } = whereClause(cq, (n) => `$${n}`);
    const order = cq.newestFirst ? "ts DESC, id DESC" : "ts, id";
    if (cq.limit !== undefined) params.push(cq.limit);
    const limit = cq.limit === undefined ? "" : ` LIMIT $${params.length}`;
    const rows = await this.read<{ event: string }>(
      `SELECT event FROM ${EVENTS_TABLE}${where} ORDER BY ${order}${limit}`,
      params,
    );
    return rows.map((r) => JSON.parse(r.event) as AuditEvent);
  }

  async count(q?: AuditQuery): Promise<number> {
    const cq = checkQuery(q);
    await this.idle();
    const { where, params } = whereClause(cq, (n) => `$${n}`);
    const [row] = await this.read<{ n: string }>(`SELECT count(*) AS n FROM ${EVENTS_TABLE}${where}`, params);
    const n = Number(row!.n);
    return cq.limit === undefined ? n : Math.min(n, cq.limit);
  }

  /** Every stored event in append order, with its chain links (for `logs verify`), read in pages. */
  async *chainEntries(): AsyncGenerator<ChainEntry> {
    await this.idle();
    let after = "0";
    for (;;) {
      const rows = await this.read<unknown[]>(
        `SELECT seq, ${COLUMNS_SQL}, event, prev_hash, hash FROM ${EVENTS_TABLE}
          WHERE seq > $1 ORDER BY seq LIMIT ${CHAIN_PAGE}`,
        [after],
        "array",
      );
      for (const row of rows) {
        const [text, prev, hash] = row.slice(COPY_COLUMNS + 1) as [string, string | null, string | null];
        yield storedEntry(`row seq ${row[0] as string}`, row.slice(1, COPY_COLUMNS + 1), text, prev, hash);
      }
      if (rows.length < CHAIN_PAGE) return;
      after = rows.at(-1)![0] as string;
    }
  }

  async checkpoints(): Promise<Checkpoint[]> {
    await this.idle();
    const rows = await this.read<{ checkpoint: string }>(
      `SELECT checkpoint FROM ${CHECKPOINTS_TABLE} ORDER BY id`,
      [],
    );
    return rows.map((r) => JSON.parse(r.checkpoint) as unknown).filter(isCheckpoint);
  }

  /**
   * Removes the oldest events (in append order) whose time is before `cutoff` and records a signed
   * checkpoint, as purgeSqlite does: only a prefix goes, so the rest stays one unbroken chain. It
   * holds the chain lock, so no replica links to a row being removed.
   */
  async purge(cutoff: string, key: SigningKey, now = new Date()): Promise<PurgeResult> {
    const cut = canonicalTime(cutoff, "cutoff");
    await this.idle();
    if (this.closed) throw this.closedError();
    try {
      return await this.transaction((run) => purgeIn(run, cut, key, now));
    } catch (e) {
      throw pgError(this.description, this.secret, e);
    }
  }

  /** Waits for every append made before it to be written, then closes the connections. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.idle();
    await this.pool.end();
  }

  /**
   * Creates the tables only when they are missing, so a role that may read and write them but not
   * create tables (tables made by an administrator) can run the gateway.
   */
  private async prepareSchema(create: boolean): Promise<void> {
    if (this.closed) throw this.closedError();
    const version = await componentTables(this.pool, "audit", SCHEMA_SQL, create);
    if (version === undefined) {
      throw this.error(
        `no PolicyGate audit log in ${this.description} (table ${EVENTS_TABLE} does not exist; check --audit)`,
      );
    }
    if (version > SCHEMA_VERSION) {
      throw this.error(
        `${this.description} has audit schema version ${version}, newer than this PolicyGate knows (${SCHEMA_VERSION}); upgrade PolicyGate`,
      );
    }
  }

  /** Commits queued appends in groups until the queue is empty; one transaction at a time. */
  private async drain(): Promise<void> {
    // Let the appends made in this turn of the event loop join the first group.
    await new Promise((resolve) => setImmediate(resolve));
    while (this.queue.length) {
      const batch = this.queue.splice(0, this.maxBatch);
      await this.commit(batch);
    }
    this.writing = undefined;
  }

  private async commit(batch: Pending[]): Promise<void> {
    try {
      const written = await this.transaction(
        (run) =>
          insertChained(
            run,
            batch.map((p) => p.row),
          ),
        this.appendTimeoutMs,
      );
      this.stats.commits++;
      this.stats.events += written;
      for (const p of batch) p.resolve();
    } catch (e) {
      if (batch.length > 1 && isRowError(e)) {
        // One bad row must not fail its neighbours: write them one by one so only it is refused.
        for (const p of batch) await this.commit([p]);
        return;
      }
      const err = pgError(this.description, this.secret, e, { appending: true });
      for (const p of batch) p.reject(err);
    }
  }

  /**
   * Runs `f` in one transaction. With `timeoutMs`, every statement (BEGIN and COMMIT included) must
   * answer in time; one that does not fails the transaction and its connection is destroyed, not
   * rolled back and reused: the server rolls back what was not committed when the socket closes.
   */
  private transaction<T>(f: (run: Run) => Promise<T>, timeoutMs?: number): Promise<T> {
    return transaction(this.pool, f, timeoutMs, () =>
      this.error(
        `the audit database ${this.description} did not answer within ${timeoutMs} ms; the events being written may or may not be recorded, and appending them again is safe`,
      ),
    );
  }

  private async read<R>(sql: string, params: unknown[], rowMode?: "array"): Promise<R[]> {
    if (this.closed) throw this.closedError();
    try {
      const r = await this.pool.query({ text: sql, values: params, ...(rowMode ? { rowMode } : {}) });
      return r.rows as R[];
    } catch (e) {
      throw pgError(this.description, this.secret, e);
    }
  }

  /** Resolves once every append made so far has been committed or refused. */
  private async idle(): Promise<void> {
    while (this.writing) await this.writing;
  }

  private error(message: string): AuditStoreError {
    return new AuditStoreError(message, this.description);
  }

  private closedError(): AuditStoreError {
    return this.error(`the audit store ${this.description} is closed`);
  }
}

/**
 * Inside a transaction: takes the chain lock, reads the head, links the rows after it and inserts
 * them in one statement. Ids already stored, or repeated in the batch, are skipped (as the SQLite
 * store does) so a retried event neither duplicates nor re-links. Returns the rows inserted.
 */
async function insertChained(run: Run, rows: unknown[][]): Promise<number> {
  await run("SELECT pg_advisory_xact_lock($1, $2)", [LOCK_NAMESPACE, LOCK_CHAIN]);
  const ids = rows.map((r) => r[0] as string);
  const { rows: found } = await run<{ head: string; existing: string[] }>(
    `SELECT (${HEAD_SQL}) AS head, ARRAY(SELECT id FROM ${EVENTS_TABLE} WHERE id = ANY($1::text[])) AS existing`,
    [ids],
  );
  const seen = new Set(found[0]!.existing);
  let prev = found[0]!.head;
  const columns: unknown[][] = INSERT_TYPES.map(() => []);
  for (const r of rows) {
    const id = r[0] as string;
    if (seen.has(id)) continue;
    seen.add(id);
    const canonical = r[r.length - 1] as string;
    const hash = createHash("sha256")
      .update(CHAIN_VERSION + "\n" + prev + "\n" + canonical)
      .digest("hex");
    [...r.slice(0, -1), prev, hash].forEach((v, i) => columns[i]!.push(v));
    prev = hash;
  }
  if (!columns[0]!.length) return 0;
  await run(INSERT_SQL, columns);
  return columns[0]!.length;
}

async function purgeIn(run: Run, cutoff: string, key: SigningKey, now: Date): Promise<PurgeResult> {
  await run("SELECT pg_advisory_xact_lock($1, $2)", [LOCK_NAMESPACE, LOCK_CHAIN]);
  const one = async <R>(sql: string, params: unknown[]) => (await run(sql, params)).rows[0] as R;
  const { first } = await one<{ first: string | null }>(
    `SELECT min(seq) AS first FROM ${EVENTS_TABLE} WHERE ts >= $1`,
    [cutoff],
  );
  const bound = first ?? "9223372036854775807";
  const { n: keptOld } = await one<{ n: string }>(
    `SELECT count(*) AS n FROM ${EVENTS_TABLE} WHERE seq > $1 AND ts < $2`,
    [bound, cutoff],
  );
  const last = await one<{ id: string; ts: string; hash: string | null } | undefined>(
    `SELECT id, ts, hash FROM ${EVENTS_TABLE} WHERE seq < $1 ORDER BY seq DESC LIMIT 1`,
    [bound],
  );
  if (!last) return { purged: 0, checkpoint: null, keptOld: Number(keptOld) };
  const { rows: previous } = await run<{ checkpoint: string }>(
    `SELECT checkpoint FROM ${CHECKPOINTS_TABLE} ORDER BY id DESC LIMIT 1`,
  );
  const prev = previous.map((r) => JSON.parse(r.checkpoint) as unknown).filter(isCheckpoint)[0];
  const { rowCount } = await run(`DELETE FROM ${EVENTS_TABLE} WHERE seq < $1`, [bound]);
  const purged = rowCount ?? 0;
  const checkpoint = purgeCheckpoint({ cutoff, purged, last, previous: prev, key, now });
  await run(`INSERT INTO ${CHECKPOINTS_TABLE} (chain_head, checkpoint) VALUES ($1, $2)`, [
    checkpoint.chain_head,
    JSON.stringify(checkpoint),
  ]);
  return { purged, checkpoint, keptOld: Number(keptOld) };
}

/**
 * The URL without user, password or query (which may carry a password too), for messages:
 * postgres://host:5432/db.
 */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/]*@/i, "$1").replace(/\?.*$/, "");
  }
}

/**
 * Runs `f` on one pooled connection, each statement limited to `timeoutMs` when given. A
 * connection that saw any failure is dropped, not reused: after a timeout or a broken link its
 * state is unknown, and the server rolls back what was not committed when the socket closes.
 */
export async function withConnection<T>(
  pool: pg.Pool,
  f: (run: Run) => Promise<T>,
  timeoutMs?: number,
): Promise<T> {
  const c = await pool.connect();
  const run: Run = (text, values = []) =>
    c.query({ text, values, ...(timeoutMs ? { query_timeout: timeoutMs } : {}) });
  let broken: unknown;
  // The pool listens for errors only on idle connections: one that drops while checked out
  // reports an 'error' event that, unheard, would crash the gateway. Its statement fails anyway.
  const dropped = (e: Error) => (broken ??= e);
  c.on("error", dropped);
  try {
    return await f(run);
  } catch (e) {
    broken ??= e;
    throw e;
  } finally {
    c.off("error", dropped);
    c.release(broken as Error | undefined);
  }
}

/**
 * Runs `f` in one transaction (see withConnection for the time limit). A statement that does not
 * answer in time fails it with `timedOut()`; that connection is not asked to roll back.
 */
export function transaction<T>(
  pool: pg.Pool,
  f: (run: Run) => Promise<T>,
  timeoutMs: number | undefined,
  timedOut: () => Error,
): Promise<T> {
  return withConnection(
    pool,
    async (run) => {
      try {
        await run("BEGIN");
        const out = await f(run);
        await run("COMMIT");
        return out;
      } catch (e) {
        if (isReadTimeout(e)) throw timedOut();
        await run("ROLLBACK").catch(() => undefined);
        throw e;
      }
    },
    timeoutMs,
  );
}

/** One statement inside a transaction (with the transaction's time limit, if it has one). */
export type Run = <R extends pg.QueryResultRow = pg.QueryResultRow>(
  text: string,
  values?: unknown[],
) => Promise<pg.QueryResult<R>>;

/** The pg driver's own client-side time limit on a statement (query_timeout). */
export function isReadTimeout(e: unknown): boolean {
  return e instanceof Error && e.message === "Query read timeout";
}

/** Errors that belong to one row (bad data, a constraint), not to the connection or the database. */
function isRowError(e: unknown): boolean {
  const code = (e as { code?: unknown }).code;
  return typeof code === "string" && /^(22|23)/.test(code);
}

const CONNECT_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENOENT",
]);

/**
 * An AuditStoreError naming the database and what to do. Data errors (SQLSTATE classes 22, 23)
 * can quote the offending value, so only their code is kept; the URL's password, if a message
 * ever carried it, is cut out.
 */
export function pgError(
  description: string,
  secret: string,
  e: unknown,
  opts: { appending?: boolean; what?: string } = {},
): AuditStoreError {
  if (e instanceof AuditStoreError) return e;
  const err = e as { code?: unknown; message?: unknown };
  const code = typeof err.code === "string" ? err.code : "";
  const raw = typeof err.message === "string" ? err.message : String(e);
  let message: string;
  if (CONNECT_CODES.has(code) || /^(08|28|3D|57P)/.test(code) || /timeout|terminated|connect/i.test(raw)) {
    message = `cannot reach the audit database ${description}: ${raw}`;
    if (opts.appending)
      message += "; the events being written may or may not be recorded, and appending them again is safe";
  } else if (/^(22|23)/.test(code)) {
    message = `the audit database ${description} refused ${opts.what ?? "the event"} (SQLSTATE ${code})`;
  } else {
    message = `the audit database ${description} failed${code ? ` (SQLSTATE ${code})` : ""}: ${raw}`;
  }
  if (secret) message = message.split(secret).join("***");
  return new AuditStoreError(message, description, { cause: e });
}

/** A pool and what messages about it may say: the database without credentials, and the password to cut out. */
export interface OpenedPool {
  pool: pg.Pool;
  description: string;
  secret: string;
}

/**
 * A connection pool for a postgres:// URL, shared by the audit and key stores. Nothing connects
 * yet: the first query does, and reports a database that cannot be reached.
 */
export function openPool(
  url: string,
  opts: { maxConnections?: number; connectTimeoutMs?: number; schema?: string; application: string },
): OpenedPool {
  const description = describeUrl(url);
  if (opts.schema !== undefined && !/^[a-z_][a-z0-9_]*$/.test(opts.schema)) {
    throw new AuditStoreError(`schema "${opts.schema}" is not a plain identifier`, description);
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.maxConnections ?? 4,
    connectionTimeoutMillis: opts.connectTimeoutMs ?? 10_000,
    application_name: opts.application,
    ...(opts.schema ? { options: `-c search_path=${opts.schema}` } : {}),
  });
  // An idle connection that drops (server restart) is reported here; without a listener it would
  // crash the process. The next query opens a new connection and reports its own failure.
  pool.on("error", () => undefined);
  return { pool, description, secret: passwordOf(url) };
}

/** What policygate_audit_schema says of a component's tables; undefined when they are not there. */
export async function componentVersion(
  query: (sql: string, params: unknown[]) => Promise<{ rows: unknown[] }>,
  component: string,
): Promise<number | undefined> {
  const { rows } = await query(`SELECT to_regclass($1) AS t`, [SCHEMA_TABLE]);
  if (!(rows[0] as { t: string | null } | undefined)?.t) return undefined;
  const { rows: v } = await query(`SELECT version FROM ${SCHEMA_TABLE} WHERE component = $1`, [component]);
  return (v[0] as { version: number } | undefined)?.version;
}

/**
 * The version of a component's tables (audit, keys, switch), creating them first when they are
 * missing and `create` is set; undefined when they are missing. Creation holds LOCK_SCHEMA, so
 * replicas starting together do not race.
 */
export async function componentTables(
  pool: pg.Pool,
  component: string,
  createSql: string,
  create: boolean,
): Promise<number | undefined> {
  const version = () => componentVersion((text, values) => pool.query({ text, values }), component);
  const found = await version();
  if (found !== undefined || !create) return found;
  await withConnection(pool, async (run) => {
    await run("BEGIN");
    await run("SELECT pg_advisory_xact_lock($1, $2)", [LOCK_NAMESPACE, LOCK_SCHEMA]);
    await run(createSql);
    await run("COMMIT");
  });
  return version();
}

function passwordOf(url: string): string {
  try {
    return decodeURIComponent(new URL(url).password) || process.env.PGPASSWORD || "";
  } catch {
    return process.env.PGPASSWORD ?? "";
  }
}
