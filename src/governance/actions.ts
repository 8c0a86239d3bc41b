import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { exceeds, type DataClass } from "../policy/classes.js";
import { formatPolicyError } from "../policy/errors.js";
import { CHECKLIST_ITEMS, CHECKLIST_QUESTIONS, type ChecklistItem } from "../policy/governance-schema.js";
import { parsePolicy } from "../policy/load.js";
import type { Policy } from "../policy/schema.js";
import { approvalEnvironments, hasRole, integrationStatus, missingChecklist } from "./approval.js";
import { deleteIn, setIn, setLeaves } from "./yaml-edit.js";

/** A change the rules forbid, with the reason and the rule that forbids it. */
export class GovernanceRefusal extends Error {
  constructor(
    message: string,
    readonly rule: string,
  ) {
    super(message);
    this.name = "GovernanceRefusal";
  }
}

/**
 * The policy file being changed: its text, and the policy it parses to. Every change is made to the
 * text (comments and layout kept), then the result is parsed again; a change that would leave a
 * policy that does not load is never written.
 */
export class PolicyFile {
  private constructor(
    readonly path: string,
    public text: string,
    public policy: Policy,
  ) {}

  static read(path: string): PolicyFile {
    const text = readFileSync(path, "utf8");
    return new PolicyFile(path, text, parse(path, text));
  }

  static fromText(path: string, text: string): PolicyFile {
    return new PolicyFile(path, text, parse(path, text));
  }

  edit(f: (text: string) => string): void {
    const next = f(this.text);
    this.policy = parse(this.path, next);
    this.text = next;
  }

  /** Written beside the original and renamed over it, so a crash never leaves half a policy. */
  save(): void {
    const tmp = `${this.path}.policygate-${process.pid}.tmp`;
    writeFileSync(tmp, this.text);
    renameSync(tmp, this.path);
  }
}

function parse(path: string, text: string): Policy {
  const r = parsePolicy(text, { file: path, baseDir: dirname(path) });
  if (!r.ok) {
    throw new GovernanceRefusal(
      `the policy would not load after this change:\n${r.errors.map((e) => "  " + formatPolicyError(e)).join("\n")}`,
      "policy",
    );
  }
  return r.value.policy;
}

function requirePerson(p: Policy, who: string): void {
  if (!who) throw new GovernanceRefusal("say who is acting (--by PERSON, or $POLICYGATE_USER)", "people");
  if (!(who in p.people)) {
    throw new GovernanceRefusal(
      `"${who}" is not in the policy's people section (declared: ${Object.keys(p.people).join(", ") || "none"})`,
      "people",
    );
  }
  if (p.people[who]!.left)
    throw new GovernanceRefusal(`${who} has left (people.${who}.left)`, `people.${who}.left`);
}

function requireRole(p: Policy, who: string, key: "propose_roles" | "approve_roles", what: string): void {
  requirePerson(p, who);
  const roles = p.governance.rules[key];
  if (!hasRole(p, who, roles)) {
    throw new GovernanceRefusal(
      `${who} may not ${what}: that needs one of the roles ${roles.join(", ")} (governance.rules.${key}); ${who} holds ${p.people[who]!.roles.join(", ") || "no role"}`,
      `governance.rules.${key}`,
    );
  }
}

export type ChecklistAnswers = Partial<Record<ChecklistItem, string | boolean>>;

/** Parses `key=value` checklist answers: booleans for the yes/no questions, text for the others. */
export function parseChecklist(pairs: readonly string[]): ChecklistAnswers {
  const out: ChecklistAnswers = {};
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    const key = (eq === -1 ? pair : pair.slice(0, eq)) as ChecklistItem;
    const raw = eq === -1 ? "true" : pair.slice(eq + 1);
    if (!CHECKLIST_ITEMS.includes(key)) {
      throw new GovernanceRefusal(
        `unknown checklist item "${key}"; the items are ${CHECKLIST_ITEMS.join(", ")}`,
        "integrations.approval.checklist",
      );
    }
    if (key === "data_sent" || key === "rollback_plan") out[key] = raw;
    else if (/^(true|yes|y|1)$/i.test(raw)) out[key] = true;
    else if (/^(false|no|n|0)$/i.test(raw)) out[key] = false;
    else
      throw new GovernanceRefusal(
        `checklist item ${key} is yes or no, got "${raw}"`,
        "integrations.approval.checklist",
      );
  }
  return out;
}

export interface ProposeOptions {
  by: string;
  date: string;
  purpose?: string;
  providers?: string[];
  environments?: string[];
  maxClass?: DataClass;
  checklist?: ChecklistAnswers;
}

