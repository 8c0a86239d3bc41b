// The gateway as the benchmark runs it: the compiled package, a policy pointing at the bench
// upstream, the real SQLite audit store in a temporary directory, one fixed gateway key.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { Gateway } = await import(join(root, "dist/gateway/server.js"));
const { parsePolicy } = await import(join(root, "dist/policy/load.js"));
const { openAuditStore } = await import(join(root, "dist/audit/open.js"));
const { ulid } = await import(join(root, "dist/audit/ulid.js"));
const { pino } = await import("pino");

const upstream = process.env.UPSTREAM;
const policy = parsePolicy(`
environments: [development]
environment: development
providers:
  openai:
    kind: openai
    api_key_env: OPENAI_API_KEY
    base_url: "${upstream}/v1"
    environments: [development]
    max_class: confidential
integrations:
  bench:
    providers: [openai]
`);
if (!policy.ok) throw new Error(JSON.stringify(policy.errors));
const dataDir = mkdtempSync(join(tmpdir(), "pg-bench-"));
// AUDIT=memory measures the gateway without the store (for profiling only; not a supported mode).
const store =
  process.env.AUDIT === "memory"
    ? {
        description: "memory",
        append: async () => {},
        query: async () => [],
        count: async () => 0,
        close: async () => {},
      }
    : await openAuditStore(process.env.AUDIT || undefined, { dataDir });
const gateway = new Gateway({
  policy: policy.value,
  store,
  keys: { verify: async (k) => (k === "pgk_bench" ? { integration: "bench", id: "bench" } : null) },
  logger: pino({ level: "silent" }),
  env: { OPENAI_API_KEY: "sk-bench" },
  newId: ulid,
});
const port = await gateway.listen(Number(process.env.PORT ?? 0));
process.stdout.write(`PORT ${port}\n`);
process.on("message", (m) => {
  if (m === "rss") process.send({ rss: process.memoryUsage().rss });
});
process.on("SIGINT", () => process.exit(0));
