import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openAuditStore, parseAuditSpec } from "../../src/audit/open.js";
import { resolveDataDir } from "../../src/config/data-dir.js";
import { makeEvent } from "../helpers/audit.js";

describe("openAuditStore", () => {
  let tmp: string;
  beforeEach(() => {
    tmp = mkdtempSync(join(tmpdir(), "pg-open-"));
  });
  afterEach(() => rmSync(tmp, { recursive: true, force: true }));

  it("defaults to sqlite:<data dir>/audit.sqlite and creates the data directory owner-only", async () => {
    const dataDir = join(tmp, "state", ".policygate");
    const store = await openAuditStore(undefined, { dataDir });
    expect(store.description).toBe(`sqlite:${join(dataDir, "audit.sqlite")}`);
    await store.append(makeEvent());
    await store.close();
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    expect(existsSync(join(dataDir, "audit.sqlite"))).toBe(true);
  });

  it("opens sqlite:PATH and jsonl:PATH, relative to the working directory", async () => {
    for (const [spec, file] of [
      ["sqlite:a.sqlite", "a.sqlite"],
      ["jsonl:logs/../b.jsonl", "b.jsonl"],
    ] as const) {
      const store = await openAuditStore(spec, { dataDir: join(tmp, "unused"), cwd: tmp });
      expect(store.description).toBe(`${spec.split(":")[0]}:${join(tmp, file)}`);
      await store.append(makeEvent());
      expect(await store.count()).toBe(1);
      await store.close();
    }
    // An explicit store does not need the data directory.
    expect(existsSync(join(tmp, "unused"))).toBe(false);
  });

  it("opens postgres:// specs (the server is tested in postgres.test.ts), without echoing a password", async () => {
    const url = "postgres://audit:s3cr3t-pw@127.0.0.1:1/policygate";
    const err = await openAuditStore(url, { dataDir: tmp }).catch((e: Error) => e);
    expect(String(err)).toMatch(/cannot reach the audit database postgres:\/\/127\.0\.0\.1:1\/policygate/);
    expect(String(err)).not.toContain("s3cr3t-pw");
    expect(parseAuditSpec("postgresql://h/db", { dataDir: tmp })).toEqual({
      kind: "postgres",
      url: "postgresql://h/db",
    });
  });

  it("names the accepted forms when the spec is unknown", async () => {
    await expect(openAuditStore("mysql:thing", { dataDir: tmp })).rejects.toThrow(
      /unknown audit store "mysql:thing": use sqlite:PATH, jsonl:PATH/,
    );
    await expect(openAuditStore("audit.sqlite", { dataDir: tmp })).rejects.toThrow(/unknown audit store/);
  });

  it("tells a reader that there is no log yet instead of creating one", async () => {
    const dataDir = join(tmp, "empty");
    await expect(openAuditStore(undefined, { dataDir, create: false })).rejects.toThrow(
      `no audit database at ${join(dataDir, "audit.sqlite")}`,
    );
    expect(existsSync(dataDir)).toBe(false);
  });
});

describe("resolveDataDir", () => {
  it("takes --data-dir, then $POLICYGATE_DATA_DIR, then ./.policygate", () => {
    expect(resolveDataDir("x", { POLICYGATE_DATA_DIR: "/env" }, "/cwd")).toBe("/cwd/x");
    expect(resolveDataDir(undefined, { POLICYGATE_DATA_DIR: "/env" }, "/cwd")).toBe("/env");
    expect(resolveDataDir(undefined, {}, "/cwd")).toBe("/cwd/.policygate");
  });
});
