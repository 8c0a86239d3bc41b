import type { Command } from "commander";
import type { RegisterCommand } from "./command.js";
import { registerSwitch } from "./provider-switch.js";

/**
 * `policygate provider …`. Each group of subcommands lives in its own file and adds itself to this
 * one command (the kill switch here; approvals elsewhere), so they can grow independently.
 */
export function providerCommand(program: Command): Command {
  return (
    program.commands.find((c) => c.name() === "provider") ??
    program
      .command("provider")
      .description(
        "Providers: onboarding (request, approve) and the incident kill switch (disable, enable, status).",
      )
  );
}

export const register: RegisterCommand = (program, ctx) => {
  registerSwitch(providerCommand(program), ctx);
};
