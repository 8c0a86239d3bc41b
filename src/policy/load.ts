import { createHash } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from "yaml";
import type { z } from "zod";
import { DATA_CLASSES, isDataClass, type DataClass } from "./classes.js";
import { parseCsv } from "./csv.js";
import { formatPath, PolicyLoadError, type PolicyError } from "./errors.js";
import { loadPolicyFingerprints, type LoadedFingerprints } from "./fingerprints-load.js";
import { PolicySchema, type Policy } from "./schema.js";
import { validatePolicy, type SemanticIssue } from "./validate.js";
import { lineStarts, position } from "../detect/text-position.js";

/** Policy files are small; anything bigger is a mistake or an attack on the loader. */
export const MAX_POLICY_BYTES = 2 * 1024 * 1024;
const MAX_ALIASES = 100;

export interface DictionaryEntry {
  class: DataClass;
  reason?: string;
  /** Where the entry came from: the policy itself or an imported CSV (file:line). */
  source: string;
}

export interface LoadedPolicy {
  policy: Policy;
  /** sha256 of the canonical form (comments and layout do not change it); goes on every audit event. */
  revision: string;
  /** The file it came from, if any. */
  file?: string;
  /** database.table.column -> class, inline entries and CSV imports merged. */
  dictionary: Map<string, DictionaryEntry>;
  /** The fingerprint files of data_dictionary.fingerprints, read and ready to match. */
  fingerprints?: LoadedFingerprints[];
}

export type LoadResult = { ok: true; value: LoadedPolicy } | { ok: false; errors: PolicyError[] };

export interface ParseOptions {
  /** Name used in error messages. */
  file?: string;
  /** Directory imports are resolved against (the policy file's directory). */
  baseDir?: string;
}

