import { timingSafeEqual } from "node:crypto";
import { resolve } from "node:path";
import type { Logger } from "pino";
import type { AuditEvent } from "../audit/event.js";
import type { AuditStore } from "../audit/store.js";
import type { LoadedPolicy } from "../policy/load.js";
import type { Policy } from "../policy/schema.js";
import { alertAuditEvent, peopleAt, type Alert } from "./alert.js";
import { AlertDispatcher } from "./delivery.js";
import { GatewayMetrics } from "./metrics.js";
import { buildNotifiers, type Notifier, type NotifierProblem } from "./notifiers.js";
import { AlertRules, type Firing } from "./rules.js";

export const DEAD_LETTER_FILE = "alerts-dead-letter.jsonl";
/** Bearer token for /metrics; when unset the endpoint is open (bind the gateway to a private address). */
export const METRICS_TOKEN_ENV = "POLICYGATE_METRICS_TOKEN";
/** How far back a starting gateway reads the audit log to learn each integration's usual classes. */
const SEED_DAYS = 30;
const SEED_LIMIT = 50_000;

export interface MonitorOptions {
  policy: LoadedPolicy;
  environment: string;
  /** Where notifier variables (webhook URLs, SMTP credentials) and the metrics token are read. */
  env: Record<string, string | undefined>;
  /** Alert events are appended here. */
  store: AuditStore;
  dataDir: string;
  logger: Logger;
  newId: () => string;
  now?: () => number;
  fetchImpl?: typeof fetch;
}

/** A notifier the policy requires in this environment cannot work; the gateway must not start. */
export class MonitorConfigError extends Error {
  constructor(readonly problems: NotifierProblem[]) {
    super(
      `alerts cannot be delivered in this environment:\n` +
        problems.map((p) => `  ${p.path}: ${p.message}`).join("\n"),
    );
    this.name = "MonitorConfigError";
  }
}

/** The dead-letter file for a policy: delivery.dead_letter_file (relative to the data dir), or the default. */
export function deadLetterPath(policy: Policy, dataDir: string): string {
  return resolve(dataDir, policy.alerts?.delivery.dead_letter_file ?? DEAD_LETTER_FILE);
}

/**
 * Watches the gateway's audit events: counts them into metrics, runs the alert rules, records each
 * alert as an audit event and hands it to the notifiers of its level. Nothing here can fail or slow
 * a call: `observe` returns at once and never throws, and delivery happens in the background.
 *
 * @example
 * const monitor = Monitor.create({ policy, environment, env: process.env, store, dataDir, logger, newId: ulid });
 * const gateway = new Gateway({ ...options, ...monitor.gatewayOptions() });
 */
export class Monitor {
  readonly metrics: GatewayMetrics;
  /** Alerts raised since start, newest last (a few, for the demo and tests). */
  readonly recent: Alert[] = [];
  /** Notifier problems found at start (warnings; errors stop `create`). */
  readonly problems: NotifierProblem[];
  private rules: AlertRules | undefined;
  private rulesKey = "";
  private notifiers: Map<string, Notifier>;
  private policy: LoadedPolicy;
  private readonly dispatcher: AlertDispatcher;
  private readonly now: () => number;
  private pendingWrites = new Set<Promise<void>>();

  private constructor(
    private readonly opts: MonitorOptions,
    built: ReturnType<typeof buildNotifiers>,
  ) {
    this.now = opts.now ?? Date.now;
    this.policy = opts.policy;
    this.problems = built.problems;
    this.notifiers = built.notifiers;
    this.metrics = new GatewayMetrics(opts.policy.policy);
    const d = opts.policy.policy.alerts?.delivery;
    this.dispatcher = new AlertDispatcher({
      retries: d?.retries ?? 5,
      backoffMs: d?.backoff_ms ?? 1000,
      maxBackoffMs: d?.max_backoff_ms ?? 60_000,
      queueSize: d?.queue_size ?? 1000,
      deadLetterFile: deadLetterPath(opts.policy.policy, opts.dataDir),
      onOutcome: (n, o) => {
        this.metrics.delivery(n, o);
        this.metrics.queueDepth.set(this.dispatcher.depth);
      },
      onProblem: (message, fields) => opts.logger.error(fields, message),
    });
    this.useRules(opts.policy.policy);
  }

  /**
   * Builds the monitor, or throws MonitorConfigError when a notifier required in this environment
   * cannot work (a missing webhook variable is found here, at start, not when an alert fires).
   */
  static create(opts: MonitorOptions): Monitor {
    const built = buildNotifiers(opts.policy.policy, opts.env, opts.environment, opts.fetchImpl);
    const errors = built.problems.filter((p) => p.error);
    if (errors.length) throw new MonitorConfigError(errors);
    for (const p of built.problems) opts.logger.warn({ notifier: p.notifier, path: p.path }, p.message);
    return new Monitor(opts, built);
  }

  /** What to pass to the Gateway so it reports to this monitor. */
  gatewayOptions(): {
    onEvent: (e: AuditEvent) => void;
    onReload: (p: LoadedPolicy) => void;
    metrics: (
      authorization: string | undefined,
    ) => Promise<{ status: number; body: string; contentType: string }>;
    beforeClose: () => Promise<void>;
  } {
    return {
      onEvent: (e) => this.observe(e),
      onReload: (p) => this.reload(p),
      metrics: (auth) => this.scrape(auth),
      beforeClose: () => this.close(),
    };
  }

