/**
 * A call the policy will not let through, or could not check, for a reason it can name. The
 * gateway turns it into the provider's own error shape (so the official SDK raises its usual
 * exception); the SDK guard throws it as is. Its message names the rule and says what to do, and
 * never holds a matched value.
 */
export class PolicyViolation extends Error {
  constructor(
    /** The HTTP status the gateway answers with (403 for policy refusals). */
    readonly status: number,
    /** Stable machine code for the audit log and metrics: input_blocked, access_denied, … */
    readonly code: string,
    message: string,
    /** Policy rule ids involved, if a rule refused it. */
    readonly rules: string[] = [],
    /** blocked: a policy rule refused; error: something failed (fail closed). */
    readonly kind: "blocked" | "error" = "blocked",
  ) {
    super(message);
    this.name = "PolicyViolation";
  }
}

/** The audit store could not record a call and the policy says fail closed (audit.on_failure: block). */
export class AuditUnavailable extends Error {
  constructor(override readonly cause: unknown) {
    super("the audit store could not record the call");
    this.name = "AuditUnavailable";
  }
}
