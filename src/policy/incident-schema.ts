import { z } from "zod";

/** audit.retention_days: how long `policygate logs purge` keeps events. */
export const RetentionDaysSchema = z
  .number()
  .int()
  .min(1)
  .max(36500)
  .optional()
  .describe(
    "Days an audit event is kept; `policygate logs purge` removes older ones behind a signed checkpoint. Kept forever when absent.",
  );

/** integrations.<name>.fallback: where calls go while a provider is switched off. */
export const FallbackSchema = z
  .string()
  .optional()
  .describe(
    "Provider to use while the integration's provider is switched off (policygate provider disable). " +
      "Used only when it is approved for the environment and may receive the data class of the call.",
  );
