import { createInterface } from "node:readline";
import { lineStarts, position } from "../detect/text-position.js";
import { Readable } from "node:stream";
import { decideInput, decideOutput, type Decision, type Part } from "../enforce/decide.js";
import type { Engine } from "../enforce/engine.js";
import type { Direction } from "../detect/types.js";
import type { RegisterCommand } from "./command.js";
import { DEFAULT_MAX_BYTES, readTextInput } from "./input.js";
import { CliError, EXIT, type CliIO } from "./io.js";
import { engineForCli, POLICY_OPTION_HELP } from "./policy-option.js";

interface ScanOptions {
  policy?: string;
  env?: string;
  direction: string;
  jsonl?: boolean;
  maxBytes: string;
  failOnBlock?: boolean;
}

export const register: RegisterCommand = (program, ctx) => {
  program
    .command("scan")
    .description(
      "Scan files or standard input with the policy's detectors and print what the policy would do.\n" +
        "Exit status: 0 nothing blocked, 1 something blocked, 2 usage, input or policy errors.",
    )
    .argument("[files...]", "files to scan; standard input when none (or -)")
    .option("-p, --policy <file>", POLICY_OPTION_HELP)
    .option("-e, --env <environment>", "environment (default: $POLICYGATE_ENV, else the policy's)")
    .option("-d, --direction <direction>", "input (to a model) or output (from a model)", "input")
    .option(
      "--jsonl",
      'batch mode: each input line {"id","text"|"fields","direction"?} gives one output line, in order; exits 0 unless --fail-on-block',
    )
    .option("--fail-on-block", "with --jsonl: exit 1 when any line is blocked")
    .option("--max-bytes <n>", "largest input accepted", String(DEFAULT_MAX_BYTES))
    .action(async (files: string[], opts: ScanOptions) => {
      const direction = parseDirection(opts.direction);
      const maxBytes = Number(opts.maxBytes);
      if (!Number.isSafeInteger(maxBytes) || maxBytes <= 0)
        throw new CliError("--max-bytes takes a positive number");
      const engine = engineForCli(opts, ctx.io);
      if (opts.jsonl) {
        const blocked = await scanJsonl(engine, files, direction, ctx.io);
        if (blocked && opts.failOnBlock) ctx.exit(EXIT.blocked);
        return;
      }
      const names = files.length ? files : ["-"];
      let anyBlocked = false;
      for (const name of names) {
        const input = await readTextInput(name, ctx.io, maxBytes);
        if (input.invalidUtf8) {
          ctx.io.stderr.write(
            `policygate: ${input.name} is not valid UTF-8; invalid bytes were scanned as U+FFFD\n`,
          );
        }
        const decision = decide(engine, [{ text: input.text }], direction);
        printReport(ctx.io, input.name, input.text, decision);
        if (decision.action === "block") anyBlocked = true;
      }
      if (anyBlocked) ctx.exit(EXIT.blocked);
    });
};

function parseDirection(d: string): Direction {
  if (d !== "input" && d !== "output") throw new CliError(`--direction is input or output, not "${d}"`);
  return d;
}

function decide(engine: Engine, parts: Part[], direction: Direction): Decision {
  return direction === "input" ? decideInput(engine, parts) : decideOutput(engine, parts);
}

/** Shows a value's shape without its content: secretlint's convention of one * per character. */
function mask(len: number): string {
  return "*".repeat(Math.min(len, 24)) + (len > 24 ? `…(${len})` : "");
}

function printReport(io: CliIO, name: string, text: string, d: Decision): void {
  const lines = lineStarts(text);
  for (const f of d.findings) {
    const { line, column: col } = position(lines, f.start);
    io.stdout.write(
      `${name}:${line}:${col}  ${f.class.padEnd(12)} ${f.detector.padEnd(28)} ${mask(f.end - f.start)}  (confidence ${f.confidence.toFixed(2)})\n`,
    );
  }
  const verdict =
    d.action === d.enforcedAction
      ? d.action
      : `${d.action} (audit mode; enforced, it would ${d.enforcedAction})`;
  io.stdout.write(
    `${name}: ${d.findings.length} finding${d.findings.length === 1 ? "" : "s"}, decision: ${verdict}\n`,
  );
  for (const r of d.rules) io.stdout.write(`  - ${r.message}\n`);
}

