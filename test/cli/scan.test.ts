import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runBin, runCli } from "../helpers/cli.js";

const KEY = "ghp_R8fKq2ZpL0vT7mXw3NcB9sYhJ4dA6eUiQ1oG";
const EMAIL = "jane.okafor@brightwater.example";

describe("policygate scan", () => {
  it("reports findings by line and column with the value masked, and exits 1 when blocked", async () => {
    const r = await runCli(["scan"], { stdin: `hello\nexport TOKEN=${KEY}\nmail ${EMAIL}\n` });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/<stdin>:2:14 +restricted +github-token/);
    expect(r.stdout).toMatch(/<stdin>:3:6 +confidential +email/);
    expect(r.stdout).toContain("decision: block");
    expect(r.stdout).toContain("classes.restricted");
    expect(r.stdout + r.stderr).not.toContain(KEY);
    expect(r.stdout + r.stderr).not.toContain(EMAIL);
  });

  it("exits 0 when nothing is blocked, and on empty input", async () => {
    expect((await runCli(["scan"], { stdin: `mail ${EMAIL}` })).code).toBe(0);
    const empty = await runCli(["scan"], { stdin: "" });
    expect(empty.code).toBe(0);
    expect(empty.stdout).toContain("0 findings, decision: allow");
  });

  it("refuses binary input with a message and exit 2", async () => {
    const r = await runCli(["scan"], { stdin: Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x00, 0x01, 0x02]) });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/binary/);
  });

  it("scans invalid UTF-8 with replacement characters and says so", async () => {
    const r = await runCli(["scan"], {
      stdin: Buffer.concat([Buffer.from(`key ${KEY} `), Buffer.from([0xc3, 0x28, 0xff])]),
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/not valid UTF-8/);
  });

  it("enforces --max-bytes", async () => {
    const r = await runCli(["scan", "--max-bytes", "10"], { stdin: "x".repeat(11) });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/over the limit/);
  });

  it("names a missing file and a directory clearly", async () => {
    const missing = await runCli(["scan", "/nonexistent/file.txt"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot read \/nonexistent\/file.txt: ENOENT/);
    const dir = await runCli(["scan", tmpdir()]);
    expect(dir.code).toBe(2);
    expect(dir.stderr).toMatch(/is a directory/);
  });

  it("rejects a bad --direction", async () => {
    const r = await runCli(["scan", "--direction", "sideways"], { stdin: "x" });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--direction is input or output/);
  });

  it("exits 2 with every policy error when the policy does not load", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pg-scan-"));
    const file = join(dir, "policygate.yaml");
    writeFileSync(file, "providers:\n  x:\n    kind: nope\nclasses:\n  secret: {action: block}\n");
    const r = await runCli(["scan", "--policy", file], { stdin: "hello" });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/policygate.yaml:3:11 providers.x.kind/);
    expect(r.stderr).toMatch(/policygate.yaml:5:3 classes.secret: unknown key/);
  });
});

describe("policygate scan --jsonl", () => {
  it("writes one line per input line, in order, with errors in place and no echoed values", async () => {
    const input = [
      JSON.stringify({ id: "a", text: `mail ${EMAIL}` }),
      `{"id": "broken", "text": "${KEY}`,
      JSON.stringify({ id: "b", text: `token ${KEY}` }),
      "[1,2]",
      JSON.stringify({ id: "c", text: "nothing here", direction: "sideways" }),
      JSON.stringify({ id: 4, fields: { "production.customers.email": EMAIL } }),
    ].join("\n");
    const r = await runCli(["scan", "--jsonl"], { stdin: input });
    expect(r.code).toBe(0);
    const out = r.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(out.map((o) => o.id)).toEqual(["a", null, "b", null, "c", 4]);
    expect(out[0]).toMatchObject({ decision: "redact", text: "mail [EMAIL_1]" });
    expect(out[0].findings[0]).toMatchObject({
      detector: "email",
      kind: "email",
      class: "confidential",
      start: 5,
    });
    expect(out[1].error).toBe("line 2: not valid JSON");
    expect(out[2]).toMatchObject({ decision: "block", text: null });
    expect(out[3].error).toMatch(/expected a JSON object/);
    expect(out[4].error).toMatch(/direction/);
    expect(out[5]).toMatchObject({
      decision: "redact",
      fields: { "production.customers.email": "[EMAIL_1]" },
    });
    expect(r.stdout).not.toContain(KEY);
  });

  it("--fail-on-block exits 1 when a line is blocked", async () => {
    const r = await runCli(["scan", "--jsonl", "--fail-on-block"], {
      stdin: JSON.stringify({ id: 1, text: KEY }),
    });
    expect(r.code).toBe(1);
  });

  it("handles a 1 MB line", async () => {
    const text = "lorem ipsum ".repeat(90_000) + KEY;
    const r = await runCli(["scan", "--jsonl"], { stdin: JSON.stringify({ id: "big", text }) });
    const out = JSON.parse(r.stdout);
    expect(out.decision).toBe("block");
    expect(out.findings[0].start).toBe(text.length - KEY.length);
  });
});

describe("the policygate binary", () => {
  it("scans a 50 MB input in one go", () => {
    const dir = mkdtempSync(join(tmpdir(), "pg-big-"));
    const file = join(dir, "big.log");
    const line = "2026-11-26T12:00:00Z INFO request served in 12ms for tenant acme\n";
    writeFileSync(file, line.repeat(Math.ceil((50 * 1024 * 1024) / line.length)) + `leaked ${KEY}\n`);
    const r = runBin(["scan", file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/github-token/);
  });

  it("prints usage errors without a stack trace", () => {
    const r = runBin(["scan", "--no-such-flag"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown option/);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
  });
});
