import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SqliteAuditStore } from "../../src/audit/sqlite.js";
import { makeEvent } from "../helpers/audit.js";
import { runStoreTests } from "./store.case.js";

runStoreTests("sqlite", { open: async (dir) => SqliteAuditStore.open(join(dir, "audit.sqlite")) });
// With sync=full commits fsync, so they run on a writer thread: the same contract must hold there.
runStoreTests("sqlite (sync=full)", {
  open: async (dir) => SqliteAuditStore.open(join(dir, "audit.sqlite"), { synchronous: "full" }),
});

describe("sqlite store: the file", () => {
  let dir: string;
  let path: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "pg-sqlite-"));
    path = join(dir, "audit.sqlite");
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("is in WAL mode, versioned, with indexes for the incident filters", async () => {
    const store = SqliteAuditStore.open(path);
    await store.append(makeEvent());
    const db = new Database(path, { readonly: true });
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(db.prepare("SELECT component, version FROM schema_version").all()).toEqual([
      { component: "audit", version: 2 },
    ]);
    const indexed = db
      .prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'audit_events'")
      .pluck()
      .all();
    for (const col of ["ts", "user", "integration", "provider", "input_decision", "output_decision"]) {
      expect(indexed).toContain(`audit_events_${col}`);
    }
    db.close();
    await store.close();
  });

  it("names the file when it is not a database", () => {
    writeFileSync(path, "this is a text file that somebody passed as --audit by mistake\n".repeat(20));
    expect(() => SqliteAuditStore.open(path)).toThrow(`${path} is not a SQLite database`);
  });

  it("refuses to add its tables to somebody else's SQLite database", () => {
    const other = new Database(path);
    other.exec("CREATE TABLE invoices (id INTEGER PRIMARY KEY)");
    other.close();
    expect(() => SqliteAuditStore.open(path)).toThrow(/is a SQLite database but not PolicyGate's/);
  });

  it("refuses a file written by a newer version", async () => {
    await SqliteAuditStore.open(path).close();
    const db = new Database(path);
    db.prepare("UPDATE schema_version SET version = 99 WHERE component = 'audit'").run();
    db.close();
    expect(() => SqliteAuditStore.open(path)).toThrow(
      /schema version 99, newer than this PolicyGate knows \(2\)/,
    );
  });

  it("names the file when another process holds the write lock", async () => {
    await SqliteAuditStore.open(path).close();
    const holder = new Database(path);
    holder.exec("BEGIN EXCLUSIVE");
    try {
      expect(() => SqliteAuditStore.open(path, { busyTimeoutMs: 50 })).toThrow(
        `${path} is locked by another process (waited 50 ms)`,
      );
    } finally {
      holder.exec("ROLLBACK");
      holder.close();
    }
  });

  it("rejects appends with the file named when the lock is taken after opening", async () => {
    const store = SqliteAuditStore.open(path, { busyTimeoutMs: 50 });
    const holder = new Database(path);
    holder.exec("BEGIN EXCLUSIVE");
    await expect(store.append(makeEvent())).rejects.toThrow(`${path} is locked by another process`);
    holder.exec("ROLLBACK");
    holder.close();
    await store.append(makeEvent());
    expect(await store.count()).toBe(1);
    await store.close();
  });

  it("names the file when it is read-only", async (ctx) => {
    await SqliteAuditStore.open(path).close();
    // As root, permission bits do not stop writes; the immutable attribute does.
    if (!setImmutable(path, true)) ctx.skip();
    try {
      expect(() => SqliteAuditStore.open(path)).toThrow(`${path} is read-only`);
    } finally {
      setImmutable(path, false);
    }
  });

  it("says when the file is missing for a reader, and when its directory is missing", () => {
    expect(() => SqliteAuditStore.open(path, { create: false })).toThrow(`no audit database at ${path}`);
    const deep = join(dir, "no", "such", "dir", "audit.sqlite");
    expect(() => SqliteAuditStore.open(deep)).toThrow(`cannot open ${deep}`);
  });

  it("commits a burst of concurrent appends in groups, each append resolving after its commit", async () => {
    const store = SqliteAuditStore.open(path, { maxBatch: 100 });
    const reader = new Database(path, { readonly: true });
    const seen: number[] = [];
    await Promise.all(
      Array.from({ length: 1000 }, async () => {
        const e = makeEvent();
        await store.append(e);
        // Visible from another connection the moment append resolves: it is committed.
        seen.push(
          reader.prepare("SELECT count(*) FROM audit_events WHERE id = ?").pluck().get(e.id) as number,
        );
      }),
    );
    expect(seen.every((n) => n === 1)).toBe(true);
    expect(store.stats.events).toBe(1000);
    // The first append goes alone (nothing was in flight); the rest wait and go in groups of 100.
    expect(store.stats.commits).toBeLessThanOrEqual(11);
    reader.close();
    await store.close();
  });
});

function setImmutable(path: string, on: boolean): boolean {
  try {
    execFileSync("chattr", [on ? "+i" : "-i", path], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

describe("sqlite store: the writer thread (sync=full)", () => {
  it("writes whether the process runs eval'd code as CommonJS or as an ES module", () => {
    const src = join(import.meta.dirname, "../../src/audit/sqlite.ts");
    const helper = join(import.meta.dirname, "../helpers/audit.ts");
    for (const inputType of ["module", "commonjs"]) {
      const path = join(dir, `${inputType}.sqlite`);
      const script = `(async () => {
        const { SqliteAuditStore } = await import(${JSON.stringify(src)});
        const { makeEvent } = await import(${JSON.stringify(helper)});
        const s = SqliteAuditStore.open(${JSON.stringify(path)}, { synchronous: "full" });
        await s.append(makeEvent());
        process.stdout.write(String(await s.count()));
        await s.close();
      })();`;
      const r = spawnSync(process.execPath, ["--import", "tsx", `--input-type=${inputType}`, "-e", script], {
        encoding: "utf8",
      });
      expect(r.stderr).toBe("");
      expect(r.stdout).toBe("1");
    }
  });

  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "pg-sqlite-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("survives its writer dying: an event caught mid-write is refused as unknown, and appending it again records it once", async () => {
    const store = SqliteAuditStore.open(join(dir, "audit.sqlite"), { synchronous: "full" });
    await store.append(makeEvent());
    const writer = (store as unknown as { worker: { terminate(): Promise<number> } }).worker;
    const e = makeEvent();
    const first = store.append(e);
    await writer.terminate();
    const outcome = await first.then(
      () => "written",
      (err: Error) => err.message,
    );
    expect(outcome).toMatch(/^written$|may or may not be recorded/);
    await store.append(e);
    expect(await store.count()).toBe(2);
    await store.close();
  });
});
