import { constants, createReadStream, existsSync } from "node:fs";
import { createHash } from "node:crypto";
import { access, open, rename, rm, writeFile, type FileHandle } from "node:fs/promises";
import { dirname } from "node:path";
import { createInterface } from "node:readline";
import { checkEvent } from "./check.js";
import { AuditStoreError } from "./errors.js";
import type { AuditEvent } from "./event.js";
import { canonicalTime, checkQuery, matchesQuery, orderAndLimit } from "./filter.js";
import type { AuditQuery, AuditStore } from "./store.js";
import { CHAIN_VERSION, canonicalJson, GENESIS_HASH, isHash, unchained } from "./chain.js";
import { isCheckpoint, purgeCheckpoint, type Checkpoint, type SigningKey } from "./checkpoint.js";
import type { PurgeResult } from "./sqlite-chain.js";
import type { ChainedStore, ChainEntry } from "./verify.js";

export interface JsonlAuditStoreOptions {
  /** Create the file when it does not exist (writers); readers want false, to notice a wrong path. */
  create?: boolean;
}

interface Pending {
  event: AuditEvent;
  /** The bytes the chain hash covers, computed at append so a bad event is refused there. */
  canonical: string;
  resolve: () => void;
  reject: (e: unknown) => void;
}

/**
 * An append-only file with one event per line, the format of the article's logging example: easy to
 * ship, grep and archive. Reads scan the whole file, so it suits small deployments and archives;
 * the SQLite store is the one for querying a large log.
 *
 * Durability by group commit: appends that arrive while a write is in flight are gathered, then
 * written in one write(2) and made durable with one fdatasync(2). `append` resolves after the
 * fdatasync that covers its line. One process should write a file at a time.
 *
 * A line cut short by a crash was never acknowledged; readers skip lines that do not parse, and the
 * next writer starts on a fresh line. Appending an id already in the file is harmless: readers keep
 * the first event with a given id (forwarding is at least once, the id is the idempotency key).
 *
 * @example
 * const store = await JsonlAuditStore.open("/var/log/policygate/audit.jsonl");
 * await store.append(event);
 */
export class JsonlAuditStore implements AuditStore, ChainedStore {
  readonly description: string;
  private fh: FileHandle | undefined;
  private queue: Pending[] = [];
  private writing: Promise<void> | undefined;
  /** Set when the file's last line is incomplete, so the next write starts a new line. */
  private needsNewline = false;
  private closed = false;

  private constructor(
    readonly path: string,
    private readonly writable: boolean,
  ) {
    this.description = `jsonl:${path}`;
  }

  static async open(path: string, opts: JsonlAuditStoreOptions = {}): Promise<JsonlAuditStore> {
    const create = opts.create ?? true;
    if (!create) {
      if (!existsSync(path)) {
        throw new AuditStoreError(`no audit log at ${path} (check --data-dir or --audit)`, path);
      }
      await probe(path, constants.R_OK);
      await checkLooksLikeJsonl(path);
      return new JsonlAuditStore(path, false);
    }
    const store = new JsonlAuditStore(path, true);
    const existed = existsSync(path);
    if (existed) await checkLooksLikeJsonl(path);
    try {
      store.fh = await open(path, "a+", 0o600);
    } catch (e) {
      throw fileError(path, e);
    }
    try {
      const { size } = await store.fh.stat();
      if (size > 0) {
        const last = Buffer.alloc(1);
        await store.fh.read(last, 0, 1, size - 1);
        store.needsNewline = last[0] !== 0x0a;
      }
      if (!existed) await syncDirectory(dirname(path));
    } catch (e) {
      await store.fh.close();
      throw fileError(path, e);
    }
    return store;
  }

