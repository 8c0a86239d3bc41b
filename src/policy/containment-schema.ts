import { z } from "zod";

/**
 * Per-integration prompt-injection containment (docs/injection.md): the pinned instruction layer,
 * spotlighting of untrusted data, canary tokens, what to do with a detected injection, and what a
 * valid answer looks like. Cross-field checks (exactly one of text/sha256/template, schemas that
 * compile, RE2 patterns) are in containment-validate.ts.
 */

const ModeSchema = z
  .enum(["enforce", "audit"])
  .describe("enforce: act on the decision. audit: record what would have happened, let the call through.");

const InstructionsSchema = z
  .strictObject({
    text: z.string().min(1).optional().describe("The exact system prompt this integration sends."),
    sha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/, "expected 64 lowercase hex digits")
      .optional()
      .describe("The SHA-256 (hex) of the exact system prompt, when the prompt must not live in the policy."),
    template: z
      .string()
      .min(1)
      .optional()
      .describe("The system prompt with named slots: 'You answer for {{team}}.' Slots are filled per call."),
    slots: z
      .record(
        z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "slot names are letters, digits and _"),
        z.string(),
      )
      .default({})
      .describe(
        "RE2 pattern each slot's value must match in full. A slot not listed takes one line of up to 200 characters.",
      ),
    mode: ModeSchema.optional(),
  })
  .describe(
    "The pinned instruction layer: a call whose system prompt differs from the registered one is refused.",
  );

const SpotlightingSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    tool_results: z
      .boolean()
      .default(true)
      .describe("Treat tool results (and function outputs) as untrusted data, like <untrusted> blocks."),
    datamark: z
      .boolean()
      .default(false)
      .describe("Also interleave a marker character between the words of untrusted data."),
    marker: z
      .string()
      .regex(/^\S$/u, "one visible character")
      .default("^")
      .describe("The datamarking character."),
  })
  .describe(
    "Untrusted data (text between <untrusted> and </untrusted>, tool results) is wrapped in random delimiters.",
  );

const CanarySchema = z.union([
  z.boolean(),
  z.strictObject({
    enabled: z.boolean().default(true),
    mode: ModeSchema.optional(),
  }),
]);

const InjectionSchema = z
  .strictObject({
    action: z
      .enum(["flag", "block", "ignore"])
      .default("flag")
      .describe("flag: record and alert, let the call through. block: refuse the call. ignore: do nothing."),
    mode: ModeSchema.optional().describe("audit: a block is recorded as what would have happened."),
    threshold: z
      .number()
      .min(0)
      .max(1)
      .default(0.5)
      .describe("Score from which a text counts as an injection."),
    sources: z
      .array(z.enum(["system", "message", "tool_result", "tool_definition", "untrusted"]))
      .optional()
      .describe("Where injections are looked for; every input part when absent."),
  })
  .describe("What happens when the prompt-injection detector fires on this integration's input.");

const ExpectedOutputSchema = z
  .strictObject({
    json_schema: z
      .record(z.string(), z.unknown())
      .optional()
      .describe("The answer must be JSON valid against this JSON Schema (2020-12)."),
    enum: z.array(z.string()).min(1).optional().describe("The answer must be one of these labels."),
    regex: z.string().min(1).optional().describe("RE2 pattern the whole answer must match."),
    max_length: z.number().int().min(1).optional().describe("Most characters an answer may have."),
    no_urls: z.boolean().default(false).describe("The answer may not contain a URL."),
    no_markdown_images: z.boolean().default(false).describe("The answer may not contain a markdown image."),
    repair: z
      .array(z.enum(["trim", "strip_code_fence"]))
      .default([])
      .describe("Harmless repairs tried before validation: trim whitespace, remove a ``` fence around JSON."),
    mode: ModeSchema.optional(),
  })
  .describe("What a valid answer looks like; an answer that does not match is rejected, never passed on.");

/** Fields every integration may carry; spread into the integration schema. */
export const INTEGRATION_CONTAINMENT_FIELDS = {
  instructions: InstructionsSchema.optional(),
  spotlighting: SpotlightingSchema.optional(),
  canary: CanarySchema.optional().describe(
    "Add a random canary to the system prompt; an answer repeating it is withheld.",
  ),
  injection: InjectionSchema.optional(),
  expected_output: ExpectedOutputSchema.optional(),
};

/** `output.links`: markdown links and images that could carry data out of the conversation. */
export const OutputLinksSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    allow_domains: z
      .array(z.string())
      .default([])
      .describe(
        "Host globs links may point to (docs.example.com, *.example.com). When set, links elsewhere are removed too.",
      ),
    images: z
      .enum(["strip", "keep"])
      .default("strip")
      .describe(
        "Markdown and HTML images outside allow_domains: removed (an image is fetched without a click).",
      ),
    data_queries: z
      .enum(["strip", "keep"])
      .default("strip")
      .describe("Links and images whose query string carries data-like values (long tokens, emails, text)."),
    mode: ModeSchema.optional(),
  })
  .prefault({})
  .describe("Removes markdown images and links that could exfiltrate data from model answers.");

export type InstructionsConfig = z.output<typeof InstructionsSchema>;
export type SpotlightingConfig = z.output<typeof SpotlightingSchema>;
export type InjectionConfig = z.output<typeof InjectionSchema>;
export type ExpectedOutputConfig = z.output<typeof ExpectedOutputSchema>;
export type OutputLinksConfig = z.output<typeof OutputLinksSchema>;
