import type { WireAdapter } from "../providers/adapter.js";
import { checkAccess } from "./access.js";
import type { Engine } from "./engine.js";
import { PolicyViolation } from "./violation.js";

/** Why a provider is switched off, as the kill switch recorded it. */
export interface SwitchedOff {
  reason: string;
}

/** Which providers the kill switch has turned off right now; undefined when it is on. */
export type SwitchLookup = (provider: string) => SwitchedOff | undefined;

export interface Route {
  provider: string;
  /** Set when the call goes to the integration's fallback because this provider is switched off. */
  failedOverFrom?: { provider: string; reason: string };
}

const SWITCH_RULE = (p: string) => `kill_switch.${p}`;

/**
 * Where a call goes when the kill switch may have turned its provider off: to the provider as
 * usual, else to the integration's `fallback` if that one is on, approved here and speaks the call's
 * wire format. Whether the fallback may receive the call's data is checked afterwards, with the
 * input decision (see failoverRefusal). Refusals name the rule and what to do.
 */
export function routeCall(
  engine: Engine,
  adapter: WireAdapter,
  integration: string | null,
  provider: string,
  switchedOff: SwitchLookup | undefined,
): Route {
  const off = switchedOff?.(provider);
  if (!off) return { provider };
  const fallback = integration ? engine.policy.integrations[integration]?.fallback : undefined;
  const from = { provider, reason: off.reason };
  const why = `Provider '${provider}' is switched off by the kill switch (reason: ${off.reason}).`;
  const resume = `It resumes after \`policygate provider enable ${provider}\`.`;
  if (!fallback) {
    throw new PolicyViolation(
      503,
      "provider_disabled",
      `${why} Integration '${integration ?? "?"}' has no fallback provider (integrations.${integration ?? "<name>"}.fallback), so the call was not sent. ${resume}`,
      [SWITCH_RULE(provider)],
      "blocked",
    );
  }
  const refuse = (detail: string, rule: string) =>
    new PolicyViolation(
      503,
      "failover_refused",
      `${why} Its fallback '${fallback}' cannot take this call: ${detail} ${resume}`,
      [SWITCH_RULE(provider), rule],
      "blocked",
    );
  const fbOff = switchedOff?.(fallback);
  if (fbOff) {
    throw refuse(`it is switched off too (reason: ${fbOff.reason}).`, SWITCH_RULE(fallback));
  }
  const prov = engine.policy.providers[fallback];
  const wire = prov?.kind === "openai-compatible" ? "openai" : prov?.kind;
  if (prov && wire !== adapter.wire && prov.kind !== "echo") {
    throw refuse(
      `it speaks the ${wire} format and this call is in the ${adapter.wire} format. Set a fallback that speaks ${adapter.wire}.`,
      `integrations.${integration}.fallback`,
    );
  }
  const denial = checkAccess(engine, { provider: fallback, integration });
  if (denial) throw refuse(denial.message, denial.rule);
  return { provider: fallback, failedOverFrom: from };
}

/**
 * A refusal of the fallback itself (its class limit, its models) said in failover terms, so the
 * developer learns both why the usual provider was not used and why the fallback was not either.
 */
export function failoverRefusal(route: Route, inner: PolicyViolation): PolicyViolation {
  const from = route.failedOverFrom;
  if (!from || (inner.code !== "class_not_allowed" && inner.code !== "access_denied")) return inner;
  return new PolicyViolation(
    inner.status,
    "failover_refused",
    `Provider '${from.provider}' is switched off by the kill switch (reason: ${from.reason}). Its fallback '${route.provider}' cannot take this call: ${inner.message} It resumes after \`policygate provider enable ${from.provider}\`.`,
    [SWITCH_RULE(from.provider), ...inner.rules],
    inner.kind,
  );
}
