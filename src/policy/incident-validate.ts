import type { Policy } from "./schema.js";
import type { SemanticIssue } from "./validate.js";

/** A fallback must be a declared provider that the integration is approved to use, and not a loop. */
export function validateFallbacks(p: Policy, issues: SemanticIssue[]): void {
  for (const [id, integ] of Object.entries(p.integrations)) {
    const fallback = integ.fallback;
    if (fallback === undefined) continue;
    const path = ["integrations", id, "fallback"];
    if (!(fallback in p.providers)) {
      issues.push({
        path,
        message: `unknown provider "${fallback}"; declared providers: ${Object.keys(p.providers).join(", ") || "none"}`,
      });
    } else if (!integ.providers.includes(fallback)) {
      issues.push({
        path,
        message: `the fallback "${fallback}" must also be listed in integrations.${id}.providers, so the integration is approved to use it`,
      });
    } else if (integ.providers.length === 1) {
      issues.push({
        path,
        message: `"${fallback}" is the integration's only provider; a fallback must be another provider`,
      });
    }
  }
}
