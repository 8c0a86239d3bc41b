// npm run bench: scanner throughput, per-call latency, a naive baseline, and accuracy.
// Uses the compiled package (dist/), so run `npm run build` first (the npm script does).
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { mixedCorpus, prompt2k } from "./corpus.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { defaultPolicyEngine, Engine } = await import(join(root, "dist/enforce/engine.js"));
const { parsePolicy } = await import(join(root, "dist/policy/load.js"));
const { decideInput } = await import(join(root, "dist/enforce/decide.js"));
const { builtinDetectors } = await import(join(root, "dist/detect/catalogue.js"));

const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, "").split("=")));
const MB = Number(args.get("mb") ?? 32);
const RUNS = Number(args.get("runs") ?? 5);
const quick = args.has("quick");

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pct = (xs, p) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

console.log(`# policygate scanner benchmark`);
console.log(
  `machine: ${cpus()[0]?.model ?? "?"} x${cpus().length}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`,
);
const engine = defaultPolicyEngine();
console.log(
  `catalogue: ${builtinDetectors().length} built-in detectors (input direction: ${engine.scanner.detectorIds("input").length})`,
);

// --- throughput ---------------------------------------------------------------------------------
const corpus = mixedCorpus(MB * 1e6);
const mb = corpus.length / 1e6;
engine.scan(corpus.slice(0, 2e6));
const times = [];
let findings = 0;
for (let i = 0; i < RUNS; i++) {
  const t0 = performance.now();
  findings = engine.scan(corpus).length;
  times.push(performance.now() - t0);
}
const mbps = mb / (median(times) / 1000);
console.log(`\n## throughput (${mb.toFixed(1)} MB mixed corpus, ${RUNS} runs, median)`);
console.log(
  `policygate scan:   ${mbps.toFixed(0)} MB/s  (${findings} findings, ${(findings / (corpus.length / 1000)).toFixed(2)} per KB)`,
);

// The article's input validator: nine regexes, one after another, as its Python example runs them.
const NAIVE = [
  /api[_-]?key\s*[:=]\s*\S+/gi,
  /secret[_-]?key\s*[:=]\s*\S+/gi,
  /password\s*[:=]\s*\S+/gi,
  /auth[_-]?token\s*[:=]\s*\S+/gi,
  /sk-[A-Za-z0-9-]{20,}/gi,
  /Bearer\s+[A-Za-z0-9\-._~+/]+=*/gi,
  /\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Z|a-z]{2,}\b/g,
  /\b\d{3}[-.\s]?\d{3}[-.\s]?\d{4}\b/g,
  /\b\d{3}-\d{2}-\d{4}\b/g,
];
const naiveTimes = [];
let naiveHits = 0;
for (let i = 0; i < RUNS; i++) {
  const t0 = performance.now();
  naiveHits = 0;
  for (const re of NAIVE) {
    re.lastIndex = 0;
    while (re.exec(corpus)) naiveHits++;
  }
  naiveTimes.push(performance.now() - t0);
}
const naiveMbps = mb / (median(naiveTimes) / 1000);
console.log(
  `naive baseline:    ${naiveMbps.toFixed(0)} MB/s  (the article's 9 regexes run one after another; ${naiveHits} matches)`,
);

// The same corpus without the prompt-injection analyzer (the data detectors only: what a policy
// that sets detectors.builtin.prompt-injection.enabled: false runs), and in the output direction
// (answers: the data detectors plus internal hosts, no injection analyzer).
const noInj = parsePolicy("detectors:\n  builtin:\n    prompt-injection: { enabled: false }\n", {
  file: "<bench>",
});
if (!noInj.ok) throw new Error(JSON.stringify(noInj.errors));
const dataOnly = new Engine(noInj.value);
const through = (f) => {
  f(corpus.slice(0, 2e6));
  const ts = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    f(corpus);
    ts.push(performance.now() - t0);
  }
  return mb / (median(ts) / 1000);
};
console.log(
  `without injection: ${through((t) => dataOnly.scan(t)).toFixed(0)} MB/s  (input direction, the prompt-injection analyzer disabled)`,
);
console.log(`output direction:  ${through((t) => engine.scan(t, "output")).toFixed(0)} MB/s  (answers)`);
console.log(
  `ratio:             ${(mbps / naiveMbps).toFixed(2)}x the naive baseline, with ${builtinDetectors().length} detectors instead of 9`,
);

