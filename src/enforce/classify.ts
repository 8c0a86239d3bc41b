import type { InjectionClassifier } from "../detect/injection/classifier.js";
import type { CallPart } from "../providers/types.js";
import type { Engine } from "./engine.js";
import { PolicyViolation } from "./violation.js";

/**
 * Runs a model-based injection classifier on the parts of a call whose integration acts on
 * injections, before prepareCall (which is synchronous). Skipped entirely, at no cost, when no
 * classifier is plugged in or the integration ignores injections. A classifier that fails is an
 * engine failure: the call is refused unless the policy says on_engine_error: allow.
 *
 * @example
 * const scores = await scoreParts(engine, "support-bot", parsed.parts, (t) => local.score(t));
 * prepareCall(scope, provider, parsed, body, trace, { classifierScores: scores });
 */
export async function scoreParts(
  engine: Engine,
  integration: string | null,
  parts: readonly CallPart[],
  classifier: InjectionClassifier | undefined,
): Promise<(number | undefined)[] | undefined> {
  const cfg = integration ? engine.policy.integrations[integration]?.injection : undefined;
  if (!classifier || !cfg || cfg.action === "ignore") return undefined;
  try {
    return await Promise.all(
      parts.map(async (p) =>
        p.source === "tool_definition" || p.text.trim() === "" ? undefined : Number(await classifier(p.text)),
      ),
    );
  } catch {
    if (engine.policy.on_engine_error === "allow") return undefined;
    throw new PolicyViolation(
      500,
      "engine_error",
      "on_engine_error: the injection classifier failed while checking this call, so it was not forwarded (fail closed).",
      ["on_engine_error"],
      "error",
    );
  }
}
