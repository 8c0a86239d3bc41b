import type pg from "pg";
import { AuditStoreError } from "../audit/errors.js";
import { componentTables, SCHEMA_TABLE, openPool, pgError, transaction } from "../audit/postgres.js";
import type { SwitchSource } from "./switch-source.js";
import type { SwitchAck, SwitchEntry, SwitchState } from "./switch-state.js";

export const SWITCH_TABLE = "policygate_provider_switch";
export const ACKS_TABLE = "policygate_provider_switch_acks";
export const SWITCH_SCHEMA_VERSION = 1;

/**
 * A replica refreshes its acknowledgement every ACK_REFRESH_MS (ProviderSwitch does it while
 * polling); one not refreshed for ACK_LIVE_SECONDS is taken for stopped, as a dead pid is on one
 * host. Times are the database's own (now()), so replicas' clocks need not agree.
 */
const ACK_LIVE_SECONDS = 10;
/** Rows of replicas gone this long are deleted by the next change, so the table does not grow. */
const ACK_FORGET = "1 day";
/** A poll, read or change that takes longer fails (and the last state stays in force). */
const STATEMENT_TIMEOUT_MS = 2_000;

/**
 * One row (id = 1) holds the whole state as the file does: the revision and the switched-off
 * providers as a JSON object. A change is one transaction that locks that row (FOR UPDATE), so
 * concurrent changes from the CLI and any replica's admin endpoint queue up and each bumps the
 * revision by exactly one. Replicas poll the revision alone, one indexed single-row read.
 */
const SCHEMA_SQL = `
  CREATE TABLE IF NOT EXISTS ${SCHEMA_TABLE} (
    component text PRIMARY KEY,
    version integer NOT NULL
  );
  CREATE TABLE IF NOT EXISTS ${SWITCH_TABLE} (
    id integer PRIMARY KEY CHECK (id = 1),
    revision bigint NOT NULL,
    providers jsonb NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
  );
  INSERT INTO ${SWITCH_TABLE} (id, revision, providers) VALUES (1, 0, '{}')
    ON CONFLICT (id) DO NOTHING;
  CREATE TABLE IF NOT EXISTS ${ACKS_TABLE} (
    instance text PRIMARY KEY,
    host text NOT NULL,
    pid integer NOT NULL,
    revision bigint NOT NULL,
    applied_at timestamptz NOT NULL,
    seen_at timestamptz NOT NULL
  );
  INSERT INTO ${SCHEMA_TABLE} (component, version) VALUES ('switch', ${SWITCH_SCHEMA_VERSION})
    ON CONFLICT (component) DO NOTHING;
`;

export interface PostgresSwitchOptions {
  connectTimeoutMs?: number;
  /** Tests only: the schema to work in (see PostgresAuditStoreOptions.schema). */
  schema?: string;
}

/** The kill switch in the PostgreSQL audit database: one switch for every replica sharing it. */
export class PostgresSwitchSource implements SwitchSource {
  readonly shared = true;

  private constructor(
    private readonly pool: pg.Pool,
    readonly description: string,
    private readonly secret: string,
  ) {}

  /** Connects and creates the tables when missing; a database that cannot be reached is refused here. */
  static async open(url: string, opts: PostgresSwitchOptions = {}): Promise<PostgresSwitchSource> {
    const { pool, description, secret } = openPool(url, {
      maxConnections: 2,
      connectTimeoutMs: opts.connectTimeoutMs,
      application: "policygate-switch",
      schema: opts.schema,
    });
    const source = new PostgresSwitchSource(pool, description, secret);
    try {
      await source.prepareSchema();
      return source;
    } catch (e) {
      await pool.end().catch(() => undefined);
      throw source.error(e);
    }
  }

  async stamp(): Promise<string> {
    const [row] = await this.query<{ revision: string }>(`SELECT revision FROM ${SWITCH_TABLE} WHERE id = 1`);
    return row ? `r${row.revision}` : "absent";
  }

