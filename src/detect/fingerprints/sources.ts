import { readFileSync } from "node:fs";

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
    let idx: number[] | undefined;
    eachCsvRow(text, (cells) => {
      if (idx === undefined) {
        idx = pickColumns(cells, columns, src.path);
        return;
      }
      for (const i of idx) {
        const v = cells[i];
        if (v !== undefined) each(v);
      }
    });
    if (idx === undefined)
      throw new SourceError(`${src.path} is empty; expected a header row naming the columns`);
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

/**
 * RFC 4180 rows handed over one at a time (quoted fields, doubled quotes, CRLF or LF), so a
 * million-row export is never held as rows. Cells are sliced from the text, not built a character
 * at a time.
 */
export function eachCsvRow(text: string, row: (cells: string[]) => void): void {
  const n = text.length;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let cells: string[] = [];
  while (i < n) {
    let cell: string;
    if (text.charCodeAt(i) === 34) {
      // Quoted: up to the closing quote, "" standing for one quote.
      let out = "";
      let from = ++i;
      for (;;) {
        const q = text.indexOf('"', i);
        if (q < 0) {
          out += text.slice(from);
          i = n;
          break;
        }
        if (text.charCodeAt(q + 1) === 34) {
          out += text.slice(from, q + 1);
          i = from = q + 2;
          continue;
        }
        out += text.slice(from, q);
        i = q + 1;
        break;
      }
      // Anything between the closing quote and the separator belongs to the cell, as a lenient reader would keep it.
      let j = i;
      while (j < n) {
        const c = text.charCodeAt(j);
        if (c === 44 || c === 10 || c === 13) break;
        j++;
      }
      cell = out + text.slice(i, j);
      i = j;
    } else {
      let j = i;
      while (j < n) {
        const c = text.charCodeAt(j);
        if (c === 44 || c === 10 || c === 13) break;
        j++;
      }
      cell = text.slice(i, j);
      i = j;
    }
    cells.push(cell);
    const c = text.charCodeAt(i);
    if (c === 44) {
      i++;
      if (i === n) cells.push("");
      continue;
    }
    // End of row (or of the text): blank lines are skipped.
    if (c === 13 && text.charCodeAt(i + 1) === 10) i++;
    i++;
    if (!(cells.length === 1 && cells[0]!.trim() === "")) row(cells);
    cells = [];
  }
}