  append(event: AuditEvent): Promise<void> {
    if (this.closed) return Promise.reject(this.closedError());
    if (!this.writable) {
      return Promise.reject(
        new AuditStoreError(`${this.description} was opened for reading only`, this.path),
      );
    }
    const problem = checkEvent(event);
    if (problem) return Promise.reject(new AuditStoreError(`not a valid audit event: ${problem}`, this.path));
    let plain: AuditEvent;
    let canonical: string;
    try {
      plain = unchained(event) as AuditEvent;
      JSON.stringify(plain);
      canonical = canonicalJson(plain);
    } catch (e) {
      return Promise.reject(
        new AuditStoreError(`not a valid audit event: ${(e as Error).message}`, this.path),
      );
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ event: plain, canonical, resolve, reject });
      this.writing ??= this.drain();
    });
  }

  async query(q?: AuditQuery): Promise<AuditEvent[]> {
    const cq = checkQuery(q);
    if (this.closed) throw this.closedError();
    await this.writing;
    const seen = new Set<string>();
    const out: AuditEvent[] = [];
    for await (const e of this.read()) {
      if (seen.has(e.id)) continue;
      seen.add(e.id);
      if (matchesQuery(e, cq)) out.push(e);
    }
    return orderAndLimit(out, cq);
  }

  async count(q?: AuditQuery): Promise<number> {
    return (await this.query({ ...q, newestFirst: false })).length;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.writing;
    await this.fh?.close();
  }

  /** Writes queued lines in groups until the queue is empty; one group at a time. */
  private async drain(): Promise<void> {
    while (this.queue.length) {
      const batch = this.queue.splice(0);
      try {
        // Read the head from the file, not memory: another process may have appended since.
        let prev = await chainHead(this.fh!);
        const lines = batch.map((p) => {
          const hash = createHash("sha256")
            .update(CHAIN_VERSION + "\n" + prev + "\n" + p.canonical)
            .digest("hex");
          const line = JSON.stringify({ ...p.event, prev_hash: prev, hash }) + "\n";
          prev = hash;
          return line;
        });
        const text = (this.needsNewline ? "\n" : "") + lines.join("");
        await writeAll(this.fh!, Buffer.from(text, "utf8"));
        this.needsNewline = false;
        await this.fh!.datasync();
        for (const p of batch) p.resolve();
      } catch (e) {
        // Part of the group may be on disk without its newline; start the next group on a new line.
        this.needsNewline = true;
        const err = fileError(this.path, e);
        for (const p of batch) p.reject(err);
      }
    }
    this.writing = undefined;
  }

  private async *read(): AsyncGenerator<AuditEvent> {
    const input = createReadStream(this.path, { encoding: "utf8" });
    const lines = createInterface({ input, crlfDelay: Infinity });
    try {
      for await (const line of lines) {
        if (!line.trim()) continue;
        let v: unknown;
        try {
          v = JSON.parse(line);
        } catch {
          continue;
        }
        if (v && typeof v === "object" && !Array.isArray(v) && typeof (v as AuditEvent).id === "string") {
          if (checkEvent(v as AuditEvent) === undefined) yield unchained(v as AuditEvent) as AuditEvent;
        }
      }
    } catch (e) {
      throw fileError(this.path, e, "read");
    } finally {
      lines.close();
      input.destroy();
    }
  }

  /** Every line in file order as the chain sees it (for `logs verify`); checkpoint lines are left out. */
  async *chainEntries(): AsyncGenerator<ChainEntry> {
    if (this.closed) throw this.closedError();
    await this.writing;
    let n = 0;
    for await (const line of this.lines()) {
      n++;
      if (!line.trim()) continue;
      const where = `line ${n}`;
      let v: Record<string, unknown>;
      try {
        v = JSON.parse(line) as Record<string, unknown>;
      } catch {
        yield { where, id: null, event: null, prev_hash: null, hash: null, problem: UNREADABLE };
        continue;
      }
      if (v && typeof v === "object" && "checkpoint" in v) continue;
      const id = typeof v?.id === "string" ? v.id : null;
      const link = (k: string) => (typeof v?.[k] === "string" ? (v[k] as string) : null);
      yield {
        where,
        id,
        event: v && typeof v === "object" ? unchained(v) : null,
        prev_hash: link("prev_hash"),
        hash: link("hash"),
      };
    }
  }

  async checkpoints(): Promise<Checkpoint[]> {
    if (this.closed) throw this.closedError();
    await this.writing;
    const out: Checkpoint[] = [];
    for await (const line of this.lines()) {
      if (!line.includes('"checkpoint"')) continue;
      try {
        const v = JSON.parse(line) as { checkpoint?: unknown };
        if (isCheckpoint(v.checkpoint)) out.push(v.checkpoint);
      } catch {
        // Not a checkpoint line.
      }
    }
    return out;
  }

  /**
   * Rewrites the file without its oldest events before `cutoff`, with a signed checkpoint in their
   * place (at the top, after earlier checkpoints). The new file replaces the old by rename, so no
   * gateway may be appending to this file meanwhile: stop it, or use the SQLite store.
   */
  async purge(cutoff: string, key: SigningKey, now = new Date()): Promise<PurgeResult> {
    if (this.closed) throw this.closedError();
    await this.writing;
    const cut = canonicalTime(cutoff, "cutoff");
    const checkpoints = await this.checkpoints();
    const kept: string[] = [];
    let purged = 0;
    let keptOld = 0;
    let last: { id: string; ts: string; hash: string | null } | undefined;
    let cutting = true;
    for await (const line of this.lines()) {
      if (!line.trim()) continue;
      let v: Record<string, unknown> | undefined;
      try {
        v = JSON.parse(line) as Record<string, unknown>;
      } catch {
        v = undefined;
      }
      if (v && "checkpoint" in v) continue;
      const ts = typeof v?.ts === "string" ? Date.parse(v.ts) : NaN;
      const old = !Number.isNaN(ts) && new Date(ts).toISOString() < cut;
      if (cutting && old && v) {
        purged++;
        last = { id: String(v.id), ts: String(v.ts), hash: typeof v.hash === "string" ? v.hash : null };
        continue;
      }
      cutting = false;
      if (old) keptOld++;
      kept.push(line);
    }
    if (!last) return { purged: 0, checkpoint: null, keptOld };
    const previous = checkpoints.at(-1);
    const checkpoint = purgeCheckpoint({ cutoff: cut, purged, last, previous, key, now });
    const text =
      [...checkpoints, checkpoint].map((c) => JSON.stringify({ checkpoint: c }) + "\n").join("") +
      kept.map((l) => l + "\n").join("");
    const tmp = `${this.path}.purge-${process.pid}`;
    try {
      await writeFile(tmp, text, { mode: 0o600 });
      const fh = await open(tmp, "r+");
      await fh.sync();
      await fh.close();
      await rename(tmp, this.path);
      await syncDirectory(dirname(this.path));
    } catch (e) {
      await rm(tmp, { force: true });
      throw fileError(this.path, e);
    }
    if (this.fh) {
      // Our handle points at the replaced file; continue on the new one.
      await this.fh.close();
      this.fh = await open(this.path, "a+", 0o600);
      this.needsNewline = false;
    }
    return { purged, checkpoint, keptOld };
  }

  private async *lines(): AsyncGenerator<string> {
    const input = createReadStream(this.path, { encoding: "utf8" });
    const lines = createInterface({ input, crlfDelay: Infinity });
    try {
      yield* lines;
    } catch (e) {
      throw fileError(this.path, e, "read");
    } finally {
      lines.close();
      input.destroy();
    }
  }

  private closedError(): AuditStoreError {
    return new AuditStoreError(`the audit store ${this.description} is closed`, this.path);
  }
}

