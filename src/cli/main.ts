import { Command, CommanderError } from "commander";
import { register as registerCheck } from "./check.js";
import type { CommandContext } from "./command.js";
import { register as registerDemo } from "./demo.js";
import { register as registerDetectors } from "./detectors.js";
import { register as registerFingerprint } from "./fingerprint.js";
import { register as registerInit } from "./init.js";
import { register as registerKeys } from "./keys.js";
import { register as registerLogs } from "./logs.js";
import { CliError, EXIT, processIO, type CliIO } from "./io.js";
import { register as registerScan } from "./scan.js";
import { register as registerSchema } from "./schema.js";
import { register as registerServe } from "./serve.js";

export const VERSION = "0.1.0";

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
