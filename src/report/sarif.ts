/**
 * The SARIF 2.1.0 envelope that code-scanning UIs (GitHub, GitLab, Azure DevOps) import. The
 * deployment gate and the repository audit each describe their own rules and results; this is
 * the one place that knows the format's shape.
 */
export interface SarifRule {
  id: string;
  shortDescription: string;
  /** Longer help, shown next to a result. */
  help?: string;
  name?: string;
  helpUri?: string;
  level?: "error" | "warning" | "note";
}

export interface SarifResult {
  rule: string;
  level: "error" | "warning" | "note";
  message: string;
  uri: string;
  line: number;
  column?: number;
  /** Set when `uri` is relative to the scanned directory (%SRCROOT%). */
  relative?: boolean;
  properties?: Record<string, string>;
}

export function sarifLog(
  tool: { version: string; rules: readonly SarifRule[] },
  results: readonly SarifResult[],
): object {
  const ids = tool.rules.map((r) => r.id);
  const relative = results.some((r) => r.relative);
  return {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "policygate",
            version: tool.version,
            informationUri: "https://github.com/policygate/policygate",
            rules: tool.rules.map((r) => ({
              id: r.id,
              ...(r.name ? { name: r.name } : {}),
              shortDescription: { text: r.shortDescription },
              ...(r.help ? { fullDescription: { text: r.help }, help: { text: r.help } } : {}),
              ...(r.helpUri ? { helpUri: r.helpUri } : {}),
              ...(r.level ? { defaultConfiguration: { level: r.level } } : {}),
            })),
          },
        },
        ...(relative ? { originalUriBaseIds: { "%SRCROOT%": { uri: "./" } } } : {}),
        results: results.map((f) => ({
          ruleId: f.rule,
          ruleIndex: ids.indexOf(f.rule),
          level: f.level,
          message: { text: f.message },
          locations: [
            {
              physicalLocation: {
                artifactLocation: f.relative ? { uri: f.uri, uriBaseId: "%SRCROOT%" } : { uri: f.uri },
                region: { startLine: f.line, ...(f.column ? { startColumn: f.column } : {}) },
              },
            },
          ],
          ...(f.properties && Object.keys(f.properties).length ? { properties: f.properties } : {}),
        })),
      },
    ],
  };
}
