import { isMap, isScalar, isSeq, parseDocument, type Node, type Pair } from "yaml";

export type Leaf = string | number | boolean | readonly (string | number | boolean)[];

/**
 * Sets one value in a YAML text by splicing only the characters that change: a value replaced in
 * place, or new `key: value` lines appended to the mapping that should hold them, at that mapping's
 * indentation. Everything else — comments, folded strings, blank lines, key order, quoting — stays
 * byte for byte, which re-serialising the whole document (yaml's toString) cannot promise.
 *
 * Objects are set leaf by leaf (setLeaves), so only scalars and flat lists are ever rendered.
 */
export function setIn(text: string, path: readonly string[], value: Leaf): string {
  if (!path.length) throw new RangeError("an empty path");
  const doc = parseDocument(text);
  if (doc.errors.length)
    throw new Error(`the file is not valid YAML: ${doc.errors[0]!.message.split("\n")[0]}`);
  let node: Node | null = doc.contents as Node | null;
  if (node === null || (isScalar(node) && node.value === null)) {
    // An empty file: the first key starts it.
    return text.replace(/\s*$/, "") + (text.trim() ? "\n" : "") + block(path, value, 0);
  }
  for (let i = 0; i < path.length; i++) {
    if (!isMap(node)) throw new Error(`${path.slice(0, i).join(".") || "the document"} is not a mapping`);
    const pair = node.items.find((p) => keyOf(p) === path[i]) as Pair<Node, Node | null> | undefined;
    if (!pair) return insertInto(text, node, path.slice(i), value);
    const last = i === path.length - 1;
    const v = pair.value;
    if (last) {
      if (v && v.range && !isMap(v)) return splice(text, v.range[0], v.range[1], inline(value));
      if (v && isMap(v)) throw new Error(`${path.join(".")} is a mapping; set its keys one by one`);
      // `key:` with nothing after it: put the value after the colon.
      const k = pair.key as Node;
      const colon = text.indexOf(":", k.range![1]);
      return splice(text, colon + 1, colon + 1, " " + inline(value));
    }
    if (v === null || (isScalar(v) && (v.value === null || v.value === undefined))) {
      // `key:` holding nothing yet: the rest of the path becomes its block.
      const k = pair.key as Node;
      const colon = text.indexOf(":", k.range![1]);
      const end = v?.range ? v.range[1] : colon + 1;
      const indent = column(text, k.range![0]) + 2;
      return splice(text, colon + 1, end, "\n" + block(path.slice(i + 1), value, indent).replace(/\n$/, ""));
    }
    node = v;
  }
  throw new Error("unreachable");
}

/** Sets every leaf of a plain object under `path`, in the object's key order. Undefined values are skipped. */
export function setLeaves(text: string, path: readonly string[], obj: Record<string, unknown>): string {
  let out = text;
  for (const [k, v] of Object.entries(obj)) {
    if (v === undefined) continue;
    if (v !== null && typeof v === "object" && !Array.isArray(v)) {
      out = setLeaves(out, [...path, k], v as Record<string, unknown>);
    } else out = setIn(out, [...path, k], v as Leaf);
  }
  return out;
}

function insertInto(text: string, map: Node, rest: readonly string[], value: Leaf): string {
  if (!isMap(map)) throw new Error("not a mapping");
  if (map.flow || !map.items.length) {
    // A flow mapping ({ a: 1 }) is small: rewrite it as a flow mapping with the new key.
    const obj = map.toJSON() as Record<string, unknown>;
    let cur: Record<string, unknown> = obj;
    rest.forEach((k, i) => {
      if (i === rest.length - 1) cur[k] = value;
      else cur = (cur[k] ??= {}) as Record<string, unknown>;
    });
    return splice(text, map.range![0], map.range![1], flow(obj));
  }
  const first = map.items[0]!.key as Node;
  const indent = column(text, first.range![0]);
  const lastPair = map.items[map.items.length - 1]!;
  const lastNode = (lastPair.value ?? lastPair.key) as Node;
  // After the line where the mapping's last value ends.
  let at = lastNode.range![1];
  if (at > 0 && text[at - 1] === "\n") at -= 1;
  const nl = text.indexOf("\n", at);
  const pos = nl === -1 ? text.length : nl + 1;
  const prefix = nl === -1 ? "\n" : "";
  return splice(text, pos, pos, prefix + block(rest, value, indent));
}

function block(path: readonly string[], value: Leaf, indent: number): string {
  let out = "";
  path.forEach((k, i) => {
    const pad = " ".repeat(indent + 2 * i);
    out += i === path.length - 1 ? `${pad}${key(k)}: ${inline(value)}\n` : `${pad}${key(k)}:\n`;
  });
  return out;
}

function inline(v: Leaf | unknown): string {
  if (Array.isArray(v)) return "[" + v.map(inline).join(", ") + "]";
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (v !== null && typeof v === "object") return flow(v as Record<string, unknown>);
  return scalar(String(v));
}

function flow(obj: Record<string, unknown>): string {
  const entries = Object.entries(obj).filter(([, v]) => v !== undefined);
  return entries.length ? "{ " + entries.map(([k, v]) => `${key(k)}: ${inline(v)}`).join(", ") + " }" : "{}";
}

const RESERVED = /^(true|false|yes|no|on|off|y|n|null|~)$/i;

/** Plain when it cannot be read as anything but this string, else double-quoted (JSON escapes are YAML's). */
function scalar(s: string): string {
  if (/^[A-Za-z][A-Za-z0-9@._/ ,()'-]*$/.test(s) && !RESERVED.test(s) && !/\s$/.test(s) && !/: | #/.test(s))
    return s;
  return JSON.stringify(s);
}

function key(k: string): string {
  return /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(k) && !RESERVED.test(k) ? k : JSON.stringify(k);
}

function keyOf(p: Pair): string {
  return isScalar(p.key) ? String(p.key.value) : String(p.key);
}

function column(text: string, offset: number): number {
  return offset - (text.lastIndexOf("\n", offset - 1) + 1);
}

function splice(text: string, start: number, end: number, insert: string): string {
  return text.slice(0, start) + insert + text.slice(end);
}

/** Whether a sequence node exists at the path (used to append to lists). */
export function getIn(text: string, path: readonly string[]): unknown {
  const doc = parseDocument(text);
  const n = doc.getIn(path, false);
  return isSeq(n) || isMap(n) || isScalar(n) ? (n as { toJSON(): unknown }).toJSON() : n;
}

/** Removes a key (and its value's lines) from a block mapping; a no-op when the key is absent. */
export function deleteIn(text: string, path: readonly string[]): string {
  const doc = parseDocument(text);
  const parent = path.length > 1 ? doc.getIn(path.slice(0, -1), true) : doc.contents;
  if (!isMap(parent)) return text;
  const pair = parent.items.find((p) => keyOf(p) === path[path.length - 1]);
  if (!pair) return text;
  const k = pair.key as Node;
  const v = (pair.value ?? pair.key) as Node;
  if (parent.flow) {
    const obj = parent.toJSON() as Record<string, unknown>;
    delete obj[path[path.length - 1]!];
    return splice(text, parent.range![0], parent.range![1], flow(obj));
  }
  const start = text.lastIndexOf("\n", k.range![0] - 1) + 1;
  let end = v.range![1];
  if (end > 0 && text[end - 1] === "\n") end -= 1;
  const nl = text.indexOf("\n", end);
  return splice(text, start, nl === -1 ? text.length : nl + 1, "");
}
