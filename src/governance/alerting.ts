import type { Policy } from "../policy/schema.js";

/**
 * Whether an alert would reach a person: an alerts section that is enabled, with at least one
 * notifier that an escalation level uses. A section with rules but nobody to tell is the
 * article's "the alert path crashes" in another form, so the gate treats it as not configured.
 * Returns the reason it is not, or null when it is.
 */
export function alertingGap(p: Policy): { path: string[]; message: string } | null {
  const a = p.alerts;
  if (!a)
    return { path: ["alerts"], message: "alerting is not configured: the policy has no alerts section" };
  if (!a.enabled)
    return { path: ["alerts", "enabled"], message: "alerting is switched off (alerts.enabled: false)" };
  if (!Object.keys(a.notifiers).length)
    return {
      path: ["alerts", "notifiers"],
      message: "alerting has no notifier: declare a webhook or SMTP notifier under alerts.notifiers",
    };
  if (!a.levels.some((l) => l.notify.length))
    return {
      path: ["alerts", "levels"],
      message: "no escalation level notifies anyone: list a notifier in alerts.levels[0].notify",
    };
  return null;
}

/** The escalation levels as SECURITY.md lists them: name, contacts and notifiers. */
export function escalationLevels(
  p: Policy,
): { level: number; name: string; contacts: string[]; notify: string[] }[] {
  return (p.alerts?.levels ?? []).map((l, i) => ({
    level: i + 1,
    name: l.name ?? `level ${i + 1}`,
    contacts: l.contacts,
    notify: l.notify,
  }));
}
