import { Engine } from "../../src/enforce/engine.js";
import { parsePolicy } from "../../src/policy/load.js";
import { formatPolicyError } from "../../src/policy/errors.js";

/** An engine from inline policy YAML; throws with every error when it does not load. */
export function engineFrom(yaml: string, opts: { environment?: string; baseDir?: string } = {}): Engine {
  const r = parsePolicy(yaml, { file: "test-policy.yaml", baseDir: opts.baseDir });
  if (!r.ok) throw new Error(r.errors.map(formatPolicyError).join("\n"));
  return new Engine(r.value, { environment: opts.environment });
}

/**
 * A complete production approval record for an integration (indented for `integrations.<name>:`),
 * proposed by alice and approved by sam, and the `people` section naming them. Policies in tests
 * that send production traffic need both.
 */
export const APPROVAL_YAML = `    approval:
      proposed_by: alice
      approved_by: sam
      approved_at: "2026-01-10"
      checklist:
        data_sent: tickets
        classification_compatible: true
        input_validation: true
        output_validation: true
        logging: true
        rollback_plan: revoke the key
`;

export const APPROVERS_YAML = `people:
  alice: { roles: [senior] }
  sam: { roles: [security] }
`;
