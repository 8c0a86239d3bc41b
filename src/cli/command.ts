import type { Command } from "commander";
import type { CliIO } from "./io.js";

/** The exit status of the command that ran; set by an action through `ctx.exit`. */
export interface CommandContext {
  io: CliIO;
  exit(code: number): void;
}

/** One CLI command per file: each exports a `register` that adds itself to the program. */
export type RegisterCommand = (program: Command, ctx: CommandContext) => void;
