import { parseAuditSpec } from "../audit/open.js";
import { FileSwitchSource, type SwitchSource } from "../incident/switch-source.js";
import type { CliIO } from "./io.js";

/**
 * Where the kill switch lives for an --audit spec: with a PostgreSQL audit store, in that database
 * (every replica sharing the log shares the switch); otherwise in the data directory, as before.
 */
export async function openSwitchSource(
  audit: string | undefined,
  dataDir: string,
  io: CliIO,
): Promise<SwitchSource> {
  const spec = parseAuditSpec(audit, { dataDir, cwd: io.cwd });
  if (spec.kind !== "postgres") return new FileSwitchSource(dataDir);
  // Loaded on demand, as the audit store is: only deployments on PostgreSQL need the driver.
  const { PostgresSwitchSource } = await import("../incident/switch-postgres.js");
  return PostgresSwitchSource.open(spec.url);
}
