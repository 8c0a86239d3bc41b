import { describe, expect, it } from "vitest";
import { parsePolicy } from "../../src/policy/load.js";

function revision(yaml: string): string {
  const r = parsePolicy(yaml);
  if (!r.ok) throw new Error(r.errors.map((e) => e.message).join("; "));
  return r.value.revision;
}

const block = `
providers:
  anthropic:
    kind: anthropic
    environments: [production, development]
    zero_data_retention: true
classes:
  confidential:
    action: redact
`;

describe("policy revision", () => {
  it("is a sha256 of the canonical form", () => {
    expect(revision(block)).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it("does not change when the file is reformatted, reordered or commented", () => {
    const reformatted = `# Reviewed by the security lead.
classes: { confidential: { action: "redact" } }   # as in section 4
providers:
  # the only production provider
  anthropic: { zero_data_retention: true, environments: ['production', "development"], kind: anthropic }
`;
    expect(revision(reformatted)).toBe(revision(block));
  });

  it("does not change when a default is written out", () => {
    expect(revision(block + "mode: enforce\non_engine_error: block\n")).toBe(revision(block));
  });

  it("changes when a value changes", () => {
    const base = revision(block);
    expect(revision(block.replace("zero_data_retention: true", "zero_data_retention: false"))).not.toBe(base);
    expect(revision(block.replace("action: redact", "action: block"))).not.toBe(base);
  });
});
