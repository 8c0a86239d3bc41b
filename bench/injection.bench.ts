// Prompt-injection detector on the labelled corpus: precision, recall and false-positive rate per
// subset, and the cost per 2 KB text. Run: npx tsx bench/injection.bench.ts [--show] [--threshold 0.5]
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { scoreInjection } from "../src/detect/injection/index.js";

interface Row {
  id: string;
  text: string;
  lang: string;
  subset: string;
}

const args = process.argv.slice(2);
const show = args.includes("--show");
const ti = args.indexOf("--threshold");
const threshold = ti >= 0 ? Number(args[ti + 1]) : 0.5;
const root = join(import.meta.dirname, "../test/fixtures/injection");

function load(kind: "positives" | "negatives"): Row[] {
  const dir = join(root, kind);
  return readdirSync(dir)
    .filter((f) => f.endsWith(".jsonl"))
    .sort()
    .flatMap((f) =>
      readFileSync(join(dir, f), "utf8")
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Row),
    );
}

const flagged = (text: string) => scoreInjection(text).score >= threshold;
const pct = (x: number) => (x * 100).toFixed(1) + "%";

const positives = load("positives");
const negatives = load("negatives");
let tp = 0;
let fp = 0;
const bySubset = new Map<string, { n: number; hit: number; misses: string[] }>();
const tally = (r: Row, hit: boolean) => {
  const s = bySubset.get(r.subset) ?? { n: 0, hit: 0, misses: [] };
  s.n++;
  if (hit) s.hit++;
  else s.misses.push(r.id);
  bySubset.set(r.subset, s);
};
for (const r of positives) {
  const hit = flagged(r.text);
  if (hit) tp++;
  tally(r, hit);
}
const fpRows: string[] = [];
for (const r of negatives) {
  const hit = flagged(r.text);
  if (hit) {
    fp++;
    fpRows.push(r.id);
  }
  tally(r, !hit);
}
const byLang = new Map<string, { n: number; hit: number }>();
for (const r of positives.filter((p) => p.subset === "non-english")) {
  const s = byLang.get(r.lang) ?? { n: 0, hit: 0 };
  s.n++;
  if (flagged(r.text)) s.hit++;
  byLang.set(r.lang, s);
}

console.log(
  `injection corpus at threshold ${threshold}: ${positives.length} positives, ${negatives.length} negatives`,
);
console.log(
  `overall  precision ${pct(tp / Math.max(1, tp + fp))}  recall ${pct(tp / positives.length)}  false-positive rate ${pct(fp / negatives.length)}`,
);
console.log("\npositives (recall):");
for (const s of ["direct", "indirect", "obfuscated", "non-english"]) {
  const v = bySubset.get(s);
  if (v)
    console.log(
      `  ${s.padEnd(20)} ${String(v.hit).padStart(4)}/${String(v.n).padEnd(4)} ${pct(v.hit / v.n)}`,
    );
}
console.log("  non-english by language: " + [...byLang].map(([l, v]) => `${l} ${v.hit}/${v.n}`).join(", "));
console.log("\nnegatives (false-positive rate):");
for (const [s, v] of bySubset) {
  if (["direct", "indirect", "obfuscated", "non-english"].includes(s)) continue;
  console.log(
    `  ${s.padEnd(20)} ${String(v.n - v.hit).padStart(4)}/${String(v.n).padEnd(4)} ${pct((v.n - v.hit) / v.n)}`,
  );
}
if (show) {
  for (const [s, v] of bySubset) if (v.misses.length) console.log(`\n${s} wrong: ${v.misses.join(" ")}`);
}

// Cost: 2 KB texts built from the corpus (benign and injected), many samples.
const pool = [...negatives, ...positives].map((r) => r.text);
const samples: string[] = [];
for (let i = 0; samples.length < 400; i++) {
  let t = "";
  for (let k = i; t.length < 2048; k += 7) t += pool[k % pool.length] + "\n\n";
  samples.push(t.slice(0, 2048));
}
for (let w = 0; w < 3; w++) for (const t of samples) scoreInjection(t);
const times: number[] = [];
for (let round = 0; round < 5; round++) {
  for (const t of samples) {
    const t0 = process.hrtime.bigint();
    scoreInjection(t);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
}
times.sort((a, b) => a - b);
const q = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))]!;
console.log(
  `\ncost per 2 KB text over ${times.length} runs: p50 ${q(0.5).toFixed(3)} ms, p99 ${q(0.99).toFixed(3)} ms, max ${q(1).toFixed(3)} ms`,
);
