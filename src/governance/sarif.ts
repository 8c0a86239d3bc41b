import { sarifLog } from "../report/sarif.js";
import type { GateProblem } from "./gate.js";
import { GATE_RULES } from "./gate.js";

export interface SarifFinding extends GateProblem {
  level: "error" | "warning";
  line: number;
}

/** The gate's problems (errors) and warnings as SARIF, each at the policy line it concerns. */
export function toSarif(findings: readonly SarifFinding[], opts: { uri: string; version: string }): object {
  const ids = [...new Set([...GATE_RULES.map((r) => r.id), ...findings.map((f) => f.rule)])];
  const described = new Map(GATE_RULES.map((r) => [r.id, r.description]));
  return sarifLog(
    {
      version: opts.version,
      rules: ids.map((id) => ({
        id,
        shortDescription: described.get(id) ?? id,
        helpUri: "https://github.com/policygate/policygate/blob/main/docs/governance.md",
      })),
    },
    findings.map((f) => ({ rule: f.rule, level: f.level, message: f.message, uri: opts.uri, line: f.line })),
  );
}
