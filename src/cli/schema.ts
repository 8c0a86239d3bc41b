import { policyJsonSchema } from "../policy/json-schema.js";
import type { RegisterCommand } from "./command.js";

export const register: RegisterCommand = (program, ctx) => {
  program
    .command("schema")
    .description("print the policy file's JSON Schema (for editor completion)")
    .action(() => {
      ctx.io.stdout.write(JSON.stringify(policyJsonSchema(), null, 2) + "\n");
    });
};
