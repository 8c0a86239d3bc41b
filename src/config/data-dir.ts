import { chmodSync, existsSync, mkdirSync, statSync } from "node:fs";
import { resolve } from "node:path";

export const DATA_DIR_ENV = "POLICYGATE_DATA_DIR";
export const DEFAULT_DATA_DIR = ".policygate";

export const DATA_DIR_OPTION_HELP = `where PolicyGate keeps its state (default: $${DATA_DIR_ENV}, else ./${DEFAULT_DATA_DIR})`;

/** The data directory: --data-dir, else $POLICYGATE_DATA_DIR, else ./.policygate; absolute. */
export function resolveDataDir(explicit: string | undefined, env: NodeJS.ProcessEnv, cwd: string): string {
  return resolve(cwd, explicit || env[DATA_DIR_ENV] || DEFAULT_DATA_DIR);
}

/**
 * Creates the data directory readable by its owner only: it holds the audit log and the gateway
 * key hashes. An existing directory is left as it is (its owner chose its mode).
 */
export function ensureDataDir(dir: string): void {
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory()) throw new Error(`the data directory ${dir} is a file, not a directory`);
    return;
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // mkdir's mode passes through the umask; say what we mean.
  chmodSync(dir, 0o700);
}
