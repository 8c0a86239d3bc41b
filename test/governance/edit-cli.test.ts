import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { parseDocument } from "yaml";
import { setIn } from "../../src/governance/yaml-edit.js";
import { runCli } from "../helpers/cli.js";

const POLICY = `# Our AI policy. Reviewed like code.
environments: [development, testing, production] # the three of section 3

providers:
  # The one production provider.
  anthropic:
    kind: anthropic
    reason: >-
      Zero data retention signed; this folded reason
      spans two lines and must stay that way.
    environments: [development, testing, production]
    zero_data_retention: true
    max_class: confidential
  echo: { kind: echo, environments: [development, testing] }

integrations:
  # Drafts replies to tickets.
  support-bot:
    environments: [development, testing]
    providers: [anthropic, echo]   # echo for local runs
    max_class: internal

people:
  alice: { name: Alice, roles: [senior] }
  dana: { name: Dana, roles: [developer] }
  sam: { name: Sam, roles: [security] }
  lee: { name: Lee, roles: [lead, senior] }
# trailing comment
`;

function project(text = POLICY): {
  dir: string;
  file: string;
  run: (...a: string[]) => ReturnType<typeof runCli>;
} {
  const dir = mkdtempSync(join(tmpdir(), "policygate-gov-"));
  const file = join(dir, "policygate.yaml");
  writeFileSync(file, text);
  return { dir, file, run: (...a) => runCli(a, { cwd: dir, env: { POLICYGATE_TODAY: "2026-03-01" } }) };
}

const FULL = [
  "--checklist",
  "data_sent=Ticket text, customer names redacted",
  "--checklist",
  "classification_compatible=yes",
  "--checklist",
  "input_validation=yes",
  "--checklist",
  "output_validation=yes",
  "--checklist",
  "logging=yes",
  "--checklist",
  "rollback_plan=Remove production from environments",
];

/** Every comment line of a YAML text, in order. */
const comments = (t: string) =>
  t
    .split("\n")
    .filter((l) => l.includes("#"))
    .map((l) => l.slice(l.indexOf("#")));

describe("integration propose / approve / revoke (edits the policy in place)", () => {
  it("round-trips a commented policy: propose then approve keep every comment and the folded reason", async () => {
    const { file, run } = project();
    let r = await run(
      "integration",
      "propose",
      "support-bot",
      "--by",
      "alice",
      "--purpose",
      "Drafts replies",
      ...FULL,
    );
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    r = await run("integration", "approve", "support-bot", "--by", "sam");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/approved support-bot \(by sam, 2026-03-01\)/);
    const after = readFileSync(file, "utf8");
    expect(comments(after)).toEqual(comments(POLICY));
    expect(after).toContain(
      "    reason: >-\n      Zero data retention signed; this folded reason\n      spans two lines and must stay that way.\n",
    );
    expect(after).toContain(
      "    environments: [development, testing, production]\n    providers: [anthropic, echo]   # echo for local runs\n",
    );
    expect(after).toMatch(
      /approval:\n {6}proposed_by: alice\n {6}proposed_at: "2026-03-01"\n {6}checklist:\n/,
    );
    // Lines outside the edited integration are byte for byte the same.
    const untouched = (t: string) => t.slice(0, t.indexOf("integrations:"));
    expect(untouched(after)).toBe(untouched(POLICY));
    const list = await run("integration", "list", "--json");
    expect(JSON.parse(list.stdout)[0]).toMatchObject({
      id: "support-bot",
      status: "approved",
      approved_by: "sam",
      missing: [],
    });
  });

  it("refuses a proposal from someone without the proposing role, naming the rule", async () => {
    const { file, run } = project();
    const r = await run("integration", "propose", "support-bot", "--by", "dana");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /dana may not propose a production integration: that needs one of the roles senior \(governance.rules.propose_roles\)/,
    );
    expect(readFileSync(file, "utf8")).toBe(POLICY);
  });

  it("refuses self-approval", async () => {
    const { run } = project();
    await run("integration", "propose", "support-bot", "--by", "lee", ...FULL);
    const r = await run("integration", "approve", "support-bot", "--by", "lee");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /lee proposed integration support-bot and may not approve it too.*governance.rules.self_approval/,
    );
  });

  it("refuses approval while checklist items are open, listing each question; --checklist answers them", async () => {
    const { run } = project();
    await run("integration", "propose", "support-bot", "--by", "alice", "--checklist", "data_sent=tickets");
    let r = await run("integration", "approve", "support-bot", "--by", "sam");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /checklist is incomplete:\n {2}classification_compatible: Is that data classification compatible/,
    );
    expect(r.stderr).toMatch(/rollback_plan: Is there a rollback plan\?/);
    r = await run("integration", "approve", "support-bot", "--by", "sam", ...FULL.slice(2));
    expect(r.code).toBe(0);
  });

  it("refuses approval when the integration's class exceeds its provider's", async () => {
    const { run } = project(
      POLICY.replace("    max_class: internal\n\npeople", "    max_class: restricted\n\npeople"),
    );
    await run("integration", "propose", "support-bot", "--by", "alice", ...FULL);
    const r = await run("integration", "approve", "support-bot", "--by", "sam");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /may send restricted data but provider anthropic may receive at most confidential/,
    );
  });

  it("refuses approval by a developer and approval without a proposal", async () => {
    const { run } = project();
    expect((await run("integration", "approve", "support-bot", "--by", "sam")).stderr).toMatch(
      /has no open proposal/,
    );
    await run("integration", "propose", "support-bot", "--by", "alice", ...FULL);
    expect((await run("integration", "approve", "support-bot", "--by", "dana")).stderr).toMatch(
      /dana may not approve/,
    );
  });

  it("revokes: the record stays, the status becomes revoked, and list says what is missing", async () => {
    const { file, run } = project();
    await run("integration", "propose", "support-bot", "--by", "alice", ...FULL);
    await run("integration", "approve", "support-bot", "--by", "sam");
    const r = await run("integration", "revoke", "support-bot", "--by", "lee", "--reason", "vendor incident");
    expect(r.code).toBe(0);
    expect(readFileSync(file, "utf8")).toMatch(
      /revoked_by: lee\n {6}revoked_at: "2026-03-01"\n {6}revoked_reason: vendor incident/,
    );
    const list = await run("integration", "list");
    expect(list.stdout).toMatch(
      /support-bot: revoked[\s\S]*missing for production: its approval was revoked by lee/,
    );
    // Proposing again starts a fresh record.
    expect((await run("integration", "propose", "support-bot", "--by", "alice", ...FULL)).code).toBe(0);
    expect(readFileSync(file, "utf8")).not.toMatch(/revoked_by/);
  });

  it("refuses an unknown person and an unknown checklist item without writing", async () => {
    const { file, run } = project();
    expect((await run("integration", "propose", "support-bot", "--by", "mallory")).stderr).toMatch(
      /"mallory" is not in the policy's people section/,
    );
    expect(
      (await run("integration", "propose", "support-bot", "--by", "alice", "--checklist", "vibes=yes"))
        .stderr,
    ).toMatch(/unknown checklist item "vibes"/);
    expect(readFileSync(file, "utf8")).toBe(POLICY);
  });
});