  /** Learns each integration's usual classes from the recent audit log, so a restart is not a "first time". */
  async seed(): Promise<void> {
    if (!this.rules) return;
    try {
      const since = new Date(this.now() - SEED_DAYS * 86_400_000).toISOString();
      this.rules.seed(await this.opts.store.query({ since, newestFirst: true, limit: SEED_LIMIT }));
    } catch (e) {
      this.opts.logger.warn(
        { error: (e as Error).name },
        "could not read the audit log to learn usual data classes; unusual-class alerts start learning now",
      );
    }
  }

  /** Called for each stored audit event. Never throws, never waits. */
  observe(e: AuditEvent): void {
    try {
      this.metrics.observe(e, this.now());
      if (!this.rules) return;
      for (const f of this.rules.observe(e)) this.raise(f);
    } catch (err) {
      this.opts.logger.error(
        { error: (err as Error).name },
        "alert evaluation failed; the call is unaffected",
      );
    }
  }

  /**
   * A new policy: new rules (state kept when the alerts section is unchanged), notifiers and label
   * sets. Throws, refusing the reload, when a notifier required here would not work.
   */
  reload(policy: LoadedPolicy, environment = this.opts.environment): void {
    const built = buildNotifiers(policy.policy, this.opts.env, environment, this.opts.fetchImpl);
    const errors = built.problems.filter((p) => p.error);
    if (errors.length) throw new MonitorConfigError(errors);
    this.policy = policy;
    this.notifiers = built.notifiers;
    this.metrics.usePolicy(policy.policy);
    this.useRules(policy.policy);
  }

  /**
   * Raises an alert by hand (`policygate alerts test`, or a rule firing): records it and queues
   * delivery to its level's notifiers.
   */
  raise(f: Firing, onlyNotifiers?: string[]): Alert {
    const p = this.policy.policy;
    const level = p.alerts?.levels[f.level - 1];
    const names = onlyNotifiers ?? level?.notify ?? [];
    const alert: Alert = {
      ...f,
      id: this.opts.newId(),
      ts: new Date(this.now()).toISOString(),
      environment: this.opts.environment,
      organisation: p.organisation.name,
      policy_revision: this.policy.revision,
      contacts: level?.contacts ?? [],
      people: peopleAt(p, f.level),
      notifiers: names.filter((n) => this.notifiers.has(n)),
    };
    this.recent.push(alert);
    if (this.recent.length > 50) this.recent.shift();
    this.metrics.alertRaised(f.rule, f.level);
    this.opts.logger.warn({ alert_id: alert.id, rule: f.rule, level: f.level, title: f.title }, "alert");
    const write = this.opts.store
      .append(alertAuditEvent(alert, this.opts.newId()))
      .catch(() =>
        this.opts.logger.error({ alert_id: alert.id }, "could not record the alert in the audit store"),
      )
      .finally(() => this.pendingWrites.delete(write));
    this.pendingWrites.add(write);
    this.dispatcher.enqueue(
      alert,
      alert.notifiers.map((n) => this.notifiers.get(n)!),
    );
    this.metrics.queueDepth.set(this.dispatcher.depth);
    return alert;
  }

  /** One line for the gateway's start banner. */
  describe(): string {
    const a = this.policy.policy.alerts;
    if (!a) return "none (the policy has no alerts section)";
    if (!a.enabled) return "disabled in the policy";
    const rules = Object.values(a.rules).filter((r) => r.enabled).length;
    const ready = [...this.notifiers.keys()];
    return (
      `${rules} rules, ${a.levels.length} level${a.levels.length === 1 ? "" : "s"}, ` +
      (ready.length ? `notifiers ${ready.join(", ")}` : "no notifiers (alerts go to the audit log)") +
      (this.problems.length ? `; ${this.problems.length} notifier(s) skipped, see the log` : "")
    );
  }

  /** Waits for alert events to be recorded and deliveries to finish (tests, demo). */
  async idle(timeoutMs = 30_000): Promise<void> {
    await Promise.all(this.pendingWrites);
    await this.dispatcher.idle(timeoutMs);
  }

  /** Stops: deliveries still pending after `graceMs` go to the dead-letter file. */
  async close(graceMs = 5000): Promise<void> {
    await Promise.all(this.pendingWrites);
    await this.dispatcher.close(graceMs);
  }

  private async scrape(authorization: string | undefined) {
    const token = this.opts.env[METRICS_TOKEN_ENV];
    if (token && !sameToken(authorization, token)) {
      return {
        status: 401,
        body: `GET /metrics needs "Authorization: Bearer <token>" with the value of ${METRICS_TOKEN_ENV}\n`,
        contentType: "text/plain; charset=utf-8",
      };
    }
    this.metrics.queueDepth.set(this.dispatcher.depth);
    return { status: 200, ...(await this.metrics.render()) };
  }

  private useRules(p: Policy): void {
    const key = JSON.stringify([p.alerts?.enabled, p.alerts?.rules, p.alerts?.levels.length]);
    if (!p.alerts || !p.alerts.enabled) {
      this.rules = undefined;
    } else if (!this.rules || key !== this.rulesKey) {
      this.rules = new AlertRules(p.alerts, this.now);
    }
    this.rulesKey = key;
  }
}

function sameToken(header: string | undefined, token: string): boolean {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  if (!m) return false;
  const a = Buffer.from(m[1]!);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}
