import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import { afterEach, expect, it } from "vitest";
import { SqliteAuditStore } from "../../src/audit/sqlite.js";
import { verifyChain } from "../../src/audit/verify.js";
import { startTestGateway } from "../helpers/gateway.js";
import { startMockUpstream } from "../helpers/mock-upstream.js";

const POLICY = `
providers:
  openai: { kind: openai, api_key_env: OPENAI_API_KEY, base_url: "{{UPSTREAM}}/v1", environments: [development] }
integrations:
  support-bot: { providers: [openai] }
`;

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

for (const synchronous of ["normal", "full"] as const) {
  it(`a gateway under concurrent calls leaves one unbroken chain (sqlite, sync=${synchronous})`, async () => {
    dir = mkdtempSync(join(tmpdir(), "pg-gw-chain-"));
    const upstream = await startMockUpstream();
    const store = SqliteAuditStore.open(join(dir, "audit.sqlite"), { synchronous });
    const gw = await startTestGateway(POLICY, { upstream: upstream.url, store });
    const openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: "pgk_test_support", maxRetries: 0 });
    await Promise.all(
      Array.from({ length: 120 }, (_, i) =>
        openai.chat.completions.create({
          model: "m",
          messages: [{ role: "user", content: `question ${i}` }],
        }),
      ),
    );
    await gw.close();
    await upstream.close();
    const again = SqliteAuditStore.open(join(dir, "audit.sqlite"), { create: false });
    const r = await verifyChain(again);
    await again.close();
    expect(r.problems).toEqual([]);
    expect(r).toMatchObject({ ok: true, events: 120, chained: 120 });
  });
}
