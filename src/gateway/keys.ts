import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type Database from "better-sqlite3";
import { AuditStoreError } from "../audit/errors.js";
import { parseAuditSpec } from "../audit/open.js";
import {
  migrate,
  openSqliteFile,
  sqliteError,
  type Migration,
  type SqliteFileOptions,
} from "../audit/sqlite-file.js";
import { ensureDataDir } from "../config/data-dir.js";
import type { KeyVerifier } from "./server.js";

export const KEY_PREFIX = "pgk_";
const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const KEY_BYTES = 32;
/** 62^43 > 2^256 > 62^42: every 32-byte value fits in 43 characters. */
const KEY_CHARS = 43;
/** Longer than any key we issue; a presented value past this is refused before hashing. */
const MAX_PRESENTED = 256;

/** When keys.sqlite is used: the audit store is not SQLite, but keys still need a SQLite file. */
export const DEFAULT_KEYS_FILE = "keys.sqlite";

const MIGRATIONS: Migration[] = [
  {
    version: 1,
    up: (db) =>
      db.exec(`
        CREATE TABLE gateway_keys (
          id TEXT PRIMARY KEY,
          key_sha256 BLOB NOT NULL UNIQUE,
          integration TEXT NOT NULL,
          label TEXT,
          last4 TEXT NOT NULL,
          created_at TEXT NOT NULL,
          revoked_at TEXT
        ) STRICT;
      `),
  },
  {
    // Rotation and the secrets inventory. Existing keys keep working: the new columns are NULL
    // (no owner recorded, never expires).
    version: 2,
    up: (db) =>
      db.exec(`
        ALTER TABLE gateway_keys ADD COLUMN owner TEXT;
        ALTER TABLE gateway_keys ADD COLUMN expires_at TEXT;
        ALTER TABLE gateway_keys ADD COLUMN replaced_by TEXT;
        CREATE TABLE key_events (
          at TEXT NOT NULL,
          kind TEXT NOT NULL,
          person TEXT,
          detail TEXT NOT NULL
        ) STRICT;
      `),
  },
];

const COLUMNS = "id, integration, label, last4, created_at, revoked_at, owner, expires_at, replaced_by";

/** A record of a rotation or an offboarding, kept beside the keys (never a key in it). */
export interface KeyEvent {
  at: string;
  kind: "rotate" | "offboard";
  person: string | null;
  detail: unknown;
}

/** What is kept about a key: never the key itself, only enough to recognise and revoke it. */
export interface GatewayKeyRecord {
  id: string;
  integration: string;
  label: string | null;
  /** The key's last four characters, to tell keys apart in a list. */
  last4: string;
  created_at: string;
  revoked_at: string | null;
  /** The person who holds the key (for offboarding), if recorded. */
  owner?: string | null;
  /** After a rotation: when the old key stops working (the grace period's end). */
  expires_at?: string | null;
  /** After a rotation: the id of the key that replaced it. */
  replaced_by?: string | null;
}

interface Row extends GatewayKeyRecord {
  key_sha256?: Buffer;
}

export interface CreateKeyOptions {
  integration: string;
  label?: string | null;
  owner?: string | null;
  now?: Date;
}

export interface RotateKeyOptions {
  graceMs: number;
  /** The new key's holder; undefined keeps the old key's owner. */
  owner?: string | null;
  now?: Date;
}

export interface RotatedKey {
  key: string;
  record: GatewayKeyRecord;
  old: GatewayKeyRecord;
}

/**
 * Where gateway keys live, whatever holds them: a SQLite file (one host) or PostgreSQL (replicas
 * sharing one database). Asynchronous because a network database is.
 */
