// npm run bench:guard: what guard() adds to a call, against the bare SDK on the same local upstream.
// One call at a time, bare and guarded alternating so drift on a shared machine hits both alike.
// 2 KB prompts (one email, redacted by the guard). Variants: the guard with the default SQLite audit
// store, and with a store that discards events (the guard's own cost without the disk).
// Options: --n=CALLS per variant (default 2000), --stream (streamed answers too).
import { fork } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import OpenAI from "openai";
import { decideInput, Engine, guard, parsePolicy } from "../dist/index.js";
import { prompt2k } from "./corpus.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, "").split("=")));
const n = Number(args.get("n") ?? 2000);
const withStream = args.has("stream");

const upstream = await new Promise((resolve, reject) => {
  const child = fork(join(here, "upstream-server.mjs"), [], {
    env: { ...process.env, CHUNK_MS: "0" },
    stdio: ["ignore", "pipe", "inherit", "ipc"],
  });
  child.stdout.on("data", (d) => {
    const m = /PORT (\d+)/.exec(String(d));
    if (m) resolve({ child, url: `http://127.0.0.1:${m[1]}` });
  });
  child.on("exit", (c) => reject(new Error(`upstream exited ${c}`)));
});

const loaded = parsePolicy(
  `
environments: [development]
environment: development
providers:
  openai:
    kind: openai
    api_key_env: BENCH_OPENAI_KEY
    base_url: "${upstream.url}/v1"
    environments: [development]
    max_class: internal
integrations:
  bench:
    providers: [openai]
`,
  { file: "bench.yaml" },
);
if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));

const env = { BENCH_OPENAI_KEY: "sk-bench" };
const nullStore = {
  description: "discard",
  append: async () => {},
  query: async () => [],
  count: async () => 0,
  close: async () => {},
};
const dir = mkdtempSync(join(tmpdir(), "pg-bench-guard-"));
const bare = new OpenAI({ apiKey: "sk-bench", baseURL: `${upstream.url}/v1`, maxRetries: 0 });
const base = { policy: loaded.value, integration: "bench", env };
const guardedSqlite = guard(bare, { ...base, audit: `sqlite:${join(dir, "audit.sqlite")}` });
const guardedNull = guard(bare, { ...base, audit: nullStore });

const prompt = prompt2k();
const messages = [
  { role: "system", content: "You are a support assistant." },
  { role: "user", content: prompt },
];

async function once(client, stream) {
  const t = performance.now();
  if (stream) {
    const s = await client.chat.completions.create({ model: "gpt-4o-mini", messages, stream: true });
    for await (const _ of s);
  } else {
    await client.chat.completions.create({ model: "gpt-4o-mini", messages });
  }
  return performance.now() - t;
}

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

async function compare(label, guarded, stream) {
  for (let i = 0; i < 200; i++) {
    await once(bare, stream);
    await once(guarded, stream);
  }
  const b = [];
  const g = [];
  for (let i = 0; i < n; i++) {
    b.push(await once(bare, stream));
    g.push(await once(guarded, stream));
  }
  const row = [pct(b, 50), pct(b, 99), pct(g, 50), pct(g, 99)];
  console.log(
    `| ${label} | ${row.map((x) => x.toFixed(3) + " ms").join(" | ")} | ${(row[2] - row[0]).toFixed(3)} ms | ${(row[3] - row[1]).toFixed(3)} ms |`,
  );
}

console.log(
  `guard() overhead, ${n} calls per variant, 2 KB prompt, node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}`,
);
console.log("\n| variant | bare p50 | bare p99 | guarded p50 | guarded p99 | added p50 | added p99 |");
console.log("|---|---|---|---|---|---|---|");
await compare("non-streamed, audit discarded", guardedNull, false);
await compare("non-streamed, SQLite audit", guardedSqlite, false);
if (withStream) {
  await compare("streamed, audit discarded", guardedNull, true);
  await compare("streamed, SQLite audit", guardedSqlite, true);
}

// The share of the added time that is the policy scan itself (the same engine the gateway runs).
const engine = new Engine(loaded.value);
const parts = messages.map((m) => ({ text: m.content }));
for (let i = 0; i < 200; i++) decideInput(engine, parts);
const scan = [];
for (let i = 0; i < n; i++) {
  const t = performance.now();
  decideInput(engine, parts);
  scan.push(performance.now() - t);
}
console.log(
  `\ninput scan of the same prompt (decideInput, in process): p50 ${pct(scan, 50).toFixed(3)} ms, p99 ${pct(scan, 99).toFixed(3)} ms`,
);
upstream.child.kill();
