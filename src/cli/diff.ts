import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, posix, relative, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import { diffPolicies, type PolicyChange } from "../governance/diff.js";
import { formatPolicyError } from "../policy/errors.js";
import { loadPolicyFile, type LoadedPolicy } from "../policy/load.js";
import type { RegisterCommand } from "./command.js";
import { CliError, EXIT, type CliIO } from "./io.js";

export const register: RegisterCommand = (program, ctx) => {
  program
    .command("diff")
    .description(
      "Show what a policy change widens or narrows, in sentences for a pull request review.\n" +
        "BASE and HEAD are policy files, or git:REV:path to read one from git (git:main:policygate.yaml).\n" +
        "Exit status: 0 nothing widens (or --allow-widen), 1 the change widens the policy, 2 usage or policy errors.",
    )
    .argument("<base>", "the policy before the change")
    .argument("<head>", "the policy after the change")
    .option("--json", "print the changes as JSON")
    .option("--allow-widen", "exit 0 even when the change widens the policy (after a reviewer accepted it)")
    .action((base: string, head: string, opts: { json?: boolean; allowWiden?: boolean }) => {
      const a = loadSource(base, ctx.io);
      const b = loadSource(head, ctx.io);
      const changes = diffPolicies(a, b);
      const widens = changes.filter((c) => c.effect === "widen");
      const narrows = changes.filter((c) => c.effect === "narrow");
      if (opts.json) {
        ctx.io.stdout.write(
          JSON.stringify(
            {
              base,
              head,
              base_revision: a.revision,
              head_revision: b.revision,
              widens: widens.length,
              narrows: narrows.length,
              changes,
            },
            null,
            2,
          ) + "\n",
        );
      } else ctx.io.stdout.write(render(base, head, widens, narrows, a.revision === b.revision));
      if (widens.length && !opts.allowWiden) ctx.exit(EXIT.blocked);
    });
};

function render(
  base: string,
  head: string,
  widens: PolicyChange[],
  narrows: PolicyChange[],
  same: boolean,
): string {
  if (same) return `${base} -> ${head}: no change to what the policy enforces.\n`;
  if (!widens.length && !narrows.length)
    return `${base} -> ${head}: the policy changed, but nothing it lets through widens or narrows.\n`;
  const lines = [
    `${base} -> ${head}: ${widens.length} widening${widens.length === 1 ? "" : "s"}, ${narrows.length} narrowing${narrows.length === 1 ? "" : "s"}`,
  ];
  if (widens.length) {
    lines.push("", "Widens (more may leave; needs a security reviewer):");
    for (const c of widens) lines.push(`  + ${c.message}  [${c.path}]`);
  }
  if (narrows.length) {
    lines.push("", "Narrows (less may leave; check nothing legitimate breaks):");
    for (const c of narrows) lines.push(`  - ${c.message}  [${c.path}]`);
  }
  return lines.join("\n") + "\n";
}

/** A policy file, or git:REV:path read with `git show` (with its CSV imports from the same revision). */
function loadSource(spec: string, io: CliIO): LoadedPolicy {
  const git = /^git:([^:]+):(.+)$/.exec(spec);
  const src: PolicySource = git
    ? fromGit(git[1]!, git[2]!, io)
    : { file: resolve(io.cwd, spec), cleanup: () => undefined };
  try {
    const r = loadPolicyFile(src.file);
    if (!r.ok) {
      const errors = r.errors.map((e) => ({ ...e, file: git ? spec : relative(io.cwd, e.file) || e.file }));
      throw new CliError(
        `${spec}: the policy does not load:\n` + errors.map((e) => "  " + formatPolicyError(e)).join("\n"),
      );
    }
    return r.value;
  } finally {
    src.cleanup();
  }
}

interface PolicySource {
  file: string;
  cleanup(): void;
}

function fromGit(rev: string, file: string, io: CliIO): PolicySource {
  if (rev.startsWith("-")) throw new CliError(`git:${rev}:${file}: a revision may not start with "-"`);
  const show = (p: string): Buffer => {
    try {
      return execFileSync("git", ["show", `${rev}:./${p}`], {
        cwd: io.cwd,
        maxBuffer: 4 << 20,
        stdio: ["ignore", "pipe", "pipe"],
      });
    } catch (e) {
      const msg = String((e as { stderr?: Buffer }).stderr ?? (e as Error).message)
        .trim()
        .split("\n")[0];
      throw new CliError(`git:${rev}:${p}: cannot read it from git (${msg})`);
    }
  };
  const text = show(file);
  const dir = mkdtempSync(join(tmpdir(), "policygate-diff-"));
  const local = join(dir, "policy", posix.basename(file));
  mkdirSync(dirname(local), { recursive: true });
  writeFileSync(local, text);
  // The data dictionary's CSV imports belong to the same revision as the policy.
  let imports: unknown;
  try {
    imports = (parseYaml(text.toString("utf8")) as { data_dictionary?: { import?: unknown } } | null)
      ?.data_dictionary?.import;
  } catch {
    imports = undefined; // the loader reports the YAML error with its line
  }
  for (const imp of typeof imports === "string" ? [imports] : Array.isArray(imports) ? imports : []) {
    if (typeof imp !== "string" || imp.startsWith("/") || imp.split(/[\\/]/).includes("..")) continue;
    const target = join(dirname(local), imp);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, show(posix.join(posix.dirname(file), imp)));
  }
  return { file: local, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