export interface GatewayKeyStore extends KeyVerifier {
  /** The file or database, for messages; never a credential. */
  readonly description: string;
  /** Issues a key for an integration. The key is in the result and nowhere else, ever. */
  create(opts: CreateKeyOptions): Promise<{ key: string; record: GatewayKeyRecord }>;
  /**
   * Issues a replacement for a live key in one transaction, and lets the old key work for
   * `graceMs` more; undefined when no live key has that id (or another rotation got there first).
   */
  rotate(id: string, opts: RotateKeyOptions): Promise<RotatedKey | undefined>;
  /** Revokes a key at once; the record (first revocation time kept), or undefined for no such id. */
  revoke(id: string, now?: Date): Promise<GatewayKeyRecord | undefined>;
  /** Every key ever issued, oldest first, revoked ones included; no key or hash in them. */
  list(): Promise<GatewayKeyRecord[]>;
  events(): Promise<KeyEvent[]>;
  recordEvent(e: KeyEvent): Promise<void>;
  close(): Promise<void>;
}

/** A key store that does not exist yet, for readers that must not create one. */
export class MissingKeyStoreError extends AuditStoreError {
  constructor(message: string, target: string) {
    super(message, target);
    this.name = "MissingKeyStoreError";
  }
}

/** A new key and its record (id, last 4, times); the caller stores sha256(key) with the record. */
export function newKey(opts: CreateKeyOptions): { key: string; record: GatewayKeyRecord } {
  if (!opts.integration) throw new RangeError("a key belongs to an integration; none given");
  const key = generateKey();
  const record: GatewayKeyRecord = {
    id: generateKeyId(),
    integration: opts.integration,
    label: opts.label ?? null,
    last4: key.slice(-4),
    created_at: (opts.now ?? new Date()).toISOString(),
    revoked_at: null,
    owner: opts.owner ?? null,
    expires_at: null,
    replaced_by: null,
  };
  return { key, record };
}

/** Whether a key can still be rotated: not revoked, not already replaced, grace not over. */
export function rotatable(r: GatewayKeyRecord, now: Date): boolean {
  if (r.revoked_at || r.replaced_by) return false;
  return !(r.expires_at && Date.parse(r.expires_at) <= now.getTime());
}

/** When a rotated key stops working. */
export function graceEnd(now: Date, graceMs: number): string {
  return new Date(now.getTime() + Math.max(0, graceMs)).toISOString();
}

/** Presented values that cannot be a key are refused before any hashing or lookup. */
export function presentable(presented: unknown): presented is string {
  return typeof presented === "string" && presented.length > 0 && presented.length <= MAX_PRESENTED;
}

/** The verdict on a looked-up row: unknown, revoked and expired keys are all refused. */
export function verdict(
  row: { id: string; integration: string; revoked_at: string | null; expires_at: string | null } | undefined,
): { integration: string; id: string } | null {
  if (!row || row.revoked_at !== null) return null;
  // A rotated key works until its grace period ends, then never again.
  if (row.expires_at !== null && Date.parse(row.expires_at) <= Date.now()) return null;
  return { integration: row.integration, id: row.id };
}

/**
 * Gateway keys: each integration calls the gateway with its own key, and the key says which
 * integration is calling. A key is `pgk_` and 43 base62 characters (32 random bytes); only its
 * SHA-256 is stored. A salted slow hash is for passwords people choose; a 256-bit random key
 * cannot be guessed, so one fast hash is enough and verification stays cheap on every request.
 *
 * Keys live in the same SQLite file as the audit log by default (table gateway_keys). This is the
 * synchronous SQLite store; callers outside tests use it through GatewayKeyStore (openKeyStore).
 *
 * @example
 * const keys = KeyStore.open(".policygate/audit.sqlite");
 * const { key } = keys.create({ integration: "support-bot" }); // shown once
 * await keys.verify(key); // { integration: "support-bot", id: "gk_…" }
 */
export class KeyStore implements KeyVerifier {
  private readonly byHash: Database.Statement<
    [Buffer],
    { id: string; integration: string; revoked_at: string | null; expires_at: string | null }
  >;

  private constructor(
    private readonly db: Database.Database,
    readonly path: string,
  ) {
    this.byHash = db.prepare(
      "SELECT id, integration, revoked_at, expires_at FROM gateway_keys WHERE key_sha256 = ?",
    );
  }

