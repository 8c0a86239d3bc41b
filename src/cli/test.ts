import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import { formatPolicyError } from "../policy/errors.js";
import { loadPolicyFile } from "../policy/load.js";
import { parseTestFile, runCases, type CaseResult } from "../review/policy-test.js";
import type { RegisterCommand } from "./command.js";
import { CliError, EXIT, type CliIO } from "./io.js";
import { policyPath } from "./policy-option.js";

const DEFAULT_TEST_FILE = "policygate.test.yaml";
const MAX_TEST_BYTES = 4 * 1024 * 1024;

export const register: RegisterCommand = (program, ctx) => {
  program
    .command("test")
    .description(
      "Run table-driven policy tests: each case is a request and the decision the policy must reach.\n" +
        "Exit status: 0 every case passed, 1 a case failed (or the file has none), 2 usage or file errors.",
    )
    .argument("[file]", `test file (default: ./${DEFAULT_TEST_FILE})`)
    .option(
      "-p, --policy <file>",
      "policy to test (default: the test file's `policy:`, else as for every command)",
    )
    .option("--json", "print the results as JSON")
    .action((file: string | undefined, opts: { policy?: string; json?: boolean }) => {
      ctx.exit(runTests(file, opts, ctx.io));
    });
};

function runTests(file: string | undefined, opts: { policy?: string; json?: boolean }, io: CliIO): number {
  const path = resolve(io.cwd, file ?? DEFAULT_TEST_FILE);
  const shown = relative(io.cwd, path) || path;
  if (!existsSync(path)) throw new CliError(`${shown}: no such test file`);
  if (!statSync(path).isFile()) throw new CliError(`${shown}: not a file`);
  if (statSync(path).size > MAX_TEST_BYTES)
    throw new CliError(`${shown}: larger than ${MAX_TEST_BYTES} bytes`);
  const parsed = parseTestFile(readFileSync(path, "utf8"));
  if (!parsed.ok) {
    throw new CliError(
      `${shown}: not a valid test file:\n` +
        parsed.errors
          .map((e) => `  ${shown}:${e.line}:${e.column}${e.path ? ` ${e.path}` : ""}: ${e.message}`)
          .join("\n"),
    );
  }
  const tf = parsed.value;
  const policyFile = opts.policy
    ? resolve(io.cwd, opts.policy)
    : tf.policy
      ? resolve(dirname(path), tf.policy)
      : policyPath(undefined, io);
  if (!policyFile) {
    throw new CliError(`${shown}: no policy to test: give one with --policy or "policy:" in the test file`);
  }
  const loaded = loadPolicyFile(policyFile);
  if (!loaded.ok) {
    throw new CliError(
      `the policy does not load:\n` + loaded.errors.map((e) => "  " + formatPolicyError(e)).join("\n"),
    );
  }
  if (!tf.cases.length) {
    // An empty file passing in CI would look like a tested policy.
    io.stderr.write(`${shown}: no test cases; a test file must have at least one case under "cases:"\n`);
    return EXIT.blocked;
  }
  const results = runCases(loaded.value, tf);
  const failed = results.filter((r) => !r.pass).length;
  if (opts.json) {
    io.stdout.write(
      JSON.stringify(
        {
          file: shown,
          policy: relative(io.cwd, policyFile) || policyFile,
          passed: results.length - failed,
          failed,
          cases: results,
        },
        null,
        2,
      ) + "\n",
    );
  } else {
    for (const r of results) io.stdout.write(renderResult(r, shown));
    io.stdout.write(
      `\n${shown}: ${results.length - failed} passed, ${failed} failed (policy ${relative(io.cwd, policyFile) || policyFile}, revision ${loaded.value.revision.slice(0, 19)})\n`,
    );
  }
  return failed ? EXIT.blocked : EXIT.ok;
}

function renderResult(r: CaseResult, file: string): string {
  if (r.pass) return `PASS  ${r.name}\n`;
  let out = `FAIL  ${r.name}  (${file}:${r.line})\n`;
  if (r.error) return out + `        error: ${r.error}\n`;
  for (const d of r.diffs) {
    out += `        ${d.field}:\n          expected: ${show(d.expected)}\n          actual:   ${show(d.actual)}\n`;
    if (Array.isArray(d.expected) && Array.isArray(d.actual)) {
      const missing = (d.expected as string[]).filter((x) => !(d.actual as string[]).includes(x));
      const extra = (d.actual as string[]).filter((x) => !(d.expected as string[]).includes(x));
      if (missing.length) out += `          - missing: ${missing.join(", ")}\n`;
      if (extra.length) out += `          + unexpected: ${extra.join(", ")}\n`;
    }
  }
  return out;
}

function show(v: unknown): string {
  if (Array.isArray(v)) return v.length ? `[${v.join(", ")}]` : "[] (none)";
  if (v === null) return "(none)";
  return typeof v === "string" ? JSON.stringify(v) : String(v);
}
