import { resolve } from "node:path";
import { ensureDataDir } from "../config/data-dir.js";
import { AuditStoreError } from "./errors.js";
import { JsonlAuditStore } from "./jsonl.js";
import { SqliteAuditStore } from "./sqlite.js";
import type { AuditStore } from "./store.js";

export const AUDIT_OPTION_HELP =
  "audit store: sqlite:PATH (add ?sync=full to fsync every commit), jsonl:PATH or postgres://USER@HOST/DB (default: sqlite:<data dir>/audit.sqlite)";

export const DEFAULT_AUDIT_FILE = "audit.sqlite";

/** A store specification taken apart; paths are absolute. */
export type AuditSpec =
  | { kind: "sqlite"; path: string; synchronous?: "full" | "normal" }
  | { kind: "jsonl"; path: string }
  | { kind: "postgres"; url: string };

export interface OpenAuditOptions {
  /** The data directory (see src/config/data-dir.ts); holds the default SQLite file. */
  dataDir: string;
  /** Relative paths in the spec resolve against this; the process's cwd by default. */
  cwd?: string;
  /** Create the store if it does not exist (writers). Readers pass false so a wrong path is an error. */
  create?: boolean;
  /** SQLite only: how long a write waits for another process's lock. */
  busyTimeoutMs?: number;
}

/** Parses sqlite:PATH, jsonl:PATH or postgres://…; undefined or empty means the default SQLite file. */
export function parseAuditSpec(spec: string | undefined, opts: { dataDir: string; cwd?: string }): AuditSpec {
  const cwd = opts.cwd ?? process.cwd();
  if (!spec) return { kind: "sqlite", path: resolve(opts.dataDir, DEFAULT_AUDIT_FILE) };
  if (/^postgres(ql)?:\/\//i.test(spec)) return { kind: "postgres", url: spec };
  const m = /^(sqlite|jsonl):(.+)$/.exec(spec);
  if (!m) {
    throw new AuditStoreError(
      `unknown audit store "${redactUrl(spec)}": use sqlite:PATH, jsonl:PATH, postgres://USER@HOST/DB or leave it out for sqlite:<data dir>/${DEFAULT_AUDIT_FILE}`,
      redactUrl(spec),
    );
  }
  if (m[1] === "sqlite") {
    // sqlite:PATH?sync=full fsyncs every commit (survives power loss); the default survives a crash.
    const q = /^(.*?)\?sync=(full|normal)$/i.exec(m[2]!);
    if (q)
      return {
        kind: "sqlite",
        path: resolve(cwd, q[1]!),
        synchronous: q[2]!.toLowerCase() as "full" | "normal",
      };
  }
  return { kind: m[1] as "sqlite" | "jsonl", path: resolve(cwd, m[2]!) };
}

/**
 * Opens the audit store a spec names. The default is the embedded SQLite file in the data
 * directory, created (mode 0700) when a writer opens it.
 *
 * @example
 * const store = await openAuditStore(flags.audit, { dataDir: resolveDataDir(flags.dataDir, process.env, process.cwd()) });
 */
export async function openAuditStore(spec: string | undefined, opts: OpenAuditOptions): Promise<AuditStore> {
  const parsed = parseAuditSpec(spec, opts);
  const create = opts.create ?? true;
  switch (parsed.kind) {
    case "sqlite":
      if (!spec && create) ensureDataDirOrThrow(opts.dataDir);
      return SqliteAuditStore.open(parsed.path, {
        create,
        busyTimeoutMs: opts.busyTimeoutMs,
        synchronous: parsed.synchronous,
      });
    case "jsonl":
      return JsonlAuditStore.open(parsed.path, { create });
    case "postgres": {
      // Loaded on demand: the pg driver is only needed by deployments that use it.
      const { PostgresAuditStore } = await import("./postgres.js");
      return PostgresAuditStore.open(parsed.url, { create });
    }
  }
}

function ensureDataDirOrThrow(dir: string): void {
  try {
    ensureDataDir(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new AuditStoreError(
      code ? `cannot create the data directory ${dir} (${code})` : (e as Error).message,
      dir,
      { cause: e },
    );
  }
}

/** A connection URL may carry a password; messages show it without. */
function redactUrl(s: string): string {
  return s.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/]*@/i, "$1***@");
}
