// The prompt-injection detector on the public evaluation sets (see ../shared/eval/README.md):
// BIPIA's attacks alone, BIPIA's attacks embedded in real e-mails with the clean e-mails as
// negatives, and Giskard's jailbreak and hijacking prompts. Rows are scored exactly as the corpus
// rows are; nothing here looks at a row's text beyond handing it to the detector. Subsets come from
// the sets' own labels (BIPIA's attack category, Giskard's group).
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { scoreInjection } from "../src/detect/injection/index.js";

interface PublicRow {
  id: string;
  text: string;
  label: "injection" | "benign";
  category?: string;
  attack_kind?: "text" | "code";
  group?: string;
  attack_span?: { start: number; end: number };
}

/** BIPIA categories whose attack text is encoded or disguised. */
const OBFUSCATED = new Set([
  "Substitution Ciphers",
  "Base Encoding",
  "Reverse Text",
  "Emoji Substitution",
  "Alphanumeric Substitution",
  "Homophonic Substitution",
  "Misspelling Intentionally",
  "Anagramming",
  "Space Removal & Grouping",
]);
/** BIPIA categories whose attack is written in, or asks for, another language. */
const NON_ENGLISH = new Set(["Language Translation"]);

function subsetOf(r: PublicRow): string {
  if (r.group) return r.group.toLowerCase();
  if (r.attack_kind === "code") return "code attacks";
  if (r.category && OBFUSCATED.has(r.category)) return "obfuscated";
  if (r.category && NON_ENGLISH.has(r.category)) return "non-english";
  return "plain text attacks";
}

const pct = (x: number) => (Number.isFinite(x) ? (x * 100).toFixed(1) + "%" : "n/a");

function readRows(file: string): PublicRow[] {
  return readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as PublicRow);
}

function report(name: string, rows: PublicRow[], threshold: number): void {
  let tp = 0;
  let fp = 0;
  let located = 0;
  const pos = rows.filter((r) => r.label === "injection");
  const neg = rows.filter((r) => r.label !== "injection");
  const subsets = new Map<string, { n: number; hit: number }>();
  for (const r of pos) {
    const s = scoreInjection(r.text);
    const hit = s.score >= threshold;
    if (hit) tp++;
    if (hit && r.attack_span) {
      const a = r.attack_span;
      if (s.spans.some((sp) => sp.confidence >= threshold && sp.start < a.end && a.start < sp.end)) located++;
    }
    const k = subsetOf(r);
    const v = subsets.get(k) ?? { n: 0, hit: 0 };
    v.n++;
    if (hit) v.hit++;
    subsets.set(k, v);
  }
  for (const r of neg) if (scoreInjection(r.text).score >= threshold) fp++;
  console.log(
    `\n== public set ${name}: ${pos.length} injections, ${neg.length} benign, threshold ${threshold}`,
  );
  console.log(
    `overall  precision ${pct(tp / (tp + fp))}  recall ${pct(tp / pos.length)}  false-positive rate ${neg.length ? pct(fp / neg.length) : "n/a (no benign rows)"}`,
  );
  for (const [k, v] of [...subsets].sort()) {
    console.log(
      `  ${k.padEnd(20)} ${String(v.hit).padStart(4)}/${String(v.n).padEnd(4)} ${pct(v.hit / v.n)}`,
    );
  }
  if (pos.some((r) => r.attack_span))
    console.log(`  flagged rows whose span overlaps the inserted attack: ${located}/${tp}`);
}

/**
 * Runs the public sets from `../shared/eval` next to the repository (or POLICYGATE_EVAL_DIR),
 * and says so when they are not there.
 */
export function evaluatePublicSets(threshold: number): void {
  const repo = resolve(import.meta.dirname, "..");
  const dir = process.env.POLICYGATE_EVAL_DIR ?? join(repo, "../shared/eval");
  const sets = [
    ["BIPIA attacks alone", "bipia-attacks.jsonl"],
    ["BIPIA attacks embedded in e-mails (clean e-mails as negatives)", "bipia-email-embedded.jsonl"],
    ["Giskard jailbreak and hijacking prompts", "giskard-injections.jsonl"],
  ] as const;
  const present = sets.filter(([, f]) => existsSync(join(dir, f)));
  if (!present.length) {
    console.log(
      `\n== public sets: not found in ${dir} (expected ${sets.map(([, f]) => f).join(", ")}); skipped. ` +
        "Set POLICYGATE_EVAL_DIR to run them from elsewhere.",
    );
    return;
  }
  for (const [name, file] of sets) {
    if (!existsSync(join(dir, file)))
      console.log(`\n== public set ${name}: ${file} not found in ${dir}; skipped`);
    else report(name, readRows(join(dir, file)), threshold);
  }
}
