import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
  type KeyObject,
} from "node:crypto";
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { canonicalJson, GENESIS_HASH } from "./chain.js";

/**
 * What `logs purge` leaves behind in place of the events it removed: enough to keep verifying the
 * rest of the chain (the hash the first remaining event must link to) and to account for what went
 * (how many, up to when), signed so that someone who can edit the log cannot forge a purge that hides
 * an edit. Each checkpoint names the one before it (by hash), so checkpoints form a chain too.
 */
export interface Checkpoint {
  type: "policygate.audit.checkpoint";
  version: 1;
  created_at: string;
  /** Events with ts before this were eligible for removal (audit.retention_days). */
  cutoff: string;
  /** Events removed by this purge, and by every purge so far. */
  purged: number;
  purged_total: number;
  /** The last event removed: its id, time and hash. The next event in the log links to chain_head. */
  last_purged: { id: string; ts: string };
  chain_head: string;
  /** sha256 of the previous checkpoint (its canonical JSON, signature included), null for the first. */
  previous: string | null;
  /** Which key signed: the first 16 hex digits of sha256 over the public key (SPKI DER). */
  key_id: string;
  /** Ed25519 over canonicalJson(checkpoint without signature), base64. */
  signature: string;
}

export const SIGNING_KEY_FILE = "audit-signing.key";
export const PUBLIC_KEY_FILE = "audit-signing.pub";

export interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  keyId: string;
}

/**
 * The data directory's Ed25519 key for checkpoints, created on first use (private key mode 0600).
 * Keep a copy of the public key somewhere the log's writers cannot change: `logs verify
 * --public-key FILE` checks against it instead of the one beside the log.
 */
export function loadOrCreateSigningKey(dataDir: string): SigningKey {
  const keyPath = join(dataDir, SIGNING_KEY_FILE);
  const pubPath = join(dataDir, PUBLIC_KEY_FILE);
  if (!existsSync(keyPath)) {
    const { privateKey, publicKey } = generateKeyPairSync("ed25519");
    writeFileSync(keyPath, privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600, flag: "wx" });
    chmodSync(keyPath, 0o600);
    writeFileSync(pubPath, publicKey.export({ type: "spki", format: "pem" }), { mode: 0o644 });
  }
  const privateKey = createPrivateKey(readFileSync(keyPath));
  const publicKey = createPublicKey(privateKey);
  if (!existsSync(pubPath)) writeFileSync(pubPath, publicKey.export({ type: "spki", format: "pem" }));
  return { privateKey, publicKey, keyId: keyIdOf(publicKey) };
}

/** The public key to verify checkpoints with: an explicit file, else the data directory's. */
export function loadPublicKey(path: string): KeyObject {
  return createPublicKey(readFileSync(path));
}

export function keyIdOf(publicKey: KeyObject): string {
  return createHash("sha256")
    .update(publicKey.export({ type: "spki", format: "der" }))
    .digest("hex")
    .slice(0, 16);
}

export type UnsignedCheckpoint = Omit<Checkpoint, "type" | "version" | "key_id" | "signature" | "previous">;

export function signCheckpoint(
  body: UnsignedCheckpoint,
  previous: Checkpoint | undefined,
  key: SigningKey,
): Checkpoint {
  const unsigned = {
    type: "policygate.audit.checkpoint" as const,
    version: 1 as const,
    ...body,
    previous: previous ? checkpointHash(previous) : null,
    key_id: key.keyId,
  };
  const signature = sign(null, Buffer.from(canonicalJson(unsigned)), key.privateKey).toString("base64");
  return { ...unsigned, signature };
}

export function checkpointHash(c: Checkpoint): string {
  return createHash("sha256").update(canonicalJson(c)).digest("hex");
}

/** Whether the signature is the given key's over this checkpoint's content. */
export function checkpointSignatureValid(c: Checkpoint, publicKey: KeyObject): boolean {
  const { signature, ...unsigned } = c;
  try {
    return verify(null, Buffer.from(canonicalJson(unsigned)), publicKey, Buffer.from(signature, "base64"));
  } catch {
    return false;
  }
}

export function isCheckpoint(v: unknown): v is Checkpoint {
  const c = v as Checkpoint;
  return (
    typeof v === "object" &&
    v !== null &&
    c.type === "policygate.audit.checkpoint" &&
    typeof c.chain_head === "string" &&
    typeof c.signature === "string" &&
    Number.isInteger(c.purged_total)
  );
}

/** The checkpoint a purge leaves for the prefix it removed, signed and linked to the one before. */
export function purgeCheckpoint(p: {
  cutoff: string;
  purged: number;
  /** The last event removed; a null hash (written before chaining) links the rest to genesis. */
  last: { id: string; ts: string; hash: string | null };
  previous: Checkpoint | undefined;
  key: SigningKey;
  now: Date;
}): Checkpoint {
  return signCheckpoint(
    {
      created_at: p.now.toISOString(),
      cutoff: p.cutoff,
      purged: p.purged,
      purged_total: (p.previous?.purged_total ?? 0) + p.purged,
      last_purged: { id: p.last.id, ts: p.last.ts },
      chain_head: p.last.hash ?? GENESIS_HASH,
    },
    p.previous,
    p.key,
  );
}
