import type { AlertRecord, AuditEvent } from "../audit/event.js";
import { classRank, type DataClass } from "../policy/classes.js";
import type { AlertsConfig } from "../policy/alerts-schema.js";
import { failedValidation, upstreamOutcome } from "./outcome.js";

/** What a rule found: everything an alert records except delivery details (id, contacts, notifiers). */
export type Firing = Omit<AlertRecord, "id" | "contacts" | "notifiers" | "rule"> & { rule: RuleId };

export type RuleId = keyof AlertsConfig["rules"];

const MINUTE = 60_000;
/** Most keys (integrations, users, providers) a rule tracks; the oldest is forgotten beyond it. */
const MAX_KEYS = 10_000;
const MAX_REQUEST_IDS = 5;

interface Hit {
  t: number;
  requestId: string;
  detectors: string[];
}

/**
 * The alert rules, evaluated on the stream of audit events. Pure apart from the clock it is given,
 * so windows and cool-downs are tested with a fake one. Memory is bounded: windows drop entries
 * older than they need, and each rule tracks at most MAX_KEYS keys.
 *
 * @example
 * const rules = new AlertRules(policy.alerts, () => Date.now());
 * for (const firing of rules.observe(event)) notify(firing);
 */
export class AlertRules {
  private readonly restricted = new Bounded<Hit[]>();
  private readonly failures = new Bounded<Hit[]>();
  private readonly volume = new Bounded<{ first: number; minutes: Map<number, number> }>();
  private readonly classes = new Bounded<{ first: number; seen: Set<DataClass> }>();
  private readonly provider = new Bounded<{ t: number; outcome: "ok" | "error" | "timeout" }[]>();
  /** cool-down key -> until when (ms) and how many firings were held back meanwhile. */
  private readonly cooling = new Bounded<{ until: number; suppressed: number }>();

  constructor(
    private readonly config: AlertsConfig,
    private readonly now: () => number,
  ) {}

  /**
   * Learns an integration's classes (and when it was first seen) from earlier events, so a restart
   * does not make every class look new. Raises nothing.
   */
  seed(events: Iterable<AuditEvent>): void {
    for (const e of events) {
      if (e.status === "alert" || !e.integration) continue;
      const t = Date.parse(e.ts);
      const s = this.classes.get(e.integration) ?? { first: t, seen: new Set<DataClass>() };
      s.first = Math.min(s.first, t);
      s.seen.add(e.input.highest_class);
      this.classes.set(e.integration, s);
    }
  }

  observe(e: AuditEvent): Firing[] {
    if (!this.config.enabled || e.status === "alert") return [];
    const now = this.now();
    const out: Firing[] = [];
    const r = this.config.rules;
    if (r.restricted_data.enabled) this.checkRestricted(e, now, out);
    if (r.validation_failures.enabled) this.checkFailures(e, now, out);
    if (r.volume_spike.enabled) this.checkVolume(e, now, out);
    if (r.unusual_class.enabled) this.checkClass(e, now, out);
    if (r.provider_errors.enabled) this.checkProvider(e, now, out);
    return out;
  }

  private checkRestricted(e: AuditEvent, now: number, out: Firing[]): void {
    if (!e.input.restricted_detected) return;
    const rule = this.config.rules.restricted_data;
    const who = e.integration ?? "(none)";
    const hits = prune(this.restricted.get(who) ?? [], now - rule.window_minutes * MINUTE);
    hits.push({ t: now, requestId: e.request_id, detectors: Object.keys(e.input.findings) });
    this.restricted.set(who, hits);
    // The first occurrence goes to the rule's level; repeats climb one level per escalate_after.
    const steps = Math.floor(hits.length / rule.escalate_after);
    const level = Math.min(rule.level + steps, this.config.levels.length);
    this.fire(out, now, rule.cooldown_minutes, {
      rule: "restricted_data",
      level,
      title:
        hits.length === 1
          ? `Restricted data sent by integration ${who}`
          : `Restricted data sent by integration ${who} ${hits.length} times in ${rule.window_minutes} min`,
      key: { integration: who },
      counts: { occurrences: hits.length, ...detectorCounts(hits) },
      detectors: detectorList(hits),
      classes: ["restricted"],
      request_ids: requestIds(hits),
    });
  }

  private checkFailures(e: AuditEvent, now: number, out: Firing[]): void {
    const f = failedValidation(e);
    if (!f.input && !f.output) return;
    const rule = this.config.rules.validation_failures;
    const detectors = [...Object.keys(e.input.findings), ...Object.keys(e.output?.findings ?? {})];
    for (const dim of rule.per) {
      const value = e[dim];
      if (!value) continue;
      const k = `${dim}\u0000${value}`;
      const hits = prune(this.failures.get(k) ?? [], now - rule.window_minutes * MINUTE);
      hits.push({ t: now, requestId: e.request_id, detectors });
      this.failures.set(k, hits);
      if (hits.length < rule.threshold) continue;
      this.fire(out, now, rule.cooldown_minutes, {
        rule: "validation_failures",
        level: rule.level,
        title: `${hits.length} validation failures in ${rule.window_minutes} min for ${dim} ${value}`,
        key: { [dim]: value },
        counts: { failures: hits.length, threshold: rule.threshold, ...detectorCounts(hits) },
        detectors: detectorList(hits),
        classes: [],
        request_ids: requestIds(hits),
      });
    }
  }

