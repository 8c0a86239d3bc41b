import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import type { DataClass } from "../policy/classes.js";

/** One remembered placeholder: placeholder, original value, class. */
export type VaultEntry = [string, string, DataClass];

interface Sealed {
  iv: Buffer;
  tag: Buffer;
  data: Buffer;
  expires: number;
}

export interface VaultOptions {
  /** 32-byte AES key; default: POLICYGATE_RESTORE_KEY, else random for this process. */
  key?: Buffer;
  /** Most conversations kept; the least recently used goes first. */
  maxConversations?: number;
  /** Most placeholders kept per conversation. */
  maxEntries?: number;
  now?: () => number;
}

/** The environment variable that holds the vault key (32 bytes as base64 or 64 hex digits). */
export const RESTORE_KEY_ENV = "POLICYGATE_RESTORE_KEY";

/** A bad key setting; the message names the variable and the expected format, never its value. */
export class RestoreKeyError extends Error {}

export function restoreKeyFrom(env: NodeJS.ProcessEnv): Buffer | undefined {
  const raw = env[RESTORE_KEY_ENV]?.trim();
  if (!raw) return undefined;
  const key = /^[0-9a-fA-F]{64}$/.test(raw) ? Buffer.from(raw, "hex") : Buffer.from(raw, "base64");
  if (key.length !== 32)
    throw new RestoreKeyError(
      `${RESTORE_KEY_ENV} must be 32 random bytes, as 64 hex digits or base64 (openssl rand -base64 32).`,
    );
  return key;
}

/**
 * The placeholder mappings of conversations between turns, so "[EMAIL_1]" means the same address
 * on every turn. Kept in memory only, sealed with AES-256-GCM under a key that never leaves the
 * process; a conversation is found by a hash of its owner and id (both also bound into the
 * ciphertext), so one caller cannot open another's mapping by guessing its conversation id. Entries
 * expire after the integration's TTL (sliding) and the number kept is bounded.
 */
export class ConversationVault {
  private readonly sealed = new Map<string, Sealed>();
  private readonly key: Buffer;
  private readonly maxConversations: number;
  readonly maxEntries: number;
  private readonly now: () => number;
  private puts = 0;

  constructor(opts: VaultOptions = {}) {
    this.key = opts.key ?? restoreKeyFrom(process.env) ?? randomBytes(32);
    if (this.key.length !== 32) throw new RestoreKeyError("the restore vault key must be 32 bytes");
    this.maxConversations = opts.maxConversations ?? 10_000;
    this.maxEntries = opts.maxEntries ?? 4_096;
    this.now = opts.now ?? Date.now;
  }

  /** The conversation's placeholders, or [] when it is unknown, expired or cannot be opened. */
  get(owner: string, conversation: string): VaultEntry[] {
    const id = this.id(owner, conversation);
    const s = this.sealed.get(id);
    if (!s) return [];
    this.sealed.delete(id);
    if (s.expires <= this.now()) return [];
    try {
      const d = createDecipheriv("aes-256-gcm", this.key, s.iv);
      d.setAAD(Buffer.from(id));
      d.setAuthTag(s.tag);
      const plain = Buffer.concat([d.update(s.data), d.final()]).toString("utf8");
      this.sealed.set(id, s); // most recently used last
      return JSON.parse(plain) as VaultEntry[];
    } catch {
      return [];
    }
  }

  put(owner: string, conversation: string, entries: readonly VaultEntry[], ttlSeconds: number): void {
    const id = this.id(owner, conversation);
    this.sealed.delete(id);
    if (++this.puts % 64 === 0) this.sweep();
    const iv = randomBytes(12);
    const c = createCipheriv("aes-256-gcm", this.key, iv);
    c.setAAD(Buffer.from(id));
    const data = Buffer.concat([
      c.update(JSON.stringify(entries.slice(0, this.maxEntries)), "utf8"),
      c.final(),
    ]);
    this.sealed.set(id, { iv, tag: c.getAuthTag(), data, expires: this.now() + ttlSeconds * 1000 });
    while (this.sealed.size > this.maxConversations) this.sealed.delete(this.sealed.keys().next().value!);
  }

  /** Conversations currently kept (for tests and metrics). */
  get size(): number {
    return this.sealed.size;
  }

  private id(owner: string, conversation: string): string {
    return createHash("sha256").update(owner).update("\u0000").update(conversation).digest("base64url");
  }

  private sweep(): void {
    const now = this.now();
    for (const [id, s] of this.sealed) if (s.expires <= now) this.sealed.delete(id);
  }
}

let shared: ConversationVault | undefined;

/** The process's vault, created on first use (so a bad key fails the first call that needs it). */
export function sharedVault(): ConversationVault {
  shared ??= new ConversationVault();
  return shared;
}
