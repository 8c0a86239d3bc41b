// Links this package's own CLI into node_modules/.bin, so `npm run` scripts and tools that look
// there (CI checks, editors) find `policygate` in a clone, as they would in an installed project.
import { mkdirSync, rmSync, symlinkSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bin = join(root, "node_modules", ".bin");
const link = join(bin, "policygate");
try {
  mkdirSync(bin, { recursive: true });
  rmSync(link, { force: true });
  symlinkSync("../../bin/policygate.js", link);
} catch (e) {
  // Not fatal: `npx policygate` and `node bin/policygate.js` work without the link.
  console.warn(`policygate: could not link node_modules/.bin/policygate (${e.message})`);
}