/** Reads and validates a policy file. Never throws for a bad file: every problem is in `errors`. */
export function loadPolicyFile(path: string): LoadResult {
  const file = path;
  let buf: Buffer;
  try {
    const st = statSync(path);
    if (!st.isFile()) return fail(file, `not a file`);
    if (st.size > MAX_POLICY_BYTES) {
      return fail(file, `the file is ${st.size} bytes; a policy may be at most ${MAX_POLICY_BYTES} bytes`);
    }
    buf = readFileSync(path);
  } catch (e) {
    return fail(file, `cannot read the policy: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const text = decodeText(buf, file);
  if (typeof text !== "string") return { ok: false, errors: [text] };
  return parsePolicy(text, { file, baseDir: dirname(resolve(path)) });
}

/** Like loadPolicyFile, but throws a PolicyLoadError listing every problem. */
export function loadPolicyFileOrThrow(path: string): LoadedPolicy {
  const r = loadPolicyFile(path);
  if (!r.ok) throw new PolicyLoadError(r.errors);
  return r.value;
}

/** Parses policy YAML. An empty document is the built-in default policy. */
export function parsePolicy(text: string, opts: ParseOptions = {}): LoadResult {
  const file = opts.file ?? "<policy>";
  if (text.length > MAX_POLICY_BYTES) return fail(file, `a policy may be at most ${MAX_POLICY_BYTES} bytes`);
  const bad = firstControlChar(text);
  if (bad >= 0) {
    const lc = position(lineStarts(text), bad);
    return fail(
      file,
      "the policy contains binary data (a control character); expected YAML text",
      lc.line,
      lc.column,
    );
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, strict: true });
  const at = (offset: number) => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, column: p.col };
  };
  if (doc.errors.length) {
    return {
      ok: false,
      errors: doc.errors.map((e) => ({
        file,
        ...at(e.pos[0]),
        path: "",
        message: `YAML: ${yamlMessage(e.message)}`,
      })),
    };
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (e) {
    return fail(file, `YAML: ${(e as Error).message}`);
  }
  if (raw === null || raw === undefined) raw = {};
  if (typeof raw !== "object" || Array.isArray(raw)) {
    return fail(
      file,
      `expected a mapping of policy sections (organisation, providers, classes, …) at the top level`,
    );
  }

  const locate = (path: readonly PropertyKey[], atKey = false) => at(offsetOf(doc, path, atKey));
  // Explicit tags (!!binary, !!set, !!timestamp) turn into objects the schema and the repair step
  // cannot take apart; a policy is plain data.
  const exotic = firstNonPlain(raw, []);
  if (exotic) {
    return {
      ok: false,
      errors: [
        {
          file,
          ...locate(exotic),
          path: formatPath(exotic),
          message: "YAML tags such as !!binary, !!set or !!timestamp are not supported; write plain values",
        },
      ],
    };
  }
  const parsed = PolicySchema.safeParse(raw, { reportInput: true });
  const errors: PolicyError[] = [];
  let policy: Policy;
  if (parsed.success) {
    policy = parsed.data;
    for (const i of validatePolicy(policy)) {
      errors.push({ file, ...locate(i.path, i.atKey), path: formatPath(i.path), message: i.message });
    }
  } else {
    // Report everything at once: the schema errors, plus the cross-reference and import errors of
    // what remains once the broken parts are set aside.
    errors.push(...parsed.error.issues.flatMap((i) => zodIssueToErrors(i, file, locate)));
    const repaired = repairForSemantics(raw, parsed.error.issues);
    if (!repaired) return { ok: false, errors: sortErrors(errors, file) };
    policy = repaired.policy;
    for (const i of validatePolicy(policy)) {
      if (repaired.suppresses(i)) continue;
      const path = repaired.originalPath(i.path);
      errors.push({ file, ...locate(path, i.atKey), path: formatPath(path), message: i.message });
    }
  }

  const dictionary = new Map<string, DictionaryEntry>();
  const imports = policy.data_dictionary.import;
  const importList = imports === undefined ? [] : Array.isArray(imports) ? imports : [imports];
  importList.forEach((rel, i) => {
    const path: PropertyKey[] = ["data_dictionary", "import", ...(Array.isArray(imports) ? [i] : [])];
    if (!opts.baseDir) {
      errors.push({
        file,
        ...locate(path),
        path: formatPath(path),
        message: "imports need a policy loaded from a file",
      });
      return;
    }
    const csvPath = resolve(opts.baseDir, rel);
    // CSV errors name the file as the policy's errors do: relative to where the policy was named.
    const r = importDictionaryCsv(
      csvPath,
      file.startsWith("<") || isAbsolute(rel) ? rel : join(dirname(file), rel),
    );
    if ("errors" in r) {
      if (r.errors.length === 1 && r.errors[0]!.line === 0) {
        errors.push({ file, ...locate(path), path: formatPath(path), message: r.errors[0]!.message });
      } else errors.push(...r.errors);
      return;
    }
    for (const [k, v] of r.entries) dictionary.set(k, v);
  });
  for (const [key, v] of Object.entries(policy.data_dictionary.columns)) {
    const entry = typeof v === "string" ? { class: v } : v;
    dictionary.set(key.toLowerCase(), { ...entry, source: file });
  }
  const fp = loadPolicyFingerprints(policy, { baseDir: opts.baseDir, file });
  for (const i of fp.issues)
    errors.push({ file, ...locate(i.path), path: formatPath(i.path), message: i.message });
  if (errors.length || !parsed.success) return { ok: false, errors: sortErrors(errors, file) };

  const revision = policyRevision(policy, dictionary, fp.loaded);
  return { ok: true, value: { policy, revision, file: opts.file, dictionary, fingerprints: fp.loaded } };
}

interface Repaired {
  policy: Policy;
  /** True for a cross-reference issue that only exists because a broken part was set aside. */
  suppresses(issue: SemanticIssue): boolean;
  /** Maps a path in the repaired document back to the author's document (list items were taken out). */
  originalPath(path: readonly PropertyKey[]): PropertyKey[];
}

/**
 * Sets aside what the schema rejected until the rest parses: the offending value first, then its
 * parent when that is not enough (a required key that is now missing). A broken list item is taken
 * out of its list, so the other items are still checked; their paths are mapped back afterwards.
 */
function repairForSemantics(raw: unknown, issues: readonly z.core.$ZodIssue[]): Repaired | null {
  const copy = structuredClone(raw) as Record<string, unknown>;
  const removed: PropertyKey[][] = [];
  const spliced: { list: PropertyKey[]; index: number }[] = [];
  const lost = new Set<string>();
  const wasRemoved = (path: readonly PropertyKey[]) =>
    removed.some((r) => r.length === path.length && startsWith(path, r));
  let current = issues;
  for (let round = 0; round < 8; round++) {
    for (const issue of current) {
      const paths =
        issue.code === "unrecognized_keys" ? issue.keys.map((k) => [...issue.path, k]) : [issue.path];
      for (let path of paths) {
        while (path.length > 0 && wasRemoved(path)) path = path.slice(0, -1);
        if (path.length === 0) return null;
        const last = path[path.length - 1];
        const parent = valueAt(copy, path.slice(0, -1));
        // Remember the names that disappear with a broken environment or provider, so references
        // to them are not reported a second time as unknown.
        if (path[0] === "environments" || path[0] === "providers") {
          const names =
            path.length === 1 ? ["*"] : path[0] === "providers" ? [path[1]] : [valueAt(copy, path)];
          for (const n of names) lost.add(`${String(path[0])}:${String(n)}`);
        }
        if (Array.isArray(parent) && typeof last === "number") {
          if (last < parent.length) parent.splice(last, 1);
          spliced.push({ list: path.slice(0, -1), index: last });
        } else if (parent && typeof parent === "object") {
          delete (parent as Record<PropertyKey, unknown>)[last!];
        }
        removed.push(path);
      }
    }
    const again = PolicySchema.safeParse(copy);
    if (!again.success) {
      current = again.error.issues;
      continue;
    }
    const refersToLost = (i: SemanticIssue) => {
      const m = /^unknown (environment|provider) "([^"]*)"/.exec(i.message);
      if (!m) return false;
      const section = m[1] === "environment" ? "environments" : "providers";
      return lost.has(`${section}:*`) || lost.has(`${section}:${m[2]}`);
    };
    return {
      policy: again.data,
      suppresses: refersToLost,
      originalPath: (path) => {
        const out = [...path];
        for (let k = spliced.length - 1; k >= 0; k--) {
          const { list, index } = spliced[k]!;
          const at = out[list.length];
          if (startsWith(out, list) && typeof at === "number" && at >= index) out[list.length] = at + 1;
        }
        return out;
      },
    };
  }
  return null;
}

/** The path of the first value that is not JSON-like data (string, number, boolean, null, list, mapping). */
function firstNonPlain(v: unknown, path: PropertyKey[]): PropertyKey[] | null {
  if (v === null || typeof v === "string" || typeof v === "boolean" || typeof v === "number") return null;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const hit = firstNonPlain(v[i], [...path, i]);
      if (hit) return hit;
    }
    return null;
  }
  if (typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype) {
    for (const [k, x] of Object.entries(v)) {
      const hit = firstNonPlain(x, [...path, k]);
      if (hit) return hit;
    }
    return null;
  }
  return path;
}

function valueAt(obj: unknown, path: readonly PropertyKey[]): unknown {
  let node = obj;
  for (const seg of path) {
    if (!node || typeof node !== "object") return undefined;
    node = (node as Record<PropertyKey, unknown>)[seg];
  }
  return node;
}

function startsWith(path: readonly PropertyKey[], prefix: readonly PropertyKey[]): boolean {
  return prefix.length <= path.length && prefix.every((p, i) => String(p) === String(path[i]));
}

/**
 * sha256 of the policy's canonical form: the parsed document with defaults filled in, keys sorted,
 * plus the imported dictionary. Reformatting or commenting the file does not change it.
 */
export function policyRevision(
  policy: Policy,
  dictionary: Map<string, DictionaryEntry>,
  fingerprints: readonly LoadedFingerprints[] = [],
): string {
  const dict = [...dictionary.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => [k, v.class, v.reason ?? ""]);
  // A rebuilt fingerprint file is a new policy revision; without fingerprints the form is unchanged.
  const canonical = canonicalJson(
    fingerprints.length
      ? { policy, dictionary: dict, fingerprints: fingerprints.map((f) => f.sha256) }
      : { policy, dictionary: dict },
  );
  return "sha256:" + createHash("sha256").update(canonical).digest("hex");
}

export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== "object") return JSON.stringify(v) ?? "null";
  if (Array.isArray(v)) return "[" + v.map(canonicalJson).join(",") + "]";
  const keys = Object.keys(v)
    .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
    .sort();
  return (
    "{" +
    keys.map((k) => JSON.stringify(k) + ":" + canonicalJson((v as Record<string, unknown>)[k])).join(",") +
    "}"
  );
}

/**
 * Reads a data classification sheet: the article's reference columns (Database, Schema/Table,
 * Column Name, Data Type, Classification, Reason, AI Safe?). Header names are matched loosely.
 */
export function importDictionaryCsv(
  path: string,
  label = path,
): { entries: Map<string, DictionaryEntry> } | { errors: PolicyError[] } {
  let text: string;
  try {
    // Check before reading: an import of /dev/zero or a named pipe must not hang the loader.
    const st = statSync(path);
    const problem = !st.isFile() ? "is not a file" : st.size > MAX_POLICY_BYTES * 8 ? "is too large" : "";
    if (problem)
      return { errors: [{ file: label, line: 0, column: 0, path: "", message: `${label} ${problem}` }] };
    const buf = readFileSync(path);
    const t = decodeText(buf, label);
    if (typeof t !== "string") return { errors: [t] };
    text = t;
  } catch (e) {
    return {
      errors: [
        {
          file: label,
          line: 0,
          column: 0,
          path: "",
          message: `cannot read ${label}: ${(e as NodeJS.ErrnoException).code ?? e}`,
        },
      ],
    };
  }
  const rows = parseCsv(text);
  const errors: PolicyError[] = [];
  const header = rows[0];
  if (!header)
    return { errors: [{ file: label, line: 1, column: 1, path: "", message: "the CSV is empty" }] };
  const norm = header.cells.map((h) => h.toLowerCase().replace(/[^a-z]/g, ""));
  const col = (...names: string[]) => norm.findIndex((h) => names.includes(h));
  const iDb = col("database", "db");
  const iTable = col("schematable", "table", "schema");
  const iColumn = col("columnname", "column", "field");
  const iClass = col("classification", "class");
  const iReason = col("reason");
  const missing = [
    ["Database", iDb],
    ["Table", iTable],
    ["Column", iColumn],
    ["Classification", iClass],
  ].filter(([, i]) => i === -1);
  if (missing.length) {
    return {
      errors: [
        {
          file: label,
          line: header.line,
          column: 1,
          path: "",
          message: `missing column${missing.length > 1 ? "s" : ""} ${missing.map(([n]) => n).join(", ")}; expected the reference sheet header (Database, Schema/Table, Column Name, Data Type, Classification, Reason, AI Safe?)`,
        },
      ],
    };
  }
  const entries = new Map<string, DictionaryEntry>();
  for (const row of rows.slice(1)) {
    const cell = (i: number) => (row.cells[i] ?? "").trim();
    const cls = cell(iClass).toLowerCase();
    if (!isDataClass(cls)) {
      errors.push({
        file: label,
        line: row.line,
        column: columnOfCell(row.cells, iClass),
        path: "",
        message: `unknown classification "${cell(iClass)}"; expected one of ${DATA_CLASSES.join(", ")}`,
      });
      continue;
    }
    const parts = [cell(iDb), cell(iTable), cell(iColumn)];
    if (parts.some((p) => p === "" || /[.\s]/.test(p))) {
      errors.push({
        file: label,
        line: row.line,
        column: 1,
        path: "",
        message: "database, table and column must be single words",
      });
      continue;
    }
    const reason = iReason >= 0 ? cell(iReason) : "";
    entries.set(parts.join(".").toLowerCase(), {
      class: cls,
      reason: reason || undefined,
      source: `${label}:${row.line}`,
    });
  }
  return errors.length ? { errors } : { entries };
}

function columnOfCell(cells: string[], i: number): number {
  let c = 1;
  for (let k = 0; k < i; k++) c += (cells[k]?.length ?? 0) + 1;
  return c;
}

/** The policy's own errors first, then the imported files', each in reading order. */
function sortErrors(errors: PolicyError[], file: string): PolicyError[] {
  const rank = (e: PolicyError) => (e.file === file ? 0 : 1);
  return errors.sort(
    (a, b) => rank(a) - rank(b) || a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column,
  );
}

function fail(file: string, message: string, line = 1, column = 1): LoadResult {
  return { ok: false, errors: [{ file, line, column, path: "", message }] };
}

function decodeText(buf: Buffer, file: string): string | PolicyError {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(buf);
  } catch {
    // Find the first offending byte to point at it.
    let offset = 0;
    for (let lo = 0, hi = buf.length; lo < hi;) {
      const mid = (lo + hi) >> 1;
      try {
        new TextDecoder("utf-8", { fatal: true }).decode(buf.subarray(0, mid));
        offset = mid;
        lo = mid + 1;
      } catch {
        hi = mid;
      }
    }
    const before = buf.subarray(0, offset).toString("utf8");
    const lc = position(lineStarts(before), before.length);
    return { file, line: lc.line, column: lc.column, path: "", message: "the file is not valid UTF-8 text" };
  }
}

function firstControlChar(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c < 32 && c !== 9 && c !== 10 && c !== 13) || c === 0x7f) return i;
  }
  return -1;
}

function yamlMessage(m: string): string {
  return m.split("\n")[0]!.replace(/ at line \d+, column \d+.*$/, "");
}

/**
 * The source offset of the node at `path`, or of the nearest ancestor that exists. With `atKey`,
 * of the key of the deepest mapping entry found instead of its value (a line that names the key).
 * Shared by policy errors, the deployment gate and policy test files.
 */
export function offsetOf(
  doc: Document,
  path: readonly PropertyKey[],
  atKey = false,
  /** Where a path whose first key is missing points: the first node by default. */
  root?: number,
): number {
  let node: Node | null | undefined = doc.contents as Node | null;
  let offset = root ?? node?.range?.[0] ?? 0;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i];
    if (isMap(node)) {
      const pair = node.items.find(
        (p) => (isScalar(p.key) ? String(p.key.value) : String(p.key)) === String(seg),
      );
      if (!pair) return offset;
      const keyNode = pair.key as Node | null;
      node = pair.value as Node | null;
      offset = atKey ? (keyNode?.range?.[0] ?? offset) : (node?.range?.[0] ?? keyNode?.range?.[0] ?? offset);
    } else if (isSeq(node) && typeof seg === "number") {
      node = node.items[seg] as Node | undefined;
      if (!node) return offset;
      offset = node.range?.[0] ?? offset;
    } else return offset;
  }
  return offset;
}

type Locate = (path: readonly PropertyKey[], atKey?: boolean) => { line: number; column: number };

function zodIssueToErrors(issue: z.core.$ZodIssue, file: string, locate: Locate): PolicyError[] {
  const path = issue.path;
  if (issue.code === "unrecognized_keys") {
    return issue.keys.map((k) => ({
      file,
      ...locate([...path, k], true),
      path: formatPath([...path, k]),
      message: `unknown key "${k}"${path.length ? ` in ${formatPath(path)}` : " at the top level"}`,
    }));
  }
  if (issue.code === "invalid_union" && issue.errors.length) {
    // Explain the branch whose type matched (a class name vs. a { class, reason } mapping): "Invalid
    // input" alone helps nobody.
    const depth = (b: readonly z.core.$ZodIssue[]) => Math.min(...b.map((i) => i.path.length));
    const typed = issue.errors.filter(
      (b) => b.length && b.every((i) => i.code !== "invalid_type" || i.path.length),
    );
    const branch = typed.sort((a, b) => depth(b) - depth(a))[0];
    if (branch)
      return branch.flatMap((i) => zodIssueToErrors({ ...i, path: [...path, ...i.path] }, file, locate));
    const expected = issue.errors.flatMap((b) =>
      b.flatMap((i) => (i.code === "invalid_type" ? [typeName(i.expected)] : [])),
    );
    return [
      {
        file,
        ...locate(path),
        path: formatPath(path),
        message: `expected ${[...new Set(expected)].join(" or ")}, got ${describe(issue.input, false)}`,
      },
    ];
  }
  let message = issue.message;
  if ((issue.code === "invalid_type" || issue.code === "invalid_value") && issue.input === undefined) {
    const what =
      issue.code === "invalid_type"
        ? typeName(issue.expected)
        : `one of ${issue.values.map(String).join(", ")}`;
    message = `required; expected ${what}`;
  } else if (issue.code === "invalid_type") {
    message = `expected ${typeName(issue.expected)}, got ${describe(issue.input, false)}`;
  } else if (issue.code === "invalid_value") {
    message = `expected one of ${issue.values.map((v) => String(v)).join(", ")}, got ${describe(issue.input, true)}`;
  }
  return [{ file, ...locate(path), path: formatPath(path), message }];
}

/** zod's type names in the words of a YAML author. */
function typeName(t: string): string {
  const names: Record<string, string> = {
    object: "a mapping",
    record: "a mapping",
    array: "a list",
    string: "a string",
    number: "a number",
    boolean: "true or false",
  };
  return names[t] ?? t;
}

/**
 * How an offending value is shown. Strings are echoed only where they are short names (an enum
 * choice), because a policy author may have pasted a key where a variable name belongs.
 */
function describe(v: unknown, echoShortString: boolean): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "a mapping";
  if (typeof v === "string")
    return echoShortString && /^[\w .-]{1,32}$/.test(v) ? JSON.stringify(v) : "a string";
  return String(v);
}
