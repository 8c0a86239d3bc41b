import { readFileSync } from "node:fs";
import { alertingGap } from "../governance/alerting.js";
import { approvalEnvironments } from "../governance/approval.js";
import { daysBetween } from "../governance/today.js";
import type { LoadedPolicy } from "../policy/load.js";
import { renderSecurityMd } from "./security-md.js";

export interface ChecklistResult {
  id: string;
  title: string;
  status: "pass" | "fail" | "manual";
  reason: string;
}

export interface ChecklistContext {
  loaded: LoadedPolicy;
  today: string;
  /** SECURITY.md to compare, with how to name it and the policy file name used in its header. */
  securityMd?: { path: string; shown: string; source: string };
}

/**
 * The article's pre-launch checklist, each item decided from the policy where it can be, and
 * marked manual (with what a person must confirm) where only a person knows.
 */
export function evaluateChecklist(ctx: ChecklistContext): ChecklistResult[] {
  const { loaded, today } = ctx;
  const p = loaded.policy;
  const item = (id: string, title: string, status: ChecklistResult["status"], reason: string) => ({
    id,
    title,
    status,
    reason,
  });
  const approved = Object.entries(p.providers).filter(
    ([, v]) => v.status === "approved" && v.kind !== "echo",
  );
  const withoutReason = approved.filter(([, v]) => !v.reason?.trim()).map(([id]) => id);
  const dictSize = loaded.dictionary.size;
  const reviewAge = p.data_dictionary.reviewed ? daysBetween(p.data_dictionary.reviewed, today) : undefined;
  const approvers = Object.values(p.people).filter(
    (x) => !x.left && x.roles.some((r) => p.governance.rules.approve_roles.includes(r)),
  );
  const proposers = Object.values(p.people).filter(
    (x) => !x.left && x.roles.some((r) => p.governance.rules.propose_roles.includes(r)),
  );
  const training = p.governance.training?.last_session;
  const out: ChecklistResult[] = [
    p.governance.risk_appetite
      ? item(
          "risk-appetite",
          "Risk appetite decided",
          "pass",
          `governance.risk_appetite is ${p.governance.risk_appetite}`,
        )
      : item(
          "risk-appetite",
          "Risk appetite decided",
          "fail",
          "set governance.risk_appetite to conservative or balanced",
        ),
    !approved.length
      ? item("providers", "LLM providers chosen", "fail", "no provider is approved")
      : withoutReason.length
        ? item(
            "providers",
            "LLM providers chosen",
            "fail",
            `no reason recorded for ${withoutReason.join(", ")}`,
          )
        : item(
            "providers",
            "LLM providers chosen",
            "pass",
            `${approved.map(([id]) => id).join(", ")}, each with a reason`,
          ),
    !dictSize
      ? item("data-classified", "Data classified", "fail", "the data dictionary classifies no column")
      : reviewAge === undefined || reviewAge > p.governance.reviews.quarterly_days
        ? item(
            "data-classified",
            "Data classified",
            "fail",
            `${dictSize} columns classified, but the quarterly review is ${reviewAge === undefined ? "not recorded" : "overdue"} (data_dictionary.reviewed)`,
          )
        : item(
            "data-classified",
            "Data classified",
            "pass",
            `${dictSize} columns classified, reviewed ${p.data_dictionary.reviewed}`,
          ),
    p.classes.restricted.action === "block" &&
    p.classes.confidential.action !== "allow" &&
    p.mode === "enforce"
      ? item(
          "input-validation",
          "Input validation planned",
          "pass",
          `restricted: block, confidential: ${p.classes.confidential.action}, enforced on every call`,
        )
      : item(
          "input-validation",
          "Input validation planned",
          "fail",
          "restricted must block and confidential must not be allowed, in enforce mode",
        ),
    p.output.leak_classes.length && p.output.mode !== "audit" && p.mode === "enforce"
      ? item(
          "output-validation",
          "Output validation planned",
          "pass",
          `${p.output.leak_classes.join(" and ")} in an answer: ${p.output.on_leak}`,
        )
      : item(
          "output-validation",
          "Output validation planned",
          "fail",
          "output.leak_classes is empty or output validation only audits",
        ),
    approvers.length && proposers.length
      ? item(
          "access-control",
          "Access control defined",
          "pass",
          `${proposers.length} may propose, ${approvers.length} may approve (${approvalEnvironments(p).join(", ")})`,
        )
      : item(
          "access-control",
          "Access control defined",
          "fail",
          "name people with the proposing and approving roles (people, governance.rules)",
        ),
    item(
      "logging",
      "Logging implemented",
      "pass",
      `every call through PolicyGate writes an audit event; if the store fails: ${p.audit.on_failure}`,
    ),
    alertingGap(p)
      ? item("monitoring", "Monitoring set up", "fail", alertingGap(p)!.message)
      : item(
          "monitoring",
          "Monitoring set up",
          "pass",
          "alerts reach a notifier from the first escalation level on",
        ),
    training && daysBetween(training, today) <= p.governance.reviews.annual_days
      ? item("team-trained", "Team trained", "pass", `last session ${training}`)
      : item(
          "team-trained",
          "Team trained",
          "manual",
          training
            ? `last session ${training} is over a year ago; confirm and record governance.training.last_session`
            : "confirm the team has been trained and record governance.training.last_session",
        ),
    securityMdItem(ctx),
  ];
  return out;
}

function securityMdItem(ctx: ChecklistContext): ChecklistResult {
  const title = "SECURITY.md written and shared";
  const md = ctx.securityMd;
  if (!md) return { id: "security-md", title, status: "manual", reason: "no SECURITY.md location given" };
  let current: string;
  try {
    current = readFileSync(md.path, "utf8");
  } catch {
    return {
      id: "security-md",
      title,
      status: "fail",
      reason: `${md.shown} does not exist (policygate doc --output ${md.shown})`,
    };
  }
  const rendered = renderSecurityMd(ctx.loaded, { source: md.source }).text;
  return current === rendered
    ? {
        id: "security-md",
        title,
        status: "pass",
        reason: `${md.shown} matches the policy; sharing it is up to you`,
      }
    : {
        id: "security-md",
        title,
        status: "fail",
        reason: `${md.shown} is stale (policygate doc --output ${md.shown})`,
      };
}
