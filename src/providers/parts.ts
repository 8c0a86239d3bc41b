import type { CallPart, JsonPath, PartSource, UnscannablePart } from "./types.js";
import { WireError } from "./types.js";

export type JsonObject = Record<string, unknown>;

export function isObject(v: unknown): v is JsonObject {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** A JSON path as a reader writes it: messages[2].content[0].text */
export function formatPath(at: JsonPath): string {
  let out = "";
  for (const key of at) {
    if (typeof key === "number") out += `[${key}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(key)) out += out ? `.${key}` : key;
    else out += `[${JSON.stringify(key)}]`;
  }
  return out || "(body)";
}

/** The request body as an object, or a WireError that says what was expected. */
export function requireBody(body: unknown, what: string): JsonObject {
  if (!isObject(body)) throw new WireError(`the request body must be a JSON object (${what})`);
  return body;
}

/** A required non-empty string field. */
export function requireString(obj: JsonObject, key: string, at: JsonPath = []): string {
  const v = obj[key];
  if (typeof v !== "string" || v === "")
    throw new WireError(`${formatPath([...at, key])} is required and must be a non-empty string`);
  return v;
}

/** An optional field that must have a type when present. */
export function optional<T>(
  obj: JsonObject,
  key: string,
  at: JsonPath,
  check: (v: unknown) => v is T,
  expected: string,
): T | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (!check(v)) throw new WireError(`${formatPath([...at, key])} must be ${expected}`);
  return v;
}

export const isString = (v: unknown): v is string => typeof v === "string";
export const isBoolean = (v: unknown): v is boolean => typeof v === "boolean";
export const isArray = (v: unknown): v is unknown[] => Array.isArray(v);

/** Collects a request's texts and opaque parts as a parser walks it. */
export class PartCollector {
  readonly parts: CallPart[] = [];
  readonly unscannable: UnscannablePart[] = [];

  text(at: JsonPath, text: unknown, source: PartSource, role?: string): void {
    if (typeof text !== "string") return;
    const part: CallPart = { text, at, source, path: formatPath(at) };
    if (role !== undefined) part.role = role;
    this.parts.push(part);
  }

  /** A field that must be a string when the block it sits in is of a text-carrying type. */
  requiredText(obj: JsonObject, key: string, at: JsonPath, source: PartSource, role?: string): void {
    const v = obj[key];
    if (typeof v !== "string") throw new WireError(`${formatPath([...at, key])} must be a string`);
    this.text([...at, key], v, source, role);
  }

  opaque(at: JsonPath, type: UnscannablePart["type"]): void {
    this.unscannable.push({ at, type });
  }

  /** Every string leaf of a JSON value (tool-call arguments given as objects). */
  leaves(at: JsonPath, value: unknown, source: PartSource, role?: string): void {
    for (const leaf of stringLeaves(value, at)) this.text(leaf.at, leaf.text, source, role);
  }

  /**
   * The descriptions in a JSON Schema (a tool's parameters): every string under a `description`
   * key, at any depth. Other schema keywords are names and types, not prose sent to the model.
   */
  schemaDescriptions(at: JsonPath, schema: unknown): void {
    if (Array.isArray(schema)) schema.forEach((v, i) => this.schemaDescriptions([...at, i], v));
    else if (isObject(schema))
      for (const [k, v] of Object.entries(schema)) {
        if (k === "description" && typeof v === "string") this.text([...at, k], v, "tool_definition");
        else this.schemaDescriptions([...at, k], v);
      }
  }
}

/** The kind of opaque content a MIME type names. */
export function mediaType(mime: unknown): UnscannablePart["type"] {
  if (typeof mime !== "string") return "file";
  if (mime.startsWith("image/")) return "image";
  if (mime.startsWith("audio/")) return "audio";
  if (mime === "application/pdf") return "document";
  return "file";
}

/** The string leaves of a JSON value, in document order, with their paths. */
export function stringLeaves(value: unknown, at: JsonPath = []): { at: JsonPath; text: string }[] {
  const out: { at: JsonPath; text: string }[] = [];
  const walk = (v: unknown, p: JsonPath) => {
    if (typeof v === "string") out.push({ at: p, text: v });
    else if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...p, i]));
    else if (isObject(v)) for (const [k, x] of Object.entries(v)) walk(x, [...p, k]);
  };
  walk(value, at);
  return out;
}

/** Sets the value at a path inside a document this module owns (a freshly parsed event). */
export function assignAt(doc: unknown, at: JsonPath, value: unknown): void {
  let node = doc as Record<string | number, unknown>;
  for (const key of at.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  node[at.at(-1)!] = value;
}

/** JSON text to a value, or undefined when it is not JSON. */
export function parseJson(data: string): unknown {
  try {
    return JSON.parse(data);
  } catch {
    return undefined;
  }
}
