import { z } from "zod";
import { DATA_CLASSES } from "./classes.js";

/**
 * Governance: who may build with AI, what was approved by whom, what the vendors promised, and when
 * each part of the policy was last reviewed (the article's sections 1–3, 5, 8–10). Everything here is
 * optional so a policy written before these sections still loads; `check --env production` and
 * `policygate doc` say what is missing.
 */

const DataClassSchema = z.enum(DATA_CLASSES);
const id = (what: string) =>
  z
    .string()
    .regex(/^[a-z0-9][a-z0-9_.-]{0,62}$/, `${what} ids are lowercase letters, digits, '.', '-' and '_'`);

/** A calendar date as YAML writes it unquoted or quoted: 2026-03-31 (an ISO timestamp is accepted too). */
export const DateSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/, "expected a date such as 2026-03-31")
  .refine((s) => !Number.isNaN(Date.parse(s)), "not a real calendar date");

export const DEFAULT_ROLES = {
  developer: { description: "Uses approved providers in development and testing." },
  senior: { description: "Senior engineer: proposes production integrations." },
  lead: { description: "Engineering lead: approves production integrations and new providers." },
  security: { description: "Security lead: approves production integrations and new providers." },
} as const;

export const RoleSchema = z.strictObject({ description: z.string().optional() });

export const PersonSchema = z.strictObject({
  name: z.string().optional(),
  email: z.string().optional(),
  roles: z.array(z.string()).default([]).describe("Role ids from the roles section."),
  left: DateSchema.optional().describe("Set by `policygate offboard`: the person no longer holds anything."),
});

/** The article's section 5 approval checklist, one field per question. */
export const CHECKLIST_ITEMS = [
  "data_sent",
  "classification_compatible",
  "input_validation",
  "output_validation",
  "logging",
  "rollback_plan",
] as const;
export type ChecklistItem = (typeof CHECKLIST_ITEMS)[number];

export const CHECKLIST_QUESTIONS: Record<ChecklistItem, string> = {
  data_sent: "What data will be sent to the LLM?",
  classification_compatible: "Is that data classification compatible with the chosen provider?",
  input_validation: "Is input validation implemented?",
  output_validation: "Is output validation implemented?",
  logging: "Is logging in place?",
  rollback_plan: "Is there a rollback plan?",
};

const ApprovalChecklistSchema = z.strictObject({
  data_sent: z.string().optional().describe("What data goes to the model, in words."),
  classification_compatible: z.boolean().optional(),
  input_validation: z.boolean().optional(),
  output_validation: z.boolean().optional(),
  logging: z.boolean().optional(),
  rollback_plan: z.string().optional().describe("How the integration is switched off or rolled back."),
});

export const ApprovalSchema = z.strictObject({
  proposed_by: z.string().optional().describe("Person id of the (senior) engineer who proposed it."),
  proposed_at: DateSchema.optional(),
  approved_by: z.string().optional().describe("Person id of the lead or security approver."),
  approved_at: DateSchema.optional(),
  revoked_by: z.string().optional(),
  revoked_at: DateSchema.optional(),
  revoked_reason: z.string().optional(),
  checklist: ApprovalChecklistSchema.prefault({}),
});

/** Fields added to each integration (spread into IntegrationSchema). */
export const integrationGovernanceShape = {
  purpose: z.string().optional().describe("What the integration is for (SECURITY.md, approvals)."),
  approval: ApprovalSchema.optional().describe(
    "The production approval record; required before production traffic is forwarded.",
  ),
};

/** The article's five onboarding steps for a new provider (section 3, "Requesting a New Provider"). */
export const OnboardingSchema = z.strictObject({
  business_case: z.string().optional().describe("Step 1: why this provider is needed."),
  requested_by: z.string().optional(),
  requested_at: DateSchema.optional(),
  privacy_review: z.string().optional().describe("Step 2: what their data handling terms say, reviewed."),
  data_sent: z.string().optional().describe("Step 3: what data will be sent to them."),
  approved_by: z.string().optional().describe("Step 4: the lead or security approver."),
  approved_at: DateSchema.optional(),
  validation: z.boolean().optional().describe("Step 5: input and output validation in place."),
});

export const VENDOR_OBLIGATIONS = [
  "zero_data_retention",
  "no_training",
  "encryption_in_transit",
  "encryption_at_rest",
  "retention_days",
  "breach_notification_days",
  "right_to_audit",
  "dpa_signed",
] as const;
export type VendorObligation = (typeof VENDOR_OBLIGATIONS)[number];

