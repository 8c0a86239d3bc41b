import RE2 from "re2";
import { Allowlist } from "../detect/allowlist.js";
import { activate, builtinDetectors } from "../detect/catalogue.js";
import { fingerprintDetector } from "../detect/fingerprints/detector.js";
import { Scanner, type ActiveDetector } from "../detect/scanner.js";
import type { Direction, Finding } from "../detect/types.js";
import type { DataClass } from "../policy/classes.js";
import type { DictionaryEntry, LoadedPolicy } from "../policy/load.js";
import { parsePolicy } from "../policy/load.js";
import type { Mode, Policy } from "../policy/schema.js";

/** Where a detector's settings come from in the policy, so every decision can name its rule. */
export interface DetectorRule {
  detector: string;
  /** Policy path of the rule that governs it: "detectors.builtin.email" or "detectors.custom.acme-id". */
  rule: string;
  mode: Mode;
  /** True when the policy has its own entry for this detector (so decisions cite that entry). */
  overridden: boolean;
}

/**
 * A policy compiled for enforcement: the scanner with the policy's detectors, allowlists and
 * thresholds, and the lookups decisions need. Building one does the expensive work (regex and
 * automaton compilation) once; using one is pure and does no I/O.
 */
export class Engine {
  readonly policy: Policy;
  readonly revision: string;
  readonly environment: string;
  readonly scanner: Scanner;
  readonly dictionary: Map<string, DictionaryEntry>;
  private readonly rules = new Map<string, DetectorRule>();

  constructor(loaded: LoadedPolicy, opts: { environment?: string } = {}) {
    this.policy = loaded.policy;
    this.revision = loaded.revision;
    this.dictionary = loaded.dictionary;
    this.environment = opts.environment ?? loaded.policy.environment;
    if (!this.policy.environments.includes(this.environment)) {
      throw new Error(
        `unknown environment "${this.environment}"; the policy declares ${this.policy.environments.join(", ")}`,
      );
    }
    const p = this.policy;
    const globalAllow = new Allowlist(p.detectors.allowlist.values, p.detectors.allowlist.patterns);
    const active: ActiveDetector[] = [];
    for (const spec of builtinDetectors()) {
      const s = p.detectors.builtin[spec.id];
      if (s && s.enabled === false) continue;
      const cls = s?.class ?? spec.class;
      active.push(
        activate(spec, {
          class: cls,
          minConfidence: s?.min_confidence ?? p.classes[cls].min_confidence ?? 0.5,
          allow: s?.allow?.length ? allowFrom(s.allow) : undefined,
        }),
      );
      this.rules.set(spec.id, {
        detector: spec.id,
        rule: `detectors.builtin.${spec.id}`,
        mode: effectiveMode(p.mode, s?.mode ?? p.classes[cls].mode),
        overridden: s !== undefined,
      });
    }
    for (const c of p.detectors.custom) {
      active.push({
        id: c.id,
        family: "custom",
        kind: c.kind ?? c.id.replace(/[^a-z0-9]+/gi, "_").toLowerCase(),
        class: c.class,
        directions: c.directions,
        trigger: c.keywords.length
          ? { keywords: c.keywords.map((k) => k.toLowerCase()), before: 120, after: 240 }
          : { fullText: true },
        regex: new RE2(c.pattern, "gu"),
        score: c.score,
        rejectPlaceholders: false,
        minConfidence: p.classes[c.class].min_confidence ?? 0.5,
      });
      this.rules.set(c.id, {
        detector: c.id,
        rule: `detectors.custom.${c.id}`,
        mode: effectiveMode(p.mode, c.mode ?? p.classes[c.class].mode),
        overridden: true,
      });
    }
    if (p.output.internal_hosts.length) {
      active.push(internalHostsDetector(p.output.internal_hosts, p.classes.internal.min_confidence ?? 0.5));
      this.rules.set(POLICY_HOSTS_DETECTOR, {
        detector: POLICY_HOSTS_DETECTOR,
        rule: "output.internal_hosts",
        mode: effectiveMode(p.mode, p.output.mode),
        overridden: true,
      });
    }
    for (const fp of loaded.fingerprints ?? []) {
      active.push(fingerprintDetector(fp, p.classes[fp.class].min_confidence ?? 0.5));
      this.rules.set(fp.detector, {
        detector: fp.detector,
        rule: `data_dictionary.fingerprints[${fp.index}]`,
        mode: effectiveMode(p.mode, fp.ref.mode ?? p.classes[fp.class].mode),
        overridden: true,
      });
    }
    this.scanner = new Scanner(active, globalAllow);
  }