interface JsonlRow {
  id?: unknown;
  text?: unknown;
  fields?: unknown;
  direction?: unknown;
}

/** Batch mode. One output line per input line, in order; a bad line gets an `error` and the run goes on. */
async function scanJsonl(
  engine: Engine,
  files: string[],
  defaultDirection: Direction,
  io: CliIO,
): Promise<boolean> {
  let blocked = false;
  const sources: NodeJS.ReadableStream[] = [];
  if (files.length === 0 || (files.length === 1 && files[0] === "-")) sources.push(io.stdin);
  else {
    for (const f of files) {
      const input = await readTextInput(f, io);
      sources.push(Readable.from([input.text]));
    }
  }
  let lineNo = 0;
  let buffered = "";
  const flush = () => {
    if (buffered) io.stdout.write(buffered);
    buffered = "";
  };
  for (const source of sources) {
    const rl = createInterface({ input: source, crlfDelay: Infinity });
    for await (const line of rl) {
      lineNo++;
      if (line.trim() === "") continue;
      const out = scanJsonlLine(engine, line, lineNo, defaultDirection);
      if (out.decision === "block") blocked = true;
      buffered += JSON.stringify(out) + "\n";
      if (buffered.length > 1 << 16) flush();
    }
  }
  flush();
  return blocked;
}

function scanJsonlLine(
  engine: Engine,
  line: string,
  lineNo: number,
  defaultDirection: Direction,
): Record<string, unknown> {
  let row: JsonlRow;
  try {
    row = JSON.parse(line) as JsonlRow;
  } catch {
    // JSON.parse's own message quotes the input, which may be a secret: say only where.
    return { id: null, line: lineNo, error: `line ${lineNo}: not valid JSON` };
  }
  if (row === null || typeof row !== "object" || Array.isArray(row)) {
    return { id: null, line: lineNo, error: `line ${lineNo}: expected a JSON object` };
  }
  const id = typeof row.id === "string" || typeof row.id === "number" ? row.id : null;
  const bad = (msg: string) => ({ id, line: lineNo, error: `line ${lineNo}: ${msg}` });
  let direction = defaultDirection;
  if (row.direction !== undefined) {
    if (row.direction !== "input" && row.direction !== "output")
      return bad('"direction" is "input" or "output"');
    direction = row.direction;
  }
  let parts: Part[];
  let fieldNames: string[] | undefined;
  if (typeof row.text === "string") {
    parts = [{ text: row.text }];
  } else if (row.fields && typeof row.fields === "object" && !Array.isArray(row.fields)) {
    fieldNames = Object.keys(row.fields);
    const values = Object.values(row.fields as Record<string, unknown>);
    if (values.some((v) => typeof v !== "string")) return bad('"fields" values must be strings');
    parts = fieldNames.map((k, i) => ({ text: values[i] as string, provenance: k, path: k }));
  } else {
    return bad('expected "text" (a string) or "fields" (an object of strings)');
  }
  const d = decide(engine, parts, direction);
  const findings = d.findings.map((f) => ({
    ...(fieldNames ? { field: fieldNames[f.part] } : {}),
    detector: f.detector,
    kind: f.kind,
    class: f.class,
    start: f.start,
    end: f.end,
    confidence: f.confidence,
  }));
  const out: Record<string, unknown> = { id, decision: d.action };
  if (d.enforcedAction !== d.action) out.enforced_decision = d.enforcedAction;
  out.findings = findings;
  if (d.rules.length) out.rules = d.rules.map((r) => r.rule);
  if (fieldNames) {
    out.fields = d.texts ? Object.fromEntries(fieldNames.map((k, i) => [k, d.texts![i]])) : null;
  } else out.text = d.texts ? d.texts[0] : null;
  return out;
}
