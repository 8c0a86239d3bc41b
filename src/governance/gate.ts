import { readFileSync } from "node:fs";
import { exceeds } from "../policy/classes.js";
import type { LoadedPolicy } from "../policy/load.js";
import type { Policy } from "../policy/schema.js";
import { renderSecurityMd } from "../docs/security-md.js";
import { alertingGap } from "./alerting.js";
import { approvalGaps, approvalRequiredIn } from "./approval.js";
import { notifierCheck } from "../monitor/notifiers.js";

/** What a gate rule sees: the policy, the environment being deployed to, and the process environment. */
export interface GateContext {
  loaded: LoadedPolicy;
  environment: string;
  /** Process environment: only whether a variable is set is ever read. */
  env: Record<string, string | undefined>;
  /** The SECURITY.md to compare with the policy, if one is expected. */
  securityMd?: { path: string; shown: string };
  /** How the policy file is named in SECURITY.md's header (must match what `doc` was given). */
  source?: string;
}

export interface GateProblem {
  rule: string;
  /** Policy path the problem is about (for file:line and SARIF). */
  path: (string | number)[];
  message: string;
}

/** One deployment check. Add one to GATE_RULES and `check --env production` runs it. */
export interface GateRule {
  id: string;
  description: string;
  check(ctx: GateContext): GateProblem[];
}

/** Providers an environment can reach (declared there and not a test stand-in). */
function providersIn(p: Policy, env: string) {
  return Object.entries(p.providers).filter(([, v]) => v.environments.includes(env) && v.kind !== "echo");
}

function integrationsIn(p: Policy, env: string) {
  return Object.entries(p.integrations).filter(
    ([, v]) => !v.environments.length || v.environments.includes(env),
  );
}

export const GATE_RULES: GateRule[] = [
  {
    id: "alerting-configured",
    description:
      "Alerts reach a person: an alerts section with a notifier used by an escalation level, its variables set.",
    check: ({ loaded: { policy: p }, environment, env }) => {
      const gap = alertingGap(p);
      if (gap) return [{ rule: "alerting-configured", path: gap.path, message: gap.message }];
      const { errors, warnings } = notifierCheck(p, env, environment);
      return [...errors, ...warnings].map((w) => ({
        rule: "alerting-configured",
        path: w.path.split("."),
        message: w.message,
      }));
    },
  },
  {
    id: "integration-approval",
    description: "Every integration deployed where approval is required has a complete approval record.",
    check: ({ loaded: { policy: p }, environment }) =>
      approvalRequiredIn(p, environment)
        ? integrationsIn(p, environment).flatMap(([id]) =>
            approvalGaps(p, id).map((gap) => ({
              rule: "integration-approval",
              path: ["integrations", id, "approval"],
              message: `integration ${id} is not approved for ${environment}: ${gap}`,
            })),
          )
        : [],
  },
  {
    id: "provider-approved",
    description: "Every provider declared for the environment has status approved.",
    check: ({ loaded: { policy: p }, environment }) =>
      providersIn(p, environment)
        .filter(([, v]) => v.status !== "approved")
        .map(([id, v]) => ({
          rule: "provider-approved",
          path: ["providers", id, "status"],
          message: `provider ${id} is declared for ${environment} but its status is ${v.status}`,
        })),
  },
  {
    id: "provider-zero-retention",
    description: "Every approved provider in the environment has zero data retention confirmed (section 9).",
    check: ({ loaded: { policy: p }, environment }) =>
      p.governance.rules.required_vendor.includes("zero_data_retention")
        ? providersIn(p, environment)
            .filter(([, v]) => v.status === "approved" && !v.zero_data_retention)
            .map(([id]) => ({
              rule: "provider-zero-retention",
              path: ["providers", id, "zero_data_retention"],
              message: `provider ${id} is approved for ${environment} without zero data retention confirmed`,
            }))
        : [],
  },
  {
    id: "provider-vendor-terms",
    description:
      "Every approved provider in the environment has the vendor obligations governance.rules.required_vendor lists.",
    check: ({ loaded: { policy: p }, environment }) =>
      providersIn(p, environment)
        .filter(([, v]) => v.status === "approved")
        .flatMap(([id, v]) => {
          const missing = p.governance.rules.required_vendor.filter(
            (k) => k !== "zero_data_retention" && (v.vendor?.[k] === undefined || v.vendor?.[k] === false),
          );
          return missing.length
            ? [
                {
                  rule: "provider-vendor-terms",
                  path: ["providers", id, "vendor"],
                  message: `provider ${id} lacks required vendor terms: ${missing.join(", ")} (section 9)`,
                },
              ]
            : [];
        }),
  },
  {
    id: "integration-class",
    description: "No integration may send a more sensitive class than a provider it uses may receive.",
    check: ({ loaded: { policy: p }, environment }) =>
      integrationsIn(p, environment).flatMap(([id, integ]) =>
        integ.providers.flatMap((name) => {
          const prov = p.providers[name];
          // The echo stand-in is offline: nothing reaches a vendor, so its limit is not a deployment risk.
          if (!prov || prov.kind === "echo" || !prov.environments.includes(environment) || !integ.max_class)
            return [];
          return exceeds(integ.max_class, prov.max_class)
            ? [
                {
                  rule: "integration-class",
                  path: ["integrations", id, "max_class"],
                  message: `integration ${id} may send ${integ.max_class} data, above provider ${name}'s limit (${prov.max_class})`,
                },
              ]
            : [];
        }),
      ),
  },
  {
    id: "provider-key-set",
    description: "Every approved provider in the environment has its key variable set where the gate runs.",
    check: ({ loaded: { policy: p }, environment, env }) =>
      providersIn(p, environment)
        .filter(([, v]) => v.status === "approved" && v.api_key_env && !env[v.api_key_env])
        .map(([id, v]) => ({
          rule: "provider-key-set",
          path: ["providers", id, "api_key_env"],
          message: `${v.api_key_env} is not set; calls to provider ${id} would fail`,
        })),
  },
  {
    id: "security-md-current",
    description: "SECURITY.md exists and is what `policygate doc` renders from this policy.",
    check: ({ loaded, securityMd, source }) => {
      if (!securityMd) return [];
      let current: string;
      try {
        current = readFileSync(securityMd.path, "utf8");
      } catch {
        return [
          {
            rule: "security-md-current",
            path: ["governance", "security_md"],
            message: `${securityMd.shown} does not exist; generate it with \`policygate doc --output ${securityMd.shown}\``,
          },
        ];
      }
      return current === renderSecurityMd(loaded, { source }).text
        ? []
        : [
            {
              rule: "security-md-current",
              path: ["governance", "security_md"],
              message: `${securityMd.shown} is stale: it differs from what the policy renders; regenerate it with \`policygate doc --output ${securityMd.shown}\``,
            },
          ];
    },
  },
];

export function runGate(ctx: GateContext, rules: readonly GateRule[] = GATE_RULES): GateProblem[] {
  return rules.flatMap((r) => r.check(ctx));
}
