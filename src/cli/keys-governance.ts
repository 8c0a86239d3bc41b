import type { Command } from "commander";
import { setIn } from "../governance/yaml-edit.js";
import { daysBetween, today } from "../governance/today.js";
import {
  MissingKeyStoreError,
  openKeyStore,
  type GatewayKeyRecord,
  type GatewayKeyStore,
} from "../gateway/keys.js";
import type { Policy } from "../policy/schema.js";
import type { CommandContext, RegisterCommand } from "./command.js";
import { editPolicy } from "./governance-io.js";
import { CliError, type CliIO } from "./io.js";
import { loadPolicyForCli, POLICY_OPTION_HELP } from "./policy-option.js";
import { printable } from "./printable.js";
import {
  AUDIT_OPTION_HELP,
  DATA_DIR_OPTION_HELP,
  dataDirForCli,
  storeCliError,
  type StoreOptions,
} from "./store-option.js";

/** The article: keys a departing person held are rotated within 24 hours. */
const OFFBOARD_DEADLINE_MS = 24 * 3600 * 1000;

/** 30s, 15m, 24h, 7d, or 0. */
export function parseDuration(s: string): number {
  const m = /^(\d+)([smhd]?)$/.exec(s.trim());
  if (!m) throw new CliError(`expected a duration such as 0, 15m, 24h or 7d, got "${printable(s)}"`);
  const unit = { "": 1000, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[
    m[2] as "" | "s" | "m" | "h" | "d"
  ];
  return Number(m[1]) * unit;
}

/** Runs `f` on the key store; undefined, without creating one, when there is none yet. */
async function withStore<T>(
  opts: StoreOptions,
  io: CliIO,
  f: (s: GatewayKeyStore) => Promise<T>,
): Promise<T | undefined> {
  let store: GatewayKeyStore;
  try {
    store = await openKeyStore(opts.audit, { dataDir: dataDirForCli(opts, io), cwd: io.cwd, create: false });
  } catch (e) {
    if (e instanceof MissingKeyStoreError) return undefined;
    throw storeCliError(e);
  }
  try {
    return await f(store);
  } catch (e) {
    throw storeCliError(e);
  } finally {
    await store.close();
  }
}

const live = (r: GatewayKeyRecord, now: number) =>
  !r.revoked_at && !r.replaced_by && !(r.expires_at && Date.parse(r.expires_at) <= now);

/** Whether a person is the owner named on an integration (by id or by their email). */
function ownsIntegration(p: Policy, person: string, owner: string | undefined): boolean {
  return Boolean(owner && (owner === person || owner === p.people[person]?.email));
}

export const register: RegisterCommand = (program, ctx) => {
  const keys = program.commands.find((c) => c.name() === "keys") ?? program.command("keys");
  registerRotate(keys, ctx);
  registerInventory(keys, ctx);
  registerOffboard(program, ctx);
};

function registerRotate(keys: Command, ctx: CommandContext): void {
  keys
    .command("rotate")
    .description(
      "Rotate a gateway key: issue its replacement (printed once) and let the old key work for the grace period.\n" +
        "With --provider NAME instead: record in the policy that the provider key was rotated at the vendor today.",
    )
    .argument("[id]", "the gateway key's id (policygate keys list)")
    .option("--grace <duration>", "how long the old key keeps working: 0, 15m, 24h, 7d", "24h")
    .option("--provider <name>", "record a provider key rotation in the policy (secret.rotated)")
    .option("-p, --policy <file>", POLICY_OPTION_HELP)
    .option("--data-dir <dir>", DATA_DIR_OPTION_HELP)
    .option("--audit <spec>", AUDIT_OPTION_HELP)
    .action(
      async (
        id: string | undefined,
        o: StoreOptions & { grace: string; provider?: string; policy?: string },
      ) => {
        const io = ctx.io;
        if (o.provider) {
          const name = o.provider;
          editPolicy(o.policy, io, (f, { date }) => {
            if (!f.policy.providers[name])
              throw new CliError(`no provider "${printable(name)}" in the policy`);
            f.edit((t) => setIn(t, ["providers", name, "secret", "rotated"], date));
            return `recorded the rotation of ${f.policy.providers[name]!.api_key_env ?? name} on ${date}`;
          });
          return;
        }
        if (!id) throw new CliError("give a gateway key id (policygate keys list) or --provider NAME");
        const graceMs = parseDuration(o.grace);
        const r = await withStore(o, io, (s) => s.rotate(id, { graceMs }));
        if (!r)
          throw new CliError(
            `no live gateway key with id ${printable(id)} (policygate keys list shows them)`,
          );
        io.stdout.write(r.key + "\n");
        io.stderr.write(
          `rotated ${r.old.id} -> ${r.record.id} (integration ${printable(r.record.integration)}); the old key works until ${r.old.expires_at}\n` +
            "store the new key now: it will not be shown again\n",
        );
      },
    );
}

function registerInventory(keys: Command, ctx: CommandContext): void {
  keys
    .command("inventory")
    .description(
      "The secrets inventory: live gateway keys (integration, owner, created, expiry) and provider key variables\n" +
        "(whether set here, holders, created, rotated). Never a key's value.",
    )
    .option("--json", "print JSON")
    .option("-p, --policy <file>", POLICY_OPTION_HELP)
    .option("--data-dir <dir>", DATA_DIR_OPTION_HELP)
    .option("--audit <spec>", AUDIT_OPTION_HELP)
    .action(async (o: StoreOptions & { json?: boolean; policy?: string }) => {
      const io = ctx.io;
      const p = loadPolicyForCli(o.policy, io)?.policy;
      const now = Date.now();
      const gateway = ((await withStore(o, io, (s) => s.list())) ?? [])
        .filter((r) => live(r, now) || (r.expires_at && Date.parse(r.expires_at) > now))
        .map((r) => ({
          id: r.id,
          integration: r.integration,
          owner: r.owner ?? p?.integrations[r.integration]?.owner ?? null,
          created_at: r.created_at,
          expires_at: r.expires_at ?? null,
          key: `pgk_…${r.last4}`,
        }));
      const date = today(io.env);
      const providers = Object.entries(p?.providers ?? {})
        .filter(([, v]) => v.api_key_env)
        .map(([id, v]) => ({
          provider: id,
          variable: v.api_key_env!,
          set: Boolean(io.env[v.api_key_env!]),
          holders: v.secret?.holders ?? [],
          created: v.secret?.created ?? null,
          rotated: v.secret?.rotated ?? null,
          days_since_rotation:
            v.secret?.rotated || v.secret?.created
              ? daysBetween((v.secret.rotated ?? v.secret.created)!, date)
              : null,
        }));
      if (o.json) {
        io.stdout.write(JSON.stringify({ gateway_keys: gateway, provider_keys: providers }, null, 2) + "\n");
        return;
      }
      io.stdout.write("Gateway keys\n");
      if (!gateway.length) io.stdout.write("  (none)\n");
      for (const g of gateway)
        io.stdout.write(
          `  ${g.id}  ${printable(g.integration)}  owner ${printable(g.owner ?? "-")}  created ${g.created_at}${g.expires_at ? `  expires ${g.expires_at}` : ""}  ${g.key}\n`,
        );
      io.stdout.write("Provider keys\n");
      if (!providers.length) io.stdout.write("  (none)\n");
      for (const k of providers)
        io.stdout.write(
          `  ${k.variable} (${k.provider})  ${k.set ? "set" : "not set"} here  holders ${k.holders.join(", ") || "-"}  created ${k.created ?? "-"}  rotated ${k.rotated ?? "never"}\n`,
        );
    });
}

function registerOffboard(program: Command, ctx: CommandContext): void {
  program
    .command("offboard")
    .description(
      "Offboard a person (article section 9: rotate within 24 hours of a personnel change): list every key they hold,\n" +
        "rotate their gateway keys, list the provider keys to rotate at the vendor, mark them as left in the policy,\n" +
        "and record it in the key store.",
    )
    .argument("<person>", "a people id from the policy")
    .option("--grace <duration>", "how long their old gateway keys keep working", "0")
    .option("--dry-run", "list what they hold; change nothing")
    .option("-p, --policy <file>", POLICY_OPTION_HELP)
    .option("--data-dir <dir>", DATA_DIR_OPTION_HELP)
    .option("--audit <spec>", AUDIT_OPTION_HELP)
    .action(
      async (person: string, o: StoreOptions & { grace: string; dryRun?: boolean; policy?: string }) => {
        const io = ctx.io;
        const loaded = loadPolicyForCli(o.policy, io);
        if (!loaded) throw new CliError("no policy file (--policy, $POLICYGATE_POLICY or ./policygate.yaml)");
        const p = loaded.policy;
        if (!p.people[person]) {
          throw new CliError(
            `"${printable(person)}" is not in the policy's people section (${Object.keys(p.people).join(", ") || "none"})`,
          );
        }
        const graceMs = parseDuration(o.grace);
        const now = new Date();
        const integrations = Object.entries(p.integrations)
          .filter(([, v]) => ownsIntegration(p, person, v.owner))
          .map(([id]) => id);
        const providerKeys = Object.entries(p.providers)
          .filter(([, v]) => v.secret?.holders.includes(person))
          .map(([id, v]) => ({ provider: id, variable: v.api_key_env ?? id }));
        const held =
          (await withStore(o, io, async (s) =>
            (await s.list()).filter(
              (r) => live(r, now.getTime()) && (r.owner === person || integrations.includes(r.integration)),
            ),
          )) ?? [];
        const out = (s: string) => io.stdout.write(s + "\n");
        out(`${person} holds:`);
        out(`  roles: ${p.people[person]!.roles.join(", ") || "none"}`);
        for (const r of held)
          out(`  gateway key ${r.id} (integration ${printable(r.integration)}, pgk_…${r.last4})`);
        for (const k of providerKeys) out(`  provider key ${k.variable} (${k.provider})`);
        if (!held.length && !providerKeys.length) out("  no keys");
        if (o.dryRun) return;

        const rotated: { old: string; new: string; integration: string }[] = [];
        await withStore(o, io, async (s) => {
          for (const r of held) {
            const res = await s.rotate(r.id, { graceMs, owner: r.owner === person ? null : r.owner, now });
            if (!res) continue;
            rotated.push({ old: r.id, new: res.record.id, integration: r.integration });
            // New keys on stdout, one per line after its label, for whoever redistributes them.
            out(`new key for ${printable(r.integration)} (replaces ${r.id}): ${res.key}`);
          }
          await s.recordEvent({
            at: now.toISOString(),
            kind: "offboard",
            person,
            detail: {
              gateway_keys_rotated: rotated,
              provider_keys_to_rotate: providerKeys.map((k) => k.variable),
              deadline: new Date(now.getTime() + OFFBOARD_DEADLINE_MS).toISOString(),
            },
          });
        });
        editPolicy(o.policy, io, (f, { date }) => {
          f.edit((t) => setIn(t, ["people", person, "left"], date));
          for (const k of providerKeys) {
            const holders = (f.policy.providers[k.provider]!.secret?.holders ?? []).filter(
              (h) => h !== person,
            );
            f.edit((t) => setIn(t, ["providers", k.provider, "secret", "holders"], holders));
          }
          return `${person} marked as left on ${date}; removed from ${providerKeys.length} provider key holder list${providerKeys.length === 1 ? "" : "s"}`;
        });
        for (const k of providerKeys) {
          io.stderr.write(
            `rotate ${k.variable} at the provider within 24 hours, then run: policygate keys rotate --provider ${k.provider}\n`,
          );
        }
      },
    );
}
