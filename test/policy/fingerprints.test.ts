import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decideInput } from "../../src/enforce/decide.js";
import { Engine } from "../../src/enforce/engine.js";
import { formatPolicyError } from "../../src/policy/errors.js";
import { loadPolicyFile } from "../../src/policy/load.js";
import { buildFile } from "../detect/fingerprints/helpers.js";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "pg-fp-policy-"));
  writeFileSync(
    join(dir, "names.pgfp"),
    buildFile(["Jane Okafor", "Zoë Ångström"], { label: "customer_name" }),
  );
  writeFileSync(join(dir, "companies.pgfp"), buildFile(["Brightwater Logistics"], { label: "company" }));
  writeFileSync(join(dir, "keyed.pgfp"), buildFile(["Jane Okafor"], { label: "vip", secret: "k" }));
  writeFileSync(join(dir, "broken.pgfp"), "name\nJane Okafor\n");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function policy(name: string, yaml: string): string {
  const path = join(dir, name);
  writeFileSync(path, yaml);
  return path;
}

const errorsOf = (path: string) => {
  const r = loadPolicyFile(path);
  expect(r.ok).toBe(false);
  return r.ok ? [] : r.errors.map(formatPolicyError);
};

const TWO_FILES = `
data_dictionary:
  fingerprints:
    - file: names.pgfp
    - file: companies.pgfp
      kind: company_name
`;

describe("data_dictionary.fingerprints", () => {
  it("loads the files with the policy and finds their values as Confidential findings", () => {
    const r = loadPolicyFile(policy("two.yaml", TWO_FILES));
    if (!r.ok) throw new Error(r.errors.map(formatPolicyError).join("\n"));
    const engine = new Engine(r.value);
    const text = "Jane Okafor from Brightwater Logistics asked for a refund";
    const findings = engine.scan(text);
    expect(findings.map((f) => [f.detector, f.class, text.slice(f.start, f.end)])).toEqual([
      ["fingerprint:customer_name", "confidential", "Jane Okafor"],
      ["fingerprint:company", "confidential", "Brightwater Logistics"],
    ]);
    // Findings carry position, never the value.
    expect(JSON.stringify(findings)).not.toContain("Okafor");

    const d = decideInput(engine, [{ text }]);
    expect(d.action).toBe("redact");
    expect(d.texts).toEqual(["[CUSTOMER_NAME_1] from [COMPANY_NAME_1] asked for a refund"]);
    expect(d.rules.map((x) => x.rule)).toEqual(
      expect.arrayContaining(["data_dictionary.fingerprints[0]", "data_dictionary.fingerprints[1]"]),
    );
    expect(JSON.stringify(d.rules)).not.toContain("Okafor");
  });

  it("lets the policy move a file's findings to another class and run them in audit mode", () => {
    const r = loadPolicyFile(
      policy(
        "restricted.yaml",
        "data_dictionary:\n  fingerprints:\n    - { file: names.pgfp, class: restricted, id: vip }\n",
      ),
    );
    if (!r.ok) throw new Error(r.errors.map(formatPolicyError).join("\n"));
    const d = decideInput(new Engine(r.value), [{ text: "about Zoe Angstrom" }]);
    expect(d.action).toBe("block");
    expect(d.findings[0]).toMatchObject({ detector: "fingerprint:vip", class: "restricted" });
  });

  it("a missing file is a load error naming the entry and the file", () => {
    const errors = errorsOf(
      policy("missing.yaml", "data_dictionary:\n  fingerprints:\n    - file: nowhere/customers.pgfp\n"),
    );
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      /missing\.yaml:3:\d+ data_dictionary\.fingerprints\[0\]\.file: .*nowhere\/customers\.pgfp: no such file/,
    );
    expect(errors[0]).toContain("policygate fingerprint");
  });

  it("a file that is not a fingerprint file is a load error", () => {
    const errors = errorsOf(
      policy("broken.yaml", "data_dictionary:\n  fingerprints:\n    - file: broken.pgfp\n"),
    );
    expect(errors[0]).toMatch(
      /data_dictionary\.fingerprints\[0\]\.file: .*broken\.pgfp: not a fingerprint file/,
    );
    // The file's content (a value) is never repeated in the message.
    expect(errors.join("\n")).not.toContain("Okafor");
  });

  it("two entries with one id, and keys that do not fit the file, are errors", () => {
    expect(
      errorsOf(
        policy(
          "dup.yaml",
          "data_dictionary:\n  fingerprints:\n    - file: names.pgfp\n    - file: names.pgfp\n",
        ),
      )[0],
    ).toMatch(/fingerprints\[1\]: fingerprint id "customer_name" is already used/);
    expect(
      errorsOf(policy("nokey.yaml", "data_dictionary:\n  fingerprints:\n    - file: keyed.pgfp\n"))[0],
    ).toMatch(/built with a secret key; name the environment variable/);
    expect(
      errorsOf(
        policy(
          "unset.yaml",
          "data_dictionary:\n  fingerprints:\n    - { file: keyed.pgfp, key_env: PG_TEST_FP_KEY_UNSET }\n",
        ),
      )[0],
    ).toMatch(/needs the secret in \$PG_TEST_FP_KEY_UNSET, which is not set/);
    expect(
      errorsOf(
        policy("badkey.yaml", "data_dictionary:\n  fingerprints:\n    - { file: names.pgfp, nope: 1 }\n"),
      )[0],
    ).toMatch(/nope/);
  });

  it("a rebuilt file is a new policy revision, read when the policy is loaded again", () => {
    const path = policy("reload.yaml", "data_dictionary:\n  fingerprints:\n    - file: reload.pgfp\n");
    writeFileSync(join(dir, "reload.pgfp"), buildFile(["Jane Okafor"]));
    const a = loadPolicyFile(path);
    writeFileSync(join(dir, "reload.pgfp"), buildFile(["Brightwater Logistics"]));
    const b = loadPolicyFile(path);
    if (!a.ok || !b.ok) throw new Error("does not load");
    expect(a.value.revision).not.toBe(b.value.revision);
    const text = "Jane Okafor of Brightwater Logistics";
    expect(new Engine(a.value).scan(text).map((f) => text.slice(f.start, f.end))).toEqual(["Jane Okafor"]);
    expect(new Engine(b.value).scan(text).map((f) => text.slice(f.start, f.end))).toEqual([
      "Brightwater Logistics",
    ]);
  });

  it("a policy without fingerprint files has the same revision as one with an empty data dictionary", () => {
    const r = loadPolicyFile(policy("plain.yaml", "organisation: { name: Acme }\n"));
    const withEmpty = loadPolicyFile(
      policy("plain2.yaml", "organisation: { name: Acme }\ndata_dictionary: {}\n"),
    );
    if (!r.ok || !withEmpty.ok) throw new Error("does not load");
    expect(r.value.revision).toBe(withEmpty.value.revision);
    expect(r.value.fingerprints).toEqual([]);
  });
});
