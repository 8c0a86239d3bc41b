import { z } from "zod";
import { PolicySchema } from "./schema.js";

/**
 * The policy file's JSON Schema (draft 2020-12), for editor completion and validation. It
 * describes what an author writes (zod's input side): every key optional where the loader fills a
 * default. Cross-references (an integration naming a declared provider) are beyond JSON Schema;
 * `policygate check` reports those.
 */
export function policyJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(PolicySchema, { io: "input" }) as Record<string, unknown>;
  const { $schema, ...rest } = generated;
  return {
    $schema,
    title: "PolicyGate policy",
    description:
      "policygate.yaml: which LLM providers may be called, with what data, and what happens to the answers.",
    ...rest,
  };
}
