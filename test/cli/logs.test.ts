import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AuditEvent } from "../../src/audit/event.js";
import { JsonlAuditStore } from "../../src/audit/jsonl.js";
import { SqliteAuditStore } from "../../src/audit/sqlite.js";
import { blockedForSecret, makeEvent } from "../helpers/audit.js";
import { runCli } from "../helpers/cli.js";

const ago = (ms: number) => new Date(Date.now() - ms).toISOString();
const HOUR = 3600_000;

describe("policygate logs", () => {
  let dataDir: string;
  let events: Record<string, AuditEvent>;
  const logs = (...args: string[]) => runCli(["logs", "--data-dir", dataDir, ...args]);

  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "pg-logs-"));
    events = {
      old: makeEvent({ ts: ago(10 * 24 * HOUR), user: "user_old" }),
      redacted: makeEvent({
        ts: ago(3 * HOUR),
        integration: "sales-summariser",
        input: {
          decision: "redact",
          enforced_decision: "redact",
          highest_class: "confidential",
          findings: { email: 2 },
        },
      }),
      blocked: blockedForSecret({ ts: ago(2 * HOUR), user: "user_456" }),
      openai: makeEvent({ ts: ago(30 * 60_000), provider: "openai", model: "gpt-4.1" }),
      error: makeEvent({
        ts: ago(60_000),
        status: "error",
        http_status: 502,
        error: { code: "upstream.timeout", message: "no answer in 30 s" },
        output: null,
      }),
    };
    const store = SqliteAuditStore.open(join(dataDir, "audit.sqlite"));
    for (const e of Object.values(events)) await store.append(e);
    await store.close();
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it("prints one line per call, newest first, with decisions, classes, finding counts and latency", async () => {
    const r = await logs();
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(5);
    expect(lines[0]).toContain(events.error!.ts);
    expect(lines[0]).toMatch(
      /error +support-bot {2}user_123 {2}anthropic\/claude-sonnet-4 {2}in=allow internal {2}out=- {2}842ms {2}upstream\.timeout$/,
    );
    const blocked = lines.find((l) => l.includes(events.blocked!.ts))!;
    expect(blocked).toMatch(
      /blocked {2}support-bot {2}user_456 .* in=block restricted github-token:1 {2}out=- {2}3ms {2}policy\.restricted_data/,
    );
    expect(lines.find((l) => l.includes("sales-summariser"))).toContain(
      "in=redact confidential email:2  out=allow",
    );
  });

  it.each([
    [["--user", "user_456"], ["blocked"]],
    [["--integration", "sales-summariser"], ["redacted"]],
    [["--provider", "openai"], ["openai"]],
    [["--decision", "block"], ["blocked"]],
    [["--status", "error"], ["error"]],
    [
      ["--class", "confidential"],
      ["blocked", "redacted"],
    ],
    [
      ["--since", "1h"],
      ["error", "openai"],
    ],
    [
      ["--since", "7d", "--until", "1h"],
      ["blocked", "redacted"],
    ],
    [["--until", ago(9 * 24 * HOUR)], ["old"]],
    [
      ["--since", "4h", "--oldest-first"],
      ["redacted", "blocked", "openai", "error"],
    ],
  ])("filters with %j", async (args, expected) => {
    const r = await logs(...args, "--json");
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as AuditEvent[]).map((e) => e.id)).toEqual(
      expected.map((k) => events[k]!.id),
    );
  });

  it("--json prints the events exactly as recorded", async () => {
    const r = await logs("--json", "--oldest-first");
    expect(JSON.parse(r.stdout)).toEqual(Object.values(events));
  });

  it("says how many it left out when --limit cuts the list", async () => {
    const r = await logs("--limit", "2");
    expect(r.stdout.trimEnd().split("\n")).toHaveLength(2);
    expect(r.stderr).toBe("showing 2 of 5 events, newest first; --limit 0 shows all\n");
    expect((await logs("--limit", "0")).stdout.trimEnd().split("\n")).toHaveLength(5);
  });

  it("says so when nothing matches", async () => {
    const r = await logs("--user", "nobody");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/no events match in sqlite:/);
  });

  it("refuses filters it cannot read, naming the flag", async () => {
    for (const [args, msg] of [
      [["--since", "yesterday"], /--since takes an ISO time .* not "yesterday"/],
      [["--since", "6/24/2025"], /--since takes an ISO time/],
      [["--decision", "maybe"], /--decision is one of block, redact, allow/],
      [["--status", "ok"], /--status is one of success, blocked, error/],
      [["--class", "secret"], /--class is one of public, internal, confidential, restricted/],
      [["--limit", "-3"], /--limit takes a whole number/],
      [["--since", "1h", "--until", "2h"], /--since .* is not before --until/],
      [["frobnicate"], /unknown logs action "frobnicate"/],
      [["export"], /logs export needs a format: --jsonl/],
      [["--jsonl"], /--jsonl and --output go with export/],
    ] as [string[], RegExp][]) {
      const r = await logs(...args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr).toMatch(msg);
    }
  });

  it("names the missing log instead of creating an empty one", async () => {
    const empty = join(dataDir, "nothing-here");
    const r = await runCli(["logs", "--data-dir", empty]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`no audit database at ${join(empty, "audit.sqlite")}`);
  });

  it("finds the data directory through $POLICYGATE_DATA_DIR", async () => {
    const r = await runCli(["logs", "--json"], { env: { POLICYGATE_DATA_DIR: dataDir } });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toHaveLength(5);
  });

  it("escapes control characters a caller put in a field", async () => {
    const store = SqliteAuditStore.open(join(dataDir, "audit.sqlite"));
    await store.append(makeEvent({ ts: new Date().toISOString(), user: "mallory\u001b[2J\u202e" }));
    await store.close();
    const r = await logs("--limit", "1");
    expect(r.stdout).toContain("mallory\\u001b[2J\\u202e");
    expect(r.stdout).not.toContain("\u001b");
  });

  it("reads a JSONL store with --audit jsonl:PATH", async () => {
    const path = join(dataDir, "audit.jsonl");
    const store = await JsonlAuditStore.open(path);
    await store.append(events.blocked!);
    await store.close();
    const r = await runCli(["logs", "--audit", "jsonl:audit.jsonl", "--json"], { cwd: dataDir });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([events.blocked]);
  });

  describe("export --jsonl", () => {
    it("writes the article's log format, oldest first, to standard output", async () => {
      const r = await logs("export", "--jsonl");
      expect(r.code).toBe(0);
      const records = r.stdout
        .trimEnd()
        .split("\n")
        .map((l) => JSON.parse(l));
      expect(records.map((x) => x.event_id)).toEqual(Object.values(events).map((e) => e.id));
      const blocked = records.find((x) => x.event_id === events.blocked!.id);
      expect(blocked).toMatchObject({
        timestamp: events.blocked!.ts,
        user_id: "user_456",
        llm_provider: "anthropic",
        input_classification: "Restricted",
        input_validation_passed: false,
        restricted_data_detected: true,
        output_validation_passed: null,
        response_status: "blocked",
        error: "the prompt contains restricted data (github-token)",
      });
    });

    it("writes to --output with the filters applied, and says how many", async () => {
      const r = await logs(
        "export",
        "--jsonl",
        "--output",
        join(dataDir, "incident.jsonl"),
        "--since",
        "150m",
      );
      expect(r.code).toBe(0);
      expect(r.stderr).toBe(`wrote 3 events to ${join(dataDir, "incident.jsonl")}\n`);
      const lines = readFileSync(join(dataDir, "incident.jsonl"), "utf8").trimEnd().split("\n");
      expect(lines.map((l) => JSON.parse(l).event_id)).toEqual([
        events.blocked!.id,
        events.openai!.id,
        events.error!.id,
      ]);
      expect(statSync(join(dataDir, "incident.jsonl")).mode & 0o777).toBe(0o600);
    });
  });
});
