/**
 * Credentials published in vendors' documentation and standards, which appear in tutorials and
 * pasted docs everywhere and grant access to nothing. Matched by exact value: a made-up token that
 * merely contains the word EXAMPLE is still treated as a token.
 */
const KNOWN_EXAMPLES = new Set([
  // AWS documentation
  "AKIAIOSFODNN7EXAMPLE",
  "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
  "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
  "AKIAI44QH8DHBEXAMPLE",
  // jwt.io's sample token
  "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
  // Stripe's public test-mode documentation keys
  "sk_test_4eC39HqLyjWDarjtT1zdp7dc",
  "pk_test_TYooMQauvdEDq54NiTphI7jx",
  // RFC 6749 (OAuth 2.0) examples
  "2YotnFZFEjr1zCsicMWpAA",
  "tGzv3JOkF0XG5Qx2TlKWIA",
  "SplxlOBeZQQYbYS6WxSbIA",
]);

export function isKnownExample(value: string): boolean {
  return KNOWN_EXAMPLES.has(value);
}
