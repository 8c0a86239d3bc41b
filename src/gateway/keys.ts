import { createHash, randomBytes } from "node:crypto";
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

/**
 * Gateway keys: each integration calls the gateway with its own key, and the key says which
 * integration is calling. A key is `pgk_` and 43 base62 characters (32 random bytes); only its
 * SHA-256 is stored. A salted slow hash is for passwords people choose; a 256-bit random key
 * cannot be guessed, so one fast hash is enough and verification stays cheap on every request.
 *
 * Keys live in the same SQLite file as the audit log by default (table gateway_keys).
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
  create(opts: { integration: string; label?: string | null; owner?: string | null; now?: Date }): {
    key: string;
    record: GatewayKeyRecord;
  } {
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
    this.run(() =>
      this.db
        .prepare(
          `INSERT INTO gateway_keys (id, key_sha256, integration, label, last4, created_at, owner)
           VALUES (@id, @key_sha256, @integration, @label, @last4, @created_at, @owner)`,
        )
        .run({ ...record, key_sha256: sha256(key) }),
    );
    return { key, record };
  }

  /**
   * Issues a replacement for a key (same integration, label and owner) and lets the old one work
   * for `graceMs` more, so deployments can switch without an outage. A grace of 0 ends it at once.
   * Returns undefined when no live key has that id.
   */
  rotate(
    id: string,
    opts: { graceMs: number; owner?: string | null; now?: Date },
  ): { key: string; record: GatewayKeyRecord; old: GatewayKeyRecord } | undefined {
    const now = opts.now ?? new Date();
    return this.run(() =>
      this.db.transaction(() => {
        const old = this.db.prepare(`SELECT ${COLUMNS} FROM gateway_keys WHERE id = ?`).get(id) as
          Row | undefined;
        if (!old || old.revoked_at || old.replaced_by) return undefined;
        if (old.expires_at && Date.parse(old.expires_at) <= now.getTime()) return undefined;
        const fresh = this.create({
          integration: old.integration,
          label: old.label,
          owner: opts.owner === undefined ? (old.owner ?? null) : opts.owner,
          now,
        });
        const expires = new Date(now.getTime() + Math.max(0, opts.graceMs)).toISOString();
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
   * applies to the next request. (Asynchronous to fit the gateway's KeyVerifier; a PostgreSQL key
   * store will need it.)
   */
  async verify(presented: string): Promise<{ integration: string; id: string } | null> {
    if (typeof presented !== "string" || presented.length === 0 || presented.length > MAX_PRESENTED)
      return null;
    const row = this.run(() => this.byHash.get(sha256(presented)));
    if (!row || row.revoked_at !== null) return null;
    // A rotated key works until its grace period ends, then never again.
    if (row.expires_at !== null && Date.parse(row.expires_at) <= Date.now()) return null;
    return { integration: row.integration, id: row.id };
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
 * Where keys live: in the audit store's SQLite file when the audit store is SQLite (the default),
 * else in keys.sqlite in the data directory. The gateway and `policygate keys` both ask here.
 */
export function keyStorePath(auditSpec: string | undefined, opts: { dataDir: string; cwd?: string }): string {
  const spec = parseAuditSpec(auditSpec, opts);
  return spec.kind === "sqlite" ? spec.path : resolve(opts.dataDir, DEFAULT_KEYS_FILE);
}

/** Opens the key store for a given audit spec and data directory, creating the directory if needed. */
export function openKeyStore(
  auditSpec: string | undefined,
  opts: { dataDir: string; cwd?: string } & SqliteFileOptions,
): KeyStore {
  const path = keyStorePath(auditSpec, opts);
  if ((opts.create ?? true) && path.startsWith(resolve(opts.dataDir) + "/")) {
    try {
      ensureDataDir(opts.dataDir);
    } catch (e) {
      throw new AuditStoreError(
        `cannot create the data directory ${opts.dataDir}: ${(e as Error).message}`,
        path,
      );
    }
  }
  return KeyStore.open(path, opts);
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

function sha256(s: string): Buffer {
  return createHash("sha256").update(s, "utf8").digest();
}
