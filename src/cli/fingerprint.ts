import { renameSync, writeFileSync } from "node:fs";
import { basename, resolve } from "node:path";
import { FingerprintBuilder } from "../detect/fingerprints/build.js";
import {
  describeSource,
  parseSource,
  readSourceValues,
  SourceError,
} from "../detect/fingerprints/sources.js";
import { DATA_CLASSES, isDataClass } from "../policy/classes.js";
import type { RegisterCommand } from "./command.js";
import { CliError, EXIT } from "./io.js";
import { printable } from "./printable.js";

interface FingerprintOptions {
  from: string;
  column: string[];
  query?: string;
  class: string;
  label?: string;
  out: string;
  keyEnv?: string;
  minChars: string;
}

const collect = (v: string, prev: string[]) => [...prev, v];

export const register: RegisterCommand = (program, ctx) => {
  program
    .command("fingerprint")
    .description(
      "Build a fingerprint file: salted hashes of normalised values (customer names, company names,\n" +
        "account ids) that the scanner finds by exact match. The values themselves are not stored.\n" +
        "Reference the file from the policy's data_dictionary.fingerprints (see docs/fingerprints.md).",
    )
    .requiredOption("--from <source>", "a CSV file with a header row, sqlite:PATH, or postgres://…")
    .option("--column <name>", "column to read (repeat for several; default: every column)", collect, [])
    .option("--query <sql>", "the SELECT to run, for sqlite: and postgres:// sources")
    .option("--class <class>", `class of the values: ${DATA_CLASSES.join(", ")}`, "confidential")
    .option("--label <label>", "what the values are, e.g. customer_name (default: the first column)")
    .requiredOption("--out <file>", "the fingerprint file to write")
    .option(
      "--key-env <var>",
      "environment variable holding a secret mixed into the key; without it the file alone cannot be tested against guesses",
    )
    .option("--min-chars <n>", "skip values with fewer letters and digits than this", "3")
    .action(async (opts: FingerprintOptions) => {
      if (!isDataClass(opts.class)) {
        throw new CliError(
          `--class must be one of ${DATA_CLASSES.join(", ")}, not "${printable(opts.class)}"`,
        );
      }
      const minChars = Number(opts.minChars);
      if (!Number.isInteger(minChars) || minChars < 1)
        throw new CliError("--min-chars takes a whole number of 1 or more");
      const label = (opts.label ?? opts.column[0] ?? "values").toLowerCase().replace(/[^a-z0-9_-]+/g, "_");
      if (!/^[a-z0-9][a-z0-9_-]{0,62}$/.test(label)) {
        throw new CliError("--label must be lowercase letters, digits, '-' and '_' (such as customer_name)");
      }
      let secret: string | undefined;
      if (opts.keyEnv) {
        secret = ctx.io.env[opts.keyEnv];
        if (!secret) throw new CliError(`--key-env ${opts.keyEnv}: the variable is not set`);
      }
      let source;
      try {
        source = parseSource(opts.from, opts.query);
      } catch (e) {
        if (e instanceof SourceError) throw new CliError(e.message);
        throw e;
      }
      if (source.kind !== "postgres") source.path = resolve(ctx.io.cwd, source.path);
      const builder = new FingerprintBuilder({
        class: opts.class,
        label,
        secret,
        minChars,
        source: describeSource(
          source.kind === "postgres" ? source : { ...source, path: basename(source.path) },
          opts.column,
        ),
      });
      try {
        await readSourceValues(source, opts.column, (v) => builder.add(v));
      } catch (e) {
        if (e instanceof SourceError) throw new CliError(e.message, EXIT.usage);
        throw e;
      }
      const { bytes, header } = builder.finish();
      const out = resolve(ctx.io.cwd, opts.out);
      // Write beside and rename, so a gateway reloading the policy never reads half a file.
      const tmp = `${out}.${process.pid}.tmp`;
      try {
        writeFileSync(tmp, bytes, { mode: 0o600 });
        renameSync(tmp, out);
      } catch (e) {
        throw new CliError(
          `cannot write ${opts.out}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
        );
      }
      const s = builder.stats;
      const skipped = [
        s.skippedEmpty && `${s.skippedEmpty} empty`,
        s.skippedShort && `${s.skippedShort} shorter than ${minChars} characters`,
        s.skippedLong && `${s.skippedLong} longer than 24 words`,
      ].filter(Boolean);
      ctx.io.stderr.write(
        `wrote ${printable(opts.out)}: ${header.count} fingerprints of ${s.values} values` +
          (s.values - s.skippedEmpty - s.skippedShort - s.skippedLong > header.count
            ? " (duplicates merged)"
            : "") +
          (skipped.length ? `, skipped ${skipped.join(", ")}` : "") +
          `; ${bytes.length} bytes, class ${header.class}, label ${header.label}` +
          (header.keyed ? `, keyed by $${opts.keyEnv}` : "") +
          `\nreference it from the policy:\n  data_dictionary:\n    fingerprints:\n      - file: ${printable(opts.out)}` +
          (header.keyed ? `\n        key_env: ${opts.keyEnv}` : "") +
          "\n",
      );
    });
};
