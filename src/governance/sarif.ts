import type { GateProblem } from "./gate.js";
import { GATE_RULES } from "./gate.js";

export interface SarifFinding extends GateProblem {
  level: "error" | "warning";
  line: number;
}

/**
 * SARIF 2.1.0, the format code-scanning UIs read: one result per gate problem (error) or
 * warning, located at the policy line it concerns.
 */
export function toSarif(findings: readonly SarifFinding[], opts: { uri: string; version: string }): object {
  const ids = [...new Set([...GATE_RULES.map((r) => r.id), ...findings.map((f) => f.rule)])];
  const described = new Map(GATE_RULES.map((r) => [r.id, r.description]));
  return {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "policygate",
            version: opts.version,
            informationUri: "https://github.com/policygate/policygate",
            rules: ids.map((id) => ({
              id,
              shortDescription: { text: described.get(id) ?? id },
              helpUri: "https://github.com/policygate/policygate/blob/main/docs/governance.md",
            })),
          },
        },
        results: findings.map((f) => ({
          ruleId: f.rule,
          ruleIndex: ids.indexOf(f.rule),
          level: f.level,
          message: { text: f.message },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: opts.uri },
                region: { startLine: f.line },
              },
            },
          ],
        })),
      },
    ],
  };
}
