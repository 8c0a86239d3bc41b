import { readFileSync } from "node:fs";
import { parseCsv } from "../../policy/csv.js";

/** Where values come from: a CSV file, or a query against SQLite or PostgreSQL. */
export type FingerprintSource =
  | { kind: "csv"; path: string }
  | { kind: "sqlite"; path: string; query: string }
  | { kind: "postgres"; url: string; query: string };

/** An expected problem with a source: its message names the file or column, never a value. */
export class SourceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SourceError";
  }
}

/** `customers.csv`, `sqlite:crm.db` or `postgres://…`, with the query the database forms need. */
export function parseSource(from: string, query: string | undefined): FingerprintSource {
  if (/^postgres(ql)?:\/\//i.test(from)) {
    if (!query) throw new SourceError('--from postgres://… needs --query "SELECT …"');
    return { kind: "postgres", url: from, query };
  }
  if (/^sqlite:/i.test(from)) {
    const path = from.slice("sqlite:".length);
    if (!path) throw new SourceError("--from sqlite:PATH needs the database file after sqlite:");
    if (!query) throw new SourceError('--from sqlite:PATH needs --query "SELECT …"');
    return { kind: "sqlite", path, query };
  }
  if (query)
    throw new SourceError("--query is for sqlite:PATH and postgres:// sources; a CSV file is read whole");
  return { kind: "csv", path: from };
}

/** How a source is described in the file's header: no credentials, no values. */
export function describeSource(src: FingerprintSource, columns: readonly string[]): string {
  const cols = columns.length ? ` (column${columns.length > 1 ? "s" : ""} ${columns.join(", ")})` : "";
  switch (src.kind) {
    case "csv":
      return `csv:${src.path}${cols}`;
    case "sqlite":
      return `sqlite:${src.path}${cols}`;
    case "postgres": {
      // The URL may carry a password: keep only the host and database.
      let where = "postgres";
      try {
        const u = new URL(src.url);
        where = `postgres://${u.host}${u.pathname}`;
      } catch {
        /* an unparsable URL fails at connect; describe it generically */
      }
      return `${where}${cols}`;
    }
  }
}

function pickColumns(available: readonly string[], wanted: readonly string[], where: string): number[] {
  if (!wanted.length) return available.map((_, i) => i);
  const lower = available.map((c) => c.trim().toLowerCase());
  return wanted.map((w) => {
    const i = lower.indexOf(w.trim().toLowerCase());
    if (i < 0) {
      throw new SourceError(
        `${where} has no column "${w}"; its columns are ${available.map((c) => JSON.stringify(c.trim())).join(", ")}`,
      );
    }
    return i;
  });
}

function asValue(v: unknown): string | undefined {
  if (v === null || v === undefined) return undefined;
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "bigint" || typeof v === "boolean") return String(v);
  if (Buffer.isBuffer(v)) return v.toString("utf8");
  return String(v);
}

/**
 * Calls `each` with every value of the chosen columns (all columns when none are named). Values
 * are handed over one at a time and not kept.
 */
export async function readSourceValues(
  src: FingerprintSource,
  columns: readonly string[],
  each: (value: string) => void,
): Promise<void> {
  if (src.kind === "csv") {
    let text: string;
    try {
      text = readFileSync(src.path, "utf8");
    } catch (e) {
      throw new SourceError(
        `cannot read ${src.path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      );
    }
    const rows = parseCsv(text);
    if (rows.length === 0)
      throw new SourceError(`${src.path} is empty; expected a header row naming the columns`);
    const idx = pickColumns(rows[0]!.cells, columns, src.path);
    for (let r = 1; r < rows.length; r++) {
      const cells = rows[r]!.cells;
      for (const i of idx) {
        const v = cells[i];
        if (v !== undefined) each(v);
      }
    }
    return;
  }
  if (src.kind === "sqlite") {
    const { default: Database } = await import("better-sqlite3");
    let db: InstanceType<typeof Database>;
    try {
      db = new Database(src.path, { readonly: true, fileMustExist: true });
    } catch (e) {
      throw new SourceError(`cannot open the SQLite database ${src.path}: ${(e as Error).message}`);
    }
    try {
      let stmt;
      try {
        stmt = db.prepare(src.query);
      } catch (e) {
        throw new SourceError(`the query does not run on ${src.path}: ${(e as Error).message}`);
      }
      if (!stmt.reader) throw new SourceError("the query returns no rows; expected a SELECT");
      const names = stmt.columns().map((c) => c.name);
      const idx = pickColumns(names, columns, "the query's result");
      stmt.raw(true);
      for (const row of stmt.iterate() as Iterable<unknown[]>) {
        for (const i of idx) {
          const v = asValue(row[i]);
          if (v !== undefined) each(v);
        }
      }
    } finally {
      db.close();
    }
    return;
  }
  const { default: pg } = await import("pg");
  const client = new pg.Client({ connectionString: src.url, connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
  } catch (e) {
    throw new SourceError(`cannot connect to ${describeSource(src, [])}: ${(e as Error).message}`);
  }
  try {
    let res;
    try {
      res = await client.query({ text: src.query, rowMode: "array" });
    } catch (e) {
      throw new SourceError(`the query failed: ${(e as Error).message}`);
    }
    const idx = pickColumns(
      res.fields.map((f) => f.name),
      columns,
      "the query's result",
    );
    for (const row of res.rows as unknown[][]) {
      for (const i of idx) {
        const v = asValue(row[i]);
        if (v !== undefined) each(v);
      }
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}
