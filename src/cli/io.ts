/** What a command may touch. Tests pass their own; the binary passes the process's. */
export interface CliIO {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
  stdin: NodeJS.ReadableStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Whether stdout is a terminal (for colour and progress); false in tests and pipes. */
  isTTY?: boolean;
}

export function processIO(): CliIO {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    cwd: process.cwd(),
    isTTY: Boolean(process.stdout.isTTY),
  };
}

/** Exit statuses shared by every command. */
export const EXIT = {
  ok: 0,
  /** Something was blocked, or a check failed. */
  blocked: 1,
  /** Usage, input or policy errors. */
  usage: 2,
  internal: 70,
} as const;

/** An expected failure: printed as one message with an exit status, never as a stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.usage,
  ) {
    super(message);
    this.name = "CliError";
  }
}
