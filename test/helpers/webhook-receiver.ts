import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** How the receiver answers the next requests: a status, or hang (never answer). */
export type ReceiverMode = number | "hang";

export interface WebhookReceiver {
  url: string;
  /** Every request received, in order, with its parsed body and arrival time. */
  received: { at: number; path: string; body: unknown; raw: string }[];
  /** Answers in turn; the last mode repeats. */
  script(...modes: ReceiverMode[]): void;
  close(): Promise<void>;
}

/** A local webhook endpoint that fails, times out and recovers on command. */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  let modes: ReceiverMode[] = [200];
  const received: WebhookReceiver["received"] = [];
  const hanging = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    let raw = "";
    req.setEncoding("utf8");
    req.on("data", (c: string) => (raw += c));
    req.on("end", () => {
      let body: unknown;
      try {
        body = JSON.parse(raw);
      } catch {
        body = raw;
      }
      received.push({ at: Date.now(), path: req.url ?? "", body, raw });
      const mode = modes.length > 1 ? modes.shift()! : modes[0]!;
      if (mode === "hang") {
        hanging.add(res);
        return;
      }
      res.writeHead(mode, { "content-type": "text/plain" }).end(mode < 300 ? "ok" : "no");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hooks/T000/B000/s3cr3t-path-token`,
    received,
    script: (...m) => (modes = m.length ? m : [200]),
    close: async () => {
      for (const r of hanging) r.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
