import type { AuditEvent } from "../../src/audit/event.js";
import type { AlertsConfig } from "../../src/policy/alerts-schema.js";
import { parsePolicy } from "../../src/policy/load.js";
import { formatPolicyError } from "../../src/policy/errors.js";

let n = 0;

/** An audit event as the gateway writes it, with overrides. */
export function event(
  over: Partial<Omit<AuditEvent, "input">> & { input?: Partial<AuditEvent["input"]> } = {},
): AuditEvent {
  const { input, ...rest } = over;
  n++;
  return {
    id: `ev-${n}`,
    ts: new Date(0).toISOString(),
    request_id: `req-${n}`,
    policy_revision: "rev",
    source: "gateway",
    environment: "development",
    integration: "support-bot",
    user: null,
    provider: "openai",
    model: "gpt-4o",
    endpoint: "openai.chat",
    stream: false,
    input: {
      decision: "allow",
      enforced_decision: "allow",
      highest_class: "public",
      restricted_detected: false,
      findings: {},
      classes_sent: [],
      rules: [],
      ...input,
    },
    output: null,
    status: "success",
    http_status: 200,
    error: null,
    latency_ms: { total: 10, upstream: 8, gateway: 2 },
    tokens: null,
    ...rest,
  };
}

/** A call carrying a restricted value, blocked. */
export function restricted(integration = "support-bot", detector = "openai-api-key"): AuditEvent {
  return event({
    integration,
    status: "blocked",
    http_status: 403,
    input: {
      decision: "block",
      enforced_decision: "block",
      highest_class: "restricted",
      restricted_detected: true,
      findings: { [detector]: 1 },
    },
    latency_ms: { total: 3, upstream: null, gateway: 3 },
  });
}

/** The alerts section of a policy written in YAML (under `alerts:`), parsed with its defaults. */
export function alertsConfig(yaml: string): AlertsConfig {
  const r = parsePolicy(
    `organisation:\n  contacts:\n    security: { name: Sec Lead, email: sec@example.com }\n    cto: { name: CTO, email: cto@example.com }\n${yaml}`,
    { file: "alerts.yaml" },
  );
  if (!r.ok) throw new Error(r.errors.map(formatPolicyError).join("\n"));
  if (!r.value.policy.alerts) throw new Error("no alerts section");
  return r.value.policy.alerts;
}

/** A clock tests move by hand. */
export class FakeClock {
  t = Date.parse("2026-01-05T09:00:00Z");
  now = () => this.t;
  advance(minutes: number): void {
    this.t += minutes * 60_000;
  }
}