  static open(path: string, opts: SqliteFileOptions = {}): KeyStore {
    const db = openSqliteFile(path, opts);
    try {
      migrate(db, path, "gateway_keys", MIGRATIONS);
      return new KeyStore(db, path);
    } catch (e) {
      db.close();
      throw e;
    }
  }

  /** Issues a key for an integration. The key is in the result and nowhere else, ever. */
  create(opts: CreateKeyOptions): { key: string; record: GatewayKeyRecord } {
    const fresh = newKey(opts);
    this.run(() =>
      this.db
        .prepare(
          `INSERT INTO gateway_keys (id, key_sha256, integration, label, last4, created_at, owner)
           VALUES (@id, @key_sha256, @integration, @label, @last4, @created_at, @owner)`,
        )
        .run({ ...fresh.record, key_sha256: sha256(fresh.key) }),
    );
    return fresh;
  }

  /**
   * Issues a replacement for a key (same integration, label and owner) and lets the old one work
   * for `graceMs` more, so deployments can switch without an outage. A grace of 0 ends it at once.
   * Returns undefined when no live key has that id.
   */
  rotate(id: string, opts: RotateKeyOptions): RotatedKey | undefined {
    const now = opts.now ?? new Date();
    return this.run(() =>
      this.db.transaction(() => {
        const old = this.db.prepare(`SELECT ${COLUMNS} FROM gateway_keys WHERE id = ?`).get(id) as
          Row | undefined;
        if (!old || !rotatable(old, now)) return undefined;
        const fresh = this.create({
          integration: old.integration,
          label: old.label,
          owner: opts.owner === undefined ? (old.owner ?? null) : opts.owner,
          now,
        });
        const expires = graceEnd(now, opts.graceMs);
        this.db
          .prepare("UPDATE gateway_keys SET expires_at = ?, replaced_by = ? WHERE id = ?")
          .run(expires, fresh.record.id, id);
        this.recordEvent({
          at: now.toISOString(),
          kind: "rotate",
          person: old.owner ?? null,
          detail: { old: id, new: fresh.record.id, expires_at: expires },
        });
        return { ...fresh, old: { ...old, expires_at: expires, replaced_by: fresh.record.id } };
      })(),
    );
  }

  recordEvent(e: KeyEvent): void {
    this.run(() =>
      this.db
        .prepare("INSERT INTO key_events (at, kind, person, detail) VALUES (?, ?, ?, ?)")
        .run(e.at, e.kind, e.person, JSON.stringify(e.detail)),
    );
  }

  events(): KeyEvent[] {
    return this.run(() =>
      (
        this.db.prepare("SELECT at, kind, person, detail FROM key_events ORDER BY rowid").all() as {
          at: string;
          kind: KeyEvent["kind"];
          person: string | null;
          detail: string;
        }[]
      ).map((r) => ({ ...r, detail: JSON.parse(r.detail) as unknown })),
    );
  }

  /** Every key ever issued, oldest first, revoked ones included; no key or hash in them. */
  list(): GatewayKeyRecord[] {
    return this.run(() =>
      this.db.prepare(`SELECT ${COLUMNS} FROM gateway_keys ORDER BY created_at, id`).all(),
    ) as Row[];
  }

  /**
   * Revokes a key at once: the next request with it is refused. Returns the record (with the time
   * it was first revoked, if it already was), or undefined when no key has that id.
   */
  revoke(id: string, now = new Date()): GatewayKeyRecord | undefined {
    return this.run(() =>
      this.db.transaction(() => {
        this.db
          .prepare("UPDATE gateway_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL")
          .run(now.toISOString(), id);
        return this.db.prepare(`SELECT ${COLUMNS} FROM gateway_keys WHERE id = ?`).get(id) as Row | undefined;
      })(),
    );
  }

  /**
   * The integration a presented key belongs to and the key's id, or null for an unknown or revoked
   * key. The key is hashed first and the lookup is by hash, so the time taken does not depend on
   * how much of a guess matches a real key. Nothing is cached: a revocation by another process
   * applies to the next request. (Asynchronous to fit the gateway's KeyVerifier.)
   */
  async verify(presented: string): Promise<{ integration: string; id: string } | null> {
    if (!presentable(presented)) return null;
    return verdict(this.run(() => this.byHash.get(sha256(presented))));
  }

