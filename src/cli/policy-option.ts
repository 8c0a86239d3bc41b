import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { defaultLoadedPolicy, defaultPolicyEngine, Engine } from "../enforce/engine.js";
import { formatPolicyError } from "../policy/errors.js";
import { loadPolicyFile, type LoadedPolicy } from "../policy/load.js";
import { CliError, EXIT, type CliIO } from "./io.js";

export const POLICY_OPTION_HELP =
  "policy file (default: $POLICYGATE_POLICY, else ./policygate.yaml, else the built-in default policy)";

/** Which policy file a command uses, or undefined for the built-in default. */
export function policyPath(explicit: string | undefined, io: CliIO): string | undefined {
  if (explicit) return resolve(io.cwd, explicit);
  if (io.env.POLICYGATE_POLICY) return resolve(io.cwd, io.env.POLICYGATE_POLICY);
  const local = resolve(io.cwd, "policygate.yaml");
  return existsSync(local) ? local : undefined;
}

/** Loads the policy or throws a CliError listing every problem in it. */
export function loadPolicyForCli(explicit: string | undefined, io: CliIO): LoadedPolicy | undefined {
  const path = policyPath(explicit, io);
  if (!path) return undefined;
  const r = loadPolicyFile(path);
  if (!r.ok) {
    throw new CliError(
      `the policy does not load (${r.errors.length} problem${r.errors.length === 1 ? "" : "s"}):\n` +
        r.errors.map((e) => "  " + formatPolicyError(e)).join("\n"),
      EXIT.usage,
    );
  }
  return r.value;
}

/** The engine for the command's policy and environment (--env, then $POLICYGATE_ENV, then the policy's default). */
export function engineForCli(opts: { policy?: string; env?: string }, io: CliIO): Engine {
  const loaded = loadPolicyForCli(opts.policy, io);
  const environment = opts.env || io.env.POLICYGATE_ENV || undefined;
  if (!loaded && !environment) return defaultPolicyEngine();
  try {
    return new Engine(loaded ?? defaultLoadedPolicy(), { environment });
  } catch (e) {
    throw new CliError((e as Error).message, EXIT.usage);
  }
}
