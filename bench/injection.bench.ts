// The prompt-injection detector on its labelled corpus: precision, recall and false-positive rate
// per subset (obfuscated and non-English separately), on the development corpus and on the
// held-out rows, then the cost per 2 KB text.
//   npx tsx bench/injection.bench.ts [--show] [--threshold 0.5]
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { scoreInjection } from "../src/detect/injection/index.js";
import { evaluatePublicSets } from "./injection-public.js";

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
const POSITIVE_SUBSETS = ["direct", "indirect", "obfuscated", "non-english"];

function readJsonl(file: string): Row[] {
  return readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Row);
}

function loadDir(dir: string): Row[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".jsonl"))
    .sort()
    .flatMap((f) => readJsonl(join(dir, f)));
}

const pct = (x: number) => (x * 100).toFixed(1) + "%";
const flagged = (text: string) => scoreInjection(text).score >= threshold;

function evaluate(title: string, positives: Row[], negatives: Row[]): void {
  const subsets = new Map<string, { n: number; right: number; wrong: string[] }>();
  const tally = (r: Row, right: boolean) => {
    const s = subsets.get(r.subset) ?? { n: 0, right: 0, wrong: [] };
    s.n++;
    if (right) s.right++;
    else s.wrong.push(r.id);
    subsets.set(r.subset, s);
  };
  let tp = 0;
  let fp = 0;
  const langs = new Map<string, { n: number; hit: number }>();
  for (const r of positives) {
    const hit = flagged(r.text);
    if (hit) tp++;
    tally(r, hit);
    if (r.subset === "non-english") {
      const l = langs.get(r.lang) ?? { n: 0, hit: 0 };
      l.n++;
      if (hit) l.hit++;
      langs.set(r.lang, l);
    }
  }
  for (const r of negatives) {
    const hit = flagged(r.text);
    if (hit) fp++;
    tally(r, !hit);
  }
  console.log(
    `\n== ${title}: ${positives.length} positives, ${negatives.length} negatives, threshold ${threshold}`,
  );
  console.log(
    `overall  precision ${pct(tp / Math.max(1, tp + fp))}  recall ${pct(tp / positives.length)}  false-positive rate ${pct(fp / negatives.length)}`,
  );
  console.log("positives (recall):");
  for (const s of POSITIVE_SUBSETS) {
    const v = subsets.get(s);
    if (v)
      console.log(
        `  ${s.padEnd(20)} ${String(v.right).padStart(4)}/${String(v.n).padEnd(4)} ${pct(v.right / v.n)}`,
      );
  }
  console.log("  non-english by language: " + [...langs].map(([l, v]) => `${l} ${v.hit}/${v.n}`).join(", "));
  console.log("negatives (false-positive rate):");
  for (const [s, v] of subsets) {
    if (POSITIVE_SUBSETS.includes(s)) continue;
    const bad = v.n - v.right;
    console.log(`  ${s.padEnd(20)} ${String(bad).padStart(4)}/${String(v.n).padEnd(4)} ${pct(bad / v.n)}`);
  }
  if (show)
    for (const [s, v] of subsets) if (v.wrong.length) console.log(`  wrong in ${s}: ${v.wrong.join(" ")}`);
}

const positives = loadDir(join(root, "positives"));
const negatives = loadDir(join(root, "negatives"));
evaluate("development corpus (the rules were tuned on it)", positives, negatives);
// First measured before any rule saw them: precision 94.4%, recall 82.9% (direct 10/15, indirect
// 6/8, obfuscated 10/10, non-English 8/8), false positives 2/44 (both code). Seven misses and both
// false positives then led to general rule changes, so these rows are no longer unseen.
evaluate(
  "held-out rows (written after the rules froze; see the note above for their first result)",
  readJsonl(join(root, "holdout/positives.jsonl")),
  readJsonl(join(root, "holdout/negatives.jsonl")),
);

evaluatePublicSets(threshold);

// Cost: 2 KB texts cut from the corpus, many runs each: benign texts only (most traffic), and
// benign and injected texts mixed (every family and language, so every path runs).
function samples2k(pool: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; out.length < 400; i++) {
    let t = "";
    for (let k = i; t.length < 2048; k += 7) t += pool[k % pool.length] + "\n\n";
    // A flat copy, as a text parsed from a request body would be.
    out.push(JSON.parse(JSON.stringify(t.slice(0, 2048))) as string);
  }
  return out;
}

function cost(label: string, samples: string[]): void {
  for (let w = 0; w < 3; w++) for (const t of samples) scoreInjection(t);
  const times: number[] = [];
  for (let round = 0; round < 10; round++) {
    for (const t of samples) {
      const t0 = process.hrtime.bigint();
      scoreInjection(t);
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  }
  times.sort((a, b) => a - b);
  const q = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))]!;
  console.log(
    `  ${label.padEnd(18)} p50 ${q(0.5).toFixed(3)} ms, p99 ${q(0.99).toFixed(3)} ms, max ${q(1).toFixed(3)} ms (${times.length} runs)`,
  );
}

const benign = samples2k(negatives.map((r) => r.text));
const mixed = samples2k([...negatives, ...positives].map((r) => r.text));
console.log("\ncost per 2 KB text:");
cost("benign", benign);
cost("benign + injected", mixed);
// A plain loop that only reads every character of the same texts: a yardstick for how fast this
// machine is right now (a shared machine varies several-fold under load).
let sink = 0;
const y0 = process.hrtime.bigint();
for (let round = 0; round < 10; round++)
  for (const t of mixed) for (let i = 0; i < t.length; i++) sink += t.charCodeAt(i);
const yardstick = Number(process.hrtime.bigint() - y0) / 1e6 / (10 * mixed.length);
console.log(
  `  yardstick: reading the same 2 KB once costs ${(yardstick * 1000).toFixed(1)} us here` +
    (sink < 0 ? "!" : ""),
);
