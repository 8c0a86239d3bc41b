/**
 * Control characters, and Unicode's bidirectional overrides, escaped as \uXXXX. Audit fields such as
 * the user come from callers; printed raw, one could move the cursor, recolour the terminal or
 * reorder what a reader sees.
 */
export function printable(s: string): string {
  return s.replace(
    /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g,
    (c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0"),
  );
}