describe("provider request / approve", () => {
  it("records a requested provider with the onboarding steps; approval needs steps 1-3 and another person", async () => {
    const { file, run } = project();
    let r = await run(
      "provider",
      "request",
      "mistral",
      "--business-case",
      "Cheaper summaries",
      "--kind",
      "openai-compatible",
      "--by",
      "dana",
    );
    expect(r.code).toBe(1); // openai-compatible needs a base_url: the policy would not load
    expect(r.stderr).toMatch(/needs a base_url/);
    r = await run(
      "provider",
      "request",
      "gemini",
      "--business-case",
      "Long documents",
      "--kind",
      "gemini",
      "--by",
      "dana",
    );
    expect(r.code).toBe(0);
    let text = readFileSync(file, "utf8");
    expect(text).toMatch(
      / {2}gemini:\n {4}kind: gemini\n {4}status: requested\n {4}environments: \[development, testing\]/,
    );
    expect(text).toMatch(/business_case: Long documents\n {6}requested_by: dana/);
    r = await run("provider", "approve", "gemini", "--by", "sam");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/2\. review of their data handling[\s\S]*3\. the data that will be sent/);
    r = await run(
      "provider",
      "approve",
      "gemini",
      "--by",
      "dana",
      "--privacy-review",
      "ok",
      "--data-sent",
      "docs",
    );
    expect(r.stderr).toMatch(/dana may not approve a provider/);
    r = await run(
      "provider",
      "approve",
      "gemini",
      "--by",
      "sam",
      "--privacy-review",
      "No training; 30-day retention",
      "--data-sent",
      "Internal docs",
    );
    expect(r.code).toBe(0);
    text = readFileSync(file, "utf8");
    expect(text).toMatch(/status: approved/);
    expect(text).toMatch(/approved_by: sam\n {6}approved_at: "2026-03-01"\n {6}validation: true/);
    expect(comments(text)).toEqual(comments(POLICY));
  });

  it("refuses a requester approving their own request", async () => {
    const { run } = project();
    await run(
      "provider",
      "request",
      "gemini",
      "--business-case",
      "x",
      "--kind",
      "gemini",
      "--by",
      "sam",
      "--privacy-review",
      "ok",
      "--data-sent",
      "docs",
    );
    expect((await run("provider", "approve", "gemini", "--by", "sam")).stderr).toMatch(
      /sam requested provider gemini and may not approve it too/,
    );
  });
});

describe("setIn (splicing edits)", () => {
  it("sets any string so that it reads back as the same string, and leaves the rest untouched", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), fc.constantFrom("providers", "people"), (value, section) => {
        const out = setIn(POLICY, [section, "x", "note"], value);
        expect(parseDocument(out).getIn([section, "x", "note"])).toBe(value);
        expect(out.startsWith(POLICY.slice(0, POLICY.indexOf(section + ":")))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});
