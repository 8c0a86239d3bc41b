import { pino, type Logger } from "pino";
import { openAuditStore } from "../audit/open.js";
import { spoolEvent } from "../audit/spool.js";
import type { AuditStore } from "../audit/store.js";
import { ulid } from "../audit/ulid.js";
import { ADMIN_TOKEN_ENV_DEFAULT } from "../gateway/admin.js";
import { Gateway } from "../gateway/server.js";
import { ProviderSwitch } from "../incident/provider-switch.js";
import type { SwitchSource } from "../incident/switch-source.js";
import { openKeyStore, type GatewayKeyStore } from "../gateway/keys.js";
import { formatPolicyError } from "../policy/errors.js";
import { Monitor } from "../monitor/monitor.js";
import { loadPolicyFile, type LoadedPolicy } from "../policy/load.js";
import { examplePolicyPath } from "./init.js";
import { CliError, EXIT, type CliIO } from "./io.js";
import { policyPath } from "./policy-option.js";
import { dataDirForCli, storeCliError } from "./store-option.js";
import { openSwitchSource } from "./switch-source-option.js";

export interface GatewaySetupOptions {
  policy?: string;
  env?: string;
  dataDir?: string;
  audit?: string;
  logLevel?: string;
  /** The variable holding the admin endpoint's bearer token (default POLICYGATE_ADMIN_TOKEN). */
  adminTokenEnv?: string;
}

export interface GatewaySetup {
  gateway: Gateway;
  store: AuditStore;
  keys: GatewayKeyStore;
  loaded: LoadedPolicy;
  /** The policy file in force, or the example's path when none was given. */
  policyFile: string;
  usingExample: boolean;
  dataDir: string;
  logger: Logger;
  /** Metrics and alerts over the gateway's audit events. */
  monitor: Monitor;
}

/**
 * Everything `serve` and `demo` share: the policy (the command's, else the balanced example), the
 * audit store, the key store and the gateway over them.
 */
export async function setUpGateway(
  opts: GatewaySetupOptions,
  io: CliIO,
  logStream?: NodeJS.WritableStream,
): Promise<GatewaySetup> {
  const explicit = policyPath(opts.policy, io);
  const policyFile = explicit ?? examplePolicyPath("balanced");
  const r = loadPolicyFile(policyFile);
  if (!r.ok) {
    throw new CliError(
      `the policy does not load (${r.errors.length} problem${r.errors.length === 1 ? "" : "s"}):\n` +
        r.errors.map((e) => "  " + formatPolicyError(e)).join("\n"),
      EXIT.usage,
    );
  }
  const dataDir = dataDirForCli(opts, io);
  let store: AuditStore;
  let keys: GatewayKeyStore;
  try {
    store = await openAuditStore(opts.audit, { dataDir, cwd: io.cwd });
  } catch (e) {
    throw storeCliError(e);
  }
  try {
    keys = await openKeyStore(opts.audit, { dataDir, cwd: io.cwd });
  } catch (e) {
    await store.close();
    throw storeCliError(e);
  }
  let providerSwitch: ProviderSwitch;
  let switchSource: SwitchSource | undefined;
  try {
    switchSource = await openSwitchSource(opts.audit, dataDir, io);
    providerSwitch = await ProviderSwitch.open({
      source: switchSource,
      onError: (e) =>
        logger.error(
          { error: (e as Error).message },
          "the kill switch state could not be read; the last state read stays in force",
        ),
      onChange: (s) =>
        logger.warn({ revision: s.revision, disabled: Object.keys(s.providers) }, "kill switch changed"),
    });
  } catch (e) {
    await switchSource?.close().catch(() => undefined);
    await store.close();
    await keys.close();
    // Without a source, opening the database failed, and that message names it.
    throw new CliError(
      switchSource
        ? `the kill switch state in ${switchSource.description} cannot be read: ${(e as Error).message}`
        : `the kill switch state cannot be read: ${(e as Error).message}`,
      EXIT.usage,
    );
  }
  const tokenEnv = opts.adminTokenEnv ?? ADMIN_TOKEN_ENV_DEFAULT;
  const adminToken = io.env[tokenEnv] || undefined;
  if (opts.adminTokenEnv && !adminToken) {
    await providerSwitch.close();
    await store.close();
    await keys.close();
    throw new CliError(
      `--admin-token-env ${tokenEnv}: that variable is not set, so the admin endpoint would have no token`,
    );
  }
  const logger = pino(
    { level: opts.logLevel ?? "info", base: { service: "policygate" } },
    logStream ?? process.stderr,
  );
  const environment = opts.env || io.env.POLICYGATE_ENV || undefined;
  let gateway: Gateway;
  let monitor: Monitor;
  try {
    // A notifier required here without its variable stops the start, not the first alert.
    monitor = Monitor.create({
      policy: r.value,
      environment: environment ?? r.value.policy.environment,
      env: io.env,
      store,
      dataDir,
      logger,
      newId: ulid,
    });
    gateway = new Gateway({
      ...monitor.gatewayOptions(),
      policy: r.value,
      policyFile,
      environment,
      store,
      keys,
      providerSwitch,
      adminToken,
      logger,
      env: io.env,
      newId: ulid,
      spool: async (event, err) => spoolEvent(dataDir, event, err),
    });
  } catch (e) {
    await providerSwitch.close();
    await store.close();
    await keys.close();
    throw new CliError((e as Error).message, EXIT.usage);
  }
  await monitor.seed();
  return {
    gateway,
    store,
    keys,
    loaded: r.value,
    policyFile,
    usingExample: !explicit,
    dataDir,
    logger,
    monitor,
  };
}
