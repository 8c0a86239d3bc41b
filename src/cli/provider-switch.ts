import type { Command } from "commander";
import { adminEvent, currentActor, type AdminAction } from "../audit/admin-event.js";
import { openAuditStore } from "../audit/open.js";
import { ADMIN_TOKEN_ENV_DEFAULT } from "../gateway/admin.js";
import { ackLabel, type SwitchSource } from "../incident/switch-source.js";
import type { SwitchState } from "../incident/switch-state.js";
import type { LoadedPolicy } from "../policy/load.js";
import type { CommandContext } from "./command.js";
import { CliError, EXIT, type CliIO } from "./io.js";
import { loadPolicyForCli, POLICY_OPTION_HELP } from "./policy-option.js";
import {
  AUDIT_OPTION_HELP,
  DATA_DIR_OPTION_HELP,
  dataDirForCli,
  storeCliError,
  type StoreOptions,
} from "./store-option.js";
import { openSwitchSource } from "./switch-source-option.js";

interface SwitchOptions extends StoreOptions {
  reason?: string;
  policy?: string;
  env?: string;
  gateway?: string;
  adminTokenEnv?: string;
  waitMs?: string;
  json?: boolean;
}

const DEFAULT_WAIT_MS = 2000;

/** provider disable | enable | status: the kill switch. */
export function registerSwitch(provider: Command, ctx: CommandContext): void {
  const common = (c: Command) =>
    c
      .option("-p, --policy <file>", POLICY_OPTION_HELP)
      .option(
        "-e, --env <environment>",
        "environment recorded with the event (default: $POLICYGATE_ENV, else the policy's)",
      )
      .option("--data-dir <dir>", DATA_DIR_OPTION_HELP)
      .option("--audit <spec>", AUDIT_OPTION_HELP)
      .option(
        "--gateway <url>",
        "change the switch through this gateway's admin endpoint instead of the data directory",
      )
      .option(
        "--admin-token-env <var>",
        `variable holding the admin token (default ${ADMIN_TOKEN_ENV_DEFAULT})`,
      )
      .option(
        "--wait-ms <ms>",
        `how long to wait for running gateways to confirm (default ${DEFAULT_WAIT_MS})`,
      );

  common(
    provider
      .command("disable")
      .description(
        "Switch a provider off on every running gateway within a second, without a restart. Calls fail over to the\n" +
          "integration's fallback provider when it is approved for the environment and the call's data, else are refused.",
      )
      .argument("<name>", "provider name, as declared in the policy")
      .requiredOption("--reason <text>", "why (goes into the audit log and every refusal)"),
  ).action((name: string, opts: SwitchOptions) => change("disable", name, opts, ctx));

  common(
    provider.command("enable").description("Switch a provider back on.").argument("<name>", "provider name"),
  ).action((name: string, opts: SwitchOptions) => change("enable", name, opts, ctx));

  provider
    .command("status")
    .description(
      "Which providers are switched off, why, since when, and which running gateways have applied it.",
    )
    .option("--data-dir <dir>", DATA_DIR_OPTION_HELP)
    .option("--audit <spec>", AUDIT_OPTION_HELP)
    .option("--json", "print as JSON")
    .action((opts: SwitchOptions) => status(opts, ctx.io));
}

async function change(action: "disable" | "enable", name: string, opts: SwitchOptions, ctx: CommandContext) {
  const { io } = ctx;
  const loaded = loadPolicyForCli(opts.policy, io);
  if (loaded && !Object.hasOwn(loaded.policy.providers, name)) {
    throw new CliError(
      `unknown provider "${name}"; the policy declares: ${Object.keys(loaded.policy.providers).join(", ") || "none"}`,
    );
  }
  const reason = opts.reason?.trim() ?? null;
  if (action === "disable" && !reason) throw new CliError("--reason needs a text: the record must say why");
  const waitMs = opts.waitMs === undefined ? DEFAULT_WAIT_MS : Number(opts.waitMs);
  if (!Number.isInteger(waitMs) || waitMs < 0)
    throw new CliError(`--wait-ms takes a whole number, not "${opts.waitMs}"`);
  if (opts.gateway) return viaGateway(action, name, reason, opts, ctx);

  const actor = currentActor(io.env);
  const source = await openSource(opts, io);
  try {
    await changeIn(source, action, name, reason, actor, waitMs, opts, loaded, ctx);
  } finally {
    await source.close().catch(() => undefined);
  }
}

