/** A problem in a policy file, located precisely enough to fix it without reading the loader. */
export interface PolicyError {
  file: string;
  line: number;
  column: number;
  /** Dotted path in the document ("providers.openai.environments[1]"), empty for the whole file. */
  path: string;
  message: string;
}

export function formatPolicyError(e: PolicyError): string {
  return `${e.file}:${e.line}:${e.column}${e.path ? ` ${e.path}` : ""}: ${e.message}`;
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const p of path) {
    if (typeof p === "number") out += `[${p}]`;
    else {
      const s = String(p);
      out += /^[A-Za-z0-9_-]+$/.test(s) ? (out ? "." : "") + s : `[${JSON.stringify(s)}]`;
    }
  }
  return out;
}

/** Thrown by the convenience loaders; carries every error, not just the first. */
export class PolicyLoadError extends Error {
  constructor(readonly errors: PolicyError[]) {
    super(
      `the policy has ${errors.length} error${errors.length === 1 ? "" : "s"}:\n` +
        errors.map((e) => "  " + formatPolicyError(e)).join("\n"),
    );
    this.name = "PolicyLoadError";
  }
}
