import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { formatPolicyError } from "../../src/policy/errors.js";
import { loadPolicyFile } from "../../src/policy/load.js";

const HEADER = "Database,Schema/Table,Column Name,Data Type,Classification,Reason,AI Safe?";

/** Writes a policy and its CSV into a fresh directory and loads the policy. */
function load(policy: string, csv?: string, csvName = "sheet.csv") {
  const dir = mkdtempSync(join(tmpdir(), "policygate-csv-"));
  if (csv !== undefined) writeFileSync(join(dir, csvName), csv);
  writeFileSync(join(dir, "policy.yaml"), policy);
  const r = loadPolicyFile(join(dir, "policy.yaml"));
  // Show paths relative to the temporary directory, as a user who ran it there would see them.
  const strip = (s: string) => s.split(dir + "/").join("");
  return r.ok ? r : { ok: false as const, errors: r.errors.map((e) => strip(formatPolicyError(e))) };
}

describe("data dictionary CSV import", () => {
  it("reads the reference sheet's columns, quoted fields included", () => {
    const r = load(
      "data_dictionary:\n  import: sheet.csv\n",
      [
        HEADER,
        'production,customers,email,string,Confidential,"Customer email, PII",✗',
        'production,orders,status,string,Internal,"Order status (pending, shipped, etc.)",✓',
        "secrets,api_keys,key_value,string,Restricted,Actual API key,✗",
      ].join("\r\n") + "\r\n",
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(Object.fromEntries(r.value.dictionary)).toEqual({
      "production.customers.email": expect.objectContaining({
        class: "confidential",
        reason: "Customer email, PII",
        source: expect.stringMatching(/sheet\.csv:2$/),
      }),
      "production.orders.status": expect.objectContaining({
        class: "internal",
        source: expect.stringMatching(/:3$/),
      }),
      "secrets.api_keys.key_value": expect.objectContaining({ class: "restricted" }),
    });
  });

  it("lets an inline column override the sheet", () => {
    const r = load(
      "data_dictionary:\n  import: sheet.csv\n  columns:\n    production.customers.industry: confidential\n",
      `${HEADER}\nproduction,customers,industry,string,Internal,Industry classification,✓\n`,
    );
    expect(r.ok && r.value.dictionary.get("production.customers.industry")?.class).toBe("confidential");
  });

  it("reports every bad row with the CSV file, line and column", () => {
    const r = load(
      "data_dictionary:\n  import: sheet.csv\n",
      [
        HEADER,
        "production,customers,name,string,Confidential,Customer name,✗",
        'production,customers,notes,text,Secret,"Free text, may hold anything",✗',
        "production,customers,,string,Internal,No column name,✓",
        'production,customers,bio,text,Confidental,"multi-line',
        'reason",✗',
        "production,customers,phone,string,confidential,Customer phone,✗",
      ].join("\n"),
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toEqual([
      'sheet.csv:3:33: unknown classification "Secret"; expected one of public, internal, confidential, restricted',
      "sheet.csv:4:1: database, table and column must be single words",
      'sheet.csv:5:31: unknown classification "Confidental"; expected one of public, internal, confidential, restricted',
    ]);
  });

  it("refuses to read a device or a directory as a sheet", () => {
    for (const target of ["/dev/zero", "/tmp"]) {
      const r = load(`data_dictionary:\n  import: ${target}\n`);
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect(r.errors).toEqual([`policy.yaml:2:11 data_dictionary.import: ${target} is not a file`]);
    }
  });

  it("reports a sheet without the expected header", () => {
    const r = load("data_dictionary:\n  import: sheet.csv\n", "db,tbl,col\nproduction,customers,email\n");
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toEqual([
      expect.stringMatching(/^sheet\.csv:1:1: missing columns Table, Column, Classification;/),
    ]);
  });

  it("points at the import line when the CSV is missing, alongside the policy's other errors", () => {
    const r = load("mode: strict\ndata_dictionary:\n  import: [sheet.csv, missing.csv]\n", `${HEADER}\n`);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toEqual(
      [
        '1:7 mode: expected one of enforce, audit, got "strict"',
        "3:23 data_dictionary.import[1]: cannot read missing.csv: ENOENT",
      ].map((e) => "policy.yaml:" + e),
    );
  });
});
