import type { NotifierConfig } from "../policy/alerts-schema.js";
import type { Policy } from "../policy/schema.js";
import { isProductionEnvironment } from "../policy/warnings.js";
import { alertLine, alertText, type Alert } from "./alert.js";
import { sendMail } from "./smtp.js";
import { jsonPayload, postWebhook, slackPayload } from "./webhook.js";

/** Something that can deliver an alert. It may throw a DeliveryError; the dispatcher retries. */
export interface Notifier {
  readonly name: string;
  readonly kind: NotifierConfig["kind"];
  send(alert: Alert): Promise<void>;
}

/** A notifier that cannot work here, and whether that stops the gateway. */
export interface NotifierProblem {
  notifier: string;
  /** Dotted policy path. */
  path: string;
  message: string;
  /** True where the notifier is required (required_in): `serve` refuses to start, `check --env` fails. */
  error: boolean;
}

/** Environments where a notifier must work: its required_in, else the production-like ones. */
export function requiredEnvironments(n: NotifierConfig, policy: Policy): string[] {
  return n.required_in ?? policy.environments.filter(isProductionEnvironment);
}

/**
 * Builds the notifiers the policy declares, reading the environment variables they name. A
 * notifier whose variable is unset is left out and reported: an error where it is required, a
 * warning elsewhere (a laptop has no Slack webhook, and should not need one). This runs at start and
 * in `check`, so a missing variable is found before an alert needs it, never at alert time.
 */
export function buildNotifiers(
  policy: Policy,
  env: Record<string, string | undefined>,
  environment: string,
  fetchImpl?: typeof fetch,
): { notifiers: Map<string, Notifier>; problems: NotifierProblem[] } {
  const notifiers = new Map<string, Notifier>();
  const problems: NotifierProblem[] = [];
  for (const [name, n] of Object.entries(policy.alerts?.notifiers ?? {})) {
    const required = requiredEnvironments(n, policy).includes(environment);
    const missing = (variable: string, field: string) =>
      problems.push({
        notifier: name,
        path: `alerts.notifiers.${name}.${field}`,
        message:
          `${variable} is not set, so notifier "${name}" cannot send alerts in ${environment}` +
          (required
            ? ` (it is required there: set ${variable}, or change required_in)`
            : "; alerts are still recorded in the audit log"),
        error: required,
      });
    if (n.kind === "webhook") {
      const url = env[n.url_env];
      if (!url) {
        missing(n.url_env, "url_env");
        continue;
      }
      if (!/^https?:\/\/[^\s]+$/i.test(url)) {
        problems.push({
          notifier: name,
          path: `alerts.notifiers.${name}.url_env`,
          message: `${n.url_env} does not hold an http(s) URL`,
          error: required,
        });
        continue;
      }
      const body = n.format === "slack" ? slackPayload : jsonPayload;
      notifiers.set(name, {
        name,
        kind: "webhook",
        send: (a) => postWebhook(url, body(a), n.timeout_ms, fetchImpl),
      });
    } else {
      let auth: { username: string; password: string } | undefined;
      if (n.username_env || n.password_env) {
        const username = n.username_env ? env[n.username_env] : undefined;
        const password = n.password_env ? env[n.password_env] : undefined;
        if (!username || !password) {
          missing(
            !username ? (n.username_env ?? "username_env") : (n.password_env ?? "password_env"),
            !username ? "username_env" : "password_env",
          );
          continue;
        }
        auth = { username, password };
      }
      notifiers.set(name, {
        name,
        kind: "smtp",
        send: (a) =>
          sendMail({
            host: n.host,
            port: n.port,
            tls: n.tls,
            timeoutMs: n.timeout_ms,
            from: n.from,
            to: [...new Set([...a.people.flatMap((p) => (p.email ? [p.email] : [])), ...n.to])],
            subject: alertLine(a),
            text: alertText(a),
            auth,
          }),
      });
    }
  }
  return { notifiers, problems };
}

/**
 * What `policygate check` reports about notifiers for one environment: errors where a required
 * notifier cannot work, warnings where an optional one is skipped. Variable values are never read
 * into a message.
 */
export function notifierCheck(
  policy: Policy,
  env: Record<string, string | undefined>,
  environment: string,
): { errors: NotifierProblem[]; warnings: NotifierProblem[] } {
  const { problems } = buildNotifiers(policy, env, environment);
  return { errors: problems.filter((p) => p.error), warnings: problems.filter((p) => !p.error) };
}