  private checkVolume(e: AuditEvent, now: number, out: Firing[]): void {
    if (!e.integration) return;
    const rule = this.config.rules.volume_spike;
    const minute = Math.floor(now / MINUTE);
    const s = this.volume.get(e.integration) ?? { first: now, minutes: new Map<number, number>() };
    s.minutes.set(minute, (s.minutes.get(minute) ?? 0) + 1);
    this.volume.set(e.integration, s);
    const win = Math.ceil(rule.window_minutes);
    const base = Math.ceil(rule.baseline_minutes);
    let current = 0;
    let baseline = 0;
    for (const [m, n] of s.minutes) {
      const age = minute - m;
      if (age < win) current += n;
      else if (age < win + base) baseline += n;
      else s.minutes.delete(m);
    }
    // A baseline needs a full period of history; a new integration is not a spike.
    if (now - s.first < (win + base) * MINUTE) return;
    const expected = (baseline * win) / base;
    if (current < rule.min_calls || current <= rule.factor * expected) return;
    this.fire(out, now, rule.cooldown_minutes, {
      rule: "volume_spike",
      level: rule.level,
      title: `Call volume of integration ${e.integration} is ${expected ? `${(current / expected).toFixed(1)}x` : "far above"} its baseline`,
      key: { integration: e.integration },
      counts: {
        calls_in_window: current,
        baseline_per_window: Math.round(expected * 10) / 10,
        window_minutes: win,
      },
      detectors: [],
      classes: [],
      request_ids: [e.request_id],
    });
  }

  private checkClass(e: AuditEvent, now: number, out: Firing[]): void {
    if (!e.integration) return;
    const rule = this.config.rules.unusual_class;
    const cls = e.input.highest_class;
    const s = this.classes.get(e.integration) ?? { first: now, seen: new Set<DataClass>() };
    this.classes.set(e.integration, s);
    if (s.seen.has(cls)) return;
    s.seen.add(cls);
    if (classRank(cls) < classRank(rule.min_class)) return;
    if (now - s.first < rule.learn_minutes * MINUTE) return;
    this.fire(out, now, rule.cooldown_minutes, {
      rule: "unusual_class",
      level: rule.level,
      title: `Integration ${e.integration} sent ${cls} data for the first time`,
      key: { integration: e.integration, class: cls },
      counts: { classes_seen_before: s.seen.size - 1 },
      detectors: Object.keys(e.input.findings),
      classes: [cls],
      request_ids: [e.request_id],
    });
  }

  private checkProvider(e: AuditEvent, now: number, out: Firing[]): void {
    const outcome = upstreamOutcome(e);
    if (!outcome || !e.provider) return;
    const rule = this.config.rules.provider_errors;
    const since = now - rule.window_minutes * MINUTE;
    const w = (this.provider.get(e.provider) ?? []).filter((x) => x.t > since);
    w.push({ t: now, outcome });
    this.provider.set(e.provider, w);
    const errors = w.filter((x) => x.outcome === "error").length;
    const timeouts = w.filter((x) => x.outcome === "timeout").length;
    if (w.length < rule.min_calls || (errors + timeouts) / w.length < rule.rate) return;
    this.fire(out, now, rule.cooldown_minutes, {
      rule: "provider_errors",
      level: rule.level,
      title: `Provider ${e.provider}: ${Math.round(((errors + timeouts) / w.length) * 100)}% of calls failed in ${rule.window_minutes} min`,
      key: { provider: e.provider },
      counts: { calls: w.length, errors, timeouts },
      detectors: [],
      classes: [],
      request_ids: [e.request_id],
    });
  }

  /** Adds the firing unless its rule, key and level are cooling down; counts what was held back. */
  private fire(out: Firing[], now: number, cooldownMinutes: number, f: Firing): void {
    const k = `${f.rule}\u0000${JSON.stringify(f.key)}\u0000${f.level}`;
    const c = this.cooling.get(k);
    if (c && now < c.until) {
      c.suppressed++;
      return;
    }
    if (c?.suppressed) f.counts.suppressed_since_last = c.suppressed;
    this.cooling.set(k, { until: now + cooldownMinutes * MINUTE, suppressed: 0 });
    out.push(f);
  }
}

/** A Map that forgets its oldest key beyond MAX_KEYS, so a flood of new users cannot exhaust memory. */
class Bounded<V> {
  private readonly m = new Map<string, V>();
  get(k: string): V | undefined {
    return this.m.get(k);
  }
  set(k: string, v: V): void {
    this.m.delete(k);
    this.m.set(k, v);
    if (this.m.size > MAX_KEYS) this.m.delete(this.m.keys().next().value!);
  }
}

function prune(hits: Hit[], since: number): Hit[] {
  let i = 0;
  while (i < hits.length && hits[i]!.t <= since) i++;
  return i ? hits.slice(i) : hits;
}

function detectorCounts(hits: Hit[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const h of hits) for (const d of h.detectors) out[`detector:${d}`] = (out[`detector:${d}`] ?? 0) + 1;
  return out;
}

function detectorList(hits: Hit[]): string[] {
  return [...new Set(hits.flatMap((h) => h.detectors))].sort();
}

function requestIds(hits: Hit[]): string[] {
  return hits.slice(-MAX_REQUEST_IDS).map((h) => h.requestId);
}
