import { readFileSync, writeFileSync } from "node:fs";
import { basename, relative, resolve } from "node:path";
import { renderSecurityMd } from "../docs/security-md.js";
import type { RegisterCommand } from "./command.js";
import { CliError, EXIT } from "./io.js";
import { loadPolicyForCli, POLICY_OPTION_HELP } from "./policy-option.js";

export const register: RegisterCommand = (program, ctx) => {
  program
    .command("doc")
    .description(
      "Render SECURITY.md (the article's ten sections) from the policy. What the policy lacks is marked in the\n" +
        "document and listed on stderr. --check FILE is the CI drift gate: exit 1 when FILE differs.",
    )
    .option("-p, --policy <file>", POLICY_OPTION_HELP)
    .option("-o, --output <file>", "write to a file instead of stdout")
    .option("--check <file>", "compare FILE with what the policy renders; exit 1 when they differ")
    .action((o: { policy?: string; output?: string; check?: string }) => {
      const io = ctx.io;
      const loaded = loadPolicyForCli(o.policy, io);
      if (!loaded?.file)
        throw new CliError("no policy file (--policy, $POLICYGATE_POLICY or ./policygate.yaml)");
      const { text, gaps } = renderSecurityMd(loaded, { source: basename(loaded.file) });
      if (o.check) {
        const path = resolve(io.cwd, o.check);
        const shown = relative(io.cwd, path) || path;
        let current: string;
        try {
          current = readFileSync(path, "utf8");
        } catch (e) {
          io.stderr.write(
            `${shown}: cannot read (${(e as NodeJS.ErrnoException).code}); generate it with policygate doc --output ${shown}\n`,
          );
          ctx.exit(EXIT.blocked);
          return;
        }
        if (current === text) {
          io.stdout.write(`${shown} matches the policy\n`);
          return;
        }
        const a = current.split("\n");
        const b = text.split("\n");
        let i = 0;
        while (i < a.length && a[i] === b[i]) i++;
        io.stderr.write(
          `${shown}:${i + 1}: differs from what the policy renders; regenerate it with policygate doc --output ${shown}\n` +
            `  file:   ${JSON.stringify(a[i] ?? "(end of file)").slice(0, 160)}\n` +
            `  policy: ${JSON.stringify(b[i] ?? "(end of file)").slice(0, 160)}\n`,
        );
        ctx.exit(EXIT.blocked);
        return;
      }
      if (o.output) {
        const path = resolve(io.cwd, o.output);
        writeFileSync(path, text);
        io.stderr.write(`wrote ${relative(io.cwd, path) || path}\n`);
      } else io.stdout.write(text);
      for (const g of gaps) io.stderr.write(`warning: section ${g.section}: ${g.message} (${g.path})\n`);
    });
};