  /** Every finding in `text`. Pure; the text is not kept. */
  scan(text: string, direction: Direction = "input"): Finding[] {
    return this.scanner.scan(text, direction);
  }

  /** The rule governing a detector's findings (its policy path and mode). */
  ruleFor(detector: string): DetectorRule {
    return (
      this.rules.get(detector) ?? {
        detector,
        rule: `detectors.${detector}`,
        mode: this.policy.mode,
        overridden: false,
      }
    );
  }

  /** The class the data dictionary gives a column ("production.customers.email"), if any. */
  classify(provenance: string): DictionaryEntry | undefined {
    const key = provenance.toLowerCase();
    const hit = this.dictionary.get(key);
    if (hit) return hit;
    // "customers.email" may name a column without its database; accept it when unambiguous.
    if (key.split(".").length === 2) {
      let found: DictionaryEntry | undefined;
      for (const [k, v] of this.dictionary) {
        if (k.endsWith("." + key)) {
          if (found && found.class !== v.class) return undefined;
          found = v;
        }
      }
      return found;
    }
    return undefined;
  }
}

/** The detector built from the policy's own `output.internal_hosts` globs. */
export const POLICY_HOSTS_DETECTOR = "policy-internal-hosts";

/**
 * Turns host globs (`*.corp.example.com`, `build-??.example.net`) into an output-only detector that
 * finds those hosts, with any scheme, credentials, port and path around them, so the whole URL is
 * redacted. The globs are literal apart from `*` and `?`, so the RegExp built here cannot backtrack
 * badly; the keyword is each glob's longest literal run.
 */
function internalHostsDetector(globs: readonly string[], minConfidence: number): ActiveDetector {
  const hosts = globs.map((g) =>
    g
      .toLowerCase()
      .split("")
      .map((ch) =>
        ch === "*"
          ? "[a-z0-9-]+(?:\\.[a-z0-9-]+)*"
          : ch === "?"
            ? "[a-z0-9-]"
            : ch.replace(/[.\\-]/g, "\\$&"),
      )
      .join(""),
  );
  const keywords = globs.map(
    (g) =>
      g
        .toLowerCase()
        .split(/[*?]/)
        .sort((a, b) => b.length - a.length)[0]!,
  );
  const source = `(?<![a-z0-9.-])(?:[a-z][a-z0-9+.-]*://)?(?:[^\\s/@]+@)?(?:${hosts.join("|")})(?![a-z0-9-])(?::\\d{1,5})?(?:/[^\\s"'<>)\\]]*)?`;
  return {
    id: POLICY_HOSTS_DETECTOR,
    family: "network",
    kind: "internal_url",
    class: "internal",
    directions: ["output"],
    trigger: { keywords, before: 120, after: 300 },
    regex: new RegExp(source, "gi"),
    score: 0.9,
    rejectPlaceholders: false,
    minConfidence,
  };
}

function effectiveMode(global: Mode, rule: Mode | undefined): Mode {
  return global === "audit" ? "audit" : (rule ?? "enforce");
}

function allowFrom(entries: readonly string[]): Allowlist {
  const values = entries.filter((e) => !/[*?]/.test(e));
  const globs = entries.filter((e) => /[*?]/.test(e));
  return new Allowlist(values, globs);
}

let defaultLoaded: LoadedPolicy | undefined;
let defaultEngine: Engine | undefined;

/** The built-in default policy: the article's four classes and actions, every detector on, no providers. */
export function defaultLoadedPolicy(): LoadedPolicy {
  if (!defaultLoaded) {
    const r = parsePolicy("", { file: "<built-in default policy>" });
    if (!r.ok) throw new Error("the built-in default policy does not load: " + r.errors[0]?.message);
    defaultLoaded = r.value;
  }
  return defaultLoaded;
}

/** The engine for the built-in default policy in its default environment. */
export function defaultPolicyEngine(): Engine {
  defaultEngine ??= new Engine(defaultLoadedPolicy());
  return defaultEngine;
}

export type { DataClass };
