import { createHash, timingSafeEqual } from "node:crypto";
import type { Context, Hono } from "hono";
import type { Logger } from "pino";
import { adminEvent } from "../audit/admin-event.js";
import type { AuditEvent } from "../audit/event.js";
import type { Engine } from "../enforce/engine.js";
import type { ProviderSwitch } from "../incident/provider-switch.js";

export interface AdminDeps {
  token: string;
  providerSwitch: ProviderSwitch;
  engine: () => Engine;
  record: (e: AuditEvent) => Promise<void>;
  logger: Logger;
}

export const ADMIN_TOKEN_ENV_DEFAULT = "POLICYGATE_ADMIN_TOKEN";
const MAX_REASON = 500;

/**
 * The gateway's admin endpoint for incident response:
 *
 *   GET  /admin/providers                 the switch state
 *   POST /admin/providers/NAME/disable    { "reason": "…" }   in force for new calls before it answers
 *   POST /admin/providers/NAME/enable
 *
 * Authenticated by a bearer token read from an environment variable (serve --admin-token-env);
 * without a token the routes do not exist. Each change is written where the switch lives (the data
 * directory, or the PostgreSQL audit database), so other gateways sharing it follow within a
 * second, and recorded as an audit event. The switch holds even
 * when the audit store is down: stopping traffic comes first, and the answer says it was not recorded.
 */
export function registerAdminRoutes(app: Hono, deps: AdminDeps): void {
  const expected = createHash("sha256").update(deps.token).digest();
  const authorised = (c: Context) => {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header("authorization") ?? "");
    if (!m) return false;
    return timingSafeEqual(createHash("sha256").update(m[1]!).digest(), expected);
  };
  const deny = (c: Context) =>
    c.json(
      {
        error: {
          type: "unauthorized",
          message:
            "The admin endpoint needs Authorization: Bearer <token>, the token in the variable named by serve --admin-token-env.",
        },
      },
      401,
    );

  app.get("/admin/providers", (c) => {
    if (!authorised(c)) return deny(c);
    const s = deps.providerSwitch.current;
    return c.json({
      revision: s.revision,
      disabled: s.providers,
      providers: Object.keys(deps.engine().policy.providers),
    });
  });

  for (const action of ["disable", "enable"] as const) {
    app.post(`/admin/providers/:name/${action}`, async (c) => {
      if (!authorised(c)) return deny(c);
      const name = c.req.param("name");
      const engine = deps.engine();
      if (!Object.hasOwn(engine.policy.providers, name)) {
        return c.json(
          {
            error: {
              type: "not_found",
              message: `Unknown provider '${name}'; the policy declares: ${Object.keys(engine.policy.providers).join(", ") || "none"}.`,
            },
          },
          404,
        );
      }
      let reason: string | null = null;
      if (action === "disable") {
        const body = (await c.req.json().catch(() => null)) as { reason?: unknown } | null;
        reason = typeof body?.reason === "string" ? body.reason.trim() : "";
        if (!reason || reason.length > MAX_REASON) {
          return c.json(
            {
              error: {
                type: "invalid_request",
                message: `Send { "reason": "…" } (1 to ${MAX_REASON} characters): the record needs to say why.`,
              },
            },
            400,
          );
        }
      }
      const actor = "admin-api";
      let state;
      try {
        state = await deps.providerSwitch.set(
          name,
          action === "disable" ? { reason: reason!, actor, at: new Date().toISOString() } : null,
        );
      } catch (e) {
        deps.logger.error(
          { provider: name, action, error: (e as Error).message },
          "kill switch change failed",
        );
        return c.json(
          {
            error: {
              type: "switch_unavailable",
              message: `The kill switch could not be changed: ${(e as Error).message}`,
            },
          },
          503,
        );
      }
      let recorded = true;
      try {
        await deps.record(
          adminEvent(
            { action: `provider.${action}`, target: name, reason, actor },
            { source: "gateway", environment: engine.environment, policyRevision: engine.revision },
          ),
        );
      } catch {
        recorded = false;
        deps.logger.error(
          { provider: name, action },
          "kill switch changed but the audit store could not record it",
        );
      }
      deps.logger.warn(
        { provider: name, action, revision: state.revision },
        `provider ${action}d by the admin endpoint`,
      );
      return c.json({ provider: name, disabled: action === "disable", revision: state.revision, recorded });
    });
  }
}