// --- per call ----------------------------------------------------------------------------------
const p = prompt2k();
const N = quick ? 2000 : 20000;
for (let i = 0; i < 2000; i++) decideInput(engine, [{ text: p }]);
const scanLat = [];
const decideLat = [];
for (let i = 0; i < N; i++) {
  let t0 = performance.now();
  engine.scan(p);
  scanLat.push(performance.now() - t0);
  t0 = performance.now();
  decideInput(engine, [{ text: p }]);
  decideLat.push(performance.now() - t0);
}
console.log(`\n## per call, 2 KB prompt (${N} calls)`);
console.log(
  `scan:          p50 ${(pct(scanLat, 50) * 1000).toFixed(0)} µs   p99 ${(pct(scanLat, 99) * 1000).toFixed(0)} µs`,
);
console.log(
  `decide+redact: p50 ${(pct(decideLat, 50) * 1000).toFixed(0)} µs   p99 ${(pct(decideLat, 99) * 1000).toFixed(0)} µs`,
);
console.log(`rss: ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`);

// --- accuracy on the project's fixtures ---------------------------------------------------------
const fixtures = join(root, "test/fixtures/detectors");
const fam = new Map();
for (const spec of builtinDetectors()) {
  const dir = join(fixtures, spec.id);
  if (!existsSync(dir)) continue;
  const f = fam.get(spec.family) ?? { ng: 0, hit: 0, ok: 0, fp: 0 };
  for (const file of readdirSync(dir).filter((x) => x.endsWith(".txt"))) {
    const text = readFileSync(join(dir, file), "utf8");
    const dir2 = file.includes(".output.") ? "output" : "input";
    const fired = engine.scan(text, dir2).some((x) => x.detector === spec.id);
    if (file.startsWith("ng.")) {
      f.ng++;
      if (fired) f.hit++;
    } else if (file.startsWith("ok.")) {
      f.ok++;
      if (fired) f.fp++;
    }
  }
  fam.set(spec.family, f);
}
console.log(`\n## accuracy on the project's fixtures (test/fixtures/detectors)`);
console.log(`family        recall (ng fixtures)   false positives (ok fixtures)`);
for (const [name, f] of fam) {
  console.log(
    `${name.padEnd(13)} ${`${f.hit}/${f.ng}`.padEnd(8)} ${(f.hit / f.ng).toFixed(3)}        ${`${f.fp}/${f.ok}`.padEnd(8)} ${(f.fp / f.ok).toFixed(3)}`,
  );
}

// --- public sets ------------------------------------------------------------------------------
const evalDir = join(root, "../shared/eval");
if (existsSync(join(evalDir, "score-public.mjs")) && !quick) {
  console.log(`\n## public evaluation sets (${evalDir})`);
  for (const set of ["secretlint-cases", "presidio-synth"]) {
    const out = execFileSync(process.execPath, [join(root, "bin/policygate.js"), "scan", "--jsonl"], {
      input: readFileSync(join(evalDir, `${set}.jsonl`)),
      maxBuffer: 1 << 28,
    });
    const tmp = join(root, `node_modules/.cache-bench-${set}.jsonl`);
    (await import("node:fs")).writeFileSync(tmp, out);
    const report = execFileSync(
      process.execPath,
      [join(evalDir, "score-public.mjs"), join(evalDir, `${set}.jsonl`), tmp, "--show", "0"],
      {
        encoding: "utf8",
      },
    );
    for (const line of report.split("\n")) {
      if (
        /^(recall|false positives|excluding|core span|overall span|rows with a|summary)/.test(line) ||
        /^ {2}(EMAIL|PHONE|CREDIT|IBAN|US_SSN|STREET|PERSON)/.test(line)
      ) {
        console.log(line);
      }
    }
  }
} else if (!quick) console.log(`\n(public sets not found at ${evalDir}; skipped)`);
