import Database from "better-sqlite3";
import pg from "pg";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeFingerprints } from "../../src/detect/fingerprints/format.js";
import { runCli } from "../helpers/cli.js";

const CUSTOMERS = [
  ["name", "company", "email"],
  ["Jane Okafor", "Brightwater Logistics", "jane@brightwater.example"],
  ['"Núñez, José"', "Ångström & Söner AB", "jose@example.org"],
  ["山田太郎", "株式会社ヤマダ", "taro@example.jp"],
  ["", "Nameless Co", "x@example.com"],
  ["Li", "Short Name Ltd", "li@example.com"],
];
const RAW = ["Jane Okafor", "Okafor", "Brightwater", "Núñez", "José", "Ångström", "山田太郎", "ヤマダ"];

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "pg-fp-cli-"));
  writeFileSync(join(dir, "customers.csv"), CUSTOMERS.map((r) => r.join(",")).join("\n") + "\n");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** No value, in any form a reader could search for, appears in the file's bytes. */
function expectNoRawValues(file: string) {
  const bytes = readFileSync(file);
  for (const v of RAW) {
    for (const form of [v, v.toLowerCase(), v.normalize("NFD")]) {
      expect(bytes.includes(Buffer.from(form, "utf8")), `${v} in ${file}`).toBe(false);
      expect(bytes.includes(Buffer.from(form, "utf16le")), `${v} in ${file} (UTF-16)`).toBe(false);
    }
  }
}

