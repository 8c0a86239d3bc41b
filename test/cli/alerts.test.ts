import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWebhookReceiver, type WebhookReceiver } from "../helpers/webhook-receiver.js";
import { run, tempDir } from "./helpers.js";

const POLICY = `
environments: [development, production]
environment: development
organisation:
  name: Acme
  contacts:
    security: { name: Sec Lead, email: sec@example.com }
alerts:
  levels:
    - contacts: [security]
      notify: [slack]
  notifiers:
    slack:
      kind: webhook
      url_env: ACME_SLACK_URL
      format: slack
      timeout_ms: 500
`;

let receiver: WebhookReceiver;
beforeAll(async () => {
  receiver = await startWebhookReceiver();
});
afterAll(() => receiver.close());

function project(policy = POLICY): string {
  const dir = tempDir();
  writeFileSync(join(dir, "policygate.yaml"), policy);
  return dir;
}

describe("policygate check and alert notifiers", () => {
  it("fails where a required notifier's variable is missing, and only warns in development", async () => {
    const cwd = project();
    const prod = await run(["check", "--env", "production"], { cwd });
    expect(prod.code).toBe(2);
    expect(prod.stderr).toContain(
      'alerts.notifiers.slack.url_env: ACME_SLACK_URL is not set, so notifier "slack" cannot send alerts in production (it is required there: set ACME_SLACK_URL, or change required_in)',
    );
    const dev = await run(["check"], { cwd });
    expect(dev.code).toBe(0);
    expect(dev.stdout).toMatch(
      /alerts\.notifiers\.slack\.url_env: ACME_SLACK_URL is not set.*still recorded/,
    );
    // With the variable set, the notifier is no longer a problem (the deployment gate may still
    // find others in this minimal policy, such as approvals).
    const set = await run(["check", "--env", "production"], { cwd, env: { ACME_SLACK_URL: receiver.url } });
    expect(set.code).not.toBe(2);
    expect(set.stdout + set.stderr).not.toContain("ACME_SLACK_URL is not set");
  });

  it("names a contact or notifier the alerts section does not declare, with its line", async () => {
    const cwd = project(
      POLICY.replace("contacts: [security]", "contacts: [securty]").replace(
        "notify: [slack]",
        "notify: [slak]",
      ),
    );
    const r = await run(["check"], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /policygate\.yaml:\d+:\d+ alerts\.levels\[0\]\.contacts\[0\]: unknown contact "securty"/,
    );
    expect(r.stderr).toMatch(/alerts\.levels\[0\]\.notify\[0\]: unknown notifier "slak"/);
  });

  it("serve refuses to start in production without the webhook variable", async () => {
    const cwd = project();
    const r = await run(["serve", "--env", "production", "--port", "0", "--data-dir", join(cwd, "data")], {
      cwd,
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/ACME_SLACK_URL is not set/);
  });
});

describe("policygate alerts", () => {
  it("shows the levels, rules and whether each notifier can deliver", async () => {
    const cwd = project();
    const r = await run(["alerts", "rules"], { cwd });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/1: contacts Sec Lead; notify slack/);
    expect(r.stdout).toMatch(/restricted_data +level 1 +cool-down 5 min +escalate_after 3/);
    expect(r.stdout).toMatch(/slack +webhook +NOT READY +required in production/);
  });

  it("sends a test alert and exits 1 when the receiver refuses it", async () => {
    const cwd = project();
    const env = { ACME_SLACK_URL: receiver.url };
    receiver.script(200);
    const ok = await run(["alerts", "test"], { cwd, env });
    expect(ok.stdout).toBe("slack: sent\n");
    expect(ok.code).toBe(0);
    const last = receiver.received.at(-1)!.body as { text: string };
    expect(last.text).toMatch(/\[PolicyGate L1\] Test alert/);
    receiver.script(500);
    const bad = await run(["alerts", "test", "--notifier", "slack"], { cwd, env });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toBe("slack: FAILED: the receiver answered 500\n");
    expect(bad.stdout).not.toContain("s3cr3t");
    receiver.script(200);
  });

  it("lists dead letters from the data directory", async () => {
    const cwd = project();
    const data = join(cwd, "data");
    const empty = await run(["alerts", "dead-letters", "--data-dir", data], { cwd });
    expect(empty.code).toBe(0);
    expect(empty.stderr).toMatch(/no undelivered alerts/);
    const { mkdirSync } = await import("node:fs");
    mkdirSync(data);
    writeFileSync(
      join(data, "alerts-dead-letter.jsonl"),
      JSON.stringify({
        ts: "2026-01-05T09:00:00.000Z",
        notifier: "slack",
        attempts: 6,
        reason: "no answer within 500 ms",
        alert: {
          id: "01A",
          level: 2,
          rule: "restricted_data",
          title: "Restricted data sent by integration x 3 times",
        },
      }) + "\nnot json\n",
    );
    const r = await run(["alerts", "dead-letters", "--data-dir", data], { cwd });
    expect(r.stdout).toBe(
      "2026-01-05T09:00:00.000Z  slack  attempts 6  no answer within 500 ms  L2 restricted_data: Restricted data sent by integration x 3 times  (alert 01A)\n",
    );
    expect(r.stderr).toMatch(/1 damaged line in .* skipped/);
  });
});
