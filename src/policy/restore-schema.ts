import { z } from "zod";

/**
 * Per-integration reversible pseudonymisation (see docs/restore.md). Spread into the integration
 * schema so the fields sit next to the integration's other settings.
 */
export const restoreFields = {
  restore: z
    .boolean()
    .default(false)
    .describe(
      "Replace Confidential values with stable placeholders ([EMAIL_1]) before the call and put the originals " +
        "back into the answer for the caller. Restricted data still blocks.",
    ),
  restore_ttl_seconds: z
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 3600)
    .default(3600)
    .describe(
      "How long a conversation's placeholder mapping is kept (encrypted, in memory) for callers that send a " +
        "conversation id (header x-policygate-conversation), counted from its last turn.",
    ),
};
