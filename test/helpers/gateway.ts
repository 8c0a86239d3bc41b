import { randomUUID } from "node:crypto";
import { pino } from "pino";
import { Gateway, type GatewayOptions, type KeyVerifier } from "../../src/gateway/server.js";
import { parsePolicy } from "../../src/policy/load.js";
import { formatPolicyError } from "../../src/policy/errors.js";
import type { AuditStore } from "../../src/audit/store.js";
import { MemoryStore } from "./memory-store.js";

/** A key verifier that knows fixed keys: key -> integration. */
export class StaticKeys implements KeyVerifier {
  constructor(private readonly keys: Record<string, string>) {}
  async verify(key: string) {
    const integration = this.keys[key];
    return integration ? { integration, id: key.slice(-4) } : null;
  }
}

export interface TestGateway {
  url: string;
  gateway: Gateway;
  store: AuditStore;
  close(): Promise<void>;
}

/** Loads policy YAML (with {{UPSTREAM}} replaced by the mock's URL) and starts a gateway on a free port. */
export async function startTestGateway(
  policyYaml: string,
  opts: {
    upstream?: string;
    keys?: Record<string, string>;
    store?: AuditStore;
    env?: NodeJS.ProcessEnv;
    environment?: string;
    extra?: Partial<GatewayOptions>;
  } = {},
): Promise<TestGateway> {
  const yaml = policyYaml.replaceAll("{{UPSTREAM}}", opts.upstream ?? "http://127.0.0.1:9");
  const r = parsePolicy(yaml, { file: "gateway-test.yaml" });
  if (!r.ok) throw new Error(r.errors.map(formatPolicyError).join("\n"));
  const store = opts.store ?? new MemoryStore();
  const gateway = new Gateway({
    policy: r.value,
    environment: opts.environment,
    store,
    keys: new StaticKeys(opts.keys ?? { pgk_test_support: "support-bot" }),
    logger: pino({ level: "silent" }),
    env: opts.env ?? {
      OPENAI_API_KEY: "sk-upstream-openai",
      ANTHROPIC_API_KEY: "sk-ant-upstream",
      GEMINI_API_KEY: "gm-upstream",
    },
    newId: () => randomUUID(),
    ...opts.extra,
  });
  const port = await gateway.listen(0);
  return { url: `http://127.0.0.1:${port}`, gateway, store, close: () => gateway.close(1000) };
}
