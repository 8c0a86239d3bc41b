import { execFileSync } from "node:child_process";
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { JsonlAuditStore } from "../../src/audit/jsonl.js";
import { makeEvent } from "../helpers/audit.js";
import { runStoreTests } from "./store.case.js";

runStoreTests("jsonl", { open: (dir) => JsonlAuditStore.open(join(dir, "audit.jsonl")) });

describe("jsonl store: the file", () => {
  let dir: string;
  let path: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "pg-jsonl-"));
    path = join(dir, "audit.jsonl");
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("holds one JSON object per line, readable without PolicyGate, each linked to the one before", async () => {
    const store = await JsonlAuditStore.open(path);
    const es = [makeEvent(), makeEvent()];
    for (const e of es) await store.append(e);
    const lines = readFileSync(path, "utf8").split("\n");
    expect(lines.pop()).toBe("");
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(parsed.map(({ prev_hash: _p, hash: _h, ...e }) => e)).toEqual(es);
    expect(parsed[0]!.prev_hash).toBe("0".repeat(64));
    expect(parsed[1]!.prev_hash).toBe(parsed[0]!.hash);
    await store.close();
  });

  it("skips a line cut short by a crash and starts the next event on a fresh line", async () => {
    const first = makeEvent({ ts: "2025-06-24T10:00:00.000Z" });
    writeFileSync(path, JSON.stringify(first) + "\n" + JSON.stringify(makeEvent()).slice(0, 40));
    const store = await JsonlAuditStore.open(path);
    const next = makeEvent({ ts: "2025-06-24T11:00:00.000Z" });
    await store.append(next);
    expect(await store.query()).toEqual([first, next]);
    await store.close();
  });

  it("refuses to append to a file that is not a JSONL log", async () => {
    writeFileSync(path, Buffer.concat([Buffer.from("SQLite format 3\0"), Buffer.alloc(100)]));
    await expect(JsonlAuditStore.open(path)).rejects.toThrow(`${path} is not a JSONL audit log`);
  });

  it("opens for reading only when asked, and says when the file is missing", async () => {
    await expect(JsonlAuditStore.open(path, { create: false })).rejects.toThrow(`no audit log at ${path}`);
    appendFileSync(path, JSON.stringify(makeEvent()) + "\n");
    const reader = await JsonlAuditStore.open(path, { create: false });
    expect(await reader.count()).toBe(1);
    await expect(reader.append(makeEvent())).rejects.toThrow(/reading only/);
    await reader.close();
  });

  it("names the file when it is read-only", async (ctx) => {
    writeFileSync(path, JSON.stringify(makeEvent()) + "\n");
    if (!setImmutable(path, true)) ctx.skip();
    try {
      await expect(JsonlAuditStore.open(path)).rejects.toThrow(`${path} is read-only`);
      const reader = await JsonlAuditStore.open(path, { create: false });
      expect(await reader.count()).toBe(1);
      await reader.close();
    } finally {
      setImmutable(path, false);
    }
  });

  it("names a directory given as the file", async () => {
    await expect(JsonlAuditStore.open(dir)).rejects.toThrow(`${dir} is a directory`);
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
