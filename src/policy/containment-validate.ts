import RE2 from "re2";
import { instructionMatcher } from "../enforce/containment.js";
import { checkExpectedOutput } from "../enforce/intent.js";
import type { Policy } from "./schema.js";
import type { SemanticIssue } from "./validate.js";

/**
 * Checks the containment fields the schema cannot: one way of registering the system prompt, slot
 * patterns and expected-output schemas and patterns that compile, host globs that are hosts.
 */
export function validateContainment(p: Policy): SemanticIssue[] {
  const issues: SemanticIssue[] = [];
  for (const [id, integ] of Object.entries(p.integrations)) {
    const at = ["integrations", id];
    const ins = integ.instructions;
    if (ins) {
      const given = (["text", "sha256", "template"] as const).filter((k) => ins[k] !== undefined);
      if (given.length !== 1) {
        issues.push({
          path: [...at, "instructions"],
          message: `give exactly one of text, sha256 or template (found ${given.length ? given.join(", ") : "none"})`,
        });
      }
      const slotNames = new Set(
        [...(ins.template ?? "").matchAll(/\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g)].map((m) => m[1]),
      );
      for (const [slot, pattern] of Object.entries(ins.slots)) {
        if (!ins.template || !slotNames.has(slot)) {
          issues.push({
            path: [...at, "instructions", "slots", slot],
            atKey: true,
            message: `slot "${slot}" does not appear in the template as {{${slot}}}`,
          });
          continue;
        }
        try {
          new RE2(pattern, "u");
        } catch (e) {
          issues.push({
            path: [...at, "instructions", "slots", slot],
            message: `RE2 cannot compile the slot pattern (${(e as Error).message}); lookarounds and backreferences are not supported`,
          });
        }
      }
      if (given.length === 1 && !issues.length) {
        try {
          instructionMatcher(ins);
        } catch (e) {
          issues.push({
            path: [...at, "instructions"],
            message: `the template does not compile: ${(e as Error).message}`,
          });
        }
      }
    }
    if (integ.expected_output) {
      const err = checkExpectedOutput(integ.expected_output);
      if (err) issues.push({ path: [...at, "expected_output", err.field], message: err.message });
    }
  }
  p.output.links.allow_domains.forEach((h, i) => {
    if (!/^[A-Za-z0-9*?.-]+$/.test(h) || !/[A-Za-z0-9]/.test(h)) {
      issues.push({
        path: ["output", "links", "allow_domains", i],
        message: `"${h}" is not a host pattern such as docs.example.com or *.example.com`,
      });
    }
  });
  return issues;
}
