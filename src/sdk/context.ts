import { CONVERSATION_RE } from "../enforce/restore-call.js";
import { ulid } from "../audit/ulid.js";
import { checkAccess } from "../enforce/access.js";
import { auditEvent, type CallScope, type CallTrace } from "../enforce/call.js";
import type { Engine } from "../enforce/engine.js";
import { PolicyViolation } from "../enforce/violation.js";
import type { ProviderConfig } from "../policy/schema.js";
import { wireOf } from "../providers/index.js";
import type { WireKind } from "../providers/types.js";
import { AuditSink, type AuditTarget } from "./audit.js";
import { resolveEngine, type PolicySource } from "./policy.js";

/** What every guarded call needs to know about where it runs. */
export interface GuardOptions extends AuditTarget {
  /** The policy: a file path, a loaded policy or an Engine. */
  policy: PolicySource;
  /** The integration making the calls, as declared under `integrations:` in the policy. */
  integration: string;
  /** The end user on whose behalf the calls are made; goes on the audit event. */
  user?: string;
  /** Default: $POLICYGATE_ENV, else the policy's `environment`. */
  environment?: string;
  /** The provider to call; default: the integration's first provider approved here for this SDK. */
  provider?: string;
  /** Where provider keys are read from (default process.env). */
  env?: NodeJS.ProcessEnv;
  /**
   * A conversation id, for integrations with `restore: true`: placeholders stay the same across
   * the turns made through this client (create one guarded client per conversation, or use
   * `withOptions`-style copies). 1-200 characters from A-Za-z0-9._:@-.
   */
  conversation?: string;
}

/** A guard's fixed facts, settled when it is created so a misconfiguration fails then, not on the first call. */
export interface GuardContext {
  engine: Engine;
  integration: string;
  user: string | null;
  provider: string;
  config: ProviderConfig;
  conversation: string | null;
  apiKey: string | undefined;
  sink: AuditSink;
  newId(): string;
  now(): number;
}

/**
 * Settles the policy, the provider and its key. Throws PolicyViolation when the provider is not
 * approved for this integration and environment, or its key is missing.
 * `wire` is the SDK's wire format, or null when any provider will do (the plain functions).
 */
export function createContext(opts: GuardOptions, wire: WireKind | null, needKey = true): GuardContext {
  if (!opts || typeof opts !== "object")
    throw new TypeError("guard options are required: { policy, integration }");
  if (typeof opts.integration !== "string" || !opts.integration)
    throw new TypeError("the `integration` option is required: the integration's name in the policy");
  const engine = resolveEngine(opts.policy, opts.environment);
  const provider = pickProvider(engine, opts.integration, wire, opts.provider);
  const config = engine.policy.providers[provider]!;
  const env = opts.env ?? process.env;
  let apiKey: string | undefined;
  if (needKey && config.kind !== "echo" && config.api_key_env) {
    apiKey = env[config.api_key_env] || undefined;
    if (!apiKey)
      throw new PolicyViolation(
        503,
        "provider_key_missing",
        `No key for provider '${provider}': set the environment variable ${config.api_key_env} (the policy names it in providers.${provider}.api_key_env).`,
        [`providers.${provider}.api_key_env`],
        "error",
      );
  }
  if (opts.conversation !== undefined && !CONVERSATION_RE.test(opts.conversation))
    throw new PolicyViolation(
      400,
      "invalid_conversation",
      `The conversation option must be 1-200 characters from A-Za-z0-9._:@- (integrations.${opts.integration}.restore).`,
      [`integrations.${opts.integration}.restore`],
    );
  return {
    engine,
    integration: opts.integration,
    user: opts.user ?? null,
    provider,
    config,
    conversation: opts.conversation ?? null,
    apiKey,
    sink: new AuditSink(opts, env),
    newId: ulid,
    now: Date.now,
  };
}

function pickProvider(engine: Engine, integration: string, wire: WireKind | null, wanted?: string): string {
  const speaks = (name: string) => {
    const p = engine.policy.providers[name];
    return !!p && (wire === null || p.kind === "echo" || wireOf(p.kind) === wire);
  };
  if (wanted) {
    const denial = checkAccess(engine, { provider: wanted, integration });
    if (denial) throw new PolicyViolation(denial.status, "access_denied", denial.message, [denial.rule]);
    if (!speaks(wanted))
      throw new PolicyViolation(
        403,
        "wrong_provider_kind",
        `Provider '${wanted}' does not speak the ${wire} format this client uses (it is ${engine.policy.providers[wanted]!.kind}). Guard a client of its own SDK, or name another provider.`,
        [`providers.${wanted}.kind`],
      );
    return wanted;
  }
  const integ = engine.policy.integrations[integration];
  if (!integ) {
    throw new PolicyViolation(
      403,
      "access_denied",
      `Integration '${integration}' is not declared in the policy. Declare it under integrations: with its environments and providers.`,
      ["integrations"],
    );
  }
  const candidates = integ.providers.filter(speaks);
  const usable = candidates.find((name) => !checkAccess(engine, { provider: name, integration }));
  if (usable) return usable;
  if (candidates.length) {
    const denial = checkAccess(engine, { provider: candidates[0]!, integration })!;
    throw new PolicyViolation(denial.status, "access_denied", denial.message, [denial.rule]);
  }
  throw new PolicyViolation(
    403,
    "no_provider",
    `Integration '${integration}' has no approved provider${wire ? ` that speaks the ${wire} format` : ""} in '${engine.environment}'. Add one to the integration in the policy.`,
    [`integrations.${integration}.providers`],
  );
}

/** Writes the call's one audit event (source "sdk"); throws PolicyViolation when it cannot be recorded. */
export async function recordCall(
  ctx: GuardContext,
  scope: CallScope,
  trace: CallTrace,
  error: PolicyViolation | null,
  endpoint?: string | null,
): Promise<void> {
  const id = ctx.newId();
  const event = auditEvent(scope, trace, {
    id,
    requestId: `sdk-${id}`,
    source: "sdk",
    status: error ? error.kind : "success",
    httpStatus: error ? error.status : 200,
    error,
    now: ctx.now(),
  });
  if (endpoint !== undefined) event.endpoint = endpoint;
  await ctx.sink.record(ctx.engine, event);
}
