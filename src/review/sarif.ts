import { RULE_HELP, type AuditRule, type RepoFinding } from "./audit-repo.js";

/**
 * SARIF 2.1.0, the format code-scanning UIs (GitHub, GitLab, Azure DevOps) import. One run, one
 * rule per finding kind; locations are relative to the audited directory (%SRCROOT%).
 */
export function toSarif(findings: readonly RepoFinding[], tool: { version: string }): object {
  const rules = Object.keys(RULE_HELP) as AuditRule[];
  return {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "policygate",
            version: tool.version,
            rules: rules.map((id) => ({
              id,
              name: id.replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase()),
              shortDescription: { text: RULE_HELP[id].summary },
              fullDescription: { text: RULE_HELP[id].help },
              help: { text: RULE_HELP[id].help },
              defaultConfiguration: { level: RULE_HELP[id].level },
            })),
          },
        },
        originalUriBaseIds: { "%SRCROOT%": { uri: "./" } },
        results: findings.map((f) => ({
          ruleId: f.rule,
          ruleIndex: rules.indexOf(f.rule),
          level: f.level,
          message: { text: f.message },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: encodeURI(f.file), uriBaseId: "%SRCROOT%" },
                region: { startLine: f.line, ...(f.column ? { startColumn: f.column } : {}) },
              },
            },
          ],
          ...(f.detector || f.vendor
            ? {
                properties: {
                  ...(f.detector ? { detector: f.detector } : {}),
                  ...(f.vendor ? { vendor: f.vendor } : {}),
                },
              }
            : {}),
        })),
      },
    ],
  };
}
