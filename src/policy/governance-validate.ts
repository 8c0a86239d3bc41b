import type { Policy } from "./schema.js";
import type { SemanticIssue } from "./validate.js";

/**
 * Names in the governance sections must refer to something declared: a person in an approval
 * record, a role a person holds, an environment approvals are required in. A typo here would
 * otherwise let an approval pass that nobody gave.
 */
export function validateGovernance(p: Policy): SemanticIssue[] {
  const issues: SemanticIssue[] = [];
  const roles = Object.keys(p.roles);
  const people = Object.keys(p.people);
  const person = (path: (string | number)[], who: string | undefined) => {
    if (who !== undefined && !(who in p.people)) {
      issues.push({
        path,
        message: `unknown person "${who}"; declared people: ${people.join(", ") || "none (add them under people:)"}`,
      });
    }
  };
  const role = (path: (string | number)[], r: string) => {
    if (!(r in p.roles))
      issues.push({ path, message: `unknown role "${r}"; declared roles: ${roles.join(", ")}` });
  };

  for (const [pid, per] of Object.entries(p.people)) {
    per.roles.forEach((r, i) => role(["people", pid, "roles", i], r));
  }
  const rules = p.governance.rules;
  for (const key of ["develop_roles", "propose_roles", "approve_roles"] as const) {
    rules[key].forEach((r, i) => role(["governance", "rules", key, i], r));
  }
  rules.approval_required_in?.forEach((e, i) => {
    if (!p.environments.includes(e)) {
      issues.push({
        path: ["governance", "rules", "approval_required_in", i],
        message: `unknown environment "${e}"; expected one of ${p.environments.join(", ")}`,
      });
    }
  });

  for (const [iid, integ] of Object.entries(p.integrations)) {
    const a = integ.approval;
    if (!a) continue;
    const at = ["integrations", iid, "approval"];
    person([...at, "proposed_by"], a.proposed_by);
    person([...at, "approved_by"], a.approved_by);
    person([...at, "revoked_by"], a.revoked_by);
  }
  for (const [prid, prov] of Object.entries(p.providers)) {
    person(["providers", prid, "onboarding", "requested_by"], prov.onboarding?.requested_by);
    person(["providers", prid, "onboarding", "approved_by"], prov.onboarding?.approved_by);
    prov.secret?.holders.forEach((h, i) => person(["providers", prid, "secret", "holders", i], h));
  }
  return issues;
}
