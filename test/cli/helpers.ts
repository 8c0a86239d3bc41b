import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli, type CliResult } from "../helpers/cli.js";

/**
 * Runs the CLI in-process in a fresh empty directory unless told otherwise, so a policygate.yaml
 * lying around the repository can never change what a test sees.
 */
export function run(
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<CliResult> {
  return runCli(args, { cwd: opts.cwd ?? tempDir(), env: opts.env ?? {} });
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "policygate-cli-"));
}
