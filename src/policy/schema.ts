import { z } from "zod";
import { AlertsSchema } from "./alerts-schema.js";
import { INTEGRATION_CONTAINMENT_FIELDS, OutputLinksSchema } from "./containment-schema.js";
import { DATA_CLASSES } from "./classes.js";
import { restoreFields } from "./restore-schema.js";
import {
  governanceSections,
  integrationGovernanceShape,
  providerGovernanceShape,
} from "./governance-schema.js";
import { FingerprintRefsSchema } from "./fingerprints-schema.js";

/**
 * The policy file's schema. Every object is strict: a misspelt key is an error, never a silent
 * no-op. Cross-references (a provider's environments, a detector id) are checked after parsing, in
 * validate.ts, because they need the whole document.
 */

import { FallbackSchema, RetentionDaysSchema } from "./incident-schema.js";

const DataClassSchema = z.enum(DATA_CLASSES).describe("restricted | confidential | internal | public");
const ModeSchema = z
  .enum(["enforce", "audit"])
  .describe("enforce: act on the decision. audit: record what would have happened, let the call through.");
const ActionSchema = z.enum(["block", "redact", "allow"]);
const name = (what: string) =>
  z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, `${what} names are lowercase letters, digits, '-' and '_'`);

const ContactSchema = z.strictObject({
  name: z.string().optional(),
  email: z.string().optional(),
  phone: z.string().optional(),
  role: z.string().optional(),
});

const OrganisationSchema = z.strictObject({
  name: z.string().default("Unnamed organisation"),
  /** Contacts by role: security, engineering_lead, ceo, … referenced by incident response. */
  contacts: z.record(z.string(), ContactSchema).default({}),
});

export const PROVIDER_KINDS = ["openai", "anthropic", "gemini", "openai-compatible", "echo"] as const;

const ProviderSchema = z.strictObject({
  kind: z.enum(PROVIDER_KINDS).describe("The wire format the provider speaks."),
  display_name: z.string().optional(),
  reason: z.string().optional().describe("Why this provider is approved (goes into SECURITY.md)."),
  api_key_env: z
    .string()
    .regex(
      /^[A-Za-z_][A-Za-z0-9_]*$/,
      "expected the name of an environment variable (such as ANTHROPIC_API_KEY), not the key itself",
    )
    .optional()
    .describe(
      "Name of the environment variable holding the provider key. The key itself never goes in the policy.",
    ),
  base_url: z.url({ protocol: /^https?$/ }).optional(),
  environments: z.array(z.string()).default([]).describe("Environments where this provider may be called."),
  max_class: DataClassSchema.default("internal").describe(
    "The most sensitive class this provider may receive.",
  ),
  zero_data_retention: z.boolean().default(false),
  status: z.enum(["approved", "disabled", "requested"]).default("approved"),
  models: z.array(z.string()).optional().describe("Allowed model names (globs). All models when absent."),
  ...providerGovernanceShape,
});

const ClassRuleSchema = z.strictObject({
  action: ActionSchema,
  mode: ModeSchema.optional(),
  min_confidence: z.number().min(0).max(1).optional(),
});

const DEFAULT_CLASS_RULES = {
  restricted: { action: "block", min_confidence: 0.5 },
  confidential: { action: "redact", min_confidence: 0.5 },
  internal: { action: "allow", min_confidence: 0.5 },
  public: { action: "allow", min_confidence: 0.5 },
} as const;

const ClassesSchema = z
  .strictObject({
    restricted: ClassRuleSchema.partial().optional(),
    confidential: ClassRuleSchema.partial().optional(),
    internal: ClassRuleSchema.partial().optional(),
    public: ClassRuleSchema.partial().optional(),
  })
  .default({})
  .transform((c) => {
    const out = {} as Record<(typeof DATA_CLASSES)[number], z.infer<typeof ClassRuleSchema>>;
    for (const k of DATA_CLASSES) out[k] = { ...DEFAULT_CLASS_RULES[k], ...stripUndefined(c[k] ?? {}) };
    return out;
  });

const ColumnSchema = z.strictObject({
  class: DataClassSchema,
  reason: z.string().optional(),
});

const DataDictionarySchema = z.strictObject({
  import: z
    .union([z.string(), z.array(z.string())])
    .optional()
    .describe(
      "CSV files (relative to the policy) with the columns of the data classification reference sheet.",
    ),
  columns: z
    .record(z.string(), z.union([DataClassSchema, ColumnSchema]))
    .default({})
    .describe("database.table.column -> class, or { class, reason }"),
  reviewed: z.string().optional().describe("When the dictionary was last reviewed (YYYY-MM-DD)."),
  fingerprints: FingerprintRefsSchema,
});

const DetectorSettingSchema = z.strictObject({
  enabled: z.boolean().default(true),
  mode: ModeSchema.optional(),
  class: DataClassSchema.optional().describe("Move this detector's findings to another class."),
  min_confidence: z.number().min(0).max(1).optional(),
  allow: z.array(z.string()).optional().describe("Values (or globs) this detector must not report."),
});

