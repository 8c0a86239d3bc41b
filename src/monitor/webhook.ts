import { alertLine, alertText, type Alert } from "./alert.js";

/** Delivery failed; `retry` says whether trying again could help (a 4xx other than 429 will not). */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly retry: boolean,
  ) {
    super(message);
    this.name = "DeliveryError";
  }
}

/** A Slack incoming-webhook body: `text` for notifications, `blocks` for the message. */
export function slackPayload(a: Alert): object {
  const fields = [
    ...Object.entries(a.key).map(([k, v]) => `*${k}*: ${v}`),
    ...Object.entries(a.counts).map(([k, v]) => `*${k}*: ${v}`),
  ];
  return {
    text: alertLine(a),
    blocks: [
      { type: "header", text: { type: "plain_text", text: `Level ${a.level}: ${a.title}`.slice(0, 150) } },
      { type: "section", fields: fields.slice(0, 10).map((text) => ({ type: "mrkdwn", text })) },
      { type: "section", text: { type: "mrkdwn", text: "```" + alertText(a) + "```" } },
    ],
  };
}

/** The generic JSON body: the alert itself, with a version so receivers can evolve. */
export function jsonPayload(a: Alert): object {
  return { type: "policygate.alert", version: 1, alert: a };
}

/**
 * Posts one alert. The URL is never part of an error message: webhook URLs carry their secret in
 * the path.
 */
export async function postWebhook(
  url: string,
  body: object,
  timeoutMs: number,
  fetchImpl: typeof fetch = fetch,
): Promise<void> {
  let res: Response;
  try {
    res = await fetchImpl(url, {
      method: "POST",
      headers: { "content-type": "application/json", "user-agent": "policygate-alerts" },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (e) {
    const name = (e as Error).name;
    throw new DeliveryError(
      name === "TimeoutError" || name === "AbortError"
        ? `no answer within ${timeoutMs} ms`
        : `connection failed (${(e as { cause?: { code?: string } }).cause?.code ?? name})`,
      true,
    );
  }
  // Drain the body so the connection can be reused; its content is not needed.
  await res.arrayBuffer().catch(() => undefined);
  if (res.ok) return;
  throw new DeliveryError(`the receiver answered ${res.status}`, res.status >= 500 || res.status === 429);
}
