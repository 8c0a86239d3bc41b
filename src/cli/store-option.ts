import { AuditStoreError } from "../audit/errors.js";
import { AUDIT_OPTION_HELP, openAuditStore } from "../audit/open.js";
import type { AuditStore } from "../audit/store.js";
import { DATA_DIR_OPTION_HELP, resolveDataDir } from "../config/data-dir.js";
import { CliError, EXIT, type CliIO } from "./io.js";

export { AUDIT_OPTION_HELP, DATA_DIR_OPTION_HELP };

/** The options every command that reads or writes PolicyGate's state takes. */
export interface StoreOptions {
  dataDir?: string;
  audit?: string;
}

export function dataDirForCli(opts: StoreOptions, io: CliIO): string {
  return resolveDataDir(opts.dataDir, io.env, io.cwd);
}

/** Opens the audit store for reading; a missing or unreadable store is a usage error naming it. */
export async function openAuditStoreForCli(opts: StoreOptions, io: CliIO): Promise<AuditStore> {
  try {
    return await openAuditStore(opts.audit, { dataDir: dataDirForCli(opts, io), cwd: io.cwd, create: false });
  } catch (e) {
    throw storeCliError(e);
  }
}

/** Store failures are the user's to fix (a path, a permission), so they exit with the usage status. */
export function storeCliError(e: unknown): unknown {
  if (e instanceof AuditStoreError) return new CliError(e.message, EXIT.usage);
  return e;
}
