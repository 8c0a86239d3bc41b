export { guard } from "./guard.js";
export type { GuardOptions } from "./context.js";
export { prompt, field } from "./prompt.js";
export type { Prompt, PromptSpec, PromptField, Field } from "./prompt.js";
export { enforceInput, enforceOutput } from "./plain.js";
export type { PlainCall, InputResult, OutputOptions } from "./plain.js";
export type { PolicySource } from "./policy.js";
export { UNTRUSTED_TAG, UNTRUSTED_NOTICE } from "./marking.js";
