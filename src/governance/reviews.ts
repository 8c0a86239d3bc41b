import { renderSecurityMd } from "../docs/security-md.js";
import type { LoadedPolicy } from "../policy/load.js";
import { formatPath } from "../policy/errors.js";
import { daysBetween } from "./today.js";

export interface GovernanceWarning {
  code: "review-overdue" | "doc-missing";
  path: string;
  message: string;
}

/**
 * Reviews that are due (the article's section 10: quarterly by engineering, annually by the
 * security lead; the data dictionary quarterly per section 4) and what SECURITY.md cannot say
 * because the policy does not. Warnings: the deployment gate decides separately what blocks.
 */
export function governanceWarnings(loaded: LoadedPolicy, today: string): GovernanceWarning[] {
  const p = loaded.policy;
  const out: GovernanceWarning[] = [];
  const { quarterly_days: quarter, annual_days: year } = p.governance.reviews;
  const due = (path: (string | number)[], what: string, date: string | undefined, every: number) => {
    if (!date) {
      out.push({
        code: "review-overdue",
        path: formatPath(path),
        message: `${what} has no review date; it is reviewed every ${every} days`,
      });
      return;
    }
    const age = daysBetween(date, today);
    if (age > every) {
      out.push({
        code: "review-overdue",
        path: formatPath(path),
        message: `${what} was last reviewed ${date}, ${age} days ago; the review is due every ${every} days`,
      });
    }
  };
  due(["data_dictionary", "reviewed"], "the data dictionary", p.data_dictionary.reviewed, quarter);
  due(
    ["governance", "reviews", "policy_reviewed"],
    "the policy (quarterly engineering review)",
    p.governance.reviews.policy_reviewed,
    quarter,
  );
  due(
    ["governance", "reviews", "policy_annual_review"],
    "the policy (annual security review)",
    p.governance.reviews.policy_annual_review,
    year,
  );
  for (const [id, t] of Object.entries(p.tools))
    due(["tools", id, "reviewed"], `tool ${id}`, t.reviewed, year);
  for (const [id, v] of Object.entries(p.providers)) {
    if (v.kind === "echo" || v.status !== "approved") continue;
    due(["providers", id, "vendor", "reviewed"], `provider ${id}'s vendor terms`, v.vendor?.reviewed, year);
  }
  for (const gap of renderSecurityMd(loaded).gaps) {
    out.push({
      code: "doc-missing",
      path: gap.path,
      message: `SECURITY.md section ${gap.section}: ${gap.message}`,
    });
  }
  return out;
}
