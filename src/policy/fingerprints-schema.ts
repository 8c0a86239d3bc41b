import { z } from "zod";
import { DATA_CLASSES } from "./classes.js";

/**
 * `data_dictionary.fingerprints`: files built by `policygate fingerprint` whose values (customer
 * names, company names, account ids) are found by exact match, where no pattern could see them.
 */
export const FingerprintRefSchema = z.strictObject({
  file: z.string().min(1).describe("The fingerprint file, relative to the policy."),
  id: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, "fingerprint ids are lowercase letters, digits, '-' and '_'")
    .optional()
    .describe("Detector id suffix: findings are reported as fingerprint:<id>. Default: the file's label."),
  class: z
    .enum(DATA_CLASSES)
    .optional()
    .describe("Class of the findings. Default: the class the file was built with."),
  kind: z
    .string()
    .regex(/^[a-z][a-z0-9_]{0,40}$/, "snake_case")
    .optional()
    .describe("Placeholder stem: kind customer_name redacts to [CUSTOMER_NAME_1]. Default: the label."),
  mode: z.enum(["enforce", "audit"]).optional(),
  directions: z.array(z.enum(["input", "output"])).default(["input", "output"]),
  key_env: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "expected the name of an environment variable")
    .optional()
    .describe(
      "Environment variable holding the secret the file was built with (`policygate fingerprint --key-env`).",
    ),
});

export const FingerprintRefsSchema = z
  .array(FingerprintRefSchema)
  .default([])
  .describe("Fingerprint files of values to find by exact match (see docs/fingerprints.md).");

export type FingerprintRef = z.output<typeof FingerprintRefSchema>;
