import { METRICS_TOKEN_ENV } from "../monitor/monitor.js";
import type { RegisterCommand } from "./command.js";
import { setUpGateway, type GatewaySetupOptions } from "./gateway-setup.js";
import { CliError } from "./io.js";
import { POLICY_OPTION_HELP } from "./policy-option.js";
import { AUDIT_OPTION_HELP, DATA_DIR_OPTION_HELP } from "./store-option.js";

interface ServeOptions extends GatewaySetupOptions {
  host: string;
  port: string;
  watch: boolean;
}

export const register: RegisterCommand = (program, ctx) => {
  program
    .command("serve")
    .description(
      "Run the gateway: the providers' own APIs (OpenAI, Anthropic, Gemini) with the policy enforced on every call.\n" +
        "Point an official SDK's base URL at it and use a gateway key (policygate keys create) as the API key.",
    )
    .option("-p, --policy <file>", `${POLICY_OPTION_HELP}; the balanced example when there is none`)
    .option("-e, --env <environment>", "environment (default: $POLICYGATE_ENV, else the policy's)")
    .option("--host <host>", "address to listen on", "127.0.0.1")
    .option("--port <port>", "port to listen on", "8787")
    .option("--data-dir <dir>", DATA_DIR_OPTION_HELP)
    .option("--audit <spec>", AUDIT_OPTION_HELP)
    .option("--no-watch", "do not reload the policy when the file changes")
    .option("--log-level <level>", "fatal, error, warn, info, debug", "info")
    .option(
      "--admin-token-env <var>",
      "variable holding the bearer token for the admin endpoint (/admin/providers; default POLICYGATE_ADMIN_TOKEN, off when unset)",
    )
    .action(async (opts: ServeOptions) => {
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        throw new CliError(`--port takes 0-65535, not "${opts.port}"`);
      const setup = await setUpGateway(opts, ctx.io);
      const { gateway, keys, loaded, policyFile, usingExample, store, monitor } = setup;
      let bound: number;
      try {
        bound = await gateway.listen(port, opts.host);
      } catch (e) {
        await gateway.close(0);
        await keys.close();
        throw new CliError(
          `cannot listen on ${opts.host}:${port}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
        );
      }
      if (opts.watch) gateway.watchPolicy();
      const base = `http://${opts.host.includes(":") ? `[${opts.host}]` : opts.host}:${bound}`;
      ctx.io.stdout.write(
        [
          `PolicyGate gateway listening on ${base}`,
          `  policy:      ${policyFile}${usingExample ? " (the balanced example: pass --policy for your own)" : ""}`,
          `  revision:    ${loaded.revision}`,
          `  environment: ${gateway.engine.environment}`,
          `  audit:       ${store.description}`,
          `  metrics:     ${base}/metrics (${ctx.io.env[METRICS_TOKEN_ENV] ? "bearer token required" : `open: set ${METRICS_TOKEN_ENV} to require a token`})`,
          `  alerts:      ${monitor.describe()}`,
          `  OpenAI SDK:     baseURL ${base}/v1          (or ${base}/<provider>/v1)`,
          `  Anthropic SDK:  baseURL ${base}             (or ${base}/<provider>)`,
          `  Gemini:         ${base}/v1beta/models/<model>:generateContent`,
          `  API key:     a gateway key from \`policygate keys create --integration NAME\``,
          `  admin:       ${gateway.adminEnabled ? `${base}/admin/providers (bearer token)` : "off (set POLICYGATE_ADMIN_TOKEN or --admin-token-env)"}`,
          "",
        ].join("\n"),
      );
      await new Promise<void>((resolve) => {
        const stop = async (signal: string) => {
          setup.logger.info({ signal }, "shutting down: finishing calls in flight");
          process.off("SIGINT", onInt);
          process.off("SIGTERM", onTerm);
          await gateway.close();
          await keys.close();
          resolve();
        };
        const onInt = () => void stop("SIGINT");
        const onTerm = () => void stop("SIGTERM");
        process.on("SIGINT", onInt);
        process.on("SIGTERM", onTerm);
      });
    });
};
