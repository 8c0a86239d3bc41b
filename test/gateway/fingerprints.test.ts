import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { buildFile } from "../detect/fingerprints/helpers.js";
import { startMockUpstream, type MockUpstream } from "../helpers/mock-upstream.js";
import { startTestGateway, type TestGateway } from "../helpers/gateway.js";
import type { MemoryStore } from "../helpers/memory-store.js";

const GW_KEY = "pgk_test_support";
const NAMES = ["Jane Okafor", "Zoë Ångström"];
const COMPANIES = ["Brightwater Logistics"];

let dir: string;
let upstream: MockUpstream;
let gw: TestGateway;
let openai: OpenAI;
let anthropic: Anthropic;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "pg-fp-gw-"));
  writeFileSync(join(dir, "names.pgfp"), buildFile(NAMES, { label: "customer_name" }));
  writeFileSync(join(dir, "companies.pgfp"), buildFile(COMPANIES, { label: "company" }));
  upstream = await startMockUpstream();
  gw = await startTestGateway(
    `
providers:
  openai: { kind: openai, api_key_env: OPENAI_API_KEY, base_url: "{{UPSTREAM}}/v1", environments: [development], max_class: confidential }
  anthropic: { kind: anthropic, api_key_env: ANTHROPIC_API_KEY, base_url: "{{UPSTREAM}}", environments: [development], max_class: confidential }
integrations:
  support-bot: { providers: [openai, anthropic] }
data_dictionary:
  fingerprints:
    - file: ${join(dir, "names.pgfp")}
    - file: ${join(dir, "companies.pgfp")}
`,
    { upstream: upstream.url },
  );
  openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: GW_KEY, maxRetries: 0 });
  anthropic = new Anthropic({ baseURL: gw.url, apiKey: GW_KEY, maxRetries: 0 });
});
afterAll(async () => {
  await gw?.close();
  await upstream?.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => upstream.reset());

const events = () => (gw.store as MemoryStore).events;
const noValues = (s: string) => {
  for (const v of [...NAMES, ...COMPANIES, "Okafor", "Brightwater", "Zoe", "zoë"]) expect(s).not.toContain(v);
};

describe("fingerprinted values through the gateway", () => {
  it("a customer and a company are redacted before the model sees them (OpenAI SDK)", async () => {
    await openai.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [
        {
          role: "user",
          content: "Draft a reply to Jane Okafor from Brightwater Logistics about invoice 4411",
        },
      ],
    });
    const sent = JSON.stringify(upstream.requests[0]!.body);
    noValues(sent);
    expect(sent).toContain("Draft a reply to [CUSTOMER_NAME_1] from [COMPANY_1] about invoice 4411");
    const ev = events().at(-1)!;
    expect(ev.input).toMatchObject({
      decision: "redact",
      findings: { "fingerprint:customer_name": 1, "fingerprint:company": 1 },
    });
    noValues(JSON.stringify(ev));
  });

  it("matches however the name is written (Anthropic SDK, accents dropped, upper case)", async () => {
    await anthropic.messages.create({
      model: "claude-sonnet-4-5",
      max_tokens: 50,
      messages: [{ role: "user", content: "Is ZOE ANGSTROM still a customer?" }],
    });
    const sent = JSON.stringify(upstream.requests[0]!.body);
    expect(sent).not.toMatch(/angstrom/i);
    expect(sent).toContain("Is [CUSTOMER_NAME_1] still a customer?");
  });

  it("a name the model produces on its own is caught in a streamed answer", async () => {
    const text = "The account belongs to Jane Okafor, who called yesterday.";
    const i = text.indexOf("Okafor");
    upstream.script({ text, splitAt: [i - 3, i + 2] });
    const stream = await openai.chat.completions.create({
      model: "gpt-4o-mini",
      stream: true,
      messages: [{ role: "user", content: "whose account is 4411?" }],
    });
    let out = "";
    for await (const chunk of stream) out += chunk.choices[0]?.delta?.content ?? "";
    noValues(out);
    expect(out).toBe("The account belongs to [CUSTOMER_NAME_1], who called yesterday.");
    expect(events().at(-1)!.output).toMatchObject({ findings: { "fingerprint:customer_name": 1 } });
  });
});

describe("reloading", () => {
  it("rebuilding a fingerprint file beside the policy reloads the policy", async () => {
    const wdir = mkdtempSync(join(tmpdir(), "pg-fp-watch-"));
    const fp = join(wdir, "names.pgfp");
    writeFileSync(fp, buildFile(["Jane Okafor"], { label: "customer_name" }));
    const yaml = `
providers:
  openai: { kind: openai, api_key_env: OPENAI_API_KEY, base_url: "{{UPSTREAM}}/v1", environments: [development], max_class: confidential }
integrations:
  support-bot: { providers: [openai] }
data_dictionary:
  fingerprints:
    - file: ${fp}
`;
    const policyFile = join(wdir, "policygate.yaml");
    writeFileSync(policyFile, yaml.replaceAll("{{UPSTREAM}}", upstream.url));
    const g = await startTestGateway(yaml, { upstream: upstream.url, extra: { policyFile } });
    try {
      g.gateway.watchPolicy();
      const before = g.gateway.engine.revision;
      const text = "Mr Tobias Wren of Harrow";
      expect(g.gateway.engine.scan(text)).toEqual([]);
      // Written beside and renamed, as `policygate fingerprint` does.
      writeFileSync(fp + ".tmp", buildFile(["Tobias Wren"], { label: "customer_name" }));
      renameSync(fp + ".tmp", fp);
      const deadline = Date.now() + 10_000;
      while (g.gateway.engine.revision === before && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50));
      expect(g.gateway.engine.revision).not.toBe(before);
      const f = g.gateway.engine.scan(text);
      expect(f.map((x) => text.slice(x.start, x.end))).toEqual(["Tobias Wren"]);
    } finally {
      await g.close();
      rmSync(wdir, { recursive: true, force: true });
    }
  });
});
