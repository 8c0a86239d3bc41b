import { isProductionEnvironment } from "../policy/warnings.js";
import { CHECKLIST_QUESTIONS, type ChecklistItem } from "../policy/governance-schema.js";
import type { Policy } from "../policy/schema.js";

export type ApprovalStatus = "approved" | "proposed" | "revoked" | "none";

/** The environments where an integration needs an approval record before traffic is forwarded. */
export function approvalEnvironments(p: Policy): string[] {
  return p.governance.rules.approval_required_in ?? p.environments.filter(isProductionEnvironment);
}

export function approvalRequiredIn(p: Policy, env: string): boolean {
  return approvalEnvironments(p).includes(env);
}

export function integrationStatus(p: Policy, id: string): ApprovalStatus {
  const a = p.integrations[id]?.approval;
  if (!a) return "none";
  if (a.revoked_at || a.revoked_by) return "revoked";
  if (a.approved_by && a.approved_at) return "approved";
  return a.proposed_by ? "proposed" : "none";
}

export function hasRole(p: Policy, person: string | undefined, roles: readonly string[]): boolean {
  const per = person ? p.people[person] : undefined;
  return Boolean(per && !per.left && per.roles.some((r) => roles.includes(r)));
}

/** Checklist items the policy requires that the record leaves unanswered (false counts as unanswered). */
export function missingChecklist(p: Policy, id: string): ChecklistItem[] {
  const c = p.integrations[id]?.approval?.checklist ?? {};
  return p.governance.rules.required_checklist.filter((k) => {
    const v = c[k];
    return v === undefined || v === false || (typeof v === "string" && !v.trim());
  });
}

/**
 * Everything that stands between an integration and production traffic, in words a developer can
 * act on; empty when it is approved. The approval record is checked against the rules as they are
 * now, so a rule tightened after an approval is enforced on the next call.
 */
export function approvalGaps(p: Policy, id: string): string[] {
  const integ = p.integrations[id];
  if (!integ) return [`integration "${id}" is not declared`];
  const a = integ.approval;
  const rules = p.governance.rules;
  if (!a) {
    return [
      `it has no approval record (propose it with \`policygate integration propose ${id}\`, then have a ${rules.approve_roles.join(" or ")} approve it)`,
    ];
  }
  const gaps: string[] = [];
  if (a.revoked_at || a.revoked_by) {
    gaps.push(
      `its approval was revoked${a.revoked_by ? ` by ${a.revoked_by}` : ""}${a.revoked_at ? ` on ${a.revoked_at}` : ""}${a.revoked_reason ? ` (${a.revoked_reason})` : ""}`,
    );
    return gaps;
  }
  if (!a.proposed_by) gaps.push("no proposer is recorded (approval.proposed_by)");
  else if (!hasRole(p, a.proposed_by, rules.propose_roles))
    gaps.push(
      `the proposer ${a.proposed_by} does not hold a proposing role (${rules.propose_roles.join(", ")})`,
    );
  if (!a.approved_by || !a.approved_at)
    gaps.push("it is not approved yet (approval.approved_by and approved_at)");
  else {
    if (!hasRole(p, a.approved_by, rules.approve_roles))
      gaps.push(
        `the approver ${a.approved_by} does not hold an approving role (${rules.approve_roles.join(", ")})`,
      );
    if (!rules.self_approval && a.approved_by === a.proposed_by)
      gaps.push(`${a.approved_by} approved their own proposal; another approver must approve it`);
  }
  const missing = missingChecklist(p, id);
  if (missing.length) {
    gaps.push(
      `the approval checklist is incomplete: ${missing.map((k) => `${k} ("${CHECKLIST_QUESTIONS[k]}")`).join(", ")}`,
    );
  }
  return gaps;
}
