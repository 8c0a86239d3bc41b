import { execFile } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { parseDocument } from "yaml";
import { openAuditStore } from "../../src/audit/open.js";
import { startMockUpstream, type MockUpstream } from "../helpers/mock-upstream.js";

const run = promisify(execFile);
const root = join(import.meta.dirname, "..", "..");
const readme = readFileSync(join(root, "README.md"), "utf8");
const EMAIL = "jane.okafor@brightwater.example";

function sdkBlocks(): string[] {
  const from = readme.indexOf("## The SDK guard");
  const to = readme.indexOf("\n## ", from + 1);
  return [...readme.slice(from, to).matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

let mock: MockUpstream;
beforeAll(async () => {
  mock = await startMockUpstream();
});
afterAll(() => mock.close());
beforeEach(() => mock.reset());

describe("README: the SDK guard", () => {
  it("shows exactly the example files", () => {
    expect(sdkBlocks()).toEqual([
      readFileSync(join(root, "examples/sdk/openai.ts"), "utf8"),
      readFileSync(join(root, "examples/sdk/anthropic.ts"), "utf8"),
    ]);
  });

  // Each example runs as its own process, as a user would run it: the example policy pointed at the
  // mock provider, keys in the environment variables the policy names, the audit log in the data dir.
  for (const name of ["openai", "anthropic"]) {
    it(`runs examples/sdk/${name}.ts against the mock provider`, { timeout: 60_000 }, async () => {
      const dir = mkdtempSync(join(tmpdir(), "pg-sdk-example-"));
      const doc = parseDocument(readFileSync(join(root, "examples/balanced.policygate.yaml"), "utf8"));
      doc.setIn(["providers", "openai", "base_url"], `${mock.url}/v1`);
      doc.setIn(["providers", "anthropic", "base_url"], mock.url);
      writeFileSync(join(dir, "policygate.yaml"), doc.toString());
      copyFileSync(join(root, "examples/data-classification.csv"), join(dir, "data-classification.csv"));
      const code = readFileSync(join(root, `examples/sdk/${name}.ts`), "utf8").replace(
        `from "policygate"`,
        `from ${JSON.stringify(pathToFileURL(join(root, "src/index.ts")).href)}`,
      );
      // Inside test/ so the SDKs resolve from the project's node_modules (gitignored scratch name).
      const file = join(root, "test", `.readme-example-sdk-${name}-${process.pid}.ts`);
      writeFileSync(file, code);
      try {
        const { stdout } = await run(
          process.execPath,
          ["--import", pathToFileURL(join(root, "node_modules/tsx/dist/loader.mjs")).href, file],
          {
            cwd: dir,
            env: {
              PATH: process.env.PATH,
              OPENAI_API_KEY: "sk-example-openai",
              ANTHROPIC_API_KEY: "sk-ant-example",
              POLICYGATE_ENV: "development",
              POLICYGATE_DATA_DIR: join(dir, ".policygate"),
            },
          },
        );
        expect(stdout).toBe("Echo: Customer [EMAIL_1] asks about invoice 42\n");
      } finally {
        rmSync(file, { force: true });
      }
      expect(mock.requests).toHaveLength(1);
      expect(JSON.stringify(mock.requests[0]!.body)).not.toContain(EMAIL);
      const store = await openAuditStore(undefined, { dataDir: join(dir, ".policygate"), create: false });
      const events = await store.query({});
      await store.close();
      expect(events.map((e) => [e.source, e.provider, e.input.decision])).toEqual([["sdk", name, "redact"]]);
    });
  }
});
