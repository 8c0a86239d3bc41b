import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import RE2 from "re2";
import type { ExpectedOutputConfig } from "../policy/containment-schema.js";

/**
 * Intent validation of answers: an integration that classifies tickets should answer with one of
 * its labels, one that extracts fields should answer with JSON of its schema. An answer that does
 * not have the declared shape was not doing the job it was asked to do (the usual sign of a
 * hijacked prompt), so it is rejected, never passed on. The only repairs are the harmless ones the
 * policy lists (trimming whitespace, removing a ``` fence around JSON).
 */

export interface IntentResult {
  ok: boolean;
  /** The answer after the allowed repairs (what is released when ok). */
  text: string;
  /** Which checks failed, by name ("json_schema", "enum", …); never the answer's content. */
  failed: string[];
}

const URL_RE = /\b(?:https?|ftp):\/\/[^\s<>"')\]]+|\bwww\.[a-z0-9-]+\.[a-z]{2,}[^\s<>"')\]]*/i;
const MD_IMAGE_RE = /!\[[^\]\n]{0,500}\]\s*[([]|<img\b/i;

/** A compiled `expected_output`: built once per policy, used for every answer. */
export class IntentValidator {
  private readonly schema?: ValidateFunction;
  private readonly regex?: RE2;
  private readonly labels?: Set<string>;

  constructor(readonly config: ExpectedOutputConfig) {
    if (config.json_schema) {
      const ajv = new Ajv2020({ allErrors: false, strict: false });
      this.schema = ajv.compile(config.json_schema);
    }
    if (config.regex) this.regex = new RE2(config.regex, "u");
    if (config.enum) this.labels = new Set(config.enum);
  }

  validate(answer: string): IntentResult {
    const c = this.config;
    let text = answer;
    if (c.repair.includes("trim")) text = text.trim();
    if (c.repair.includes("strip_code_fence")) text = stripFence(text);
    const failed: string[] = [];
    if (c.max_length !== undefined && [...text].length > c.max_length) failed.push("max_length");
    if (this.labels && !this.labels.has(text)) failed.push("enum");
    if (this.regex && !fullMatch(this.regex, text)) failed.push("regex");
    if (this.schema) {
      let value: unknown;
      let parsed = true;
      try {
        value = JSON.parse(text);
      } catch {
        parsed = false;
      }
      if (!parsed || !this.schema(value)) failed.push("json_schema");
    }
    if (c.no_urls && URL_RE.test(text)) failed.push("no_urls");
    if (c.no_markdown_images && MD_IMAGE_RE.test(text)) failed.push("no_markdown_images");
    return { ok: failed.length === 0, text, failed };
  }

  /**
   * Where the schema says the answer went wrong (instance path and keyword), for the refusal
   * message: paths and keywords only, never the offending value.
   */
  schemaProblem(answer: string): string | undefined {
    if (!this.schema) return undefined;
    const r = this.validate(answer);
    if (!r.failed.includes("json_schema")) return undefined;
    let value: unknown;
    try {
      value = JSON.parse(r.text);
    } catch {
      return "the answer is not JSON";
    }
    this.schema(value);
    const e = this.schema.errors?.[0];
    return e ? `${safePath(e.instancePath)} fails "${e.keyword}"` : undefined;
  }
}

/** The instance path with any segment that may be answer content (not a plain key or index) masked. */
function safePath(path: string): string {
  if (!path) return "(root)";
  return path
    .split("/")
    .map((seg) => (seg === "" || /^(?:[A-Za-z_][A-Za-z0-9_-]{0,39}|\d{1,6})$/.test(seg) ? seg : "*"))
    .join("/");
}

function fullMatch(re: RE2, text: string): boolean {
  re.lastIndex = 0;
  const m = re.exec(text);
  return m !== null && m.index === 0 && m[0].length === text.length;
}

function stripFence(text: string): string {
  const m = /^```[a-zA-Z0-9_-]*[ \t]*\n([\s\S]*?)\n?```$/.exec(text.trim());
  return m ? m[1]!.trim() : text;
}

/** Why an expected_output cannot be compiled, or null (for the policy loader's file:line errors). */
export function checkExpectedOutput(config: ExpectedOutputConfig): { field: string; message: string } | null {
  if (config.json_schema) {
    try {
      new Ajv2020({ strict: false }).compile(config.json_schema);
    } catch (e) {
      return { field: "json_schema", message: `the JSON Schema does not compile: ${(e as Error).message}` };
    }
  }
  if (config.regex) {
    try {
      new RE2(config.regex, "u");
    } catch (e) {
      return {
        field: "regex",
        message: `RE2 cannot compile the pattern (${(e as Error).message}); lookarounds and backreferences are not supported`,
      };
    }
  }
  return null;
}
