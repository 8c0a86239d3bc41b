import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { AuditEvent } from "../audit/event.js";
import { builtinDetectors } from "../detect/catalogue.js";
import { DICTIONARY_DETECTOR } from "../enforce/decide.js";
import { POLICY_HOSTS_DETECTOR } from "../enforce/engine.js";
import type { Policy } from "../policy/schema.js";
import { upstreamOutcome } from "./outcome.js";

/** Stand-in for a label value outside the policy's own names. */
export const OTHER = "other";
const NONE = "none";

/**
 * The gateway's Prometheus metrics. Label values come only from closed sets: names the policy
 * declares (providers, integrations, notifiers, detectors), fixed enums (decision, status, class,
 * rule), or "other"/"none". A user id, a model name a caller made up, or any text from a call can
 * never become a label, so neither a sensitive value nor an unbounded series count can leak in.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  private allowed = {
    providers: new Set<string>(),
    integrations: new Set<string>(),
    notifiers: new Set<string>(),
  };
  private detectorClass = new Map<string, string>();

  private readonly calls = new Counter({
    name: "policygate_calls_total",
    help: "Calls by provider, integration, input decision and status.",
    labelNames: ["provider", "integration", "decision", "status"] as const,
    registers: [this.registry],
  });
  private readonly findings = new Counter({
    name: "policygate_findings_total",
    help: "Findings by detector id, data class and direction (input or output).",
    labelNames: ["detector", "class", "direction"] as const,
    registers: [this.registry],
  });
  private readonly overhead = new Histogram({
    name: "policygate_gateway_overhead_seconds",
    help: "Time the gateway added to a call (total minus waiting for the provider).",
    labelNames: ["provider"] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [this.registry],
  });
  private readonly upstream = new Histogram({
    name: "policygate_upstream_seconds",
    help: "Time spent waiting for the provider.",
    labelNames: ["provider"] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    registers: [this.registry],
  });
  private readonly upstreamFailures = new Counter({
    name: "policygate_upstream_failures_total",
    help: "Provider errors (5xx, unreachable, broken answer, 429) and timeouts.",
    labelNames: ["provider", "kind"] as const,
    registers: [this.registry],
  });
  private readonly alerts = new Counter({
    name: "policygate_alerts_total",
    help: "Alerts raised, by rule and escalation level.",
    labelNames: ["rule", "level"] as const,
    registers: [this.registry],
  });
  private readonly deliveries = new Counter({
    name: "policygate_alert_deliveries_total",
    help: "Alert delivery attempts by notifier and outcome (sent, retry, failed = dead-lettered).",
    labelNames: ["notifier", "outcome"] as const,
    registers: [this.registry],
  });
  private readonly auditLag = new Gauge({
    name: "policygate_audit_store_lag_seconds",
    help: "For the last call: time from the end of the call to its audit event being durable.",
    registers: [this.registry],
  });
  private readonly auditWrite = new Histogram({
    name: "policygate_audit_write_seconds",
    help: "Time from the end of a call to its audit event being durable.",
    buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
    registers: [this.registry],
  });
  readonly queueDepth = new Gauge({
    name: "policygate_alert_queue_depth",
    help: "Alert deliveries queued, running or waiting to retry.",
    registers: [this.registry],
  });

  constructor(policy: Policy) {
    this.usePolicy(policy);
  }

  /** The label sets follow the policy in force (called again on reload). */
  usePolicy(p: Policy): void {
    this.allowed = {
      providers: new Set(Object.keys(p.providers)),
      integrations: new Set(Object.keys(p.integrations)),
      notifiers: new Set(Object.keys(p.alerts?.notifiers ?? {})),
    };
    const m = new Map<string, string>();
    for (const d of builtinDetectors()) m.set(d.id, p.detectors.builtin[d.id]?.class ?? d.class);
    for (const c of p.detectors.custom) m.set(c.id, c.class);
    m.set(POLICY_HOSTS_DETECTOR, "internal");
    // The dictionary's class depends on the column; the column name is not a label.
    m.set(DICTIONARY_DETECTOR, "dictionary");
    this.detectorClass = m;
  }

  /** Records one call's audit event. `now` is when it became durable. */
  observe(e: AuditEvent, now: number): void {
    if (e.status === "alert") return;
    const provider = this.label(e.provider, this.allowed.providers);
    this.calls
      .labels(provider, this.label(e.integration, this.allowed.integrations), e.input.decision, e.status)
      .inc();
    this.countFindings(e.input.findings, "input");
    if (e.output) this.countFindings(e.output.findings, "output");
    this.overhead.labels(provider).observe(e.latency_ms.gateway / 1000);
    if (e.latency_ms.upstream !== null) this.upstream.labels(provider).observe(e.latency_ms.upstream / 1000);
    const outcome = upstreamOutcome(e);
    if (outcome === "error" || outcome === "timeout") this.upstreamFailures.labels(provider, outcome).inc();
    const end = Date.parse(e.ts) + e.latency_ms.total;
    if (Number.isFinite(end)) {
      const lag = Math.max(0, now - end) / 1000;
      this.auditLag.set(lag);
      this.auditWrite.observe(lag);
    }
  }

  alertRaised(rule: string, level: number): void {
    this.alerts.labels(rule, String(level)).inc();
  }

  delivery(notifier: string, outcome: "sent" | "retry" | "failed"): void {
    this.deliveries.labels(this.label(notifier, this.allowed.notifiers), outcome).inc();
  }

  /** The exposition text and its content type. */
  async render(): Promise<{ body: string; contentType: string }> {
    return { body: await this.registry.metrics(), contentType: this.registry.contentType };
  }

  private countFindings(findings: Record<string, number>, direction: "input" | "output"): void {
    for (const [id, n] of Object.entries(findings)) {
      const cls = this.detectorClass.get(id);
      if (!Number.isFinite(n) || n <= 0) continue;
      this.findings.labels(cls === undefined ? OTHER : id, cls ?? OTHER, direction).inc(n);
    }
  }

  private label(v: string | null, allowed: Set<string>): string {
    if (v === null) return NONE;
    return allowed.has(v) ? v : OTHER;
  }
}
