import { register as registerAuditRepo } from "./audit-repo.js";
import type { RegisterCommand } from "./command.js";
import { register as registerDiff } from "./diff.js";
import { register as registerExport } from "./export.js";
import { register as registerTest } from "./test.js";

/** The policy review commands (test, diff, audit-repo, export), registered together from main.ts. */
export const register: RegisterCommand = (program, ctx) => {
  for (const r of [registerTest, registerDiff, registerAuditRepo, registerExport]) r(program, ctx);
};
