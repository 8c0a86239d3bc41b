import { Engine } from "../../src/enforce/engine.js";
import { parsePolicy } from "../../src/policy/load.js";
import { formatPolicyError } from "../../src/policy/errors.js";

/** An engine from inline policy YAML; throws with every error when it does not load. */
export function engineFrom(yaml: string, opts: { environment?: string; baseDir?: string } = {}): Engine {
  const r = parsePolicy(yaml, { file: "test-policy.yaml", baseDir: opts.baseDir });
  if (!r.ok) throw new Error(r.errors.map(formatPolicyError).join("\n"));
  return new Engine(r.value, { environment: opts.environment });
}
