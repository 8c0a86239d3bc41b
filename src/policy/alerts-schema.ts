import { z } from "zod";
import { DATA_CLASSES } from "./classes.js";

/**
 * The `alerts` section: who is told what, and how. Rules read the stream of audit events; levels
 * name the contacts (from organisation.contacts) and the notifiers of each step of the escalation
 * path; notifiers say where messages go. Cross-references are checked in alerts-validate.ts.
 */

const ENV_VAR = z
  .string()
  .regex(
    /^[A-Za-z_][A-Za-z0-9_]*$/,
    "expected the name of an environment variable (such as SLACK_WEBHOOK_URL), not the value itself",
  );
const notifierName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, "notifier names are lowercase letters, digits, '-' and '_'");
const minutes = (d: number) => z.number().positive().max(10_080).default(d);
const level = z.number().int().min(1).max(9).default(1).describe("Escalation level (1 = first step).");
const cooldown = minutes(15).describe(
  "Minutes after an alert before the same rule fires again for the same key.",
);

/** Environments where a notifier that cannot be configured is an error rather than a warning. */
const requiredIn = z
  .array(z.string())
  .optional()
  .describe(
    "Environments where this notifier must work: a missing variable there stops `serve` and fails `check --env`. " +
      "Default: the production-like environments (names starting with prod). Elsewhere it is skipped with a warning.",
  );

const WebhookSchema = z.strictObject({
  kind: z.literal("webhook"),
  url_env: ENV_VAR.describe("Environment variable holding the webhook URL (it may carry a secret)."),
  format: z
    .enum(["slack", "json"])
    .default("json")
    .describe("slack: a Slack-compatible { text, blocks } body. json: the alert as a JSON object."),
  timeout_ms: z.number().int().min(100).max(60_000).default(5000),
  required_in: requiredIn,
});

const SmtpSchema = z.strictObject({
  kind: z.literal("smtp"),
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535).default(587),
  tls: z
    .boolean()
    .default(false)
    .describe("Connect with TLS from the start (port 465). Without it the connection is plain SMTP."),
  from: z.string().min(3),
  to: z
    .array(z.string())
    .default([])
    .describe("Extra addresses; the level's contacts with an email are always included."),
  username_env: ENV_VAR.optional(),
  password_env: ENV_VAR.optional(),
  timeout_ms: z.number().int().min(100).max(60_000).default(10_000),
  required_in: requiredIn,
});

const NotifierSchema = z.discriminatedUnion("kind", [WebhookSchema, SmtpSchema]);

const LevelSchema = z.strictObject({
  name: z.string().optional(),
  contacts: z.array(z.string()).default([]).describe("Keys of organisation.contacts told at this level."),
  notify: z.array(notifierName).default([]).describe("Notifiers used at this level."),
});

const base = { enabled: z.boolean().default(true), level, cooldown_minutes: cooldown };

const RulesSchema = z.strictObject({
  restricted_data: z
    .strictObject({
      ...base,
      cooldown_minutes: minutes(5),
      escalate_after: z
        .number()
        .int()
        .min(2)
        .default(3)
        .describe("Occurrences per integration within window_minutes that escalate one level."),
      window_minutes: minutes(60),
    })
    .prefault({}),
  validation_failures: z
    .strictObject({
      ...base,
      threshold: z.number().int().min(1).default(5),
      window_minutes: minutes(10),
      per: z
        .array(z.enum(["user", "integration", "provider"]))
        .min(1)
        .default(["user", "integration", "provider"]),
    })
    .prefault({}),
  volume_spike: z
    .strictObject({
      ...base,
      factor: z
        .number()
        .min(1.1)
        .default(3)
        .describe("Calls in the window above this multiple of the baseline."),
      window_minutes: minutes(5),
      baseline_minutes: minutes(60),
      min_calls: z
        .number()
        .int()
        .min(1)
        .default(20)
        .describe("Fewer calls than this in the window never alert."),
    })
    .prefault({}),
  unusual_class: z
    .strictObject({
      ...base,
      cooldown_minutes: minutes(60),
      min_class: z.enum(DATA_CLASSES).default("internal").describe("Classes below this are not reported."),
      learn_minutes: minutes(60).describe(
        "After the gateway first sees an integration, classes are learned for this long before they alert.",
      ),
    })
    .prefault({}),
  provider_errors: z
    .strictObject({
      ...base,
      rate: z.number().gt(0).max(1).default(0.2).describe("Share of calls failing (errors and timeouts)."),
      window_minutes: minutes(5),
      min_calls: z.number().int().min(1).default(10),
    })
    .prefault({}),
});

const DeliverySchema = z.strictObject({
  retries: z.number().int().min(0).max(20).default(5),
  backoff_ms: z.number().int().min(10).default(1000).describe("First retry delay; doubles each time."),
  max_backoff_ms: z.number().int().min(10).default(60_000),
  queue_size: z.number().int().min(1).max(100_000).default(1000),
  dead_letter_file: z
    .string()
    .optional()
    .describe("Undeliverable alerts (JSON Lines). Default: alerts-dead-letter.jsonl in the data directory."),
});

export const AlertsSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    levels: z
      .array(LevelSchema)
      .min(1)
      .default([{ contacts: [], notify: [] }])
      .describe("The escalation path: level 1 first, then 2, …"),
    notifiers: z.record(notifierName, NotifierSchema).default({}),
    rules: RulesSchema.prefault({}),
    delivery: DeliverySchema.prefault({}),
  })
  .optional()
  .describe("Alert rules, escalation levels and notifiers. Absent: no alerts (metrics still work).");

export type AlertsConfig = NonNullable<z.output<typeof AlertsSchema>>;
export type NotifierConfig = AlertsConfig["notifiers"][string];
export type AlertRulesConfig = AlertsConfig["rules"];
