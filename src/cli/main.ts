import { Command, CommanderError } from "commander";
import { register as registerAlerts } from "./alerts.js";
import { register as registerCheck } from "./check.js";
import { register as registerChecklist } from "./checklist.js";
import type { CommandContext } from "./command.js";
import { register as registerDemo } from "./demo.js";
import { register as registerDetectors } from "./detectors.js";
import { register as registerDoc } from "./doc.js";
import { register as registerFingerprint } from "./fingerprint.js";
import { register as registerInit } from "./init.js";
import { register as registerIntegration } from "./integration.js";
import { register as registerKeys } from "./keys.js";
import { register as registerKeysGovernance } from "./keys-governance.js";
import { register as registerLogs } from "./logs.js";
import { register as registerProviderOnboarding } from "./provider-onboarding.js";
import { CliError, EXIT, processIO, type CliIO } from "./io.js";
import { register as registerReview } from "./review.js";
import { register as registerProvider } from "./provider.js";
import { register as registerReport } from "./report.js";
import { register as registerScan } from "./scan.js";
import { register as registerSchema } from "./schema.js";
import { register as registerServe } from "./serve.js";

export { VERSION } from "./version.js";
import { VERSION } from "./version.js";

/** Builds the program. Separate from main() so tests can drive commands with their own IO. */
export function buildProgram(ctx: CommandContext): Command {
  const program = new Command("policygate")
    .description("The AI security policy that enforces itself.")
    .version(VERSION)
    .showHelpAfterError("(policygate --help lists the commands)")
    .exitOverride()
    .configureOutput({
      writeOut: (s) => ctx.io.stdout.write(s),
      writeErr: (s) => ctx.io.stderr.write(s),
    });
  for (const register of [registerScan, registerCheck, registerInit, registerSchema, registerDetectors]) {
    register(program, ctx);
  }
  registerLogs(program, ctx);
  registerKeys(program, ctx);
  registerServe(program, ctx);
  registerDemo(program, ctx);
  registerReview(program, ctx);
  registerAlerts(program, ctx);
  registerIntegration(program, ctx);
  registerProviderOnboarding(program, ctx);
  registerDoc(program, ctx);
  registerChecklist(program, ctx);
  registerKeysGovernance(program, ctx);
  registerProvider(program, ctx);
  registerReport(program, ctx);
  registerFingerprint(program, ctx);
  return program;
}

/** Runs the CLI and resolves to the exit status. Never throws for expected failures. */
export async function main(argv: string[], io: CliIO = processIO()): Promise<number> {
  let code: number = EXIT.ok;
  const ctx: CommandContext = {
    io,
    exit: (c) => {
      code = Math.max(code, c);
    },
  };
  const program = buildProgram(ctx);
  try {
    await program.parseAsync(argv);
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version exit 0; unknown options and commands are usage errors.
      return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (e instanceof CliError) {
      io.stderr.write(`policygate: ${e.message}\n`);
      return e.exitCode;
    }
    io.stderr.write(`policygate: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
    return EXIT.internal;
  }
}
