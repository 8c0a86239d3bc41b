import { createHash } from "node:crypto";
import type { AuditEvent } from "./event.js";

/**
 * The hash chain over the audit log. Each stored event carries `prev_hash` (the hash of the event
 * stored just before it, in append order) and `hash`:
 *
 *   hash = sha256_hex("policygate.audit.v1\n" + prev_hash + "\n" + canonical(event))
 *
 * where `event` is the audit event without its `prev_hash` and `hash`, and canonical() is JSON with
 * object keys sorted by UTF-16 code units, no whitespace, undefined members left out, strings and
 * numbers written as JSON.stringify writes them. The first event of a log links to GENESIS_HASH,
 * or to the hash of the last event removed by `logs purge` (recorded in a signed checkpoint).
 *
 * Editing an event changes its hash; removing or reordering events breaks the link of the event
 * that follows. Hashing the parsed event rather than the stored bytes lets a store re-encode its
 * JSON (whitespace, key order) without breaking the chain.
 */
export const CHAIN_VERSION = "policygate.audit.v1";
export const GENESIS_HASH = "0".repeat(64);

/** The chain fields a store keeps next to an event. */
export interface ChainLink {
  prev_hash: string;
  hash: string;
}

export type ChainedEvent = AuditEvent & Partial<ChainLink>;

/** JSON with sorted keys and no whitespace: the bytes the hash covers. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") {
    const s = JSON.stringify(value);
    // undefined, functions and symbols have no JSON form; inside an array JSON writes null.
    return s === undefined ? "null" : s;
  }
  if (Array.isArray(value)) return "[" + value.map(canonicalJson).join(",") + "]";
  const keys = Object.keys(value as object)
    .filter((k) => {
      const v = (value as Record<string, unknown>)[k];
      return v !== undefined && typeof v !== "function" && typeof v !== "symbol";
    })
    .sort();
  return (
    "{" +
    keys
      .map((k) => JSON.stringify(k) + ":" + canonicalJson((value as Record<string, unknown>)[k]))
      .join(",") +
    "}"
  );
}

/** The event as the chain sees it: without its own chain fields. */
export function unchained<T extends object>(e: T): Omit<T, "prev_hash" | "hash"> {
  const { prev_hash: _p, hash: _h, ...rest } = e as T & Partial<ChainLink>;
  return rest;
}

export function eventHash(prevHash: string, event: object): string {
  return createHash("sha256")
    .update(CHAIN_VERSION + "\n" + prevHash + "\n" + canonicalJson(unchained(event)))
    .digest("hex");
}

/** Links events to `prevHash` in the order given; returns the links and the new head. */
export function linkEvents(
  prevHash: string,
  events: readonly object[],
): { links: ChainLink[]; head: string } {
  const links: ChainLink[] = [];
  let prev = prevHash;
  for (const e of events) {
    const hash = eventHash(prev, e);
    links.push({ prev_hash: prev, hash });
    prev = hash;
  }
  return { links, head: prev };
}

export function isHash(v: unknown): v is string {
  return typeof v === "string" && /^[0-9a-f]{64}$/.test(v);
}
