import { describe, expect, it } from "vitest";
import { runBin } from "../helpers/cli.js";

describe("policygate demo", () => {
  it("shows an allowed, a blocked, a redacted and a streamed call, and their audit events", () => {
    const r = runBin(["demo"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/1\. An ordinary call[\s\S]*-> allowed/);
    expect(r.stdout).toMatch(/PermissionDeniedError \(HTTP 403\)[\s\S]*classes\.restricted/);
    expect(r.stdout).toMatch(/Echo: Draft a reply to \[EMAIL_1\]/);
    expect(r.stdout).not.toContain("Bearer sk-proj-Q3vT8");
    // Four calls, four events.
    expect(r.stdout.match(/support-bot {2}-/g)).toHaveLength(4);
    // The blocked key raised a level-1 alert, recorded beside the calls, without the key in it.
    expect(r.stdout).toMatch(/level 1 restricted_data: Restricted data sent by integration support-bot/);
    expect(r.stdout).toMatch(/ alert {4}L1 {2}restricted_data /);
  });
});
