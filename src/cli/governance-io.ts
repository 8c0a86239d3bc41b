import { relative } from "node:path";
import { GovernanceRefusal, PolicyFile } from "../governance/actions.js";
import { today } from "../governance/today.js";
import { CliError, EXIT, type CliIO } from "./io.js";
import { policyPath } from "./policy-option.js";

/**
 * Runs a change to the policy file: read, change, save. A refusal by the rules exits 1 with its
 * reason and rule; nothing is written unless the whole change succeeded.
 */
export function editPolicy(
  file: string | undefined,
  io: CliIO,
  change: (f: PolicyFile, ctx: { date: string; shown: string }) => string,
): void {
  const path = policyPath(file, io);
  if (!path)
    throw new CliError(
      "no policy file to edit: pass --policy FILE, set POLICYGATE_POLICY, or run in a directory with policygate.yaml",
    );
  const shown = relative(io.cwd, path) || path;
  let f: PolicyFile;
  try {
    f = PolicyFile.read(path);
  } catch (e) {
    if (e instanceof GovernanceRefusal)
      throw new CliError(e.message.replace("would not load after this change", "does not load"), EXIT.usage);
    throw new CliError(`cannot read ${shown}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    const done = change(f, { date: today(io.env), shown });
    f.save();
    io.stdout.write(`${done}; ${shown} updated\n`);
  } catch (e) {
    if (e instanceof GovernanceRefusal)
      throw new CliError(`refused: ${e.message} [rule ${e.rule}]`, EXIT.blocked);
    throw e;
  }
}

/** Who is acting: --by, else $POLICYGATE_USER. */
export function actor(by: string | undefined, io: CliIO): string {
  return by ?? io.env.POLICYGATE_USER ?? "";
}

export function csv(v: string | undefined): string[] | undefined {
  return v === undefined
    ? undefined
    : v
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean);
}
