import type { CallScope } from "./call.js";
import type { PlaceholderAllocator } from "./redact.js";
import { startRestore, sessionEntries, type RestoreSession } from "./restore.js";
import { RestoreKeyError, sharedVault, type ConversationVault } from "./restore-vault.js";
import { PolicyViolation } from "./violation.js";

/** What restoring one call needs, from the integration's policy and the caller's conversation id. */
export interface RestorePlan {
  rule: string;
  ttlSeconds: number;
  owner: string;
  conversation: string | null;
  vault: ConversationVault | null;
}

/** Conversation ids are opaque to us; bounded and plain so they cannot smuggle anything into a key. */
export const CONVERSATION_RE = /^[A-Za-z0-9._:@-]{1,200}$/;

/** The restore plan of a call, or null when its integration does not restore. Throws on a bad conversation id. */
export function planRestore(scope: CallScope): RestorePlan | null {
  const name = scope.integration;
  const integ = name === null ? undefined : scope.engine.policy.integrations[name];
  if (!integ?.restore) return null;
  const rule = `integrations.${name}.restore`;
  const conversation = scope.conversation ?? null;
  if (conversation !== null && !CONVERSATION_RE.test(conversation))
    throw new PolicyViolation(
      400,
      "invalid_conversation",
      `${rule}: the conversation id (header x-policygate-conversation) must be 1-200 letters, digits or . _ : @ -; send a stable id of your own (a UUID works).`,
      [rule],
    );
  let vault: ConversationVault | null = null;
  if (conversation !== null) {
    try {
      vault = scope.vault ?? sharedVault();
    } catch (e) {
      if (!(e instanceof RestoreKeyError)) throw e;
      throw new PolicyViolation(
        500,
        "restore_unavailable",
        `${rule}: the placeholder vault cannot start: ${e.message} The call was not forwarded.`,
        [rule],
        "error",
      );
    }
  }
  return {
    rule,
    ttlSeconds: integ.restore_ttl_seconds,
    owner: `${name}\u0000${scope.caller ?? ""}`,
    conversation,
    vault,
  };
}

/** Earlier turns' placeholders, so a value keeps its placeholder for the whole conversation. */
export function seedRestore(plan: RestorePlan, alloc: PlaceholderAllocator): void {
  if (!plan.vault || plan.conversation === null) return;
  for (const [ph, value, cls] of plan.vault.get(plan.owner, plan.conversation)) alloc.adopt(ph, value, cls);
}

/** After the input was redacted: the call's restore mapping, remembered for the next turn. */
export function commitRestore(plan: RestorePlan, alloc: PlaceholderAllocator): RestoreSession {
  const session = startRestore(alloc);
  if (plan.vault && plan.conversation !== null && session.map.size)
    plan.vault.put(plan.owner, plan.conversation, sessionEntries(session, alloc), plan.ttlSeconds);
  return session;
}
