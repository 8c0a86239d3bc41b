import { approveProvider, requestProvider } from "../governance/actions.js";
import { isDataClass } from "../policy/classes.js";
import { PROVIDER_KINDS } from "../policy/schema.js";
import type { RegisterCommand } from "./command.js";
import { actor, csv, editPolicy } from "./governance-io.js";
import { CliError } from "./io.js";
import { POLICY_OPTION_HELP } from "./policy-option.js";
import { providerCommand } from "./provider.js";

export const register: RegisterCommand = (program, ctx) => {
  const cmd = providerCommand(program);
  cmd
    .command("request")
    .description(
      "Request a new provider (article section 3, five onboarding steps). It is recorded with status: requested\n" +
        "and the gateway refuses it until a lead or security approver runs `provider approve`.",
    )
    .argument("<name>", "provider id")
    .requiredOption("--business-case <text>", "step 1: why the provider is needed")
    .option("--kind <kind>", `wire format: ${PROVIDER_KINDS.join(", ")}`, "openai-compatible")
    .option("--privacy-review <text>", "step 2: what their data handling terms say")
    .option("--data-sent <text>", "step 3: what data would be sent")
    .option("--environments <list>", "where it would be used (default: environments that need no approval)")
    .option("--max-class <class>", "the most sensitive class it would receive", "internal")
    .option("--api-key-env <VAR>", "the environment variable that will hold its key")
    .option("--by <person>", "who requests it (a people id); default $POLICYGATE_USER")
    .option("-p, --policy <file>", POLICY_OPTION_HELP)
    .action(
      (
        name: string,
        o: {
          businessCase: string;
          kind: string;
          privacyReview?: string;
          dataSent?: string;
          environments?: string;
          maxClass: string;
          apiKeyEnv?: string;
          by?: string;
          policy?: string;
        },
      ) => {
        if (!(PROVIDER_KINDS as readonly string[]).includes(o.kind))
          throw new CliError(`--kind: expected one of ${PROVIDER_KINDS.join(", ")}`);
        if (!isDataClass(o.maxClass)) throw new CliError(`--max-class: unknown class "${o.maxClass}"`);
        editPolicy(o.policy, ctx.io, (f, { date }) => {
          const by = actor(o.by, ctx.io);
          requestProvider(f, name, {
            by,
            date,
            businessCase: o.businessCase,
            kind: o.kind,
            privacyReview: o.privacyReview,
            dataSent: o.dataSent,
            environments: csv(o.environments),
            maxClass: o.maxClass as never,
            apiKeyEnv: o.apiKeyEnv,
          });
          return `requested provider ${name} (by ${by}); it stays unusable until approved (policygate provider approve ${name})`;
        });
      },
    );

  cmd
    .command("approve")
    .description(
      "Approve a requested provider (step 4). Needs the business case, privacy review and data on record.",
    )
    .argument("<name>", "provider id")
    .option("--privacy-review <text>", "step 2, if not yet recorded")
    .option("--data-sent <text>", "step 3, if not yet recorded")
    .option("--by <person>", "the approver (a people id); default $POLICYGATE_USER")
    .option("-p, --policy <file>", POLICY_OPTION_HELP)
    .action(
      (name: string, o: { privacyReview?: string; dataSent?: string; by?: string; policy?: string }) => {
        editPolicy(o.policy, ctx.io, (f, { date }) => {
          const by = actor(o.by, ctx.io);
          approveProvider(f, name, { by, date, privacyReview: o.privacyReview, dataSent: o.dataSent });
          return `approved provider ${name} (by ${by}, ${date})`;
        });
      },
    );
};
