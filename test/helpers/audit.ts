import type { AuditEvent } from "../../src/audit/event.js";
import { ulid } from "../../src/audit/ulid.js";

type Overrides = Partial<Omit<AuditEvent, "input" | "output">> & {
  input?: Partial<AuditEvent["input"]>;
  output?: Partial<NonNullable<AuditEvent["output"]>> | null;
};

/** An event as the gateway builds one: decisions, classes, counts per detector; no values. */
export function makeEvent(o: Overrides = {}): AuditEvent {
  const { input, output, ...rest } = o;
  return {
    id: ulid(),
    ts: "2025-06-24T14:32:15.000Z",
    request_id: "req-" + Math.random().toString(36).slice(2, 10),
    policy_revision: "a".repeat(64),
    source: "gateway",
    environment: "production",
    integration: "support-bot",
    user: "user_123",
    provider: "anthropic",
    model: "claude-sonnet-4",
    endpoint: "anthropic.messages",
    stream: false,
    status: "success",
    http_status: 200,
    error: null,
    latency_ms: { total: 842, upstream: 800, gateway: 42 },
    tokens: { input: 120, output: 64 },
    ...rest,
    input: {
      decision: "allow",
      enforced_decision: "allow",
      highest_class: "internal",
      restricted_detected: false,
      findings: {},
      classes_sent: ["internal"],
      rules: [],
      ...input,
    },
    output:
      output === null
        ? null
        : { decision: "allow", enforced_decision: "allow", findings: {}, rules: [], ...output },
  };
}

/** The event for a call refused because its prompt carried a secret (no upstream call was made). */
export function blockedForSecret(o: Overrides = {}): AuditEvent {
  return makeEvent({
    status: "blocked",
    http_status: 403,
    error: { code: "policy.restricted_data", message: "the prompt contains restricted data (github-token)" },
    latency_ms: { total: 3, upstream: null, gateway: 3 },
    tokens: null,
    ...o,
    input: {
      decision: "block",
      enforced_decision: "block",
      highest_class: "restricted",
      restricted_detected: true,
      findings: { "github-token": 1 },
      classes_sent: [],
      rules: ["classes.restricted"],
      ...o.input,
    },
    output: null,
  });
}