/** A senior engineer proposes an integration for production: the approval record starts here. */
export function proposeIntegration(f: PolicyFile, id: string, o: ProposeOptions): void {
  const p = f.policy;
  requireRole(p, o.by, "propose_roles", "propose a production integration");
  const existing = p.integrations[id];
  const status = integrationStatus(p, id);
  if (status === "approved") {
    throw new GovernanceRefusal(
      `integration ${id} is already approved (by ${existing!.approval!.approved_by} on ${existing!.approval!.approved_at}); revoke it first to propose a change`,
      `integrations.${id}.approval`,
    );
  }
  if (!existing && !o.providers?.length) {
    throw new GovernanceRefusal(
      `integration ${id} is new: say which providers it uses (--providers a,b)`,
      "integrations",
    );
  }
  const at = ["integrations", id];
  const envs = o.environments ?? [
    ...new Set([
      ...(existing?.environments ?? p.environments.filter((e) => !approvalEnvironments(p).includes(e))),
      ...approvalEnvironments(p),
    ]),
  ];
  f.edit((t) => {
    let out = t;
    if (existing?.approval) out = deleteIn(out, [...at, "approval"]);
    if (o.purpose) out = setIn(out, [...at, "purpose"], o.purpose);
    if (o.providers) out = setIn(out, [...at, "providers"], o.providers);
    out = setIn(out, [...at, "environments"], envs);
    if (o.maxClass) out = setIn(out, [...at, "max_class"], o.maxClass);
    return setLeaves(out, [...at, "approval"], {
      proposed_by: o.by,
      proposed_at: o.date,
      checklist: { ...(existing?.approval?.checklist ?? {}), ...o.checklist },
    });
  });
}

export interface ApproveOptions {
  by: string;
  date: string;
  checklist?: ChecklistAnswers;
}

/** A lead or security approver approves a proposal; every rule is checked before anything is written. */
export function approveIntegration(f: PolicyFile, id: string, o: ApproveOptions): void {
  const p = f.policy;
  requireRole(p, o.by, "approve_roles", "approve a production integration");
  const integ = p.integrations[id];
  if (!integ) throw new GovernanceRefusal(`no integration "${id}" in the policy`, "integrations");
  const a = integ.approval;
  const status = integrationStatus(p, id);
  if (!a || status === "none" || status === "revoked") {
    throw new GovernanceRefusal(
      `integration ${id} has no open proposal; a ${p.governance.rules.propose_roles.join(" or ")} proposes it first (policygate integration propose ${id})`,
      `integrations.${id}.approval.proposed_by`,
    );
  }
  if (status === "approved") {
    throw new GovernanceRefusal(
      `integration ${id} is already approved by ${a.approved_by}`,
      `integrations.${id}.approval`,
    );
  }
  if (!p.governance.rules.self_approval && a.proposed_by === o.by) {
    throw new GovernanceRefusal(
      `${o.by} proposed integration ${id} and may not approve it too; another ${p.governance.rules.approve_roles.join(" or ")} must (governance.rules.self_approval is false)`,
      "governance.rules.self_approval",
    );
  }
  if (o.checklist && Object.keys(o.checklist).length) {
    f.edit((t) => setLeaves(t, ["integrations", id, "approval", "checklist"], o.checklist!));
  }
  const missing = missingChecklist(f.policy, id);
  if (missing.length) {
    throw new GovernanceRefusal(
      `integration ${id} cannot be approved: the checklist is incomplete:\n${missing.map((k) => `  ${k}: ${CHECKLIST_QUESTIONS[k]}`).join("\n")}\nAnswer them with --checklist ${missing[0]}=…`,
      `integrations.${id}.approval.checklist`,
    );
  }
  const problems = providerProblems(f.policy, id);
  if (problems.length) {
    throw new GovernanceRefusal(
      `integration ${id} cannot be approved:\n${problems.map((x) => "  " + x).join("\n")}`,
      `integrations.${id}.providers`,
    );
  }
  f.edit((t) => setLeaves(t, ["integrations", id, "approval"], { approved_by: o.by, approved_at: o.date }));
}

/** Why the integration's providers cannot carry it in the environments that need approval. */
export function providerProblems(p: Policy, id: string): string[] {
  const integ = p.integrations[id]!;
  const out: string[] = [];
  const envs = integ.environments.filter((e) => approvalEnvironments(p).includes(e));
  for (const name of integ.providers) {
    const prov = p.providers[name];
    if (!prov) continue;
    const usable = envs.filter((e) => prov.environments.includes(e));
    if (!usable.length) continue; // e.g. the echo provider: dev only, never reached in production
    if (prov.status !== "approved") out.push(`provider ${name} is ${prov.status}, not approved`);
    if (integ.max_class && exceeds(integ.max_class, prov.max_class)) {
      out.push(
        `the integration may send ${integ.max_class} data but provider ${name} may receive at most ${prov.max_class}`,
      );
    }
  }
  return out;
}

