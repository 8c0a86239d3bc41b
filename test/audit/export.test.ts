import { describe, expect, it } from "vitest";
import { toExportRecord } from "../../src/audit/export.js";
import { blockedForSecret, makeEvent } from "../helpers/audit.js";

describe("export in the article's log format", () => {
  it("puts the article's fields first, under its names", () => {
    const r = toExportRecord(
      makeEvent({ ts: "2025-06-24T14:32:15.000Z", user: "user_123", provider: "anthropic" }),
    );
    expect(Object.keys(r).slice(0, 9)).toEqual([
      "timestamp",
      "user_id",
      "llm_provider",
      "input_classification",
      "input_validation_passed",
      "restricted_data_detected",
      "output_validation_passed",
      "response_status",
      "error",
    ]);
    expect(r).toMatchObject({
      timestamp: "2025-06-24T14:32:15.000Z",
      user_id: "user_123",
      llm_provider: "anthropic",
      input_classification: "Internal",
      input_validation_passed: true,
      restricted_data_detected: false,
      output_validation_passed: true,
      response_status: "success",
      error: null,
    });
  });

  it("records a blocked secret as a failed input validation with no output to check", () => {
    const r = toExportRecord(blockedForSecret());
    expect(r).toMatchObject({
      input_classification: "Restricted",
      input_validation_passed: false,
      restricted_data_detected: true,
      output_validation_passed: null,
      response_status: "blocked",
      error: "the prompt contains restricted data (github-token)",
      error_code: "policy.restricted_data",
      input_findings: { "github-token": 1 },
    });
  });

  it("passes a redacted input, fails a redacted output, and judges by the enforced decision", () => {
    const redacted = toExportRecord(
      makeEvent({
        input: { decision: "redact", enforced_decision: "redact", highest_class: "confidential" },
        output: { decision: "redact", enforced_decision: "redact", findings: { email: 1 } },
      }),
    );
    expect(redacted.input_validation_passed).toBe(true);
    expect(redacted.output_validation_passed).toBe(false);
    // A rule in audit mode let the call through, but validation did fail.
    const audited = toExportRecord(makeEvent({ input: { decision: "allow", enforced_decision: "block" } }));
    expect(audited.input_validation_passed).toBe(false);
    expect(audited.input_decision).toBe("allow");
  });
});
