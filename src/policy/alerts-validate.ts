import type { Policy } from "./schema.js";
import type { SemanticIssue } from "./validate.js";

/**
 * Cross-references of the alerts section: every contact, notifier, level and environment it names
 * must exist. A typo here would otherwise surface as silence during an incident.
 */
export function validateAlerts(p: Policy): SemanticIssue[] {
  const a = p.alerts;
  if (!a) return [];
  const issues: SemanticIssue[] = [];
  const contacts = Object.keys(p.organisation.contacts);
  const notifiers = Object.keys(a.notifiers);
  a.levels.forEach((lvl, i) => {
    lvl.contacts.forEach((c, j) => {
      if (!contacts.includes(c)) {
        issues.push({
          path: ["alerts", "levels", i, "contacts", j],
          message: `unknown contact "${c}"; organisation.contacts declares ${contacts.join(", ") || "none"}`,
        });
      }
    });
    lvl.notify.forEach((n, j) => {
      if (!notifiers.includes(n)) {
        issues.push({
          path: ["alerts", "levels", i, "notify", j],
          message: `unknown notifier "${n}"; alerts.notifiers declares ${notifiers.join(", ") || "none"}`,
        });
      }
    });
  });
  for (const [id, rule] of Object.entries(a.rules)) {
    if (rule.level > a.levels.length) {
      issues.push({
        path: ["alerts", "rules", id, "level"],
        message: `level ${rule.level} is not declared; alerts.levels has ${a.levels.length}`,
      });
    }
  }
  for (const [id, n] of Object.entries(a.notifiers)) {
    (n.required_in ?? []).forEach((env, i) => {
      if (!p.environments.includes(env)) {
        issues.push({
          path: ["alerts", "notifiers", id, "required_in", i],
          message: `unknown environment "${env}"; expected one of ${p.environments.join(", ")}`,
        });
      }
    });
  }
  return issues;
}