export function revokeIntegration(
  f: PolicyFile,
  id: string,
  o: { by: string; date: string; reason?: string },
): void {
  const p = f.policy;
  requireRole(p, o.by, "approve_roles", "revoke an integration's approval");
  const status = integrationStatus(p, id);
  if (!p.integrations[id])
    throw new GovernanceRefusal(`no integration "${id}" in the policy`, "integrations");
  if (status === "revoked")
    throw new GovernanceRefusal(`integration ${id} is already revoked`, `integrations.${id}.approval`);
  if (status === "none")
    throw new GovernanceRefusal(`integration ${id} has no approval to revoke`, `integrations.${id}.approval`);
  f.edit((t) =>
    setLeaves(t, ["integrations", id, "approval"], {
      revoked_by: o.by,
      revoked_at: o.date,
      revoked_reason: o.reason,
    }),
  );
}

export interface ProviderRequest {
  by: string;
  date: string;
  businessCase: string;
  kind: string;
  privacyReview?: string;
  dataSent?: string;
  environments?: string[];
  maxClass?: DataClass;
  apiKeyEnv?: string;
}

/** Records a requested provider: documented, visible in SECURITY.md, refused by the gateway until approved. */
export function requestProvider(f: PolicyFile, name: string, o: ProviderRequest): void {
  const p = f.policy;
  requirePerson(p, o.by);
  if (!o.businessCase.trim())
    throw new GovernanceRefusal(
      "a request needs a business case (--business-case)",
      "providers.onboarding.business_case",
    );
  const existing = p.providers[name];
  if (existing && existing.status !== "requested") {
    throw new GovernanceRefusal(
      `provider ${name} is already in the policy (status ${existing.status})`,
      `providers.${name}`,
    );
  }
  const at = ["providers", name];
  f.edit((t) => {
    let out = t;
    if (!existing) {
      out = setLeaves(out, at, {
        kind: o.kind,
        status: "requested",
        api_key_env: o.apiKeyEnv,
        environments: o.environments ?? p.environments.filter((e) => !approvalEnvironments(p).includes(e)),
        max_class: o.maxClass ?? "internal",
      });
    }
    return setLeaves(out, [...at, "onboarding"], {
      business_case: o.businessCase,
      requested_by: o.by,
      requested_at: o.date,
      privacy_review: o.privacyReview,
      data_sent: o.dataSent,
    });
  });
}

/** The article's steps 1–3 must be on record before step 4, the approval. */
export function approveProvider(
  f: PolicyFile,
  name: string,
  o: { by: string; date: string; privacyReview?: string; dataSent?: string },
): void {
  const p = f.policy;
  requireRole(p, o.by, "approve_roles", "approve a provider");
  const prov = p.providers[name];
  if (!prov)
    throw new GovernanceRefusal(
      `no provider "${name}" in the policy; request it first (policygate provider request ${name})`,
      "providers",
    );
  if (prov.status === "approved")
    throw new GovernanceRefusal(`provider ${name} is already approved`, `providers.${name}.status`);
  if (prov.status === "disabled") {
    throw new GovernanceRefusal(
      `provider ${name} is disabled (a kill switch); enable it rather than approve it`,
      `providers.${name}.status`,
    );
  }
  const ob = prov.onboarding ?? {};
  if (!p.governance.rules.self_approval && ob.requested_by === o.by) {
    throw new GovernanceRefusal(
      `${o.by} requested provider ${name} and may not approve it too`,
      "governance.rules.self_approval",
    );
  }
  const steps: [string, string | undefined][] = [
    ["1. business case (onboarding.business_case)", ob.business_case],
    [
      "2. review of their data handling and privacy terms (onboarding.privacy_review, --privacy-review)",
      o.privacyReview ?? ob.privacy_review,
    ],
    ["3. the data that will be sent to them (onboarding.data_sent, --data-sent)", o.dataSent ?? ob.data_sent],
  ];
  const missing = steps.filter(([, v]) => !v?.trim()).map(([k]) => k);
  if (missing.length) {
    throw new GovernanceRefusal(
      `provider ${name} cannot be approved until these onboarding steps are recorded:\n${missing.map((m) => "  " + m).join("\n")}`,
      `providers.${name}.onboarding`,
    );
  }
  f.edit((t) => {
    const out = setIn(t, ["providers", name, "status"], "approved");
    return setLeaves(out, ["providers", name, "onboarding"], {
      privacy_review: o.privacyReview,
      data_sent: o.dataSent,
      approved_by: o.by,
      approved_at: o.date,
      // Step 5: every call through PolicyGate is validated on the way in and out.
      validation: true,
    });
  });
}
