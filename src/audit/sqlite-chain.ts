import type Database from "better-sqlite3";
import { GENESIS_HASH } from "./chain.js";
import { isCheckpoint, purgeCheckpoint, type Checkpoint, type SigningKey } from "./checkpoint.js";
import { COLUMNS_SQL, COPY_COLUMNS, storedEntry } from "./columns.js";
import type { ChainEntry } from "./verify.js";

/** Schema version 2 of the audit component: chain links and purge checkpoints. */
export function migrateChain(db: Database.Database): void {
  db.exec(`
    ALTER TABLE audit_events ADD COLUMN prev_hash TEXT;
    ALTER TABLE audit_events ADD COLUMN hash TEXT;
    CREATE TABLE audit_checkpoints (
      id INTEGER PRIMARY KEY,
      chain_head TEXT NOT NULL,
      checkpoint TEXT NOT NULL
    ) STRICT;
  `);
}

export const EXISTS_SQL = "SELECT 1 FROM audit_events WHERE id = ?";

/**
 * The hash the next event links to: the last row's; the genesis hash when the last row predates
 * the chain; the last checkpoint's head when a purge removed every row.
 */
export const HEAD_SQL = `SELECT CASE
    WHEN EXISTS (SELECT 1 FROM audit_events)
      THEN coalesce((SELECT hash FROM audit_events ORDER BY seq DESC LIMIT 1), '${GENESIS_HASH}')
    ELSE coalesce((SELECT chain_head FROM audit_checkpoints ORDER BY id DESC LIMIT 1), '${GENESIS_HASH}')
  END`;

/** Every row in append order (see storedEntry). */
export function* sqliteChainEntries(db: Database.Database): Generator<ChainEntry> {
  const stmt = db
    .prepare(`SELECT seq, ${COLUMNS_SQL}, event, prev_hash, hash FROM audit_events ORDER BY seq`)
    .raw();
  for (const row of stmt.iterate() as Iterable<unknown[]>) {
    const [text, prev, hash] = row.slice(COPY_COLUMNS + 1) as [string, string | null, string | null];
    yield storedEntry(`row seq ${row[0] as number}`, row.slice(1, COPY_COLUMNS + 1), text, prev, hash);
  }
}

export function sqliteCheckpoints(db: Database.Database): Checkpoint[] {
  const rows = db.prepare("SELECT checkpoint FROM audit_checkpoints ORDER BY id").pluck().all() as string[];
  return rows.map((t) => JSON.parse(t) as unknown).filter(isCheckpoint);
}

export interface PurgeResult {
  purged: number;
  checkpoint: Checkpoint | null;
  /** Events older than the cutoff kept because a newer event was written before them. */
  keptOld: number;
}

/**
 * Removes the oldest events (in append order) whose time is before `cutoff`, and records a signed
 * checkpoint, in one IMMEDIATE transaction so a writer never links to a row being removed.
 * Only a prefix of the log goes: an old event written after a newer one waits for the next purge,
 * so the remaining events always form one unbroken chain from the checkpoint.
 */
export function purgeSqlite(db: Database.Database, cutoff: string, key: SigningKey, now: Date): PurgeResult {
  return db
    .transaction((): PurgeResult => {
      const firstKept = db.prepare("SELECT min(seq) FROM audit_events WHERE ts >= ?").pluck().get(cutoff) as
        number | null;
      const bound = firstKept ?? Number.MAX_SAFE_INTEGER;
      const keptOld = db
        .prepare("SELECT count(*) FROM audit_events WHERE seq > ? AND ts < ?")
        .pluck()
        .get(bound, cutoff) as number;
      const last = db
        .prepare("SELECT id, ts, hash FROM audit_events WHERE seq < ? ORDER BY seq DESC LIMIT 1")
        .get(bound) as { id: string; ts: string; hash: string | null } | undefined;
      if (!last) return { purged: 0, checkpoint: null, keptOld };
      const purged = db
        .prepare("SELECT count(*) FROM audit_events WHERE seq < ?")
        .pluck()
        .get(bound) as number;
      const previous = sqliteCheckpoints(db).at(-1);
      const checkpoint = purgeCheckpoint({ cutoff, purged, last, previous, key, now });
      db.prepare("INSERT INTO audit_checkpoints (chain_head, checkpoint) VALUES (?, ?)").run(
        checkpoint.chain_head,
        JSON.stringify(checkpoint),
      );
      db.prepare("DELETE FROM audit_events WHERE seq < ?").run(bound);
      return { purged, checkpoint, keptOld };
    })
    .immediate();
}
