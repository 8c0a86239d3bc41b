import type { KeyObject } from "node:crypto";
import { eventHash, GENESIS_HASH, isHash } from "./chain.js";
import { checkpointHash, checkpointSignatureValid, keyIdOf, type Checkpoint } from "./checkpoint.js";

/** One stored event as the chain sees it, in append order. */
export interface ChainEntry {
  /** Where it is in the store, for people: "line 12", "row seq 40". */
  where: string;
  id: string | null;
  /** The event without its chain fields; null when the stored form does not parse. */
  event: object | null;
  prev_hash: string | null;
  hash: string | null;
  /** Something the store itself noticed (an unreadable line, a column that disagrees with the event). */
  problem?: string;
}

/** A store whose chain `logs verify` can walk and `logs purge` can shorten. */
export interface ChainedStore {
  chainEntries(): AsyncIterable<ChainEntry>;
  checkpoints(): Promise<Checkpoint[]>;
}

export type ProblemKind = "edited" | "removed" | "reordered" | "inserted" | "checkpoint";

export interface VerifyProblem {
  kind: ProblemKind;
  /** 1-based position in the log since it began (events removed by purges count). */
  position: number | null;
  id: string | null;
  where: string;
  message: string;
}

export interface VerifyReport {
  ok: boolean;
  /** Events read, of which chained and written before chaining existed. */
  events: number;
  chained: number;
  unchained: number;
  /** The hash of the last event: note it somewhere safe to detect a truncated log later (--head). */
  head: string;
  checkpoints: number;
  purged_total: number;
  key_id: string | null;
  problems: VerifyProblem[];
}

export interface VerifyOptions {
  /** The key checkpoints must be signed with; without it, a log with checkpoints does not verify. */
  publicKey?: KeyObject;
  /** A head noted earlier: the log must still contain it (a truncated log does not). */
  expectHead?: string;
}

/**
 * Walks the chain: every event's hash must match its content, and every event must link to the
 * one before it (or to the last checkpoint). Problems are located by event id and position.
 * One edit is reported once: the walk continues from the stored hash, not the recomputed one.
 */
export async function verifyChain(store: ChainedStore, opts: VerifyOptions = {}): Promise<VerifyReport> {
  const problems: VerifyProblem[] = [];
  const checkpoints = await store.checkpoints();
  const keyId = opts.publicKey ? keyIdOf(opts.publicKey) : null;
  checkCheckpoints(checkpoints, opts.publicKey, keyId, problems);
  const last = checkpoints.at(-1);
  const offset = last?.purged_total ?? 0;

  const entries: ChainEntry[] = [];
  for await (const e of store.chainEntries()) entries.push(e);
  // Where each hash sits, to tell a reordered event (its predecessor is elsewhere) from a removed one.
  const at = new Map<string, number>();
  entries.forEach((e, i) => {
    if (e.hash) at.set(e.hash, i);
  });

  let expected = last?.chain_head ?? GENESIS_HASH;
  let chained = 0;
  let unchained = 0;
  let seenChained = false;
  let sawHead = opts.expectHead === undefined || opts.expectHead === expected;
  entries.forEach((e, i) => {
    const position = offset + i + 1;
    const label = `event ${e.id ?? "(no id)"} at position ${position} (${e.where})`;
    const report = (kind: ProblemKind, message: string) =>
      problems.push({ kind, position, id: e.id, where: e.where, message });
    if (e.event === null) {
      report("edited", `${label}: ${e.problem ?? "it is unreadable"}`);
      return;
    }
    if (e.hash === null && e.prev_hash === null) {
      if (seenChained) report("inserted", `${label} has no chain link: it was added outside PolicyGate`);
      else unchained++;
      return;
    }
    seenChained = true;
    chained++;
    if (!isHash(e.hash) || !isHash(e.prev_hash)) {
      report("edited", `${label}: its chain fields were altered`);
      return;
    }
    if (e.problem) report("edited", `${label}: ${e.problem}`);
    else if (eventHash(e.prev_hash, e.event) !== e.hash) {
      report("edited", `${label} was changed after it was written: its content does not match its hash`);
    }
    if (e.prev_hash !== expected) {
      const j = at.get(e.prev_hash);
      if (j !== undefined && j !== i - 1) {
        const other = entries[j]!;
        report(
          "reordered",
          `${label} is out of order: it was written right after event ${other.id ?? "(no id)"}, now at position ${offset + j + 1}`,
        );
      } else if (i === 0 && last) {
        report(
          "removed",
          `${label} does not follow the last purge checkpoint: events were removed after the checkpoint of ${last.created_at}`,
        );
      } else {
        report(
          "removed",
          `${label} does not follow the event before it: one or more events were removed just before it`,
        );
      }
    }
    expected = e.hash;
    if (e.hash === opts.expectHead) sawHead = true;
  });
  if (!sawHead) {
    problems.push({
      kind: "removed",
      position: null,
      id: null,
      where: "end of log",
      message: `the head ${opts.expectHead} noted earlier is not in the log: events at its end were removed (or it is another log)`,
    });
  }
  return {
    ok: problems.length === 0,
    events: entries.length,
    chained,
    unchained,
    head: expected,
    checkpoints: checkpoints.length,
    purged_total: offset,
    key_id: keyId,
    problems,
  };
}

function checkCheckpoints(
  cps: Checkpoint[],
  publicKey: KeyObject | undefined,
  keyId: string | null,
  problems: VerifyProblem[],
): void {
  let previous: Checkpoint | undefined;
  let total = 0;
  cps.forEach((c, i) => {
    const where = `checkpoint ${i + 1} (${c.created_at})`;
    const fail = (message: string) =>
      problems.push({ kind: "checkpoint", position: null, id: null, where, message: `${where}: ${message}` });
    if (!publicKey) fail("no public key to check its signature (see --public-key)");
    else if (!checkpointSignatureValid(c, publicKey)) {
      fail(
        c.key_id !== keyId
          ? `signed by key ${c.key_id}, not by the expected key ${keyId}`
          : "its signature does not match its content: it was edited",
      );
    }
    if ((previous ? checkpointHash(previous) : null) !== c.previous) {
      fail("it does not follow the checkpoint before it: a checkpoint was removed or replaced");
    }
    total += c.purged;
    if (c.purged_total !== total) fail(`its purged_total (${c.purged_total}) does not add up (${total})`);
    previous = c;
  });
}
