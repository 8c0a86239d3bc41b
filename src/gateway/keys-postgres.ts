import type pg from "pg";
import { AuditStoreError } from "../audit/errors.js";
import {
  componentTables,
  isReadTimeout,
  openPool,
  pgError,
  SCHEMA_TABLE,
  SCHEMA_TABLE_SQL,
  transaction,
  withConnection,
  type Run,
} from "../audit/postgres.js";
import {
  graceEnd,
  MissingKeyStoreError,
  newKey,
  presentable,
  rotatable,
  sha256,
  verdict,
  type CreateKeyOptions,
  type GatewayKeyRecord,
  type GatewayKeyStore,
  type KeyEvent,
  type RotatedKey,
  type RotateKeyOptions,
} from "./keys.js";

export const KEYS_TABLE = "policygate_gateway_keys";
export const KEY_EVENTS_TABLE = "policygate_key_events";
export const KEYS_SCHEMA_VERSION = 1;

/**
 * The SQLite tables' columns and meaning; times are ISO text compared as bytes (as SQLite does),
 * so they sort in time order whatever the database's collation. key_sha256 is UNIQUE, which is
 * also the index every request's lookup uses.
 */
const KEYS_SCHEMA_SQL = `
  ${SCHEMA_TABLE_SQL}
  CREATE TABLE IF NOT EXISTS ${KEYS_TABLE} (
    id text COLLATE "C" PRIMARY KEY,
    key_sha256 bytea NOT NULL UNIQUE,
    integration text NOT NULL,
    label text,
    last4 text NOT NULL,
    created_at text COLLATE "C" NOT NULL,
    revoked_at text,
    owner text,
    expires_at text,
    replaced_by text
  );
  CREATE TABLE IF NOT EXISTS ${KEY_EVENTS_TABLE} (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at text NOT NULL,
    kind text NOT NULL,
    person text,
    detail text NOT NULL
  );
  INSERT INTO ${SCHEMA_TABLE} (component, version) VALUES ('keys', ${KEYS_SCHEMA_VERSION})
    ON CONFLICT (component) DO NOTHING;
`;

const COLUMNS = "id, integration, label, last4, created_at, revoked_at, owner, expires_at, replaced_by";

export interface PostgresKeyStoreOptions {
  /** Create the tables when they do not exist (`keys create`, the gateway); readers pass false. */
  create?: boolean;
  maxConnections?: number;
  connectTimeoutMs?: number;
  /**
   * How long one statement may take (default 5 s). A verification that does not answer in time
   * fails, and the gateway refuses the call rather than hold it open or let it through.
   */
  statementTimeoutMs?: number;
  /** Tests only: the schema to work in (see PostgresAuditStoreOptions.schema). */
  schema?: string;
}

/**
 * Gateway keys in the audit log's PostgreSQL database, so every replica accepts the same keys and
 * a revocation anywhere applies to the next request everywhere: verify reads the database on every
 * call (one indexed lookup), with no cache.
 *
 * @example
 * const keys = await PostgresKeyStore.open("postgres://policygate@db.internal/audit");
 * const { key } = await keys.create({ integration: "support-bot" }); // shown once
 */
export class PostgresKeyStore implements GatewayKeyStore {
  private closed = false;

  private constructor(
    private readonly pool: pg.Pool,
    readonly description: string,
    /** The URL's password, kept only to cut it out of any error message. */
    private readonly secret: string,
    private readonly timeoutMs: number,
  ) {}

  static async open(url: string, opts: PostgresKeyStoreOptions = {}): Promise<PostgresKeyStore> {
    // Connecting gets the same short limit as a statement: a call waits on verify, so it must not wait long.
    const { pool, description, secret } = openPool(url, {
      ...opts,
      connectTimeoutMs: opts.connectTimeoutMs ?? 5000,
      application: "policygate-keys",
    });
    const store = new PostgresKeyStore(
      pool,
      description,
      secret,
      Math.max(1, opts.statementTimeoutMs ?? 5000),
    );
    try {
      await store.prepareSchema(opts.create ?? true);
      return store;
    } catch (e) {
      await pool.end().catch(() => undefined);
      throw pgError(description, secret, e, { what: "the key" });
    }
  }

  async create(opts: CreateKeyOptions): Promise<{ key: string; record: GatewayKeyRecord }> {
    const fresh = newKey(opts);
    await this.query((run) => insertKey(run, fresh.key, fresh.record));
    return fresh;
  }

  /**
   * One transaction with the old key's row locked: a second rotation of the same key (from any
   * replica) waits, then sees it replaced and returns undefined, so exactly one succeeds.
   */
  async rotate(id: string, opts: RotateKeyOptions): Promise<RotatedKey | undefined> {
    const now = opts.now ?? new Date();
    return this.transaction(async (run) => {
      const { rows } = await run(`SELECT ${COLUMNS} FROM ${KEYS_TABLE} WHERE id = $1 FOR UPDATE`, [id]);
      const old = rows[0] as GatewayKeyRecord | undefined;
      if (!old || !rotatable(old, now)) return undefined;
      const fresh = newKey({
        integration: old.integration,
        label: old.label,
        owner: opts.owner === undefined ? (old.owner ?? null) : opts.owner,
        now,
      });
      await insertKey(run, fresh.key, fresh.record);
      const expires = graceEnd(now, opts.graceMs);
      await run(`UPDATE ${KEYS_TABLE} SET expires_at = $1, replaced_by = $2 WHERE id = $3`, [
        expires,
        fresh.record.id,
        id,
      ]);
      await insertEvent(run, {
        at: now.toISOString(),
        kind: "rotate",
        person: old.owner ?? null,
        detail: { old: id, new: fresh.record.id, expires_at: expires },
      });
      return { ...fresh, old: { ...old, expires_at: expires, replaced_by: fresh.record.id } };
    });
  }

