import { createServer, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { Alert } from "../../src/monitor/alert.js";
import { buildNotifiers } from "../../src/monitor/notifiers.js";
import { sendMail } from "../../src/monitor/smtp.js";
import { DeliveryError } from "../../src/monitor/webhook.js";
import { parsePolicy } from "../../src/policy/load.js";

interface Received {
  commands: string[];
  data: string;
}

/** A fake SMTP server: answers each command, optionally refusing one with a code. */
async function fakeSmtp(refuse?: { command: string; code: number }): Promise<{
  port: number;
  mails: Received[];
  server: Server;
}> {
  const mails: Received[] = [];
  const server = createServer((sock: Socket) => {
    const mail: Received = { commands: [], data: "" };
    mails.push(mail);
    let inData = false;
    let buf = "";
    sock.write("220 fake.smtp ESMTP ready\r\n");
    sock.on("data", (d) => {
      buf += d.toString("utf8");
      let i: number;
      while ((i = buf.indexOf("\r\n")) !== -1) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 2);
        if (inData) {
          if (line === ".") {
            inData = false;
            sock.write("250 2.0.0 queued\r\n");
          } else mail.data += line + "\n";
          continue;
        }
        mail.commands.push(line);
        const verb = line.split(/[ :]/)[0]!.toUpperCase();
        if (refuse && verb === refuse.command) {
          sock.write(`${refuse.code} refused\r\n`);
          continue;
        }
        if (verb === "EHLO") sock.write("250-fake.smtp\r\n250-AUTH PLAIN\r\n250 8BITMIME\r\n");
        else if (verb === "AUTH") sock.write("235 ok\r\n");
        else if (verb === "DATA") {
          inData = true;
          sock.write("354 go ahead\r\n");
        } else if (verb === "QUIT") sock.end("221 bye\r\n");
        else sock.write("250 ok\r\n");
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { port: (server.address() as AddressInfo).port, mails, server };
}

const servers: Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

const ALERT: Alert = {
  id: "01ALERT",
  rule: "restricted_data",
  level: 2,
  title: "Restricted data sent by integration support-bot 3 times in 60 min",
  key: { integration: "support-bot" },
  counts: { occurrences: 3, "detector:github-token": 3 },
  detectors: ["github-token"],
  classes: ["restricted"],
  contacts: ["security", "cto"],
  notifiers: ["mail"],
  request_ids: ["r1"],
  ts: "2026-01-05T09:00:00.000Z",
  environment: "production",
  organisation: "Acme",
  policy_revision: "abc",
  people: [
    { role: "security", name: "Sec Lead", email: "sec@example.com" },
    { role: "cto", name: "CTO" },
  ],
};

describe("SMTP notifier", () => {
  it("mails the level's contacts and the extra addresses, with counts and detector ids", async () => {
    const smtp = await fakeSmtp();
    servers.push(smtp.server);
    const r = parsePolicy(
      `environments: [production]
environment: production
alerts:
  notifiers:
    mail:
      kind: smtp
      host: 127.0.0.1
      port: ${smtp.port}
      from: policygate@example.com
      to: [oncall@example.com]
      username_env: SMTP_USER
      password_env: SMTP_PASS
  levels:
    - notify: [mail]
`,
      { file: "smtp.yaml" },
    );
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    const { notifiers, problems } = buildNotifiers(
      r.value.policy,
      { SMTP_USER: "u", SMTP_PASS: "p" },
      "production",
    );
    expect(problems).toEqual([]);
    await notifiers.get("mail")!.send(ALERT);
    const mail = smtp.mails[0]!;
    expect(mail.commands).toContain("MAIL FROM:<policygate@example.com>");
    expect(mail.commands).toContain("RCPT TO:<sec@example.com>");
    expect(mail.commands).toContain("RCPT TO:<oncall@example.com>");
    expect(mail.commands.some((c) => c.startsWith("AUTH PLAIN "))).toBe(true);
    expect(mail.data).toMatch(/^Subject: \[PolicyGate L2\] Restricted data sent by integration support-bot/m);
    expect(mail.data).toMatch(/occurrences=3/);
    expect(mail.data).toMatch(/Detectors: github-token/);
  });

  it("dot-stuffs lines that start with a dot so the message is not cut short", async () => {
    const smtp = await fakeSmtp();
    servers.push(smtp.server);
    await sendMail({
      host: "127.0.0.1",
      port: smtp.port,
      tls: false,
      timeoutMs: 2000,
      from: "a@example.com",
      to: ["b@example.com"],
      subject: "s",
      text: "line one\n.\n.hidden",
    });
    expect(smtp.mails[0]!.data).toMatch(/\n\.\.\n\.\.hidden\n$/);
  });

  it("reports a permanent refusal as not worth retrying, and a temporary one as worth it", async () => {
    for (const [code, retry] of [
      [550, false],
      [451, true],
    ] as const) {
      const smtp = await fakeSmtp({ command: "RCPT", code });
      servers.push(smtp.server);
      const err = await sendMail({
        host: "127.0.0.1",
        port: smtp.port,
        tls: false,
        timeoutMs: 2000,
        from: "a@example.com",
        to: ["b@example.com"],
        subject: "s",
        text: "t",
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DeliveryError);
      expect((err as DeliveryError).retry).toBe(retry);
      expect((err as Error).message).toBe(`the SMTP server answered ${code} to RCPT TO`);
    }
  });

  it("times out on a server that never answers", async () => {
    const silent = createServer(() => {});
    servers.push(silent);
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    const err = await sendMail({
      host: "127.0.0.1",
      port: (silent.address() as AddressInfo).port,
      tls: false,
      timeoutMs: 200,
      from: "a@example.com",
      to: ["b@example.com"],
      subject: "s",
      text: "t",
    }).catch((e: unknown) => e);
    expect((err as Error).message).toBe("the SMTP server did not answer within 200 ms");
  });
});
