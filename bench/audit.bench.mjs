// node bench/audit.bench.mjs (after npm run build): audit store appends per second and the event
// loop's longest pause, for awaited single appends and for many concurrent callers (group commit).
// --postgres=postgres://USER@HOST/DB (or POLICYGATE_TEST_POSTGRES_URL) adds the PostgreSQL store,
// each row in a schema of its own that is dropped afterwards.
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { SqliteAuditStore } = await import(join(root, "dist/audit/sqlite.js"));
const { JsonlAuditStore } = await import(join(root, "dist/audit/jsonl.js"));
const { PostgresAuditStore } = await import(join(root, "dist/audit/postgres.js"));
const { ulid } = await import(join(root, "dist/audit/ulid.js"));
const pg = (await import("pg")).default;

const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, "").split("=")));
const SECONDS = Number(args.get("seconds") ?? 2);
const dir = mkdtempSync(join(args.get("dir") ?? tmpdir(), "pg-audit-bench-"));
const pgUrl = args.get("postgres") ?? process.env.POLICYGATE_TEST_POSTGRES_URL;

function event(i) {
  return {
    id: ulid(),
    ts: new Date().toISOString(),
    request_id: `req-${i}`,
    policy_revision: "0".repeat(64),
    source: "gateway",
    environment: "production",
    integration: `integration-${i % 5}`,
    user: `user_${i % 1000}`,
    provider: i % 2 ? "anthropic" : "openai",
    model: "model-x",
    endpoint: "anthropic.messages",
    stream: false,
    input: {
      decision: i % 10 === 0 ? "redact" : "allow",
      enforced_decision: "allow",
      highest_class: i % 10 === 0 ? "confidential" : "internal",
      restricted_detected: false,
      findings: i % 10 === 0 ? { email: 1 } : {},
      classes_sent: ["internal"],
      rules: [],
    },
    output: { decision: "allow", enforced_decision: "allow", findings: {}, rules: [] },
    status: "success",
    http_status: 200,
    error: null,
    latency_ms: { total: 812, upstream: 800, gateway: 12 },
    tokens: { input: 300, output: 120 },
  };
}

const pct = (xs, p) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

/** `callers` loops, each appending and awaiting, for SECONDS; like gateway requests in flight. */
async function run(name, store, callers) {
  const h = monitorEventLoopDelay({ resolution: 1 });
  const lat = [];
  let n = 0;
  const end = performance.now() + SECONDS * 1000;
  h.enable();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (performance.now() < end) {
        const s = performance.now();
        await store.append(event(n++));
        lat.push(performance.now() - s);
      }
    }),
  );
  const dt = (performance.now() - t0) / 1000;
  h.disable();
  const stats = store.stats ? `, ${(store.stats.events / store.stats.commits).toFixed(1)} events/commit` : "";
  console.log(
    `${name.padEnd(34)} ${String(Math.round(n / dt)).padStart(7)} appends/s  append p50 ${pct(lat, 50).toFixed(2)} ms, p99 ${pct(lat, 99).toFixed(2)} ms; loop delay p99 ${(h.percentile(99) / 1e6).toFixed(1)} ms, max ${(h.max / 1e6).toFixed(1)} ms${stats}`,
  );
  await store.close();
}

/**
 * An open loop at `rate` appends/s, the way a gateway produces events whatever the disk does: how
 * long the loop stalls is the delay every request in the process sees.
 */
async function steady(name, store, rate) {
  const h = monitorEventLoopDelay({ resolution: 1 });
  const lat = [];
  const pending = [];
  let n = 0;
  const t0 = performance.now();
  h.enable();
  while (performance.now() - t0 < SECONDS * 1000) {
    const due = Math.floor(((performance.now() - t0) / 1000) * rate);
    for (; n < due; n++) {
      const s = performance.now();
      pending.push(store.append(event(n)).then(() => lat.push(performance.now() - s)));
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  await Promise.all(pending);
  h.disable();
  console.log(
    `${name.padEnd(34)} ${String(rate).padStart(7)} appends/s  append p50 ${pct(lat, 50).toFixed(2)} ms, p99 ${pct(lat, 99).toFixed(2)} ms; loop delay p50 ${(h.percentile(50) / 1e6).toFixed(1)} ms, p99 ${(h.percentile(99) / 1e6).toFixed(1)} ms`,
  );
  await store.close();
}

console.log(`# audit store benchmark (${SECONDS}s per row, files in ${dir})`);
console.log(`machine: ${cpus()[0]?.model ?? "?"} x${cpus().length}, node ${process.version}`);
for (const callers of [1, 100]) {
  await run(`sqlite, ${callers} caller(s)`, SqliteAuditStore.open(join(dir, `g${callers}.sqlite`)), callers);
  await run(
    `sqlite no grouping, ${callers} caller(s)`,
    SqliteAuditStore.open(join(dir, `s${callers}.sqlite`), { maxBatch: 1 }),
    callers,
  );
  await run(
    `jsonl, ${callers} caller(s)`,
    await JsonlAuditStore.open(join(dir, `j${callers}.jsonl`)),
    callers,
  );
}
if (pgUrl) {
  const admin = new pg.Client({ connectionString: pgUrl });
  await admin.connect();
  let k = 0;
  const fresh = async (opts = {}) => {
    const schema = `policygate_audit_bench_${process.pid}_${k++}`;
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema}`);
    return PostgresAuditStore.open(pgUrl, { ...opts, schema });
  };
  for (const callers of [1, 100]) {
    await run(`postgres, ${callers} caller(s)`, await fresh(), callers);
    await run(`postgres no grouping, ${callers} caller(s)`, await fresh({ maxBatch: 1 }), callers);
  }
  for (let i = 0; i < k; i++)
    await admin.query(`DROP SCHEMA IF EXISTS policygate_audit_bench_${process.pid}_${i} CASCADE`);
  await admin.end();
} else console.log("(no --postgres=URL or POLICYGATE_TEST_POSTGRES_URL: PostgreSQL rows skipped)");
for (const rate of [1000, 5000]) {
  await steady(`sqlite at a steady rate`, SqliteAuditStore.open(join(dir, `r${rate}.sqlite`)), rate);
  await steady(`jsonl at a steady rate`, await JsonlAuditStore.open(join(dir, `r${rate}.jsonl`)), rate);
}
rmSync(dir, { recursive: true, force: true });