  async read(): Promise<SwitchState> {
    const [row] = await this.query<StateRow>(`SELECT revision, providers FROM ${SWITCH_TABLE} WHERE id = 1`);
    return this.toState(row);
  }

  async update(change: (s: SwitchState) => boolean): Promise<SwitchState> {
    try {
      return await transaction(
        this.pool,
        async (run) => {
          const { rows } = await run<StateRow>(
            `SELECT revision, providers FROM ${SWITCH_TABLE} WHERE id = 1 FOR UPDATE`,
          );
          const state = this.toState(rows[0]);
          if (!change(state)) return state;
          state.revision++;
          await run(
            `UPDATE ${SWITCH_TABLE} SET revision = $1, providers = $2::jsonb, updated_at = now() WHERE id = 1`,
            [state.revision, JSON.stringify(state.providers)],
          );
          await run(`DELETE FROM ${ACKS_TABLE} WHERE seen_at < now() - interval '${ACK_FORGET}'`);
          return state;
        },
        STATEMENT_TIMEOUT_MS,
        () => this.timeout(),
      );
    } catch (e) {
      throw this.error(e);
    }
  }

  async writeAck(ack: SwitchAck): Promise<void> {
    await this.query(
      `INSERT INTO ${ACKS_TABLE} (instance, host, pid, revision, applied_at, seen_at)
         VALUES ($1, $2, $3, $4, $5, now())
       ON CONFLICT (instance) DO UPDATE SET
         revision = excluded.revision, applied_at = excluded.applied_at, seen_at = now()`,
      [ack.instance, ack.host ?? "", ack.pid, ack.revision, ack.at],
    );
  }

  async removeAck(instance: string): Promise<void> {
    await this.query(`DELETE FROM ${ACKS_TABLE} WHERE instance = $1`, [instance]);
  }

  async liveAcks(): Promise<SwitchAck[]> {
    const rows = await this.query<{
      instance: string;
      host: string;
      pid: number;
      revision: string;
      at: Date;
    }>(
      `SELECT instance, host, pid, revision, applied_at AS at FROM ${ACKS_TABLE}
        WHERE seen_at >= now() - interval '${ACK_LIVE_SECONDS} seconds' ORDER BY host, pid`,
    );
    return rows.map((r) => ({
      instance: r.instance,
      host: r.host,
      pid: r.pid,
      revision: Number(r.revision),
      at: r.at.toISOString(),
    }));
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  /** Creates the tables when missing, under the lock the audit schema uses, so replicas do not race. */
  private async prepareSchema(): Promise<void> {
    const version = await componentTables(this.pool, "switch", SCHEMA_SQL, true);
    if (version !== undefined && version > SWITCH_SCHEMA_VERSION) {
      throw new AuditStoreError(
        `${this.description} has kill switch schema version ${version}, newer than this PolicyGate knows (${SWITCH_SCHEMA_VERSION}); upgrade PolicyGate`,
        this.description,
      );
    }
  }

  private toState(row: StateRow | undefined): SwitchState {
    const providers = row?.providers;
    if (!row || typeof providers !== "object" || providers === null || Array.isArray(providers)) {
      throw new AuditStoreError(
        `${this.description}: table ${SWITCH_TABLE} does not hold a provider switch`,
        this.description,
      );
    }
    return { version: 1, revision: Number(row.revision), providers };
  }

  private async query<R extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<R[]> {
    try {
      // query_timeout is honoured by the driver but missing from its QueryConfig type.
      const config = { text, values, query_timeout: STATEMENT_TIMEOUT_MS };
      const r = await this.pool.query<R>(config);
      return r.rows;
    } catch (e) {
      throw this.error(e);
    }
  }

  private timeout(): AuditStoreError {
    return new AuditStoreError(
      `the database ${this.description} did not answer within ${STATEMENT_TIMEOUT_MS} ms; the change may or may not be in force (check policygate provider status)`,
      this.description,
    );
  }

  private error(e: unknown): AuditStoreError {
    return pgError(this.description, this.secret, e);
  }
}

interface StateRow {
  revision: string;
  providers: Record<string, SwitchEntry> | null;
}