/** Section 9's negotiated terms. zero_data_retention stays on the provider itself (the gate reads it there). */
export const VendorSchema = z.strictObject({
  no_training: z.boolean().optional(),
  encryption_in_transit: z.boolean().optional(),
  encryption_at_rest: z.boolean().optional(),
  retention_days: z.number().int().min(0).optional().describe("Days before the vendor deletes data."),
  breach_notification_days: z.number().int().min(0).optional(),
  right_to_audit: z.boolean().optional(),
  dpa_signed: z.boolean().optional().describe("Data processing terms signed."),
  reviewed: DateSchema.optional(),
});

/** Who holds a provider key and when it was made and last rotated (the secrets inventory). */
export const SecretSchema = z.strictObject({
  holders: z.array(z.string()).default([]).describe("Person ids with access to the key."),
  created: DateSchema.optional(),
  rotated: DateSchema.optional(),
});

/** Fields added to each provider (spread into ProviderSchema). */
export const providerGovernanceShape = {
  onboarding: OnboardingSchema.optional(),
  vendor: VendorSchema.optional(),
  secret: SecretSchema.optional(),
};

export const ToolSchema = z.strictObject({
  vendor: z.string().optional(),
  description: z.string().optional(),
  data_seen: z
    .string()
    .optional()
    .describe("What the tool sees: every message in a channel, mentions only, …"),
  attachments: z.boolean().optional(),
  vendor_retains: z.union([z.boolean(), z.literal("unknown")]).optional(),
  privacy_policy_reviewed: z.boolean().optional(),
  max_class: DataClassSchema.optional(),
  owner: z.string().optional(),
  reviewed: DateSchema.optional(),
});

export const AcceptableUseSchema = z.strictObject({
  enterprise_tools: z
    .record(
      z.string(),
      z.strictObject({
        max_class: DataClassSchema,
        domains: z.array(z.string()).default([]),
        notes: z.string().optional(),
      }),
    )
    .default({})
    .describe("Approved enterprise AI tools people may type into directly, with the highest class allowed."),
  consumer_accounts: z
    .literal("forbidden")
    .default("forbidden")
    .describe("Personal or free AI accounts are never used for work data."),
  statement: z.string().optional(),
});

export const GovernanceSchema = z.strictObject({
  risk_appetite: z.enum(["conservative", "balanced"]).optional(),
  disclosure: z
    .strictObject({
      contact: z.string().optional().describe("Where vulnerabilities are reported (an email address)."),
      acknowledge_hours: z.number().int().min(1).default(24),
      update_hours: z.number().int().min(1).default(72),
    })
    .optional(),
  patching: z
    .strictObject({
      critical_hours: z.number().int().min(1).default(24),
      high_days: z.number().int().min(1).default(7),
      medium_days: z.number().int().min(1).default(30),
      supported_versions: z.string().optional(),
      status_page: z.string().optional(),
    })
    .optional(),
  rules: z
    .strictObject({
      develop_roles: z.array(z.string()).default(["developer", "senior", "lead", "security"]),
      propose_roles: z.array(z.string()).default(["senior"]),
      approve_roles: z.array(z.string()).default(["lead", "security"]),
      self_approval: z.boolean().default(false),
      approval_required_in: z
        .array(z.string())
        .optional()
        .describe(
          "Environments where integrations need an approval record. Default: every prod* environment.",
        ),
      required_checklist: z.array(z.enum(CHECKLIST_ITEMS)).default([...CHECKLIST_ITEMS]),
      required_vendor: z
        .array(z.enum(VENDOR_OBLIGATIONS))
        .default(["zero_data_retention", "no_training", "dpa_signed"])
        .describe("Section 9 obligations a production provider must have confirmed."),
    })
    .prefault({}),
  reviews: z
    .strictObject({
      policy_reviewed: DateSchema.optional().describe("Last quarterly review by the engineering team."),
      policy_annual_review: DateSchema.optional().describe("Last annual review by the security lead."),
      quarterly_days: z.number().int().min(1).default(92),
      annual_days: z.number().int().min(1).default(366),
    })
    .prefault({}),
  training: z
    .strictObject({ last_session: DateSchema.optional(), materials: z.string().optional() })
    .optional()
    .describe("Pre-launch item 9: the team knows the policy."),
  security_md: z
    .string()
    .default("SECURITY.md")
    .describe("Where the generated SECURITY.md lives (relative to the policy)."),
});

/** Top-level sections (spread into PolicySchema). */
export const governanceSections = {
  roles: z.record(z.string(), RoleSchema).default({ ...DEFAULT_ROLES }),
  people: z.record(id("Person"), PersonSchema).default({}),
  governance: GovernanceSchema.prefault({}),
  tools: z.record(z.string(), ToolSchema).default({}).describe("Off-the-shelf AI tools (section 8)."),
  acceptable_use: AcceptableUseSchema.prefault({}),
};
