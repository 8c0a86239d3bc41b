// A fixed workload for instruction counting: valgrind --tool=callgrind node bench/perf/driver.mjs MODE ROUNDS [DIST]
// MODE is scan (full catalogue), scan-noinj (without the prompt-injection analyzer) or injection
// (scoreInjection alone). Run it once with ROUNDS=0 as well: the difference is the work itself,
// without start-up and compilation.
import { injectionSamples, loadBuild, scannerSamples } from "./samples.mjs";

const [mode = "scan", rounds = "200", dist] = process.argv.slice(2);
const b = await loadBuild(dist);
const texts = mode === "injection" ? injectionSamples() : scannerSamples();
const run =
  mode === "injection"
    ? (t) => b.scoreInjection(t).spans.length
    : mode === "scan-noinj"
      ? (t) => b.noInjection.scan(t).length
      : (t) => b.full.scan(t).length;
let sink = 0;
for (let r = 0; r < Number(rounds); r++) for (const t of texts) sink += run(t);
console.log(`${mode} rounds=${rounds} texts=${texts.length} results=${sink}`);
