import { exceeds, type DataClass } from "../policy/classes.js";
import { globToRegExp } from "../detect/allowlist.js";
import { approvalGaps, approvalRequiredIn } from "../governance/approval.js";
import type { Engine } from "./engine.js";

/** Why a call may not go to a provider: the rule, the HTTP status and what to do. */
export interface AccessDenial {
  status: 403 | 404;
  /** Policy path of the rule, e.g. providers.openai.environments. */
  rule: string;
  message: string;
}

export interface AccessRequest {
  provider: string;
  integration?: string | null;
  model?: string;
}

/**
 * Whether a call may go to a provider at all, before any text is read: the provider is declared and
 * approved, allowed in this environment, allowed for this integration, and the model is allowed.
 * Pure; the article's allowlist example, with the reason and the remedy in every refusal.
 */
export function checkAccess(engine: Engine, req: AccessRequest): AccessDenial | null {
  const p = engine.policy;
  const env = engine.environment;
  const prov = p.providers[req.provider];
  const approvedHere = () =>
    Object.entries(p.providers)
      .filter(([, v]) => v.status === "approved" && v.environments.includes(env))
      .map(([k]) => k);
  if (!prov) {
    return {
      status: 403,
      rule: "providers",
      message: `Provider '${req.provider}' is not approved. Approved providers in '${env}': ${list(approvedHere())}. To add one, request it (policygate provider request) and have it approved in the policy.`,
    };
  }
  if (prov.status !== "approved") {
    return {
      status: 403,
      rule: `providers.${req.provider}.status`,
      message:
        prov.status === "disabled"
          ? `Provider '${req.provider}' is disabled by the policy. Use another approved provider (${list(approvedHere())}) or ask the security contact when it will be re-enabled.`
          : `Provider '${req.provider}' is requested but not yet approved. It cannot be used until the policy marks it approved.`,
    };
  }
  if (!prov.environments.includes(env)) {
    return {
      status: 403,
      rule: `providers.${req.provider}.environments`,
      message: `Provider '${req.provider}' is not approved for '${env}' environment. Allowed for: ${list(prov.environments)}.`,
    };
  }
  if (req.integration) {
    const integ = p.integrations[req.integration];
    if (!integ) {
      return {
        status: 403,
        rule: "integrations",
        message: `Integration '${req.integration}' is not declared in the policy. Declare it under integrations: with its environments and providers.`,
      };
    }
    if (integ.environments.length && !integ.environments.includes(env)) {
      return {
        status: 403,
        rule: `integrations.${req.integration}.environments`,
        message: `Integration '${req.integration}' is not allowed to run in '${env}'. Allowed for: ${list(integ.environments)}.`,
      };
    }
    if (!integ.providers.includes(req.provider)) {
      return {
        status: 403,
        rule: `integrations.${req.integration}.providers`,
        message: `Integration '${req.integration}' may not use provider '${req.provider}'. Its providers: ${list(integ.providers)}. Add the provider to the integration in the policy if it is needed.`,
      };
    }
    if (approvalRequiredIn(p, env)) {
      const gaps = approvalGaps(p, req.integration);
      if (gaps.length) {
        return {
          status: 403,
          rule: `integrations.${req.integration}.approval`,
          message: `Integration '${req.integration}' is not approved for '${env}': ${gaps.join("; ")}. Development and testing need no approval.`,
        };
      }
    }
  }
  if (req.model && prov.models?.length && !prov.models.some((m) => globToRegExp(m).test(req.model!))) {
    return {
      status: 403,
      rule: `providers.${req.provider}.models`,
      message: `Model '${req.model}' is not approved for provider '${req.provider}'. Approved models: ${list(prov.models)}.`,
    };
  }
  return null;
}

/**
 * Whether the classes that would actually leave (after redaction) may go to this provider and
 * integration. Checked after the input decision.
 */
export function checkClassLimit(
  engine: Engine,
  req: AccessRequest,
  classesSent: readonly DataClass[],
): AccessDenial | null {
  const prov = engine.policy.providers[req.provider];
  const integ = req.integration ? engine.policy.integrations[req.integration] : undefined;
  for (const c of classesSent) {
    if (prov && exceeds(c, prov.max_class)) {
      return {
        status: 403,
        rule: `providers.${req.provider}.max_class`,
        message: `This call carries ${c} data, and provider '${req.provider}' may receive at most ${prov.max_class}. Remove or redact that data, or use a provider approved for ${c} data.`,
      };
    }
    if (integ?.max_class && exceeds(c, integ.max_class)) {
      return {
        status: 403,
        rule: `integrations.${req.integration}.max_class`,
        message: `This call carries ${c} data, and integration '${req.integration}' may send at most ${integ.max_class}. Remove or redact that data, or change the integration's approval.`,
      };
    }
  }
  return null;
}

function list(xs: readonly string[]): string {
  return xs.length ? xs.join(", ") : "none";
}
