import { readFile, stat } from "node:fs/promises";
import { resolve } from "node:path";
import { CliError, EXIT, type CliIO } from "./io.js";

/** Inputs larger than this are refused unless --max-bytes says otherwise. */
export const DEFAULT_MAX_BYTES = 256 * 1024 * 1024;

export interface TextInput {
  name: string;
  text: string;
  /** The bytes were not valid UTF-8; invalid sequences became U+FFFD before scanning. */
  invalidUtf8: boolean;
}

/** Reads a file (or stdin for "-") as text, refusing binary and oversized input with a clear message. */
export async function readTextInput(
  name: string,
  io: CliIO,
  maxBytes = DEFAULT_MAX_BYTES,
): Promise<TextInput> {
  let buf: Buffer;
  if (name === "-") {
    buf = await readStream(io.stdin, maxBytes, "standard input");
  } else {
    const path = resolve(io.cwd, name);
    try {
      const st = await stat(path);
      if (st.isDirectory())
        throw new CliError(`${name} is a directory; pass files (or - for standard input)`);
      if (st.size > maxBytes)
        throw new CliError(`${name} is ${st.size} bytes, over the limit of ${maxBytes} (--max-bytes)`);
      buf = await readFile(path);
    } catch (e) {
      if (e instanceof CliError) throw e;
      throw new CliError(`cannot read ${name}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  }
  return decodeInput(name === "-" ? "<stdin>" : name, buf);
}

export function decodeInput(name: string, buf: Buffer): TextInput {
  if (looksBinary(buf)) {
    throw new CliError(
      `${name} looks like binary data (it contains NUL bytes); policygate scans text`,
      EXIT.usage,
    );
  }
  try {
    return {
      name,
      text: new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(buf),
      invalidUtf8: false,
    };
  } catch {
    return { name, text: new TextDecoder("utf-8").decode(buf), invalidUtf8: true };
  }
}

function looksBinary(buf: Buffer): boolean {
  return buf.indexOf(0) !== -1;
}

export async function readStream(
  stream: NodeJS.ReadableStream,
  maxBytes: number,
  what: string,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const b = typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer);
    size += b.length;
    if (size > maxBytes) throw new CliError(`${what} is over the limit of ${maxBytes} bytes (--max-bytes)`);
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}
