import { accessSync, constants, existsSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { AuditStoreError } from "./errors.js";

/** "PGTE" in the header: marks a file as PolicyGate's so we never add tables to someone else's. */
export const APPLICATION_ID = 0x50475445;

export const DEFAULT_BUSY_TIMEOUT_MS = 5000;

export interface SqliteFileOptions {
  /** Create the file when it does not exist (writers); readers want false, to notice a wrong path. */
  create?: boolean;
  /** How long a write waits for another process's lock before failing. */
  busyTimeoutMs?: number;
  /** SQLite's synchronous setting; see openSqliteFile. */
  synchronous?: "full" | "normal";
}

/** One forward step of a component's schema. Versions start at 1 and have no gaps. */
export interface Migration {
  version: number;
  up: (db: Database.Database) => void;
}

/**
 * Opens (or creates) a PolicyGate SQLite file with the settings every component relies on:
 *
 * - WAL, so `policygate logs` can read while the gateway writes.
 * - synchronous=NORMAL by default: in WAL mode a commit is durable against a crash of the gateway
 *   process (the log is in the operating system's hands before the call is answered); only a power
 *   loss or kernel panic can lose the last commits, and the WAL stays consistent. FULL (`sqlite:PATH?sync=full`)
 *   fsyncs every commit as well: measured here it cut the gateway from about 1,200 to 370 calls per
 *   second at concurrency 32 (BENCHMARKS.md), so it is for deployments that must survive a power cut
 *   with every answered call recorded.
 * - busy_timeout, so a short lock by another process (a CLI command, a checkpoint) is waited out.
 *
 * Every failure is an AuditStoreError naming the file.
 */
export function openSqliteFile(path: string, opts: SqliteFileOptions = {}): Database.Database {
  const create = opts.create ?? true;
  const busy = opts.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
  if (!create && !existsSync(path)) {
    throw new AuditStoreError(`no audit database at ${path} (check --data-dir or --audit)`, path);
  }
  let db: Database.Database;
  try {
    db = new Database(path, { fileMustExist: !create, timeout: busy });
  } catch (e) {
    throw sqliteError(path, e, busy);
  }
  try {
    db.pragma("journal_mode = WAL");
    db.pragma(`synchronous = ${opts.synchronous === "full" ? "FULL" : "NORMAL"}`);
    checkOwnership(db, path);
    return db;
  } catch (e) {
    db.close();
    throw e instanceof AuditStoreError ? e : sqliteError(path, e, busy);
  }
}

/**
 * Brings `component`'s tables to the newest version this build knows, in one IMMEDIATE
 * transaction so two processes opening a fresh file at once do not both migrate. A file written
 * by a newer PolicyGate is refused rather than misread.
 */
export function migrate(
  db: Database.Database,
  path: string,
  component: string,
  migrations: Migration[],
): void {
  const latest = migrations.length;
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`${component} migrations must be numbered 1..n without gaps`);
  });
  try {
    const current = readVersion(db, component);
    if (current > latest) {
      throw new AuditStoreError(
        `${path} has ${component} schema version ${current}, newer than this PolicyGate knows (${latest}); upgrade PolicyGate`,
        path,
      );
    }
    if (current === latest) return;
    db.transaction(() => {
      db.exec(
        `CREATE TABLE IF NOT EXISTS schema_version (
           component TEXT PRIMARY KEY,
           version INTEGER NOT NULL,
           applied_at TEXT NOT NULL
         ) STRICT`,
      );
      if (db.pragma("application_id", { simple: true }) === 0)
        db.pragma(`application_id = ${APPLICATION_ID}`);
      // Re-read inside the write lock: another process may have migrated since the first look.
      const now = readVersion(db, component);
      for (const m of migrations.slice(now)) m.up(db);
      db.prepare(
        `INSERT INTO schema_version (component, version, applied_at) VALUES (?, ?, ?)
         ON CONFLICT (component) DO UPDATE SET version = excluded.version, applied_at = excluded.applied_at`,
      ).run(component, latest, new Date().toISOString());
    }).immediate();
  } catch (e) {
    throw e instanceof AuditStoreError ? e : sqliteError(path, e, busyTimeout(db));
  }
}

/**
 * Lets a writer learn at open, not at its first event, that the file is read-only or held by
 * another process. SQLite itself notices a read-only file only when a commit reaches it, so the
 * file system is asked first; then the write lock is taken and released.
 */
export function checkWritable(db: Database.Database, path: string): void {
  for (const p of [path, dirname(path)]) {
    try {
      accessSync(p, constants.W_OK);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new AuditStoreError(
        p === path
          ? `${path} is read-only (${code}); the audit store needs to write to it`
          : `${path} is in a read-only directory (${code}); SQLite needs to create its -wal and -shm files there`,
        path,
        { cause: e },
      );
    }
  }
  try {
    db.exec("BEGIN IMMEDIATE");
    db.exec("ROLLBACK");
  } catch (e) {
    throw sqliteError(path, e, busyTimeout(db));
  }
}

/** A SQLite failure as a message a user can act on, naming the file. */
export function sqliteError(path: string, e: unknown, busyMs = DEFAULT_BUSY_TIMEOUT_MS): AuditStoreError {
  const code = (e as { code?: string }).code ?? "";
  const msg = e instanceof Error ? e.message : String(e);
  let text: string;
  if (code === "SQLITE_NOTADB")
    text = `${path} is not a SQLite database (is --audit pointing at the right file?)`;
  else if (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED")) {
    text = `${path} is locked by another process (waited ${busyMs} ms); is another writer holding a transaction open?`;
  } else if (code.startsWith("SQLITE_READONLY"))
    text = `${path} is read-only; the audit store needs to write to it`;
  else if (code.startsWith("SQLITE_CANTOPEN") || /directory does not exist/.test(msg)) {
    text = `cannot open ${path}: check that its directory exists and is writable`;
  } else if (code.startsWith("SQLITE_CORRUPT")) text = `${path} is damaged (SQLite reports corruption)`;
  else if (code === "SQLITE_FULL") text = `cannot write ${path}: the disk is full`;
  else text = `${path}: ${msg}`;
  return new AuditStoreError(text, path, { cause: e });
}

function checkOwnership(db: Database.Database, path: string): void {
  const appId = db.pragma("application_id", { simple: true }) as number;
  if (appId === APPLICATION_ID) return;
  const tables = db.prepare("SELECT count(*) AS n FROM sqlite_schema").get() as { n: number };
  if (appId === 0 && tables.n === 0) return;
  throw new AuditStoreError(
    `${path} is a SQLite database but not PolicyGate's; refusing to add tables to it (point --audit at a new file)`,
    path,
  );
}

function readVersion(db: Database.Database, component: string): number {
  const exists = db
    .prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'schema_version'")
    .get();
  if (!exists) return 0;
  const row = db.prepare("SELECT version FROM schema_version WHERE component = ?").get(component) as
    { version: number } | undefined;
  return row?.version ?? 0;
}

function busyTimeout(db: Database.Database): number {
  return db.pragma("busy_timeout", { simple: true }) as number;
}
