// npm run bench:fingerprint: build, file size, load time, memory and scanner throughput with
// 1 million fingerprinted values. Uses the compiled package (dist/); the npm script builds first.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { mixedCorpus, rng } from "./corpus.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { FingerprintBuilder } = await import(join(root, "dist/detect/fingerprints/build.js"));
const { parsePolicy } = await import(join(root, "dist/policy/load.js"));
const { Engine, defaultPolicyEngine } = await import(join(root, "dist/enforce/engine.js"));

const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, "").split("=")));
const VALUES = Number(args.get("values") ?? 1_000_000);
const MB = Number(args.get("mb") ?? 16);
const RUNS = Number(args.get("runs") ?? 5);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const gc = () => globalThis.gc?.();
// Wall time and this process's CPU time: on a shared machine the second shows what the code costs.
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const heapMB = () => {
  gc();
  const m = process.memoryUsage();
  return (m.heapUsed + m.arrayBuffers) / 2 ** 20;
};

console.log("# policygate fingerprint benchmark");
console.log(
  `machine: ${cpus()[0]?.model ?? "?"} x${cpus().length}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`,
);

// Synthetic people and companies: first x last names, and invented company names.
const r = rng(7);
const syll = "ka lo mi sa ta re no vi da be ru zo fe ga hi ju ny po qu wa xe ye ol an er in".split(" ");
const word = (n) => {
  let s = "";
  for (let i = 0; i < n; i++) s += syll[Math.floor(r() * syll.length)];
  return s[0].toUpperCase() + s.slice(1);
};
const SUFFIX = ["Logistics", "Holdings", "Ltd", "GmbH", "Partners", "Labs", "Foods", "Systems"];
const values = [];
for (let i = 0; i < VALUES; i++) {
  values.push(
    i % 3 === 2
      ? `${word(3)} ${word(2)} ${SUFFIX[Math.floor(r() * SUFFIX.length)]}`
      : `${word(2 + Math.floor(r() * 2))} ${word(3)}`,
  );
}

const dir = mkdtempSync(join(tmpdir(), "pg-fp-bench-"));
try {
  let t0 = performance.now();
  const b = new FingerprintBuilder({ class: "confidential", label: "customer" });
  for (const v of values) b.add(v);
  const { bytes } = b.finish();
  const buildMs = performance.now() - t0;
  const file = join(dir, "customers.pgfp");
  writeFileSync(file, bytes);
  const policy = `data_dictionary:\n  fingerprints:\n    - file: customers.pgfp\n`;
  writeFileSync(join(dir, "policygate.yaml"), policy);

  console.log(`\n## ${VALUES.toLocaleString("en")} values`);
  console.log(
    `build:      ${buildMs.toFixed(0)} ms (${b.stats.count.toLocaleString("en")} distinct fingerprints)`,
  );
  console.log(
    `file size:  ${(statSync(file).size / 2 ** 20).toFixed(1)} MiB (${(statSync(file).size / b.stats.count).toFixed(1)} bytes per value)`,
  );

  const loads = [];
  const loadCpu = [];
  let loaded;
  const before = heapMB();
  for (let i = 0; i < 3; i++) {
    t0 = performance.now();
    const c0 = cpuMs();
    const res = parsePolicy(readFileSync(join(dir, "policygate.yaml"), "utf8"), {
      file: "policygate.yaml",
      baseDir: dir,
    });
    if (!res.ok) throw new Error(JSON.stringify(res.errors));
    loaded = res.value;
    loads.push(performance.now() - t0);
    loadCpu.push(cpuMs() - c0);
  }
  const engine = new Engine(loaded);
  const after = heapMB();
  console.log(
    `load:       ${median(loads).toFixed(0)} ms wall, ${median(loadCpu).toFixed(0)} ms CPU (policy with the file: read, check, build the lookup table; median of 3)`,
  );
  console.log(
    `memory:     ${(loaded.fingerprints[0].set.memoryBytes / 2 ** 20).toFixed(1)} MiB lookup table and filter (heap + buffers grew ${(after - before).toFixed(0)} MiB over 3 loads and the engine)`,
  );

  // The mixed corpus with some fingerprinted values sprinkled in, so matches are part of the cost.
  let corpus = mixedCorpus(MB * 1e6);
  const parts = corpus.split(". ");
  for (let i = 0; i < parts.length; i += 40) parts[i] += ` for ${values[(i * 7919) % values.length]}`;
  corpus = parts.join(". ");
  const mb = corpus.length / 1e6;

  const throughput = (scan) => {
    scan(corpus.slice(0, 1e6));
    const variants = Array.from({ length: RUNS }, (_, i) => `${corpus} ${i}`);
    for (const v of variants) v.charCodeAt(v.length >> 1); // flatten before timing
    const ts = [];
    const cs = [];
    let n = 0;
    for (let i = 0; i < RUNS; i++) {
      const s = performance.now();
      const c = cpuMs();
      // A new string each run, so nothing computed for the previous run is reused.
      n = scan(variants[i]);
      ts.push(performance.now() - s);
      cs.push(cpuMs() - c);
    }
    return { mbps: mb / (median(ts) / 1000), cpu: mb / (median(cs) / 1000), n };
  };
  const set = loaded.fingerprints[0].set;
  const alone = throughput((t) => set.match(t).length);
  const base = throughput((t) => defaultPolicyEngine().scan(t).length);
  const withFp = throughput((t) => engine.scan(t).length);
  console.log(`\n## scan (${mb.toFixed(1)} MB mixed corpus, ${RUNS} runs, median)`);
  const row = (name, r, extra = "") =>
    console.log(
      `${name.padEnd(34)} ${r.mbps.toFixed(0).padStart(4)} MB/s wall, ${r.cpu.toFixed(0).padStart(4)} MB/s per CPU second${extra}`,
    );
  row("fingerprint pass alone:", alone, ` (${alone.n} values found)`);
  row("scanner without fingerprints:", base);
  row(`scanner with ${VALUES.toLocaleString("en")} fingerprints:`, withFp);
  console.log(
    `load average while measuring: ${loadavg()
      .map((x) => x.toFixed(1))
      .join(" ")} (${cpus().length} cores)`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
