import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AuditEvent } from "../../src/audit/event.js";
import { JsonlAuditStore } from "../../src/audit/jsonl.js";
import { SqliteAuditStore } from "../../src/audit/sqlite.js";
import { incidentsMarkdown, incidentsReport } from "../../src/incident/incidents.js";
import { blockedForSecret, makeEvent } from "../helpers/audit.js";
import { runCli } from "../helpers/cli.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "pg-ir-cli-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const daysAgo = (d: number) => new Date(Date.now() - d * 86_400_000).toISOString();

async function seed(events: AuditEvent[], spec = "sqlite"): Promise<string> {
  const path = join(dir, spec === "sqlite" ? "audit.sqlite" : "audit.jsonl");
  const store = spec === "sqlite" ? SqliteAuditStore.open(path) : await JsonlAuditStore.open(path);
  for (const e of events) await store.append(e);
  await store.close();
  return `${spec}:${path}`;
}

describe("policygate logs verify", () => {
  it("says the log is intact and prints its head", async () => {
    const audit = await seed([makeEvent(), makeEvent()]);
    const r = await runCli(["logs", "verify", "--audit", audit, "--data-dir", dir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ok: the audit log sqlite:.* is intact: 2 events\nhead: [0-9a-f]{64}\n$/);
  });

  it("exits 1 and names the edited event and its position", async () => {
    const es = [makeEvent(), makeEvent(), makeEvent()];
    const audit = await seed(es);
    const db = new Database(join(dir, "audit.sqlite"));
    const text = db.prepare("SELECT event FROM audit_events WHERE id = ?").pluck().get(es[1]!.id) as string;
    db.prepare("UPDATE audit_events SET event = ? WHERE id = ?").run(
      text.replace('"decision":"allow"', '"decision":"block"'),
      es[1]!.id,
    );
    db.close();
    const r = await runCli(["logs", "verify", "--audit", audit, "--data-dir", dir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("FAILED");
    expect(r.stdout).toContain(`edited: event ${es[1]!.id} at position 2`);
    const json = await runCli(["logs", "verify", "--audit", audit, "--data-dir", dir, "--json"]);
    expect(JSON.parse(json.stdout).problems[0]).toMatchObject({ kind: "edited", id: es[1]!.id, position: 2 });
  });

  it("detects a line removed from a JSONL log", async () => {
    const es = [makeEvent(), makeEvent(), makeEvent()];
    const audit = await seed(es, "jsonl");
    const path = join(dir, "audit.jsonl");
    const { readFileSync } = await import("node:fs");
    const lines = readFileSync(path, "utf8").split("\n").filter(Boolean);
    writeFileSync(path, [lines[0], lines[2]].join("\n") + "\n");
    const r = await runCli(["logs", "verify", "--audit", audit, "--data-dir", dir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`removed: event ${es[2]!.id} at position 2 (line 2)`);
  });
});

describe("policygate logs purge", () => {
  it("removes events older than audit.retention_days; the log still verifies, and the purge is recorded", async () => {
    const old = [makeEvent({ ts: daysAgo(100) }), makeEvent({ ts: daysAgo(95) })];
    const recent = [makeEvent({ ts: daysAgo(3) })];
    const audit = await seed([...old, ...recent]);
    const policy = join(dir, "policygate.yaml");
    writeFileSync(policy, "audit:\n  retention_days: 90\n");
    const dry = await runCli([
      "logs",
      "purge",
      "--audit",
      audit,
      "--data-dir",
      dir,
      "--policy",
      policy,
      "--dry-run",
    ]);
    expect(dry.stdout).toContain("would purge up to 2 events");
    const r = await runCli(["logs", "purge", "--audit", audit, "--data-dir", dir, "--policy", policy]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/purged 2 events before .* checkpoint signed with key [0-9a-f]{16}/);
    const v = await runCli(["logs", "verify", "--audit", audit, "--data-dir", dir]);
    expect(v.code).toBe(0);
    expect(v.stdout).toContain("1 purge checkpoint covering 2 removed events");
    const store = SqliteAuditStore.open(join(dir, "audit.sqlite"), { create: false });
    const left = await store.query();
    await store.close();
    expect(left.map((e) => e.id)).toEqual([recent[0]!.id, left[1]!.id]);
    expect(left[1]!.admin).toMatchObject({ action: "logs.purge", details: { purged: 2 } });
  });

  it("refuses without a retention period, and a checkpoint edited afterwards fails verify", async () => {
    const audit = await seed([makeEvent({ ts: daysAgo(10) }), makeEvent({ ts: daysAgo(1) })]);
    const none = await runCli([
      "logs",
      "purge",
      "--audit",
      audit,
      "--data-dir",
      dir,
      "--policy",
      join(dir, "none.yaml"),
    ]);
    expect(none.code).toBe(2);
    writeFileSync(join(dir, "p.yaml"), "version: 1\n");
    const noRetention = await runCli([
      "logs",
      "purge",
      "--audit",
      audit,
      "--data-dir",
      dir,
      "--policy",
      join(dir, "p.yaml"),
    ]);
    expect(noRetention.code).toBe(2);
    expect(noRetention.stderr).toContain("set audit.retention_days in the policy (or pass --older-than 90d)");
    const r = await runCli([
      "logs",
      "purge",
      "--audit",
      audit,
      "--data-dir",
      dir,
      "--older-than",
      "5d",
      "--policy",
      join(dir, "p.yaml"),
    ]);
    expect(r.code).toBe(0);
    const db = new Database(join(dir, "audit.sqlite"));
    db.prepare(
      "UPDATE audit_checkpoints SET checkpoint = replace(checkpoint, '\"purged\":1', '\"purged\":0')",
    ).run();
    db.close();
    const v = await runCli(["logs", "verify", "--audit", audit, "--data-dir", dir]);
    expect(v.code).toBe(1);
    expect(v.stdout).toContain("its signature does not match its content");
  });
});

describe("policygate report", () => {
  const EMAIL_USER = "user_9";
  it("exposure: who sent which classes and detector kinds to the provider, in Markdown and JSON", async () => {
    const audit = await seed([
      makeEvent({
        ts: daysAgo(2),
        provider: "openai",
        integration: "support-bot",
        user: EMAIL_USER,
        input: { decision: "redact", classes_sent: ["internal"], findings: { email: 2 } },
      }),
      makeEvent({
        ts: daysAgo(1),
        provider: "openai",
        integration: "support-bot",
        user: "user_2",
        input: { classes_sent: ["confidential"], findings: { "person-name": 1 } },
      }),
      makeEvent({ ts: daysAgo(1), provider: "openai", integration: "billing" }),
      blockedForSecret({ ts: daysAgo(1), provider: "openai", integration: "billing" }),
      makeEvent({ ts: daysAgo(1), provider: "anthropic", integration: "support-bot" }),
      makeEvent({ ts: daysAgo(30), provider: "openai", integration: "old" }),
    ]);
    const r = await runCli([
      "report",
      "exposure",
      "--provider",
      "openai",
      "--since",
      "7d",
      "--audit",
      audit,
      "--data-dir",
      dir,
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("# Exposure report: provider `openai`");
    expect(r.stdout).toContain("4 calls: 3 reached the provider, 1 refused before anything was sent.");
    expect(r.stdout).toMatch(
      /\| support-bot \| 2 \| 2 \| 0 \| internal 1, confidential 1 \| email 2, person-name 1 \| redact 1, allow 1 \|/,
    );
    expect(r.stdout).not.toContain("| old |");
    const j = await runCli([
      "report",
      "exposure",
      "--provider",
      "openai",
      "--since",
      "7d",
      "--json",
      "--audit",
      audit,
      "--data-dir",
      dir,
    ]);
    const report = JSON.parse(j.stdout);
    expect(report.totals).toMatchObject({
      calls: 4,
      sent: 3,
      refused: 1,
      classes: { internal: 2, confidential: 1 },
    });
    expect(report.by_user.map((u: { key: string }) => u.key)).toContain(EMAIL_USER);
    // The secret's detector is counted where it was found, but the blocked call sent nothing.
    expect(report.totals.detectors["github-token"]).toBeUndefined();
  });

  it("exposure needs --provider and --since", async () => {
    const r = await runCli(["report", "exposure", "--since", "7d", "--data-dir", dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--provider");
  });

  it("incidents: validation failures by rule and errors by code over the period", async () => {
    const audit = await seed([
      blockedForSecret({ ts: daysAgo(5), integration: "support-bot" }),
      blockedForSecret({ ts: daysAgo(4), integration: "billing" }),
      makeEvent({
        ts: daysAgo(3),
        status: "error",
        http_status: 504,
        error: { code: "upstream_timeout", message: "slow" },
      }),
      makeEvent({ ts: daysAgo(2) }),
    ]);
    const r = await runCli(["report", "incidents", "--since", "30d", "--audit", audit, "--data-dir", dir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("4 calls; 2 refused by the policy (2 input, 0 output); 1 failed; 0 alerts.");
    expect(r.stdout).toMatch(/\| classes.restricted \| 2 \| support-bot 1, billing 1 \|/);
    expect(r.stdout).toMatch(/\| upstream_timeout \| 1 \|/);
  });
});

describe("incidents report: alerts from the alerting component", () => {
  it("groups alert events by level, tolerating alerts without one", () => {
    const alert = (level: unknown, rule: string) =>
      ({ ...makeEvent(), status: "alert", alert: { level, rule, count: 3 } }) as unknown as AuditEvent;
    const r = incidentsReport(
      [
        alert(1, "restricted_data"),
        alert(2, "restricted_data"),
        alert(1, "volume_spike"),
        alert(undefined, "x"),
      ],
      {
        since: "2025-01-01T00:00:00.000Z",
      },
    );
    expect(r.alerts.total).toBe(4);
    expect(r.alerts.by_level.map((g) => [g.key, g.count])).toEqual([
      ["1", 2],
      ["2", 1],
      ["unknown", 1],
    ]);
    expect(r.alerts.by_level[0]!.rules).toEqual({ restricted_data: 1, volume_spike: 1 });
    expect(r.calls).toBe(0);
    expect(incidentsMarkdown(r)).toContain("| 1 | 2 | restricted_data 1, volume_spike 1 |");
  });
});
