import { sarifLog } from "../report/sarif.js";
import { RULE_HELP, type AuditRule, type RepoFinding } from "./audit-repo.js";

/** The repository audit's findings as SARIF: one rule per finding kind, files relative to %SRCROOT%. */
export function toSarif(findings: readonly RepoFinding[], tool: { version: string }): object {
  const rules = Object.keys(RULE_HELP) as AuditRule[];
  return sarifLog(
    {
      version: tool.version,
      rules: rules.map((id) => ({
        id,
        name: id.replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase()),
        shortDescription: RULE_HELP[id].summary,
        help: RULE_HELP[id].help,
        level: RULE_HELP[id].level,
      })),
    },
    findings.map((f) => ({
      rule: f.rule,
      level: f.level,
      message: f.message,
      uri: encodeURI(f.file),
      relative: true,
      line: f.line,
      ...(f.column ? { column: f.column } : {}),
      properties: {
        ...(f.detector ? { detector: f.detector } : {}),
        ...(f.vendor ? { vendor: f.vendor } : {}),
      },
    })),
  );
}
