/**
 * PolicyGate's library API: load a policy, and decide what may go to a model and what may come back.
 * The same engine runs in the gateway, the CLI and the SDK guard, so a finding means the same
 * thing everywhere.
 *
 * @example
 * import { loadPolicyFileOrThrow, Engine, decideInput } from "policygate";
 * const engine = new Engine(loadPolicyFileOrThrow("policygate.yaml"));
 * const d = decideInput(engine, [{ text: "Customer jane@example.com asks about invoice 42" }]);
 * d.action;   // "redact"
 * d.texts;    // ["Customer [EMAIL_1] asks about invoice 42"]
 */
export { loadPolicyFile, loadPolicyFileOrThrow, parsePolicy } from "./policy/load.js";
export type { LoadedPolicy, LoadResult, DictionaryEntry } from "./policy/load.js";
export { PolicyLoadError, formatPolicyError } from "./policy/errors.js";
export type { PolicyError } from "./policy/errors.js";
export type { Policy, PolicyInput, Mode, Action } from "./policy/schema.js";
export { DATA_CLASSES } from "./policy/classes.js";
export type { DataClass } from "./policy/classes.js";

export { Engine, defaultPolicyEngine } from "./enforce/engine.js";
export { decideInput, decideOutput, decideText } from "./enforce/decide.js";
export type { Decision, Part, PartFinding, RuleHit } from "./enforce/decide.js";
export { checkAccess, checkClassLimit } from "./enforce/access.js";
export type { AccessDenial, AccessRequest } from "./enforce/access.js";
export { OutputStreamGuard } from "./enforce/stream.js";
export { PlaceholderAllocator } from "./enforce/redact.js";
export { markUntrusted, UNTRUSTED_OPEN, UNTRUSTED_CLOSE } from "./enforce/untrusted.js";
export type { InjectionClassifier } from "./detect/injection/classifier.js";

export type { Finding, Direction, DetectorSpec } from "./detect/types.js";
export { builtinDetectors } from "./detect/catalogue.js";

export type { AuditEvent } from "./audit/event.js";
export type { AuditStore, AuditQuery } from "./audit/store.js";

export { PolicyViolation } from "./enforce/violation.js";
export { guard, prompt, field, enforceInput, enforceOutput } from "./sdk/index.js";
export type {
  GuardOptions,
  Prompt,
  PromptSpec,
  PromptField,
  Field,
  PlainCall,
  InputResult,
  OutputOptions,
  PolicySource,
} from "./sdk/index.js";