const CustomRuleSchema = z.strictObject({
  id: name("Custom rule"),
  description: z.string().optional(),
  pattern: z
    .string()
    .min(1)
    .describe("RE2 syntax (linear time). Backreferences and lookarounds are not supported."),
  keywords: z
    .array(z.string().min(1))
    .default([])
    .describe(
      "Literal words that must appear near a match; the pattern only runs around them. Empty: run on all text.",
    ),
  kind: z
    .string()
    .regex(/^[a-z][a-z0-9_]{0,40}$/, "snake_case")
    .optional()
    .describe("Placeholder stem: kind employee_id redacts to [EMPLOYEE_ID_1]."),
  class: DataClassSchema,
  mode: ModeSchema.optional(),
  directions: z.array(z.enum(["input", "output"])).default(["input", "output"]),
  score: z.number().min(0).max(1).default(0.8),
});

const DetectorsSchema = z.strictObject({
  builtin: z
    .record(z.string(), DetectorSettingSchema)
    .default({})
    .describe("Per built-in detector id: enabled, mode, class, min_confidence, allow."),
  allowlist: z
    .strictObject({
      values: z.array(z.string()).default([]),
      patterns: z.array(z.string()).default([]).describe("Globs: *@example.com, 4111*"),
    })
    .prefault({}),
  custom: z.array(CustomRuleSchema).default([]),
});

const OutputSchema = z.strictObject({
  leak_classes: z
    .array(DataClassSchema)
    .default(["confidential", "restricted"])
    .describe("Classes that count as a leak when a model's answer contains them."),
  internal_hosts: z
    .array(z.string())
    .default([])
    .describe(
      "Host globs that are internal (besides private IPs, *.internal, *.local, internal.*, admin.*).",
    ),
  on_leak: z.enum(["redact", "block"]).default("redact"),
  mode: ModeSchema.optional(),
  stream_window: z
    .number()
    .int()
    .min(0)
    .max(65536)
    .default(128)
    .describe(
      "Characters of a streamed answer held back before release, so a value split across chunks is seen whole. " +
        "More is held while a secret's keyword is open (up to stream_max_hold).",
    ),
  stream_max_hold: z
    .number()
    .int()
    .min(0)
    .max(1048576)
    .default(16384)
    .describe("Most characters held back while a match may still be forming (a PEM key, a long token)."),
  links: OutputLinksSchema,
});

const IntegrationSchema = z.strictObject({
  description: z.string().optional(),
  owner: z.string().optional(),
  environments: z.array(z.string()).default([]),
  providers: z.array(z.string()).default([]),
  fallback: FallbackSchema,
  max_class: DataClassSchema.optional().describe("The most sensitive class this integration may send."),
  ...INTEGRATION_CONTAINMENT_FIELDS,
  mode: ModeSchema.optional(),
  ...restoreFields,
  ...integrationGovernanceShape,
});

const InputSchema = z.strictObject({
  unscannable_parts: z
    .enum(["allow", "block"])
    .default("block")
    .describe("Images, audio and files the scanner cannot read: let them through, or refuse the call."),
});

const AuditSchema = z.strictObject({
  on_failure: z
    .enum(["block", "spool"])
    .default("block")
    .describe(
      "When the audit store cannot be written: block fails the call (no unlogged traffic); spool writes the " +
        "event to a local spool file, records a gap, and lets the call through (availability first).",
    ),
  retention_days: RetentionDaysSchema,
});

const GatewaySchema = z.strictObject({
  max_body_bytes: z
    .number()
    .int()
    .min(1024)
    .default(8 * 1024 * 1024)
    .describe("Largest request body accepted (413 above)."),
  upstream_timeout_ms: z
    .number()
    .int()
    .min(100)
    .default(120_000)
    .describe("How long to wait for a provider before answering 504."),
});

export const PolicySchema = z.strictObject({
  version: z.literal(1).default(1),
  organisation: OrganisationSchema.prefault({}),
  environments: z
    .array(name("Environment"))
    .min(1)
    .default(["development", "testing", "staging", "production"])
    .describe("The environments this organisation runs."),
  environment: z
    .string()
    .default("development")
    .describe("Default environment; --env or POLICYGATE_ENV override it."),
  mode: ModeSchema.default("enforce"),
  on_engine_error: z
    .enum(["block", "allow"])
    .default("block")
    .describe("What happens to a call when the engine itself fails. block = fail closed."),
  providers: z.record(z.string(), ProviderSchema).default({}),
  classes: ClassesSchema,
  // prefault: a missing section is parsed as {} so its own defaults fill it in.
  data_dictionary: DataDictionarySchema.prefault({}),
  detectors: DetectorsSchema.prefault({}),
  output: OutputSchema.prefault({}),
  integrations: z.record(z.string(), IntegrationSchema).default({}),
  input: InputSchema.prefault({}),
  audit: AuditSchema.prefault({}),
  gateway: GatewaySchema.prefault({}),
  alerts: AlertsSchema,
  ...governanceSections,
});

export type PolicyInput = z.input<typeof PolicySchema>;
export type Policy = z.output<typeof PolicySchema>;
export type ProviderConfig = Policy["providers"][string];
export type IntegrationConfig = Policy["integrations"][string];
export type CustomRule = Policy["detectors"]["custom"][number];
export type Mode = z.infer<typeof ModeSchema>;
export type Action = z.infer<typeof ActionSchema>;

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