async function changeIn(
  source: SwitchSource,
  action: "disable" | "enable",
  name: string,
  reason: string | null,
  actor: string | null,
  waitMs: number,
  opts: SwitchOptions,
  loaded: LoadedPolicy | undefined,
  ctx: CommandContext,
): Promise<void> {
  const { io } = ctx;
  let state: SwitchState;
  let changed = false;
  try {
    state = await source.update((s) => {
      if (action === "disable") {
        s.providers[name] = { reason: reason!, actor, at: new Date().toISOString() };
        return (changed = true);
      }
      if (!Object.hasOwn(s.providers, name)) return false;
      delete s.providers[name];
      return (changed = true);
    });
  } catch (e) {
    throw new CliError(
      `cannot change the kill switch in ${source.description}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
  if (!changed) {
    io.stdout.write(`provider ${name} was not switched off; nothing changed\n`);
    return;
  }
  const { pending, live, unreadable } = await waitForGateways(source, state.revision, waitMs);
  const recorded = await record(
    { action: `provider.${action}`, target: name, reason, actor },
    opts,
    loaded,
    io,
  );
  const where = source.shared ? "" : " on this host";
  io.stdout.write(
    `provider ${name} ${action}d (switch revision ${state.revision})${reason ? `: ${reason}` : ""}\n` +
      (unreadable
        ? ""
        : live === 0
          ? `no running gateway uses ${source.description}${where}; gateways read the switch when they start\n`
          : pending.length === 0
            ? `in force on ${live} running gateway${live === 1 ? "" : "s"}${source.shared ? " sharing the database" : ""}\n`
            : ""),
  );
  if (unreadable) {
    io.stderr.write(
      `warning: which gateways applied it cannot be read (${unreadable}); check ${"`policygate provider status`"}\n`,
    );
    ctx.exit(EXIT.blocked);
  }
  if (pending.length) {
    io.stderr.write(
      `warning: gateway process${pending.length === 1 ? "" : "es"} ${pending.join(", ")} did not confirm within ${waitMs} ms; check ${"`policygate provider status`"}\n`,
    );
    ctx.exit(EXIT.blocked);
  }
  if (!recorded) ctx.exit(EXIT.blocked);
}

/** The switch the options name (the data directory, or the PostgreSQL audit database). */
async function openSource(opts: SwitchOptions, io: CliIO): Promise<SwitchSource> {
  try {
    return await openSwitchSource(opts.audit, dataDirForCli(opts, io), io);
  } catch (e) {
    throw storeCliError(e);
  }
}

/**
 * Waits until every running gateway (on this host, or sharing the database) has applied `revision`;
 * returns those that have not, and how many are running.
 */
async function waitForGateways(
  source: SwitchSource,
  revision: number,
  waitMs: number,
): Promise<{ pending: string[]; live: number; unreadable?: string }> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    let acks;
    try {
      acks = await source.liveAcks();
    } catch (e) {
      // The change is committed: say so, and still record it, rather than fail the command here.
      return { pending: [], live: 0, unreadable: (e as Error).message };
    }
    const pending = acks.filter((a) => a.revision < revision).map(ackLabel);
    if (!pending.length || Date.now() >= deadline) return { pending, live: acks.length };
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function record(
  action: AdminAction,
  opts: SwitchOptions,
  loaded: LoadedPolicy | undefined,
  io: CliIO,
): Promise<boolean> {
  try {
    const store = await openAuditStore(opts.audit, { dataDir: dataDirForCli(opts, io), cwd: io.cwd });
    try {
      await store.append(
        adminEvent(action, {
          source: "cli",
          environment: opts.env || io.env.POLICYGATE_ENV || loaded?.policy.environment || "development",
          policyRevision: loaded?.revision ?? "none",
        }),
      );
    } finally {
      await store.close();
    }
    return true;
  } catch (e) {
    const err = storeCliError(e);
    io.stderr.write(
      `warning: the switch is in force but could not be recorded in the audit log: ${(err as Error).message}\n`,
    );
    return false;
  }
}

async function viaGateway(
  action: "disable" | "enable",
  name: string,
  reason: string | null,
  opts: SwitchOptions,
  ctx: CommandContext,
): Promise<void> {
  const tokenEnv = opts.adminTokenEnv ?? ADMIN_TOKEN_ENV_DEFAULT;
  const token = ctx.io.env[tokenEnv];
  if (!token)
    throw new CliError(
      `set ${tokenEnv} to the gateway's admin token (or name another variable with --admin-token-env)`,
    );
  const url = `${opts.gateway!.replace(/\/+$/, "")}/admin/providers/${encodeURIComponent(name)}/${action}`;
  let res: Response;
  try {
    res = await fetch(url, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify(action === "disable" ? { reason } : {}),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (e) {
    throw new CliError(`cannot reach the gateway at ${opts.gateway}: ${(e as Error).message}`);
  }
  const body = (await res.json().catch(() => ({}))) as {
    revision?: number;
    recorded?: boolean;
    error?: { message?: string };
  };
  if (!res.ok)
    throw new CliError(`the gateway refused (${res.status}): ${body.error?.message ?? "no reason given"}`);
  ctx.io.stdout.write(
    `provider ${name} ${action}d through ${opts.gateway} (switch revision ${body.revision})\n`,
  );
  if (body.recorded === false) {
    ctx.io.stderr.write("warning: the gateway could not record this in the audit log\n");
    ctx.exit(EXIT.blocked);
  }
}

async function status(opts: SwitchOptions, io: CliIO): Promise<void> {
  const source = await openSource(opts, io);
  let state: SwitchState;
  let acks;
  try {
    state = await source.read();
    acks = await source.liveAcks();
  } catch (e) {
    throw new CliError((e as Error).message);
  } finally {
    await source.close().catch(() => undefined);
  }
  if (opts.json) {
    io.stdout.write(
      JSON.stringify({ revision: state.revision, disabled: state.providers, gateways: acks }, null, 2) + "\n",
    );
    return;
  }
  const off = Object.entries(state.providers);
  if (!off.length) io.stdout.write("no provider is switched off\n");
  for (const [name, e] of off) {
    io.stdout.write(`${name}: OFF since ${e.at}${e.actor ? ` by ${e.actor}` : ""}: ${e.reason}\n`);
  }
  const behind = acks.filter((a) => a.revision < state.revision);
  const where = source.shared ? ` sharing ${source.description}` : " on this host";
  io.stdout.write(
    `switch revision ${state.revision}; ${acks.length} running gateway${acks.length === 1 ? "" : "s"}${where}` +
      (behind.length
        ? `, ${behind.length} not yet applied (${source.shared ? "" : "pids "}${behind.map(ackLabel).join(", ")})`
        : acks.length
          ? ", all applied"
          : "") +
      "\n",
  );
}