async function scanWith(fpFile: string, text: string, extra = "") {
  const policy = join(dir, `p-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(policy, `data_dictionary:\n  fingerprints:\n    - file: ${fpFile}\n${extra}`);
  return runCli(["scan", "--policy", policy], { stdin: text, cwd: dir });
}

describe("policygate fingerprint", () => {
  it("builds from a CSV column; the scanner then finds the values, masked", async () => {
    const r = await runCli(
      [
        "fingerprint",
        "--from",
        "customers.csv",
        "--column",
        "name",
        "--column",
        "company",
        "--label",
        "customer",
        "--out",
        "customers.pgfp",
      ],
      { cwd: dir },
    );
    expect(r.stderr).toMatch(
      /wrote customers\.pgfp: 8 fingerprints of 10 values, skipped 1 empty, 1 shorter than 3/,
    );
    expect(r.stderr).toContain("data_dictionary:");
    expect(r.code).toBe(0);
    expectNoRawValues(join(dir, "customers.pgfp"));
    const { header } = decodeFingerprints(readFileSync(join(dir, "customers.pgfp")));
    expect(header).toMatchObject({
      class: "confidential",
      label: "customer",
      count: 8,
      source: "csv:customers.csv (columns name, company)",
    });

    const s = await scanWith(
      "customers.pgfp",
      "Jane Okafor from Brightwater Logistics; also NUNEZ jose of 株式会社ヤマダ\n",
    );
    expect(s.stdout).toMatch(/<stdin>:1:1 +confidential +fingerprint:customer/);
    expect(s.stdout).toMatch(/<stdin>:1:18 +confidential +fingerprint:customer/);
    expect(s.stdout.match(/^<stdin>:1:\d+ .*fingerprint:customer/gm)).toHaveLength(4);
    expect(s.stdout).toContain("decision: redact");
    for (const v of RAW) expect(s.stdout + s.stderr).not.toContain(v);
  });

  it("builds from a SQLite query", async () => {
    const dbPath = join(dir, "crm.db");
    const db = new Database(dbPath);
    db.exec("CREATE TABLE accounts (id INTEGER PRIMARY KEY, holder TEXT, ref TEXT)");
    db.prepare("INSERT INTO accounts (holder, ref) VALUES (?, ?), (?, ?), (?, NULL)").run(
      "Zoë Ångström",
      "ACC-2231-77",
      "Jane Okafor",
      "ACC-9000-01",
      "Nobody Atall",
    );
    db.close();
    const r = await runCli(
      [
        "fingerprint",
        "--from",
        "sqlite:crm.db",
        "--query",
        "SELECT holder, ref FROM accounts",
        "--class",
        "restricted",
        "--label",
        "account",
        "--out",
        "accounts.pgfp",
      ],
      { cwd: dir },
    );
    expect(r.stderr).toMatch(/5 fingerprints of 5 values/);
    expect(r.code).toBe(0);
    expectNoRawValues(join(dir, "accounts.pgfp"));
    const s = await scanWith("accounts.pgfp", "refund acc 2231-77 for zoe angstrom");
    expect(s.stdout.match(/^<stdin>:1:\d+ +restricted +fingerprint:account/gm)).toHaveLength(2);
    expect(s.stdout).toContain("decision: block");
    expect(s.code).toBe(1);
  });

  it("builds with a secret kept outside the file, which the policy names", async () => {
    const env = { PG_FP_SECRET: "correct horse battery staple" };
    const r = await runCli(
      [
        "fingerprint",
        "--from",
        "customers.csv",
        "--column",
        "name",
        "--key-env",
        "PG_FP_SECRET",
        "--out",
        "keyed.pgfp",
      ],
      { cwd: dir, env },
    );
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("key_env: PG_FP_SECRET");
    expect(readFileSync(join(dir, "keyed.pgfp")).includes(Buffer.from(env.PG_FP_SECRET))).toBe(false);
  });

  it.each([
    [
      ["--from", "customers.csv", "--column", "surname", "--out", "x.pgfp"],
      /customers\.csv has no column "surname"; its columns are "name", "company", "email"/,
    ],
    [["--from", "customers.csv", "--query", "SELECT 1", "--out", "x.pgfp"], /--query is for sqlite/],
    [["--from", "sqlite:crm.db", "--out", "x.pgfp"], /needs --query/],
    [
      ["--from", "sqlite:nope.db", "--query", "SELECT 1", "--out", "x.pgfp"],
      /cannot open the SQLite database/,
    ],
    [["--from", "sqlite:crm.db", "--query", "SELEKT nonsense", "--out", "x.pgfp"], /the query does not run/],
    [["--from", "missing.csv", "--out", "x.pgfp"], /cannot read .*missing\.csv: ENOENT/],
    [["--from", "customers.csv", "--class", "secret", "--out", "x.pgfp"], /--class must be one of/],
    [
      ["--from", "customers.csv", "--key-env", "PG_FP_UNSET", "--out", "x.pgfp"],
      /PG_FP_UNSET: the variable is not set/,
    ],
  ])("refuses bad input with a clear message: %s", async (args, message) => {
    const r = await runCli(["fingerprint", ...args], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });
});

describe("policygate fingerprint from PostgreSQL", () => {
  const url = process.env.POLICYGATE_TEST_POSTGRES_URL;
  const table = `pg_fp_test_${process.pid}_${Date.now()}`;
  let reachable = false;
  beforeAll(async () => {
    if (!url) {
      console.warn(
        "skipping the PostgreSQL fingerprint source test: POLICYGATE_TEST_POSTGRES_URL is not set",
      );
      return;
    }
    const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
    try {
      await c.connect();
      await c.query(`CREATE TABLE ${table} (name text, company text)`);
      await c.query(`INSERT INTO ${table} VALUES ($1, $2), ($3, $4)`, [
        "Jane Okafor",
        "Brightwater Logistics",
        "Zoë Ångström",
        "Ångström & Söner AB",
      ]);
      reachable = true;
    } catch (e) {
      console.warn(
        `skipping the PostgreSQL fingerprint source test: ${url} is unreachable (${(e as Error).message})`,
      );
    } finally {
      await c.end().catch(() => undefined);
    }
  });
  afterAll(async () => {
    if (!reachable) return;
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    await c.query(`DROP TABLE IF EXISTS ${table}`);
    await c.end();
  });

  it("builds from a query, and the header names the database without credentials", async (t) => {
    if (!reachable) return t.skip();
    const r = await runCli(
      [
        "fingerprint",
        "--from",
        url!,
        "--query",
        `SELECT name, company FROM ${table}`,
        "--label",
        "crm",
        "--out",
        "pg.pgfp",
      ],
      { cwd: dir },
    );
    expect(r.stderr).toMatch(/4 fingerprints of 4 values/);
    expect(r.code).toBe(0);
    expectNoRawValues(join(dir, "pg.pgfp"));
    const { header } = decodeFingerprints(readFileSync(join(dir, "pg.pgfp")));
    expect(header.source).toMatch(/^postgres:\/\/[^@]+$/);
    const s = await scanWith("pg.pgfp", "Jane Okafor from Brightwater Logistics");
    expect(s.stdout.match(/^<stdin>:1:\d+ .*fingerprint:crm/gm)).toHaveLength(2);
  });

  it("reports a failing query clearly", async (t) => {
    if (!reachable) return t.skip();
    const r = await runCli(
      ["fingerprint", "--from", url!, "--query", "SELECT nope FROM nowhere_at_all", "--out", "x.pgfp"],
      { cwd: dir },
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/the query failed: .*nowhere_at_all/);
  });
});
