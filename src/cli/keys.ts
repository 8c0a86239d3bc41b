import { openKeyStore, type GatewayKeyRecord, type GatewayKeyStore } from "../gateway/keys.js";
import type { RegisterCommand } from "./command.js";
import { CliError, EXIT, type CliIO } from "./io.js";
import { loadPolicyForCli, POLICY_OPTION_HELP } from "./policy-option.js";
import { printable } from "./printable.js";
import {
  AUDIT_OPTION_HELP,
  DATA_DIR_OPTION_HELP,
  dataDirForCli,
  storeCliError,
  type StoreOptions,
} from "./store-option.js";

interface CreateOptions extends StoreOptions {
  integration: string;
  label?: string;
  owner?: string;
  policy?: string;
}

interface ListOptions extends StoreOptions {
  json?: boolean;
}

const STORE_HELP = `${AUDIT_OPTION_HELP}; keys live in its SQLite file or PostgreSQL database, or in <data dir>/keys.sqlite for jsonl`;

export const register: RegisterCommand = (program, ctx) => {
  const keys = program
    .command("keys")
    .description(
      "Gateway keys: one per integration, sent as the API key by the SDK pointed at the gateway.\n" +
        "Only a key's SHA-256 is stored; a key is shown once, when it is created.",
    );

  keys
    .command("create")
    .description("Issue a key for an integration the policy declares, and print it once.")
    .requiredOption("--integration <name>", "the integration (from the policy's integrations section)")
    .option("--label <text>", "a note to tell keys apart (where it is deployed, who holds it)")
    .option("--owner <person>", "the person who holds the key (a people id; offboard rotates it)")
    .option("-p, --policy <file>", POLICY_OPTION_HELP)
    .option("--data-dir <dir>", DATA_DIR_OPTION_HELP)
    .option("--audit <spec>", STORE_HELP)
    .action(async (opts: CreateOptions) => {
      checkDeclared(opts, ctx.io);
      await withStore(opts, ctx.io, true, async (store) => {
        const { key, record } = await store.create({
          integration: opts.integration,
          label: opts.label,
          owner: opts.owner,
        });
        // The key alone on stdout, so `KEY=$(policygate keys create …)` works; the rest on stderr.
        ctx.io.stdout.write(key + "\n");
        ctx.io.stderr.write(
          `created ${record.id} for integration ${printable(record.integration)}` +
            (record.label ? ` (${printable(record.label)})` : "") +
            `, stored in ${store.description}\n` +
            "store the key now: it will not be shown again (PolicyGate keeps only its SHA-256)\n",
        );
      });
    });

  keys
    .command("list")
    .description("List keys: id, integration, label, created, revoked and last 4 characters; never the key.")
    .option("--json", "print JSON")
    .option("--data-dir <dir>", DATA_DIR_OPTION_HELP)
    .option("--audit <spec>", STORE_HELP)
    .action(async (opts: ListOptions) => {
      await withStore(opts, ctx.io, false, async (store) => {
        const records = await store.list();
        if (opts.json) ctx.io.stdout.write(JSON.stringify(records, null, 2) + "\n");
        else if (!records.length) ctx.io.stderr.write(`no keys in ${store.description}\n`);
        else ctx.io.stdout.write(table(records));
      });
    });

  keys
    .command("revoke")
    .description("Revoke a key: the next request with it is refused.")
    .argument("<id>", "the key's id, as `keys list` shows it")
    .option("--data-dir <dir>", DATA_DIR_OPTION_HELP)
    .option("--audit <spec>", STORE_HELP)
    .action(async (id: string, opts: StoreOptions) => {
      await withStore(opts, ctx.io, false, async (store) => {
        const before = (await store.list()).find((r) => r.id === id);
        const r = await store.revoke(id);
        if (!r)
          throw new CliError(
            `no key with id ${printable(id)} in ${store.description} (policygate keys list shows them)`,
          );
        ctx.io.stdout.write(
          before?.revoked_at
            ? `${r.id} was already revoked at ${r.revoked_at}\n`
            : `revoked ${r.id} (integration ${printable(r.integration)}, key …${r.last4}); requests with it are refused from now on\n`,
        );
      });
    });
};

/** A key for an integration the policy does not declare would authenticate calls no rule governs. */
function checkDeclared(opts: CreateOptions, io: CliIO): void {
  const loaded = loadPolicyForCli(opts.policy, io);
  if (!loaded) {
    throw new CliError(
      "no policy file (--policy, $POLICYGATE_POLICY or ./policygate.yaml): a key belongs to an integration the policy declares",
    );
  }
  const declared = Object.keys(loaded.policy.integrations);
  if (declared.includes(opts.integration)) return;
  const where = loaded.file ?? "the policy";
  throw new CliError(
    declared.length
      ? `${where} declares no integration "${printable(opts.integration)}"; declared: ${declared.join(", ")}`
      : `${where} declares no integrations; add "${printable(opts.integration)}" under integrations: first`,
    EXIT.usage,
  );
}

/** Runs `f` on the key store; only `create` makes the store when it does not exist yet. */
async function withStore(
  opts: StoreOptions,
  io: CliIO,
  create: boolean,
  f: (store: GatewayKeyStore) => Promise<void>,
): Promise<void> {
  let store: GatewayKeyStore;
  try {
    store = await openKeyStore(opts.audit, { dataDir: dataDirForCli(opts, io), cwd: io.cwd, create });
  } catch (e) {
    throw storeCliError(e);
  }
  try {
    await f(store);
  } catch (e) {
    throw storeCliError(e);
  } finally {
    await store.close();
  }
}

function table(records: GatewayKeyRecord[]): string {
  const rows = [
    ["ID", "INTEGRATION", "LABEL", "CREATED", "REVOKED", "KEY"],
    ...records.map((r) => [
      r.id,
      printable(r.integration),
      printable(r.label ?? "-"),
      r.created_at,
      r.revoked_at ?? "-",
      `pgk_…${r.last4}`,
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows
    .map(
      (row) =>
        row
          .map((c, i) => c.padEnd(widths[i]!))
          .join("  ")
          .trimEnd() + "\n",
    )
    .join("");
}
