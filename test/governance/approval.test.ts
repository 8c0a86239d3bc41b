import { describe, expect, it } from "vitest";
import { checkAccess } from "../../src/enforce/access.js";
import { engineFrom } from "../helpers/policy.js";

const base = (approval: string, extra = "") => `
environments: [development, testing, staging, production]
providers:
  anthropic: { kind: anthropic, environments: [development, staging, production], zero_data_retention: true }
integrations:
  support-bot:
    environments: [development, staging, production]
    providers: [anthropic]
${approval}
people:
  alice: { roles: [senior] }
  dana: { roles: [developer] }
  sam: { roles: [security] }
  lee: { roles: [lead, senior] }
${extra}
`;

const COMPLETE = `      checklist:
        data_sent: ticket text
        classification_compatible: true
        input_validation: true
        output_validation: true
        logging: true
        rollback_plan: revoke the key`;

const approval = (fields: string, checklist = COMPLETE) => `    approval:\n${fields}\n${checklist}`;

function access(yaml: string, environment = "production") {
  return checkAccess(engineFrom(yaml, { environment }), {
    provider: "anthropic",
    integration: "support-bot",
  });
}

describe("production approval at the gateway (checkAccess)", () => {
  it("forwards an integration proposed by a senior and approved by security with a full checklist", () => {
    expect(
      access(
        base(approval('      proposed_by: alice\n      approved_by: sam\n      approved_at: "2026-01-10"')),
      ),
    ).toBeNull();
  });

  it("refuses production traffic with no approval record, and names the next step", () => {
    const d = access(base(""));
    expect(d).toMatchObject({ status: 403, rule: "integrations.support-bot.approval" });
    expect(d!.message).toMatch(/no approval record .*policygate integration propose support-bot/);
  });

  it("needs no approval in development", () => {
    expect(access(base(""), "development")).toBeNull();
  });

  it("only requires approval in prod* environments by default, and where the rules say otherwise", () => {
    expect(access(base(""), "staging")).toBeNull();
    const strict = base("", "governance:\n  rules:\n    approval_required_in: [staging, production]");
    expect(access(strict, "staging")?.rule).toBe("integrations.support-bot.approval");
  });

  it("refuses a proposal that is not yet approved", () => {
    const d = access(base(approval("      proposed_by: alice")));
    expect(d!.message).toMatch(/it is not approved yet/);
  });

  it("refuses a self-approval, and allows it when the rules do", () => {
    const self = approval('      proposed_by: lee\n      approved_by: lee\n      approved_at: "2026-01-10"');
    expect(access(base(self))!.message).toMatch(/lee approved their own proposal/);
    expect(access(base(self, "governance:\n  rules:\n    self_approval: true"))).toBeNull();
  });

  it("refuses an approver or proposer without the right role", () => {
    const d = access(
      base(approval('      proposed_by: dana\n      approved_by: alice\n      approved_at: "2026-01-10"')),
    );
    expect(d!.message).toMatch(/proposer dana does not hold a proposing role \(senior\)/);
    expect(d!.message).toMatch(/approver alice does not hold an approving role \(lead, security\)/);
  });

  it("names each missing checklist item", () => {
    const partial = "      checklist:\n        data_sent: ticket text\n        logging: false";
    const d = access(
      base(
        approval(
          '      proposed_by: alice\n      approved_by: sam\n      approved_at: "2026-01-10"',
          partial,
        ),
      ),
    );
    expect(d!.message).toMatch(
      /checklist is incomplete: classification_compatible .*input_validation.*output_validation.*logging.*rollback_plan/,
    );
    expect(d!.message).not.toMatch(/data_sent \(/);
  });

  it("refuses a revoked approval", () => {
    const d = access(
      base(
        approval(
          '      proposed_by: alice\n      approved_by: sam\n      approved_at: "2026-01-10"\n      revoked_by: sam\n      revoked_at: "2026-02-01"\n      revoked_reason: vendor incident',
        ),
      ),
    );
    expect(d!.message).toMatch(/revoked by sam on 2026-02-01 \(vendor incident\)/);
  });

  it("rejects an approval naming someone the policy does not declare (load error)", () => {
    expect(() => engineFrom(base(approval("      proposed_by: mallory")))).toThrow(
      /unknown person "mallory"/,
    );
  });
});
