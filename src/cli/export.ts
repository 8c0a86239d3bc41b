import { relative, resolve } from "node:path";
import { defaultLoadedPolicy } from "../enforce/engine.js";
import { approvedVendors, loadAiDomains } from "../review/ai-domains.js";
import {
  BLOCKLIST_FORMATS,
  buildBlocklist,
  renderBlocklist,
  type BlocklistFormat,
} from "../review/blocklist.js";
import type { RegisterCommand } from "./command.js";
import { CliError } from "./io.js";
import { loadPolicyForCli, POLICY_OPTION_HELP } from "./policy-option.js";

interface BlocklistOptions {
  format: string;
  policy?: string;
  data?: string;
  allow: string[];
  pacProxy?: string;
}

export const register: RegisterCommand = (program, ctx) => {
  const exp = program.command("export").description("export what the policy decides for other tools");
  exp
    .command("blocklist")
    .description(
      "Consumer AI tool domains the policy does not approve, for a firewall, DNS resolver, proxy or PAC file.\n" +
        "Consumer accounts are never approved; an approved provider's API and enterprise domains are left out.",
    )
    .option("-f, --format <format>", BLOCKLIST_FORMATS.join(" | "), "hosts")
    .option("-p, --policy <file>", POLICY_OPTION_HELP)
    .option("--data <file>", "AI domain list (default: the data/ai-domains.json shipped with policygate)")
    .option(
      "--allow <domain>",
      "a domain not to block (repeatable)",
      (v: string, acc: string[]) => [...acc, v],
      [],
    )
    .option(
      "--pac-proxy <value>",
      'what the PAC file returns for a blocked host (default "PROXY 127.0.0.1:9")',
    )
    .action((opts: BlocklistOptions) => {
      if (!(BLOCKLIST_FORMATS as readonly string[]).includes(opts.format)) {
        throw new CliError(`--format is one of ${BLOCKLIST_FORMATS.join(", ")}, not "${opts.format}"`);
      }
      const loaded = loadPolicyForCli(opts.policy, ctx.io) ?? defaultLoadedPolicy();
      let domains;
      try {
        domains = loadAiDomains(opts.data ? resolve(ctx.io.cwd, opts.data) : undefined);
      } catch (e) {
        throw new CliError((e as Error).message);
      }
      const approved = approvedVendors(loaded.policy, domains);
      const list = buildBlocklist(domains, approved, opts.allow);
      const policyName = loaded.file
        ? relative(ctx.io.cwd, loaded.file) || loaded.file
        : "the built-in default policy";
      ctx.io.stdout.write(
        renderBlocklist(list, opts.format as BlocklistFormat, {
          header: [
            `policygate export blocklist: ${list.blocked.length} consumer AI domains the policy does not approve`,
            `policy: ${policyName} (${loaded.revision}); approved vendors: ${[...approved].sort().join(", ") || "none"}`,
            `domain list dated ${domains.updated}; regenerate when the policy or the list changes`,
          ],
          pacProxy: opts.pacProxy,
        }),
      );
    });
};