const UNREADABLE =
  "the line is not valid JSON (a write cut short by a crash leaves such a line, and so does an edit)";

/**
 * The hash the next line links to: the last event line's, the last checkpoint's head when only
 * checkpoints remain, the genesis hash for an empty file or one written before chaining.
 * Reads backwards from the end, so the cost does not grow with the file.
 */
async function chainHead(fh: FileHandle): Promise<string> {
  const { size } = await fh.stat();
  for (let span = 8192; ; span *= 4) {
    const len = Math.min(size, span);
    const buf = Buffer.alloc(len);
    await fh.read(buf, 0, len, size - len);
    const lines = buf.toString("utf8").split("\n");
    if (len < size) lines.shift(); // may start mid-line
    for (let i = lines.length - 1; i >= 0; i--) {
      if (!lines[i]!.trim()) continue;
      let v: Record<string, unknown>;
      try {
        v = JSON.parse(lines[i]!) as Record<string, unknown>;
      } catch {
        continue;
      }
      if (v && typeof v === "object") {
        if (isCheckpoint(v.checkpoint)) return v.checkpoint.chain_head;
        if (typeof v.id === "string") return isHash(v.hash) ? v.hash : GENESIS_HASH;
      }
    }
    if (len === size) return GENESIS_HASH;
  }
}

async function writeAll(fh: FileHandle, buf: Buffer): Promise<void> {
  let off = 0;
  while (off < buf.length) {
    const { bytesWritten } = await fh.write(buf, off, buf.length - off);
    off += bytesWritten;
  }
}

/** A new file's directory entry must reach the disk too, or the whole file can vanish on power loss. */
async function syncDirectory(dir: string): Promise<void> {
  const d = await open(dir, "r");
  try {
    await d.sync();
  } finally {
    await d.close();
  }
}

/** Refuses to append to a file that is something else (a SQLite database given as jsonl:, say). */
async function checkLooksLikeJsonl(path: string): Promise<void> {
  let head: Buffer;
  try {
    const fh = await open(path, "r");
    try {
      head = Buffer.alloc(64);
      const { bytesRead } = await fh.read(head, 0, head.length, 0);
      head = head.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  } catch (e) {
    throw fileError(path, e, "read");
  }
  const text = head.toString("latin1").trimStart();
  if (head.length > 0 && (head.includes(0) || (text.length > 0 && !text.startsWith("{")))) {
    throw new AuditStoreError(
      `${path} is not a JSONL audit log (its first line is not a JSON object); refusing to append to it`,
      path,
    );
  }
}

async function probe(path: string, mode: number): Promise<void> {
  try {
    await access(path, mode);
  } catch (e) {
    throw fileError(path, e, "read");
  }
}

function fileError(path: string, e: unknown, doing: "read" | "write" = "write"): AuditStoreError {
  const code = (e as NodeJS.ErrnoException).code;
  let text: string;
  if ((code === "EACCES" || code === "EPERM" || code === "EROFS") && doing === "write") {
    text = `${path} is read-only (${code}); the audit log needs to append to it`;
  } else if (code === "EACCES" || code === "EPERM") text = `${path} cannot be read (${code})`;
  else if (code === "ENOENT") text = `cannot open ${path}: its directory does not exist`;
  else if (code === "EISDIR") text = `${path} is a directory, not an audit log file`;
  else if (code === "ENOSPC") text = `cannot write ${path}: the disk is full`;
  else text = `${path}: ${code ?? (e as Error).message}`;
  return new AuditStoreError(text, path, { cause: e });
}
