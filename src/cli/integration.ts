import { approvalGaps, approvalRequiredIn, integrationStatus } from "../governance/approval.js";
import {
  approveIntegration,
  parseChecklist,
  proposeIntegration,
  revokeIntegration,
} from "../governance/actions.js";
import { isDataClass } from "../policy/classes.js";
import type { RegisterCommand } from "./command.js";
import { actor, csv, editPolicy } from "./governance-io.js";
import { CliError } from "./io.js";
import { loadPolicyForCli, POLICY_OPTION_HELP } from "./policy-option.js";

const collect = (v: string, prev: string[] = []) => [...prev, v];
const BY_HELP = "the person acting (a people id); default $POLICYGATE_USER";
const CHECK_HELP =
  "answer an approval checklist item: data_sent=TEXT, rollback_plan=TEXT, input_validation=yes, … (repeatable)";

export const register: RegisterCommand = (program, ctx) => {
  const cmd = program
    .command("integration")
    .description(
      "Production approvals (article section 5): a senior engineer proposes, a lead or security approver approves,\n" +
        "nobody approves their own proposal. Edits the policy file in place, keeping comments and layout.",
    );

  cmd
    .command("propose")
    .description(
      "Propose an integration for production: records proposed_by/at and the checklist answers given.",
    )
    .argument("<id>", "integration id (new or existing)")
    .option("--by <person>", BY_HELP)
    .option("--purpose <text>", "what the integration is for")
    .option("--providers <list>", "comma-separated provider ids (required for a new integration)")
    .option(
      "--environments <list>",
      "comma-separated environments (default: its current ones plus those needing approval)",
    )
    .option("--max-class <class>", "the most sensitive class it may send")
    .option("--checklist <item=value>", CHECK_HELP, collect)
    .option("-p, --policy <file>", POLICY_OPTION_HELP)
    .action(
      (
        id: string,
        o: {
          by?: string;
          purpose?: string;
          providers?: string;
          environments?: string;
          maxClass?: string;
          checklist?: string[];
          policy?: string;
        },
      ) => {
        if (o.maxClass !== undefined && !isDataClass(o.maxClass))
          throw new CliError(`--max-class: unknown class "${o.maxClass}"`);
        editPolicy(o.policy, ctx.io, (f, { date }) => {
          const by = actor(o.by, ctx.io);
          proposeIntegration(f, id, {
            by,
            date,
            purpose: o.purpose,
            providers: csv(o.providers),
            environments: csv(o.environments),
            maxClass: o.maxClass as never,
            checklist: parseChecklist(o.checklist ?? []),
          });
          const gaps = approvalGaps(f.policy, id).filter((g) => !/not approved yet/.test(g));
          return `proposed ${id} (by ${by})` + (gaps.length ? `; before approval: ${gaps.join("; ")}` : "");
        });
      },
    );

  cmd
    .command("approve")
    .description(
      "Approve a proposed integration. Refused for the proposer, a missing role, an incomplete checklist or an unfit provider.",
    )
    .argument("<id>", "integration id")
    .option("--by <person>", BY_HELP)
    .option("--checklist <item=value>", CHECK_HELP, collect)
    .option("-p, --policy <file>", POLICY_OPTION_HELP)
    .action((id: string, o: { by?: string; checklist?: string[]; policy?: string }) => {
      editPolicy(o.policy, ctx.io, (f, { date }) => {
        const by = actor(o.by, ctx.io);
        approveIntegration(f, id, { by, date, checklist: parseChecklist(o.checklist ?? []) });
        return `approved ${id} (by ${by}, ${date}); production traffic for it is forwarded from the next policy load`;
      });
    });

  cmd
    .command("revoke")
    .description(
      "Revoke an integration's approval: the gateway refuses its production traffic from the next policy load.",
    )
    .argument("<id>", "integration id")
    .option("--by <person>", BY_HELP)
    .option("--reason <text>", "why (recorded in the policy)")
    .option("-p, --policy <file>", POLICY_OPTION_HELP)
    .action((id: string, o: { by?: string; reason?: string; policy?: string }) => {
      editPolicy(o.policy, ctx.io, (f, { date }) => {
        const by = actor(o.by, ctx.io);
        revokeIntegration(f, id, { by, date, reason: o.reason });
        return `revoked ${id} (by ${by}, ${date})`;
      });
    });

  cmd
    .command("list")
    .description("List integrations with their approval status and what is missing for production.")
    .option("--json", "print JSON")
    .option("-p, --policy <file>", POLICY_OPTION_HELP)
    .action((o: { json?: boolean; policy?: string }) => {
      const loaded = loadPolicyForCli(o.policy, ctx.io);
      if (!loaded) throw new CliError("no policy file (--policy, $POLICYGATE_POLICY or ./policygate.yaml)");
      const p = loaded.policy;
      const rows = Object.entries(p.integrations).map(([id, i]) => {
        const needs = i.environments.some((e) => approvalRequiredIn(p, e));
        return {
          id,
          status: integrationStatus(p, id),
          environments: i.environments,
          providers: i.providers,
          owner: i.owner ?? null,
          proposed_by: i.approval?.proposed_by ?? null,
          approved_by: i.approval?.approved_by ?? null,
          approved_at: i.approval?.approved_at ?? null,
          missing: needs ? approvalGaps(p, id) : [],
        };
      });
      if (o.json) {
        ctx.io.stdout.write(JSON.stringify(rows, null, 2) + "\n");
        return;
      }
      if (!rows.length) ctx.io.stdout.write("no integrations\n");
      for (const r of rows) {
        ctx.io.stdout.write(
          `${r.id}: ${r.status}` +
            (r.approved_by
              ? ` by ${r.approved_by} on ${r.approved_at}`
              : r.proposed_by
                ? ` (proposed by ${r.proposed_by})`
                : "") +
            `; ${r.providers.join(", ") || "no providers"} in ${r.environments.join(", ") || "no environment"}\n` +
            r.missing.map((m) => `  missing for production: ${m}\n`).join(""),
        );
      }
    });
};
