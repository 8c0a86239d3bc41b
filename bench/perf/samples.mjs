// Fixed inputs for the engine's performance checks (driver.mjs, ab.mjs): the same texts every run,
// so instruction counts and timings of two builds are comparable.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { mixedCorpus, prompt2k } from "../corpus.mjs";

export const root = join(dirname(fileURLToPath(import.meta.url)), "../..");

/** Loads the engine entry points from a compiled tree (this checkout's dist/ or another build's). */
export async function loadBuild(dist = join(root, "dist")) {
  dist = resolve(dist);
  const engine = await import(join(dist, "enforce/engine.js"));
  const load = await import(join(dist, "policy/load.js"));
  const injection = await import(join(dist, "detect/injection/index.js"));
  const full = engine.defaultPolicyEngine();
  const r = load.parsePolicy("detectors:\n  builtin:\n    prompt-injection:\n      enabled: false\n", {
    file: "<perf>",
  });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  const noInjection = new engine.Engine(r.value);
  return { full, noInjection, scoreInjection: injection.scoreInjection };
}

function readJsonl(file) {
  return readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l).text);
}

/** Every text of the injection corpus (positives, negatives, held-out rows). */
export function injectionTexts() {
  const dir = join(root, "test/fixtures/injection");
  const out = [];
  for (const sub of ["positives", "negatives"])
    for (const f of readdirSync(join(dir, sub)).sort()) out.push(...readJsonl(join(dir, sub, f)));
  out.push(
    ...readJsonl(join(dir, "holdout/positives.jsonl")),
    ...readJsonl(join(dir, "holdout/negatives.jsonl")),
  );
  return out;
}

/** 2 KB texts glued from a pool the way bench/injection.bench.ts does it. */
export function samples2k(pool, count) {
  const out = [];
  for (let i = 0; out.length < count; i++) {
    let t = "";
    for (let k = i; t.length < 2048; k += 7) t += pool[k % pool.length] + "\n\n";
    out.push(JSON.parse(JSON.stringify(t.slice(0, 2048))));
  }
  return out;
}

/** 2 KB prompts for the scanner: mixed corpus slices, the bench's prompt, injection-corpus texts. */
export function scannerSamples() {
  const corpus = mixedCorpus(40 * 2048, { seed: 3 });
  const out = [];
  for (let i = 0; i < 24; i++) out.push(Buffer.from(corpus.slice(i * 2048, (i + 1) * 2048)).toString());
  for (let s = 1; s <= 4; s++) out.push(prompt2k(s));
  out.push(...samples2k(injectionTexts(), 12).slice(8));
  return out;
}

export function injectionSamples() {
  return samples2k(injectionTexts(), 40);
}
