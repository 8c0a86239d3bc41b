/**
 * Values the policy says are not sensitive even though a detector matches them: a documented test
 * card number, the team's `*@example.com` addresses. Patterns are globs (`*` any run, `?` one
 * character), matched against the whole value, case-insensitively.
 */
export class Allowlist {
  private readonly exact = new Set<string>();
  private readonly globs: RegExp[] = [];

  constructor(values: readonly string[] = [], patterns: readonly string[] = []) {
    for (const v of values) {
      this.exact.add(v.toLowerCase());
      this.exact.add(compact(v));
    }
    for (const p of patterns) this.globs.push(globToRegExp(p));
  }

  get empty(): boolean {
    return this.exact.size === 0 && this.globs.length === 0;
  }

  allows(value: string): boolean {
    if (this.empty) return false;
    const lower = value.toLowerCase();
    if (this.exact.has(lower) || this.exact.has(compact(value))) return true;
    for (const g of this.globs) if (g.test(value)) return true;
    return false;
  }
}

/** Separators people type inside numbers ("4111 1111-1111 1111") do not make a value different. */
function compact(v: string): string {
  return v.replace(/[\s\-.]/g, "").toLowerCase();
}

/** Translates a glob to an anchored RegExp. Only `*` and `?` are special; everything else is literal. */
export function globToRegExp(glob: string): RegExp {
  let src = "";
  for (const ch of glob) {
    if (ch === "*") src += "[^]*";
    else if (ch === "?") src += "[^]";
    else src += ch.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  }
  return new RegExp(`^${src}$`, "i");
}
