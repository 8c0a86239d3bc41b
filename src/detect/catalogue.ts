import type { DataClass } from "../policy/classes.js";
import type { Allowlist } from "./allowlist.js";
import { BUILTIN_DETECTORS } from "./rules/index.js";
import type { ActiveDetector } from "./scanner.js";
import type { DetectorSpec } from "./types.js";

const byId = new Map<string, DetectorSpec>();
for (const d of BUILTIN_DETECTORS) {
  if (byId.has(d.id)) throw new Error(`duplicate built-in detector id ${d.id}`);
  byId.set(d.id, d);
}

/** Every built-in detector, in catalogue order. */
export function builtinDetectors(): readonly DetectorSpec[] {
  return BUILTIN_DETECTORS;
}

export function builtinDetector(id: string): DetectorSpec | undefined {
  return byId.get(id);
}

export interface Activation {
  class?: DataClass;
  minConfidence: number;
  allow?: Allowlist;
}

/** A catalogue entry with the policy's settings applied, ready for the scanner. */
export function activate(spec: DetectorSpec, a: Activation): ActiveDetector {
  if ("analyze" in spec) {
    return {
      id: spec.id,
      family: spec.family,
      kind: spec.kind,
      class: a.class ?? spec.class,
      directions: spec.directions ?? ["input", "output"],
      analyze: spec.analyze,
      score: 1,
      rejectPlaceholders: false,
      minConfidence: a.minConfidence,
    };
  }
  const flags = "g" + spec.pattern.flags.replace(/[^imsu]/g, "") + (spec.group !== undefined ? "d" : "");
  return {
    id: spec.id,
    family: spec.family,
    kind: spec.kind,
    class: a.class ?? spec.class,
    directions: spec.directions ?? ["input", "output"],
    trigger: spec.trigger,
    regex: new RegExp(spec.pattern.source, flags),
    group: spec.group,
    score: spec.score,
    context: spec.context,
    contextBoost: spec.contextBoost,
    contextWindow: spec.contextWindow,
    validate: spec.validate,
    rejectPlaceholders: spec.rejectPlaceholders ?? spec.family === "secret",
    minEntropy: spec.minEntropy,
    minConfidence: a.minConfidence,
    allow: a.allow,
  };
}
