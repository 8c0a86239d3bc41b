import { statSync } from "node:fs";
import { resolve } from "node:path";
import { Engine } from "../enforce/engine.js";
import { loadPolicyFileOrThrow, type LoadedPolicy } from "../policy/load.js";

/** A policy file path, a loaded policy, or an engine already built from one. */
export type PolicySource = string | LoadedPolicy | Engine;

const cache = new Map<string, { mtimeMs: number; size: number; engine: Engine }>();
const built = new WeakMap<LoadedPolicy, Map<string, Engine>>();

/**
 * The engine for a policy source and environment (explicit, else $POLICYGATE_ENV, else the
 * policy's default). A path is loaded once and reused until the file changes, because building an
 * engine compiles every detector. A policy that does not load throws with every error in it, so
 * nothing is sent on a policy nobody can read (fail closed).
 */
export function resolveEngine(source: PolicySource, environment?: string): Engine {
  const env = environment || process.env.POLICYGATE_ENV || undefined;
  if (source instanceof Engine) {
    if (env && env !== source.environment)
      return new Engine(
        { policy: source.policy, revision: source.revision, dictionary: source.dictionary } as LoadedPolicy,
        {
          environment: env,
        },
      );
    return source;
  }
  if (typeof source === "string") {
    const path = resolve(source);
    const st = statSync(path, { throwIfNoEntry: false });
    const key = `${path}\u0000${env ?? ""}`;
    const hit = cache.get(key);
    if (hit && st && hit.mtimeMs === st.mtimeMs && hit.size === st.size) return hit.engine;
    const engine = new Engine(loadPolicyFileOrThrow(path), { environment: env });
    if (st) cache.set(key, { mtimeMs: st.mtimeMs, size: st.size, engine });
    return engine;
  }
  if (!source || typeof source !== "object" || !("policy" in source))
    throw new TypeError("policy must be a policy file path, a loaded policy or an Engine");
  // The plain functions resolve the policy on every call: build each engine once per loaded policy.
  let byEnv = built.get(source);
  if (!byEnv) built.set(source, (byEnv = new Map()));
  let engine = byEnv.get(env ?? "");
  if (!engine) byEnv.set(env ?? "", (engine = new Engine(source, { environment: env })));
  return engine;
}
