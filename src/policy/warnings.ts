import type { DataClass } from "./classes.js";
import { formatPath } from "./errors.js";
import type { Action, Policy } from "./schema.js";

/**
 * Something a valid policy allows but a reviewer should look at twice. Warnings never fail a
 * check: the policy may be right, but the choice should be deliberate.
 */
export interface PolicyWarning {
  code:
    | "api-key-unset"
    | "no-reason"
    | "production-retention"
    | "global-audit"
    | "weak-class-action"
    | "engine-error-allow"
    | "unscannable-allow"
    | "notifier-unset";
  /** Dotted path in the policy document. */
  path: string;
  message: string;
}

/** The article's section 4 actions: anything weaker for these classes is worth a second look. */
const ARTICLE_ACTIONS: Partial<Record<DataClass, Action>> = { restricted: "block", confidential: "redact" };
const STRENGTH: Record<Action, number> = { allow: 0, redact: 1, block: 2 };

/** Production-like environments, where providers must not retain prompts. */
export function isProductionEnvironment(env: string): boolean {
  return /^prod/.test(env);
}

/**
 * Reviews a policy. `env` is the process environment, read only for whether a provider's key
 * variable is set (its value is never read into a message). `environment` limits the key check to
 * the providers callable there.
 */
export function policyWarnings(
  p: Policy,
  opts: { env?: Record<string, string | undefined>; environment?: string } = {},
): PolicyWarning[] {
  const out: PolicyWarning[] = [];
  const warn = (code: PolicyWarning["code"], path: (string | number)[], message: string) =>
    out.push({ code, path: formatPath(path), message });

  if (p.mode === "audit") {
    warn(
      "global-audit",
      ["mode"],
      "the whole policy is in audit mode: findings are logged but nothing is blocked or redacted",
    );
  }
  if (p.on_engine_error === "allow") {
    warn(
      "engine-error-allow",
      ["on_engine_error"],
      "calls go through unchecked when the engine fails; block (fail closed) is the safe choice",
    );
  }

  if (p.input.unscannable_parts === "allow") {
    warn(
      "unscannable-allow",
      ["input", "unscannable_parts"],
      "images, audio and files go to providers unchecked; the scanner cannot read them",
    );
  }

  for (const [id, prov] of Object.entries(p.providers)) {
    const at = ["providers", id];
    if (!prov.reason?.trim()) {
      warn(
        "no-reason",
        at,
        `provider "${id}" has no reason; SECURITY.md should say why it is ${prov.status}`,
      );
    }
    const inScope = !opts.environment || prov.environments.includes(opts.environment);
    if (
      prov.status === "approved" &&
      prov.api_key_env &&
      opts.env &&
      inScope &&
      !opts.env[prov.api_key_env]
    ) {
      warn(
        "api-key-unset",
        [...at, "api_key_env"],
        `${prov.api_key_env} is not set in this environment; calls to "${id}" will fail`,
      );
    }
    const prodEnvs = prov.environments.filter(isProductionEnvironment);
    if (prov.status === "approved" && prodEnvs.length && !prov.zero_data_retention && prov.kind !== "echo") {
      warn(
        "production-retention",
        [...at, "zero_data_retention"],
        `provider "${id}" is approved for ${prodEnvs.join(", ")} without zero data retention (section 9 makes it a baseline requirement)`,
      );
    }
  }

  for (const [cls, expected] of Object.entries(ARTICLE_ACTIONS) as [DataClass, Action][]) {
    const rule = p.classes[cls];
    if (STRENGTH[rule.action] < STRENGTH[expected]) {
      warn(
        "weak-class-action",
        ["classes", cls, "action"],
        `${cls} data is set to ${rule.action}; the policy template says ${expected}`,
      );
    }
    if (rule.mode === "audit" && p.mode !== "audit") {
      warn(
        "weak-class-action",
        ["classes", cls, "mode"],
        `${cls} findings are in audit mode: logged, but the ${rule.action} is not carried out`,
      );
    }
  }
  return out;
}
