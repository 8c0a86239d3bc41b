/**
 * A store that cannot be opened, written or read. The message names the file or database and says
 * what to do; it never carries an event's content.
 */
export class AuditStoreError extends Error {
  constructor(
    message: string,
    /** The file or database concerned, as given to the store. */
    readonly target: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "AuditStoreError";
  }
}