  async revoke(id: string, now = new Date()): Promise<GatewayKeyRecord | undefined> {
    // One statement, keeping the first revocation's time when the key was already revoked.
    const { rows } = await this.query((run) =>
      run(
        `UPDATE ${KEYS_TABLE} SET revoked_at = coalesce(revoked_at, $1) WHERE id = $2 RETURNING ${COLUMNS}`,
        [now.toISOString(), id],
      ),
    );
    return rows[0] as GatewayKeyRecord | undefined;
  }

  async list(): Promise<GatewayKeyRecord[]> {
    const { rows } = await this.query((run) =>
      run(`SELECT ${COLUMNS} FROM ${KEYS_TABLE} ORDER BY created_at, id`),
    );
    return rows as GatewayKeyRecord[];
  }

  async events(): Promise<KeyEvent[]> {
    const { rows } = await this.query((run) =>
      run(`SELECT at, kind, person, detail FROM ${KEY_EVENTS_TABLE} ORDER BY seq`),
    );
    return (rows as (Omit<KeyEvent, "detail"> & { detail: string })[]).map((r) => ({
      ...r,
      detail: JSON.parse(r.detail) as unknown,
    }));
  }

  async recordEvent(e: KeyEvent): Promise<void> {
    await this.query((run) => insertEvent(run, e));
  }

  /**
   * One indexed lookup by the presented key's hash, on every call. A database that cannot answer
   * makes this throw (an AuditStoreError naming it), and the gateway refuses the call.
   */
  async verify(presented: string): Promise<{ integration: string; id: string } | null> {
    if (!presentable(presented)) return null;
    const { rows } = await this.query((run) =>
      run(`SELECT id, integration, revoked_at, expires_at FROM ${KEYS_TABLE} WHERE key_sha256 = $1`, [
        sha256(presented),
      ]),
    );
    return verdict(rows[0] as Parameters<typeof verdict>[0]);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }

  /**
   * Creates the tables only when missing (under the schema lock every PolicyGate component takes),
   * so a role that may use but not create tables works once an administrator made them.
   */
  private async prepareSchema(create: boolean): Promise<void> {
    const v = await componentTables(this.pool, "keys", KEYS_SCHEMA_SQL, create);
    if (v === undefined) {
      throw new MissingKeyStoreError(
        `no gateway keys in ${this.description} (table ${KEYS_TABLE} does not exist): no key has been created there (check --audit)`,
        this.description,
      );
    }
    if (v > KEYS_SCHEMA_VERSION) {
      throw new AuditStoreError(
        `${this.description} has key schema version ${v}, newer than this PolicyGate knows (${KEYS_SCHEMA_VERSION}); upgrade PolicyGate`,
        this.description,
      );
    }
  }

  /** Runs statements on one pooled connection outside a transaction. */
  private async query<T>(f: (run: Run) => Promise<T>): Promise<T> {
    if (this.closed) throw this.closedError();
    try {
      return await withConnection(this.pool, f, this.timeoutMs);
    } catch (e) {
      throw this.failure(e);
    }
  }

  private async transaction<T>(f: (run: Run) => Promise<T>): Promise<T> {
    if (this.closed) throw this.closedError();
    try {
      return await transaction(this.pool, f, this.timeoutMs, () => this.timedOut());
    } catch (e) {
      throw this.failure(e);
    }
  }

  private failure(e: unknown): AuditStoreError {
    if (isReadTimeout(e)) return this.timedOut();
    return pgError(this.description, this.secret, e, { what: "the key" });
  }

  private timedOut(): AuditStoreError {
    return new AuditStoreError(
      `the key database ${this.description} did not answer within ${this.timeoutMs} ms`,
      this.description,
    );
  }

  private closedError(): AuditStoreError {
    return new AuditStoreError(`the key store ${this.description} is closed`, this.description);
  }
}

async function insertKey(run: Run, key: string, r: GatewayKeyRecord): Promise<void> {
  await run(
    `INSERT INTO ${KEYS_TABLE} (id, key_sha256, integration, label, last4, created_at, owner)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [r.id, sha256(key), r.integration, r.label, r.last4, r.created_at, r.owner ?? null],
  );
}

async function insertEvent(run: Run, e: KeyEvent): Promise<void> {
  await run(`INSERT INTO ${KEY_EVENTS_TABLE} (at, kind, person, detail) VALUES ($1, $2, $3, $4)`, [
    e.at,
    e.kind,
    e.person,
    JSON.stringify(e.detail),
  ]);
}
