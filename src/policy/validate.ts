import RE2 from "re2";
import { builtinDetector, builtinDetectors } from "../detect/catalogue.js";
import { validateAlerts } from "./alerts-validate.js";
import { validateGovernance } from "./governance-validate.js";
import { validateContainment } from "./containment-validate.js";
import type { Policy } from "./schema.js";
import { validateFallbacks } from "./incident-validate.js";
import { isFoldableKeyword } from "../detect/keywords.js";

/** A cross-reference problem found after the schema accepted the document. */
export interface SemanticIssue {
  path: (string | number)[];
  /** Point at the key itself rather than its value (for names that are wrong). */
  atKey?: boolean;
  message: string;
}

/** Environments where the offline `echo` provider may run: it answers without a model. */
const ECHO_ENVIRONMENTS = new Set(["development", "dev", "testing", "test", "local", "ci"]);

/**
 * Checks what the schema cannot: that every name the policy uses refers to something it declares,
 * and that custom patterns are safe to run. Unknown names are errors, never silent no-ops.
 */
export function validatePolicy(p: Policy): SemanticIssue[] {
  const issues: SemanticIssue[] = [];
  validateFallbacks(p, issues);
  const envs = new Set(p.environments);
  const envList = p.environments.join(", ");
  const unknownEnv = (path: (string | number)[], env: string) =>
    issues.push({ path, message: `unknown environment "${env}"; expected one of ${envList}` });

  if (!envs.has(p.environment)) unknownEnv(["environment"], p.environment);

  for (const [id, prov] of Object.entries(p.providers)) {
    if (!/^[a-z0-9][a-z0-9_-]{0,62}$/.test(id)) {
      issues.push({
        path: ["providers", id],
        atKey: true,
        message: "provider names are lowercase letters, digits, '-' and '_'",
      });
    }
    prov.environments.forEach((e, i) => {
      if (!envs.has(e)) unknownEnv(["providers", id, "environments", i], e);
      else if (prov.kind === "echo" && !ECHO_ENVIRONMENTS.has(e)) {
        issues.push({
          path: ["providers", id, "environments", i],
          message: `the echo provider answers without a model and is only allowed in development and testing, not "${e}"`,
        });
      }
    });
    if (prov.api_key_env && looksLikeKey(prov.api_key_env)) {
      // Never repeat the value: it is probably a live credential pasted into the wrong place.
      issues.push({
        path: ["providers", id, "api_key_env"],
        message:
          "this looks like an API key, not the name of an environment variable; put the key in the environment (and rotate it: it has been in this file) and name the variable here",
      });
    }
    if (prov.kind === "openai-compatible" && !prov.base_url) {
      issues.push({ path: ["providers", id], message: "an openai-compatible provider needs a base_url" });
    }
  }

  for (const [id, integ] of Object.entries(p.integrations)) {
    integ.environments.forEach((e, i) => {
      if (!envs.has(e)) unknownEnv(["integrations", id, "environments", i], e);
    });
    integ.providers.forEach((name, i) => {
      if (!(name in p.providers)) {
        issues.push({
          path: ["integrations", id, "providers", i],
          message: `unknown provider "${name}"; declared providers: ${Object.keys(p.providers).join(", ") || "none"}`,
        });
      }
    });
  }

  for (const key of Object.keys(p.data_dictionary.columns)) {
    if (!/^[^.\s]+\.[^.\s]+\.[^.\s]+$/.test(key)) {
      issues.push({
        path: ["data_dictionary", "columns", key],
        atKey: true,
        message: `expected database.table.column, got "${key}"`,
      });
    }
  }

  for (const id of Object.keys(p.detectors.builtin)) {
    if (!builtinDetector(id)) {
      const hint = closest(
        id,
        builtinDetectors().map((d) => d.id),
      );
      issues.push({
        path: ["detectors", "builtin", id],
        atKey: true,
        message: `unknown detector id "${id}"${hint ? `; did you mean "${hint}"?` : ""} (policygate detectors lists them)`,
      });
    }
  }

  const seen = new Set<string>();
  p.detectors.custom.forEach((rule, i) => {
    const at = ["detectors", "custom", i];
    if (seen.has(rule.id))
      issues.push({ path: [...at, "id"], message: `duplicate custom rule id "${rule.id}"` });
    seen.add(rule.id);
    if (builtinDetector(rule.id)) {
      issues.push({
        path: [...at, "id"],
        message: `"${rule.id}" is a built-in detector id; choose another name`,
      });
    }
    const err = checkCustomPattern(rule.pattern);
    if (err) issues.push({ path: [...at, "pattern"], message: `custom rule "${rule.id}": ${err}` });
    rule.keywords.forEach((kw, k) => {
      if (!isFoldableKeyword(kw)) {
        issues.push({
          path: [...at, "keywords", k],
          message:
            "keywords must be printable ASCII or Latin letters with accents (matched with accents ignored); for other scripts leave keywords empty and the pattern runs on the whole text",
        });
      }
    });
  });

  p.output.internal_hosts.forEach((h, i) => {
    if (!/^[A-Za-z0-9*?.-]+$/.test(h) || !/[A-Za-z0-9]/.test(h)) {
      issues.push({
        path: ["output", "internal_hosts", i],
        message: `"${h}" is not a host pattern such as *.corp.example.com`,
      });
    }
  });
  issues.push(...validateAlerts(p));
  issues.push(...validateGovernance(p));
  issues.push(...validateContainment(p));
  return issues;
}

/** Why a custom pattern cannot be used, or null. RE2 runs in linear time, so no pattern can stall a scan. */
export function checkCustomPattern(pattern: string): string | null {
  let re: RE2;
  try {
    re = new RE2(pattern, "u");
  } catch (e) {
    return `RE2 cannot compile the pattern (${(e as Error).message}); lookarounds and backreferences are not supported`;
  }
  if (re.test("")) return "the pattern matches the empty string";
  return null;
}

/**
 * Environment variable names are words in one case (ANTHROPIC_API_KEY); keys are long runs of mixed
 * case and digits, often behind a vendor prefix.
 */
function looksLikeKey(v: string): boolean {
  if (/^(?:sk|rk|pk)_(?:live|test)_|^gh[pousr]_[A-Za-z0-9]{20}|^AKIA[0-9A-Z]{16}$|^AIza/.test(v)) return true;
  return v.length >= 24 && /[a-z]/.test(v) && /[A-Z]/.test(v) && /\d.*\d/.test(v);
}

function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(word, c);
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}
