import { existsSync } from "node:fs";
import { keyStorePath, openKeyStore, type GatewayKeyRecord, type KeyStore } from "../gateway/keys.js";
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

const STORE_HELP = `${AUDIT_OPTION_HELP}; keys live in its SQLite file, or in <data dir>/keys.sqlite`;

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
    .action((opts: CreateOptions) => {
      checkDeclared(opts, ctx.io);
      withStore(opts, ctx.io, true, (store) => {
        const { key, record } = store.create({
          integration: opts.integration,
          label: opts.label,
          owner: opts.owner,
        });
        // The key alone on stdout, so `KEY=$(policygate keys create …)` works; the rest on stderr.
        ctx.io.stdout.write(key + "\n");
        ctx.io.stderr.write(
          `created ${record.id} for integration ${printable(record.integration)}` +
            (record.label ? ` (${printable(record.label)})` : "") +
            `, stored in ${store.path}\n` +
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
    .action((opts: ListOptions) => {
      withStore(opts, ctx.io, false, (store) => {
        const records = store.list();
        if (opts.json) ctx.io.stdout.write(JSON.stringify(records, null, 2) + "\n");
        else if (!records.length) ctx.io.stderr.write(`no keys in ${store.path}\n`);
        else ctx.io.stdout.write(table(records));
      });
    });

  keys
    .command("revoke")
    .description("Revoke a key: the next request with it is refused.")
    .argument("<id>", "the key's id, as `keys list` shows it")
    .option("--data-dir <dir>", DATA_DIR_OPTION_HELP)
    .option("--audit <spec>", STORE_HELP)
    .action((id: string, opts: StoreOptions) => {
      withStore(opts, ctx.io, false, (store) => {
        const before = store.list().find((r) => r.id === id);
        const r = store.revoke(id);
        if (!r)
          throw new CliError(
            `no key with id ${printable(id)} in ${store.path} (policygate keys list shows them)`,
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
function withStore(opts: StoreOptions, io: CliIO, create: boolean, f: (store: KeyStore) => void): void {
  const where = { dataDir: dataDirForCli(opts, io), cwd: io.cwd };
  let store: KeyStore;
  try {
    const path = keyStorePath(opts.audit, where);
    if (!create && !existsSync(path)) {
      throw new CliError(
        `no key store at ${path}: no key has been created there (check --data-dir or --audit)`,
      );
    }
    store = openKeyStore(opts.audit, { ...where, create });
  } catch (e) {
    throw storeCliError(e);
  }
  try {
    f(store);
  } catch (e) {
    throw storeCliError(e);
  } finally {
    store.close();
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
