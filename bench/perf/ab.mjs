// A/B cost of two builds in one process:
//   node --single-threaded bench/perf/ab.mjs OLD_DIST [NEW_DIST] [ROUNDS] [scan,scan-noinj,injection]
// The builds run alternately on the same texts and each block is charged the process CPU time it
// used (not wall-clock time, which a loaded machine inflates at random); the ratio of the medians
// is the result. --single-threaded keeps GC and compiler threads out of the CPU time.
import { join } from "node:path";
import { injectionSamples, loadBuild, root, scannerSamples } from "./samples.mjs";

const [oldDist, newDist = join(root, "dist"), roundsArg = "40", only] = process.argv.slice(2);
const builds = { old: await loadBuild(oldDist), new: await loadBuild(newDist) };
const scanTexts = scannerSamples();
const injTexts = injectionSamples();
const modes = {
  scan: [scanTexts, (b, t) => b.full.scan(t)],
  "scan-noinj": [scanTexts, (b, t) => b.noInjection.scan(t)],
  injection: [injTexts, (b, t) => b.scoreInjection(t)],
};
const median = (xs) => [...xs].sort((x, y) => x - y)[xs.length >> 1];
for (const [mode, [texts, run]] of Object.entries(modes)) {
  if (only && !only.split(",").includes(mode)) continue;
  const times = { old: [], new: [] };
  for (let round = 0; round < Number(roundsArg) + 5; round++) {
    for (const which of round % 2 ? ["old", "new"] : ["new", "old"]) {
      const b = builds[which];
      const t0 = process.cpuUsage();
      for (let k = 0; k < 5; k++) for (const t of texts) run(b, t);
      const u = process.cpuUsage(t0);
      // The first rounds warm both builds up.
      if (round >= 5) times[which].push((u.user + u.system) / (5 * texts.length));
    }
  }
  const o = median(times.old);
  const n = median(times.new);
  console.log(
    `${mode.padEnd(11)} old ${o.toFixed(1)} µs/text  new ${n.toFixed(1)} µs/text  new/old ${(n / o).toFixed(3)}  (${texts.length} texts of 2 KB, CPU time, median of ${times.old.length})`,
  );
}
