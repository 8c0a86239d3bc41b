import { copyFileSync, existsSync, mkdirSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Option } from "commander";
import { loadPolicyFile } from "../policy/load.js";
import type { RegisterCommand } from "./command.js";
import { CliError, EXIT } from "./io.js";

export const RISK_LEVELS = ["conservative", "balanced"] as const;
export type RiskLevel = (typeof RISK_LEVELS)[number];

/**
 * The package's examples folder. Both src/cli/init.ts (tests) and dist/cli/init.js (installed) sit
 * two levels below the package root, so one relative URL serves both.
 */
export function examplesDir(): string {
  return fileURLToPath(new URL("../../examples/", import.meta.url));
}

export function examplePolicyPath(risk: RiskLevel): string {
  return join(examplesDir(), `${risk}.policygate.yaml`);
}

/** The files a starter policy consists of: the policy and the CSVs it imports, as [from, to]. */
function starterFiles(risk: RiskLevel, output: string): [string, string][] {
  const source = examplePolicyPath(risk);
  const loaded = loadPolicyFile(source);
  if (!loaded.ok) {
    // The examples ship with the package and are tested; reaching this means a broken install.
    throw new CliError(
      `the ${risk} example policy does not load: ${loaded.errors[0]?.message}`,
      EXIT.internal,
    );
  }
  const imports = loaded.value.policy.data_dictionary.import ?? [];
  const files: [string, string][] = [[source, output]];
  for (const rel of Array.isArray(imports) ? imports : [imports]) {
    files.push([resolve(dirname(source), rel), resolve(dirname(output), rel)]);
  }
  return files;
}

export const register: RegisterCommand = (program, ctx) => {
  program
    .command("init")
    .description("write a starter policy (and the data classification sheet it imports)")
    .addOption(
      new Option("--risk <level>", "risk appetite of the starter policy")
        .choices(RISK_LEVELS)
        .default("conservative"),
    )
    .option("-o, --output <file>", "where to write the policy", "policygate.yaml")
    .option("-f, --force", "overwrite existing files")
    .action((opts: { risk: RiskLevel; output: string; force?: boolean }) => {
      const { io } = ctx;
      const output = resolve(io.cwd, opts.output);
      const files = starterFiles(opts.risk, output);
      // Check every target before writing any, so a refusal leaves nothing half-written.
      const existing = files.filter(([, to]) => existsSync(to)).map(([, to]) => relative(io.cwd, to) || to);
      if (existing.length && !opts.force) {
        throw new CliError(
          `${existing.join(", ")} already exist${existing.length === 1 ? "s" : ""}; pass --force to overwrite`,
        );
      }
      mkdirSync(dirname(output), { recursive: true });
      for (const [from, to] of files) {
        mkdirSync(dirname(to), { recursive: true });
        copyFileSync(from, to);
      }
      const shown = files.map(([, to]) => relative(io.cwd, to) || basename(to));
      io.stdout.write(
        `wrote ${shown.join(" and ")} (${opts.risk} starter policy)\n` +
          `next: edit the providers, integrations and data dictionary, then run: policygate check ${shown[0]}\n`,
      );
    });
};
