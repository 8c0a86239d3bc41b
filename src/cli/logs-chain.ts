import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { adminEvent, currentActor } from "../audit/admin-event.js";
import {
  loadOrCreateSigningKey,
  loadPublicKey,
  PUBLIC_KEY_FILE,
  type SigningKey,
} from "../audit/checkpoint.js";
import { openAuditStore } from "../audit/open.js";
import type { PurgeResult } from "../audit/sqlite-chain.js";
import type { AuditStore } from "../audit/store.js";
import { verifyChain, type ChainedStore, type VerifyReport } from "../audit/verify.js";
import type { LoadedPolicy } from "../policy/load.js";
import type { CommandContext } from "./command.js";
import { CliError, EXIT, type CliIO } from "./io.js";
import { parseTime } from "./logs.js";
import { loadPolicyForCli } from "./policy-option.js";
import { dataDirForCli, openAuditStoreForCli, storeCliError, type StoreOptions } from "./store-option.js";

export interface ChainOptions extends StoreOptions {
  json?: boolean;
  publicKey?: string;
  head?: string;
  policy?: string;
  env?: string;
  olderThan?: string;
  dryRun?: boolean;
}

type PurgeableStore = AuditStore &
  ChainedStore & { purge(cutoff: string, key: SigningKey, now?: Date): Promise<PurgeResult> };

function chained(store: AuditStore): PurgeableStore {
  if (!("chainEntries" in store) || !("purge" in store)) {
    throw new CliError(
      `${store.description} does not keep a hash chain; verify and purge need sqlite:, jsonl: or postgres://`,
    );
  }
  return store as PurgeableStore;
}

/** `policygate logs verify`: walks the chain; exit 1 and every problem located when it is broken. */
export async function runVerify(opts: ChainOptions, ctx: CommandContext): Promise<void> {
  const { io } = ctx;
  const dataDir = dataDirForCli(opts, io);
  const keyPath = opts.publicKey ? resolve(io.cwd, opts.publicKey) : join(dataDir, PUBLIC_KEY_FILE);
  let publicKey;
  if (existsSync(keyPath)) {
    try {
      publicKey = loadPublicKey(keyPath);
    } catch {
      throw new CliError(`${keyPath} is not a PEM public key (the audit-signing.pub written by logs purge)`);
    }
  } else if (opts.publicKey) throw new CliError(`no public key at ${keyPath}`);
  if (opts.head !== undefined && !/^[0-9a-f]{64}$/.test(opts.head)) {
    throw new CliError("--head takes the 64-hex-digit head printed by an earlier logs verify");
  }
  const store = await openAuditStoreForCli(opts, io);
  let report: VerifyReport;
  try {
    report = await verifyChain(chained(store), { publicKey, expectHead: opts.head });
  } catch (e) {
    throw storeCliError(e);
  } finally {
    await store.close();
  }
  if (opts.json) io.stdout.write(JSON.stringify({ store: store.description, ...report }, null, 2) + "\n");
  else printReport(store.description, report, io);
  if (!report.ok) ctx.exit(EXIT.blocked);
}

function printReport(description: string, r: VerifyReport, io: CliIO): void {
  const parts = [`${r.events} event${r.events === 1 ? "" : "s"}`];
  if (r.unchained) parts.push(`${r.unchained} written before chaining (not covered)`);
  if (r.checkpoints) {
    parts.push(
      `${r.checkpoints} purge checkpoint${r.checkpoints === 1 ? "" : "s"} covering ${r.purged_total} removed event${r.purged_total === 1 ? "" : "s"}${r.key_id ? `, key ${r.key_id}` : ""}`,
    );
  }
  if (r.ok) {
    io.stdout.write(`ok: the audit log ${description} is intact: ${parts.join("; ")}\n`);
  } else {
    io.stdout.write(
      `FAILED: the audit log ${description} has ${r.problems.length} problem${r.problems.length === 1 ? "" : "s"} (${parts.join("; ")}):\n`,
    );
    for (const p of r.problems) io.stdout.write(`  ${p.kind}: ${p.message}\n`);
  }
  io.stdout.write(`head: ${r.head}\n`);
  if (r.ok)
    io.stderr.write("note the head somewhere safe; `logs verify --head HASH` later detects a cut-off end\n");
}

/** `policygate logs purge`: removes events older than the retention period behind a signed checkpoint. */
export async function runPurge(opts: ChainOptions, ctx: CommandContext): Promise<void> {
  const { io } = ctx;
  const loaded = loadPolicyForCli(opts.policy, io);
  const now = new Date();
  const cutoff = purgeCutoff(opts, loaded, now);
  const dataDir = dataDirForCli(opts, io);
  // Open read-only first, so a wrong path is an error instead of a new empty store.
  const probe = await openAuditStoreForCli(opts, io);
  await probe.close();
  if (opts.dryRun) {
    const store = await openAuditStoreForCli(opts, io);
    try {
      const n = await store.count({ until: cutoff });
      io.stdout.write(
        `would purge up to ${n} event${n === 1 ? "" : "s"} before ${cutoff} from ${store.description}\n`,
      );
    } finally {
      await store.close();
    }
    return;
  }
  let key: SigningKey;
  try {
    key = loadOrCreateSigningKey(dataDir);
  } catch (e) {
    throw new CliError(
      `cannot read or create the checkpoint signing key in ${dataDir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
  let store: AuditStore;
  try {
    store = await openAuditStore(opts.audit, { dataDir, cwd: io.cwd });
  } catch (e) {
    throw storeCliError(e);
  }
  try {
    const r = await chained(store).purge(cutoff, key, now);
    if (r.purged > 0) {
      await store.append(
        adminEvent(
          {
            action: "logs.purge",
            target: store.description,
            reason: opts.olderThan ? `--older-than ${opts.olderThan}` : "audit.retention_days",
            actor: currentActor(io.env),
            details: { purged: r.purged, cutoff, purged_total: r.checkpoint!.purged_total },
          },
          {
            source: "cli",
            environment: opts.env || io.env.POLICYGATE_ENV || loaded?.policy.environment || "development",
            policyRevision: loaded?.revision ?? "none",
            now,
          },
        ),
      );
    }
    io.stdout.write(
      r.purged
        ? `purged ${r.purged} event${r.purged === 1 ? "" : "s"} before ${cutoff} from ${store.description}; checkpoint signed with key ${key.keyId} (public key: ${join(dataDir, PUBLIC_KEY_FILE)})\n`
        : `nothing to purge: no event before ${cutoff} at the start of ${store.description}\n`,
    );
    if (r.keptOld) {
      io.stdout.write(
        `kept ${r.keptOld} older event${r.keptOld === 1 ? "" : "s"} written after newer ones; the next purge removes them with their neighbours\n`,
      );
    }
  } catch (e) {
    throw storeCliError(e);
  } finally {
    await store.close();
  }
}

function purgeCutoff(opts: ChainOptions, loaded: LoadedPolicy | undefined, now: Date): string {
  if (opts.olderThan) {
    if (!/^\d+\s*[smhdw]$/i.test(opts.olderThan.trim()))
      throw new CliError(`--older-than takes a span such as 90d or 12w, not "${opts.olderThan}"`);
    return parseTime(opts.olderThan, "--older-than", now);
  }
  const days = loaded?.policy.audit.retention_days;
  if (days === undefined) {
    throw new CliError(
      "no retention period: set audit.retention_days in the policy (or pass --older-than 90d); nothing was purged",
    );
  }
  return new Date(now.getTime() - days * 86_400_000).toISOString();
}
