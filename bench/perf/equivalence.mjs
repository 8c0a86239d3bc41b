// Checks that two builds give byte-identical results: node bench/perf/equivalence.mjs OLD_DIST [NEW_DIST]
// Runs both over every fixture (test/fixtures/**), the benchmark corpora, and obfuscated variants of
// the injection corpus (spaced letters, zero-width characters, ROT13, reversed, base64, leetspeak),
// and compares the scanner's findings (input and output, with and without the injection analyzer,
// with pending offsets) and scoreInjection's full result. Exit status 1 on the first difference.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { mixedCorpus, prompt2k, rng } from "../corpus.mjs";
import { injectionSamples, injectionTexts, loadBuild, root, scannerSamples } from "./samples.mjs";

const [oldDist, newDist = join(root, "dist")] = process.argv.slice(2);
if (!oldDist) {
  console.error("usage: node bench/perf/equivalence.mjs OLD_DIST [NEW_DIST]");
  process.exit(2);
}
const a = await loadBuild(oldDist);
const b = await loadBuild(newDist);

function files(dir) {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

const texts = [];
for (const f of files(join(root, "test/fixtures")).sort()) {
  const raw = readFileSync(f, "utf8");
  texts.push(raw);
  if (f.endsWith(".jsonl"))
    for (const line of raw.split("\n").filter(Boolean)) {
      const row = JSON.parse(line);
      if (typeof row.text === "string") texts.push(row.text);
    }
}
const corpus = mixedCorpus(1_000_000, { seed: 11 });
texts.push(corpus);
for (let i = 0; i < corpus.length; i += 2048) texts.push(corpus.slice(i, i + 2048));
for (let s = 1; s <= 20; s++) texts.push(prompt2k(s));
texts.push(...scannerSamples(), ...injectionSamples());

// Obfuscated variants exercise normalise() and the decoders beyond what the fixtures hold.
const r = rng(5);
const leet = { a: "4", e: "3", i: "1", o: "0", s: "5", t: "7" };
const rot13 = (s) =>
  s.replace(/[a-z]/gi, (c) => String.fromCharCode(((c.toLowerCase().charCodeAt(0) - 97 + 13) % 26) + 97));
for (const t of injectionTexts()) {
  texts.push(
    t.toUpperCase(),
    t.split("").join(r() < 0.5 ? " " : "."),
    t.replace(/(\w)(\w)/g, (_, x, y) => x + (r() < 0.3 ? "\u200b" : "") + y),
    rot13(t),
    [...t].reverse().join(""),
    // Surrogates and a BOM, split and reversed by code unit: the rewritten views must keep them.
    "\ufeff" + ("\u{1F600} " + t + " \u{1D400}").split("").reverse().join("") + " \ufeff",
    `Data: ${Buffer.from(t).toString("base64")} end`,
    `hex ${Buffer.from(t).toString("hex")} and ${encodeURIComponent(t)}`,
    t.replace(/[aeiost]/g, (c) => (r() < 0.5 ? leet[c] : c)),
    t.replace(/[ao]/g, (c) => (r() < 0.5 ? { a: "а", o: "о" }[c] : c)),
  );
}

let checked = 0;
function same(label, x, y, text) {
  const sx = JSON.stringify(x);
  const sy = JSON.stringify(y);
  if (sx !== sy) {
    console.error(
      `DIFFERENT ${label} on text ${JSON.stringify(text.slice(0, 200))}\nold ${sx.slice(0, 2000)}\nnew ${sy.slice(0, 2000)}`,
    );
    process.exit(1);
  }
  checked++;
}
for (const t of texts) {
  same("scan input", a.full.scan(t, "input"), b.full.scan(t, "input"), t);
  same("scan output", a.full.scan(t, "output"), b.full.scan(t, "output"), t);
  same("scan without injection", a.noInjection.scan(t), b.noInjection.scan(t), t);
  same("scanWithPending", a.full.scanner.scanWithPending(t), b.full.scanner.scanWithPending(t), t);
  same("scoreInjection", a.scoreInjection(t), b.scoreInjection(t), t);
}
console.log(`identical: ${texts.length} texts, ${checked} comparisons`);
