import { basename, dirname, relative, resolve } from "node:path";
import { evaluateChecklist } from "../docs/checklist.js";
import { today } from "../governance/today.js";
import type { RegisterCommand } from "./command.js";
import { CliError, EXIT } from "./io.js";
import { loadPolicyForCli, POLICY_OPTION_HELP } from "./policy-option.js";

export const register: RegisterCommand = (program, ctx) => {
  program
    .command("checklist")
    .description(
      "The article's ten pre-launch items, each pass, fail or manual with the reason (exit 1 on any fail).",
    )
    .option("-p, --policy <file>", POLICY_OPTION_HELP)
    .option(
      "--security-md <file>",
      "the SECURITY.md to check (default: governance.security_md beside the policy)",
    )
    .option("--json", "print JSON")
    .action((o: { policy?: string; securityMd?: string; json?: boolean }) => {
      const io = ctx.io;
      const loaded = loadPolicyForCli(o.policy, io);
      if (!loaded?.file)
        throw new CliError("no policy file (--policy, $POLICYGATE_POLICY or ./policygate.yaml)");
      const path = resolve(
        o.securityMd ? io.cwd : dirname(loaded.file),
        o.securityMd ?? loaded.policy.governance.security_md,
      );
      const results = evaluateChecklist({
        loaded,
        today: today(io.env),
        securityMd: { path, shown: relative(io.cwd, path) || path, source: basename(loaded.file) },
      });
      if (o.json) io.stdout.write(JSON.stringify(results, null, 2) + "\n");
      else {
        const mark = { pass: "[x]", fail: "[ ]", manual: "[?]" } as const;
        results.forEach((r, i) =>
          io.stdout.write(
            `${mark[r.status]} ${String(i + 1).padStart(2)}. ${r.title}: ${r.status} (${r.reason})\n`,
          ),
        );
        const n = (s: string) => results.filter((r) => r.status === s).length;
        io.stdout.write(`\n${n("pass")} pass, ${n("fail")} fail, ${n("manual")} to confirm by hand\n`);
      }
      if (results.some((r) => r.status === "fail")) ctx.exit(EXIT.blocked);
    });
};