  close(): void {
    this.db.close();
  }

  private run<T>(f: () => T): T {
    try {
      return f();
    } catch (e) {
      throw sqliteError(this.path, e);
    }
  }
}

/**
 * Where keys live when they are in a SQLite file: the audit store's file when the audit store is
 * SQLite (the default), else keys.sqlite in the data directory. Undefined for PostgreSQL, whose
 * database holds the keys itself.
 */
export function keyStorePath(
  auditSpec: string | undefined,
  opts: { dataDir: string; cwd?: string },
): string | undefined {
  const spec = parseAuditSpec(auditSpec, opts);
  if (spec.kind === "postgres") return undefined;
  return spec.kind === "sqlite" ? spec.path : resolve(opts.dataDir, DEFAULT_KEYS_FILE);
}

/**
 * Opens the key store for an audit spec: the audit database's own tables for postgres://, else a
 * SQLite file (creating the data directory when needed). With `create: false`, a store that does
 * not exist yet is a MissingKeyStoreError. The gateway and `policygate keys` both ask here.
 */
export async function openKeyStore(
  auditSpec: string | undefined,
  opts: { dataDir: string; cwd?: string } & SqliteFileOptions,
): Promise<GatewayKeyStore> {
  const spec = parseAuditSpec(auditSpec, opts);
  if (spec.kind === "postgres") {
    // Loaded on demand: the pg driver is only needed by deployments that use it.
    const { PostgresKeyStore } = await import("./keys-postgres.js");
    return PostgresKeyStore.open(spec.url, { create: opts.create });
  }
  const path = keyStorePath(auditSpec, opts)!;
  const create = opts.create ?? true;
  if (!create && !existsSync(path)) {
    throw new MissingKeyStoreError(
      `no key store at ${path}: no key has been created there (check --data-dir or --audit)`,
      path,
    );
  }
  if (create && path.startsWith(resolve(opts.dataDir) + "/")) {
    try {
      ensureDataDir(opts.dataDir);
    } catch (e) {
      throw new AuditStoreError(
        `cannot create the data directory ${opts.dataDir}: ${(e as Error).message}`,
        path,
      );
    }
  }
  return new SqliteKeyStore(KeyStore.open(path, opts));
}

/** The SQLite key store behind the asynchronous interface; each call is one synchronous statement or transaction. */
export class SqliteKeyStore implements GatewayKeyStore {
  constructor(readonly sync: KeyStore) {}

  get description(): string {
    return this.sync.path;
  }

  async create(opts: CreateKeyOptions) {
    return this.sync.create(opts);
  }

  async rotate(id: string, opts: RotateKeyOptions) {
    return this.sync.rotate(id, opts);
  }

  async revoke(id: string, now?: Date) {
    return this.sync.revoke(id, now);
  }

  async list() {
    return this.sync.list();
  }

  async events() {
    return this.sync.events();
  }

  async recordEvent(e: KeyEvent) {
    this.sync.recordEvent(e);
  }

  verify(presented: string) {
    return this.sync.verify(presented);
  }

  async close() {
    this.sync.close();
  }
}

/** `pgk_` + 32 random bytes in base62, always 47 characters. */
export function generateKey(): string {
  let n = BigInt("0x" + randomBytes(KEY_BYTES).toString("hex"));
  let s = "";
  for (let i = 0; i < KEY_CHARS; i++) {
    s = BASE62[Number(n % 62n)] + s;
    n /= 62n;
  }
  return KEY_PREFIX + s;
}

/** Short enough to type in `keys revoke`, random enough (60 bits) never to collide in one file. */
function generateKeyId(): string {
  const alphabet = "0123456789abcdefghjkmnpqrstvwxyz";
  return "gk_" + Array.from(randomBytes(12), (b) => alphabet[b & 31]).join("");
}

export function sha256(s: string): Buffer {
  return createHash("sha256").update(s, "utf8").digest();
}
