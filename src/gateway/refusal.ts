/**
 * A call the gateway will not complete, for a reason it can name. Thrown anywhere in the pipeline
 * and turned into the provider's own error shape in one place (handle.ts), so the official SDK
 * raises its usual exception with our message.
 */
export class Refusal extends Error {
  constructor(
    readonly status: number,
    /** Stable machine code for the audit log and metrics: unknown_key, provider_not_approved, … */
    readonly code: string,
    message: string,
    /** Policy rule ids involved, if a rule refused it. */
    readonly rules: string[] = [],
    /** blocked: a policy rule refused; error: something failed. */
    readonly kind: "blocked" | "error" = "blocked",
  ) {
    super(message);
    this.name = "Refusal";
  }
}

/** The audit store could not record a call and the policy says fail closed (audit.on_failure: block). */
export class AuditUnavailable extends Error {
  constructor(override readonly cause: unknown) {
    super("the audit store could not record the call");
    this.name = "AuditUnavailable";
  }
}
