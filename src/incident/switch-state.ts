import { randomBytes } from "node:crypto";
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";

/**
 * The kill switch's state: which providers an operator has switched off, why, by whom and when.
 * One small JSON file in the data directory, replaced atomically (write + rename), so the CLI,
 * the admin endpoint and every gateway sharing the directory see the same switch. `revision` goes
 * up by one with every change, which is how a gateway acknowledges having applied it.
 */
export interface SwitchState {
  version: 1;
  revision: number;
  providers: Record<string, SwitchEntry>;
}

export interface SwitchEntry {
  reason: string;
  actor: string | null;
  at: string;
}

export const SWITCH_FILE = "provider-switch.json";
const LOCK_FILE = "provider-switch.lock";
export const ACK_DIR = "provider-switch-acks";

export function emptySwitchState(): SwitchState {
  return { version: 1, revision: 0, providers: {} };
}

/** Reads the state; a missing file means nothing is switched off. A damaged file is an error, never "all on". */
export function readSwitchState(dataDir: string): SwitchState {
  const path = join(dataDir, SWITCH_FILE);
  if (!existsSync(path)) return emptySwitchState();
  const v = JSON.parse(readFileSync(path, "utf8")) as SwitchState;
  if (
    !v ||
    v.version !== 1 ||
    !Number.isInteger(v.revision) ||
    typeof v.providers !== "object" ||
    !v.providers
  ) {
    throw new Error(`${path} is not a provider switch file`);
  }
  return v;
}

/**
 * Changes the state under a lock file (the CLI and a gateway's admin endpoint may both write), and
 * returns the new state. `change` returns false when there is nothing to do.
 */
export function updateSwitchState(dataDir: string, change: (s: SwitchState) => boolean): SwitchState {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  return withLock(join(dataDir, LOCK_FILE), () => {
    const state = readSwitchState(dataDir);
    if (!change(state)) return state;
    state.revision++;
    const path = join(dataDir, SWITCH_FILE);
    const tmp = `${path}.${process.pid}.${randomBytes(4).toString("hex")}`;
    const fd = openSync(tmp, "w", 0o600);
    try {
      writeSync(fd, JSON.stringify(state, null, 2) + "\n");
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
    return state;
  });
}

/** A fingerprint that changes whenever the file is replaced: cheap to poll. */
export function switchFileStamp(dataDir: string): string {
  // Polled on every guarded call: a missing file must not cost a thrown ENOENT (tens of µs each).
  try {
    const s = statSync(join(dataDir, SWITCH_FILE), { throwIfNoEntry: false });
    return s ? `${s.ino}:${s.size}:${s.mtimeMs}` : "absent";
  } catch {
    return "absent";
  }
}

/** What a running gateway writes after applying a revision, so `provider disable` can wait for it. */
export interface SwitchAck {
  pid: number;
  instance: string;
  revision: number;
  at: string;
  /** Set by the PostgreSQL switch, where replicas on several hosts acknowledge. */
  host?: string;
}

export function writeAck(dataDir: string, ack: SwitchAck): void {
  const dir = join(dataDir, ACK_DIR);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, `${ack.instance}.json`);
  writeFileSync(`${path}.tmp`, JSON.stringify(ack), { mode: 0o600 });
  renameSync(`${path}.tmp`, path);
}

export function removeAck(dataDir: string, instance: string): void {
  rmSync(join(dataDir, ACK_DIR, `${instance}.json`), { force: true });
}

/** The acknowledgements of gateways still running on this host (a dead process's file is ignored). */
export function liveAcks(dataDir: string): SwitchAck[] {
  const dir = join(dataDir, ACK_DIR);
  if (!existsSync(dir)) return [];
  const out: SwitchAck[] = [];
  for (const f of readdirSync(dir)) {
    if (!f.endsWith(".json")) continue;
    try {
      const a = JSON.parse(readFileSync(join(dir, f), "utf8")) as SwitchAck;
      if (Number.isInteger(a.pid) && alive(a.pid)) out.push(a);
    } catch {
      // Being replaced right now, or junk: not an acknowledgement.
    }
  }
  return out;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

const STALE_LOCK_MS = 10_000;

function withLock<T>(path: string, f: () => T): T {
  const deadline = Date.now() + 5_000;
  for (;;) {
    try {
      closeSync(openSync(path, "wx", 0o600));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      try {
        // A holder that crashed leaves its lock behind; a lock this old is not held by anyone.
        if (Date.now() - statSync(path).mtimeMs > STALE_LOCK_MS) rmSync(path, { force: true });
      } catch {
        // Released meanwhile.
      }
      if (Date.now() > deadline)
        throw new Error(`${path} is held by another process; try again`, { cause: e });
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
    }
  }
  try {
    return f();
  } finally {
    rmSync(path, { force: true });
  }
}
