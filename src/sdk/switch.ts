import {
  readSwitchState,
  switchFileStamp,
  type SwitchEntry,
  type SwitchState,
} from "../incident/switch-state.js";
import { PolicyViolation } from "../enforce/violation.js";

/**
 * The kill switch as an in-process guard sees it: the same state file the gateways poll, read
 * again only when it changed (one stat per call), so `policygate provider disable` stops guarded
 * clients in this process on their next call. The guard does not fail over (it is bound to one
 * provider when created); a switched-off provider refuses the call with the rule and the remedy.
 */
const cache = new Map<string, { stamp: string; state: SwitchState }>();

export function switchedOff(dataDir: string, provider: string): SwitchEntry | undefined {
  const stamp = switchFileStamp(dataDir);
  let hit = cache.get(dataDir);
  if (!hit || hit.stamp !== stamp) {
    let state: SwitchState;
    try {
      state = readSwitchState(dataDir);
    } catch {
      // An unreadable switch file must not read as "everything on": fail closed.
      throw new PolicyViolation(
        503,
        "kill_switch_unreadable",
        `The kill switch state in ${dataDir} cannot be read, so the call was not sent (fail closed). Check the file provider-switch.json there, or run \`policygate provider status\`.`,
        ["kill_switch"],
        "error",
      );
    }
    hit = { stamp, state };
    cache.set(dataDir, hit);
  }
  return Object.hasOwn(hit.state.providers, provider) ? hit.state.providers[provider] : undefined;
}

/** Throws the refusal when the guard's provider is switched off. */
export function assertSwitchedOn(dataDir: string, provider: string, integration: string): void {
  const off = switchedOff(dataDir, provider);
  if (!off) return;
  throw new PolicyViolation(
    503,
    "provider_disabled",
    `Provider '${provider}' is switched off by the kill switch (reason: ${off.reason}), so integration '${integration}' did not send this call. The in-process guard does not fail over; it resumes after \`policygate provider enable ${provider}\`, or create the guard with another approved provider.`,
    [`kill_switch.${provider}`],
    "blocked",
  );
}
