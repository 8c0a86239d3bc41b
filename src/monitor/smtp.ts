import { connect as netConnect, type Socket } from "node:net";
import { hostname } from "node:os";
import { connect as tlsConnect } from "node:tls";
import { DeliveryError } from "./webhook.js";

export interface SmtpMessage {
  host: string;
  port: number;
  tls: boolean;
  timeoutMs: number;
  from: string;
  to: string[];
  subject: string;
  text: string;
  auth?: { username: string; password: string };
}

/**
 * A minimal SMTP client (RFC 5321) for alert mail: one message per connection, AUTH PLAIN when
 * credentials are given, implicit TLS when asked. Enough for a relay or a provider's submission
 * port; no attachments, no pipelining. Server replies are never put in errors verbatim beyond their
 * code, since a relay may echo addresses.
 */
export async function sendMail(m: SmtpMessage): Promise<void> {
  if (!m.to.length) throw new DeliveryError("no recipients (no contact at this level has an email)", false);
  for (const a of [m.from, ...m.to]) {
    if (!/^[^\s<>@]+@[^\s<>@]+$/.test(a)) throw new DeliveryError("an address is not a plain address", false);
  }
  const socket: Socket = m.tls
    ? tlsConnect({ host: m.host, port: m.port, servername: m.host })
    : netConnect({ host: m.host, port: m.port });
  const conv = new Conversation(socket, m.timeoutMs);
  try {
    await conv.expect(220, "greeting");
    await conv.send(`EHLO ${safeHostname()}`, 250, "EHLO");
    if (m.auth) {
      const token = Buffer.from(`\u0000${m.auth.username}\u0000${m.auth.password}`).toString("base64");
      await conv.send(`AUTH PLAIN ${token}`, 235, "AUTH");
    }
    await conv.send(`MAIL FROM:<${m.from}>`, 250, "MAIL FROM");
    for (const to of m.to) await conv.send(`RCPT TO:<${to}>`, 250, "RCPT TO");
    await conv.send("DATA", 354, "DATA");
    await conv.send(message(m) + "\r\n.", 250, "message");
    await conv.send("QUIT", 221, "QUIT").catch(() => undefined);
  } finally {
    socket.destroy();
  }
}

function message(m: SmtpMessage): string {
  const headers = [
    `From: ${m.from}`,
    `To: ${m.to.join(", ")}`,
    `Subject: ${m.subject.replace(/[\r\n]+/g, " ")}`,
    `Date: ${new Date().toUTCString()}`,
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=utf-8",
    "Content-Transfer-Encoding: 8bit",
  ];
  // Dot-stuffing: a line starting with "." would otherwise end the message early.
  const body = m.text
    .split(/\r?\n/)
    .map((l) => (l.startsWith(".") ? "." + l : l))
    .join("\r\n");
  return headers.join("\r\n") + "\r\n\r\n" + body;
}

function safeHostname(): string {
  const h = hostname();
  return /^[A-Za-z0-9.-]+$/.test(h) ? h : "localhost";
}

/** Reads SMTP replies (multi-line ones end with "NNN " rather than "NNN-"). */
class Conversation {
  private buf = "";
  private waiter: ((line: string | Error) => void) | undefined;
  private readonly lines: string[] = [];
  private failure: Error | undefined;

  constructor(
    private readonly socket: Socket,
    timeoutMs: number,
  ) {
    socket.setTimeout(timeoutMs, () =>
      this.fail(new DeliveryError(`the SMTP server did not answer within ${timeoutMs} ms`, true)),
    );
    socket.on("data", (d: Buffer) => {
      this.buf += d.toString("latin1");
      let i: number;
      while ((i = this.buf.indexOf("\n")) !== -1) {
        this.lines.push(this.buf.slice(0, i).replace(/\r$/, ""));
        this.buf = this.buf.slice(i + 1);
      }
      this.wake();
    });
    socket.on("error", (e: NodeJS.ErrnoException) =>
      this.fail(new DeliveryError(`SMTP connection failed (${e.code ?? e.name})`, true)),
    );
    socket.on("close", () => this.fail(new DeliveryError("the SMTP server closed the connection", true)));
  }

  private fail(e: Error): void {
    this.failure ??= e;
    this.wake();
  }

  private wake(): void {
    const w = this.waiter;
    if (!w) return;
    if (this.lines.length) {
      this.waiter = undefined;
      w(this.lines.shift()!);
    } else if (this.failure) {
      this.waiter = undefined;
      w(this.failure);
    }
  }

  private nextLine(): Promise<string> {
    return new Promise((resolve, reject) => {
      this.waiter = (l) => (l instanceof Error ? reject(l) : resolve(l));
      this.wake();
    });
  }

  async expect(code: number, step: string): Promise<void> {
    for (;;) {
      const line = await this.nextLine();
      const m = /^(\d{3})([ -])/.exec(line + " ");
      if (!m) throw new DeliveryError(`the SMTP server sent a malformed reply after ${step}`, true);
      if (m[2] === "-") continue;
      const got = Number(m[1]);
      if (got === code) return;
      // 4xx is temporary (try later); 5xx is permanent.
      throw new DeliveryError(`the SMTP server answered ${got} to ${step}`, got < 500);
    }
  }

  async send(line: string, code: number, step: string): Promise<void> {
    if (this.failure) throw this.failure;
    this.socket.write(line + "\r\n");
    await this.expect(code, step);
  }
}
