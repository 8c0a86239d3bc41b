import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadPolicyFile, MAX_POLICY_BYTES, parsePolicy, type LoadResult } from "../../src/policy/load.js";

const dir = mkdtempSync(join(tmpdir(), "policygate-bad-input-"));
function file(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

function errors(r: LoadResult) {
  if (r.ok) throw new Error("expected the policy to be rejected");
  return r.errors;
}

describe("bad input", () => {
  it("treats an empty file (or one with only comments) as the built-in defaults", () => {
    const empty = loadPolicyFile(file("empty.yaml", ""));
    const comments = loadPolicyFile(file("comments.yaml", "# nothing decided yet\n\n"));
    expect(empty.ok && comments.ok).toBe(true);
    if (!empty.ok || !comments.ok) return;
    const p = empty.value.policy;
    expect(p.classes.restricted.action).toBe("block");
    expect(p.classes.confidential.action).toBe("redact");
    expect(p.on_engine_error).toBe("block");
    expect(p.mode).toBe("enforce");
    expect(p.providers).toEqual({});
    expect(comments.value.revision).toBe(empty.value.revision);
  });

  it("rejects a billion-laughs YAML bomb without expanding it", () => {
    const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 10; i++) {
      const prev = String.fromCharCode(96 + i);
      const cur = String.fromCharCode(97 + i);
      lines.push(`${cur}: &${cur} [${Array(9).fill(`*${prev}`).join(",")}]`);
    }
    const [e] = errors(parsePolicy(lines.join("\n"), { file: "bomb.yaml" }));
    expect(e?.message).toMatch(/alias/i);
  });

  it("rejects a file that is not valid UTF-8, pointing at the bad byte", () => {
    const bytes = Buffer.concat([
      Buffer.from("version: 1\nmode: "),
      Buffer.from([0xc3, 0x28]),
      Buffer.from("\n"),
    ]);
    const [e] = errors(loadPolicyFile(file("latin.yaml", bytes)));
    expect(e).toMatchObject({ line: 2, column: 7, message: "the file is not valid UTF-8 text" });
  });

  it("rejects binary data", () => {
    const bytes = Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00, 0x00, 0x00]);
    const [e] = errors(loadPolicyFile(file("binary.yaml", bytes)));
    expect(e?.message).toMatch(/binary data/);
  });

  it("rejects a 3 MB file before parsing it", () => {
    const big = "# padding\n".repeat((3 * 1024 * 1024) / 10);
    expect(big.length).toBeGreaterThan(MAX_POLICY_BYTES);
    const [fromFile] = errors(loadPolicyFile(file("big.yaml", big)));
    expect(fromFile?.message).toMatch(/at most 2097152 bytes/);
    const [fromText] = errors(parsePolicy(big));
    expect(fromText?.message).toMatch(/at most 2097152 bytes/);
  });

  it("rejects a scalar or a list at the top level", () => {
    for (const text of ["just a sentence", "42", "- providers\n- classes\n"]) {
      const [e] = errors(parsePolicy(text));
      expect(e?.message, text).toMatch(/expected a mapping of policy sections/);
    }
  });

  it("rejects duplicate keys, pointing at the second one", () => {
    const [e] = errors(parsePolicy("mode: enforce\nproviders: {}\nmode: audit\n", { file: "dup.yaml" }));
    expect(e).toMatchObject({ file: "dup.yaml", line: 3, column: 1 });
    expect(e?.message).toMatch(/unique/);
  });

  it("rejects explicit YAML tags instead of crashing on the objects they make", () => {
    for (const text of ["providers:\n  x: !!binary aGVsbG8=\n", "organisation: !!set { a, b }\n"]) {
      const [e] = errors(parsePolicy(text));
      expect(e?.message, text).toMatch(/YAML tags such as !!binary/);
      expect(e?.line).toBeGreaterThanOrEqual(1);
    }
  });

  it("names types in the words of the file, not the schema library's", () => {
    const [e] = errors(parsePolicy("providers: [anthropic, openai]\n"));
    expect(e).toMatchObject({ line: 1, column: 12, message: "expected a mapping, got a list" });
  });

  it("reports YAML syntax errors with their position", () => {
    const [e] = errors(parsePolicy("providers:\n  a: [unclosed\nmode: enforce\n"));
    expect(e?.line).toBeGreaterThanOrEqual(2);
    expect(e?.message).toMatch(/^YAML: /);
  });

  it("explains a missing file or a directory instead of throwing", () => {
    expect(errors(loadPolicyFile(join(dir, "missing.yaml")))[0]?.message).toMatch(/ENOENT/);
    expect(errors(loadPolicyFile(dir))[0]?.message).toBe("not a file");
  });
});
