/**
 * Judgement calls shared by the credential detectors: decoding the structured parts of a token,
 * telling a template's variable from a value, and building the many "prefix + body" specs alike.
 */
import { looksLikePlaceholder, shannonEntropy } from "../heuristics.js";
import { hasContext } from "../scanner.js";
import type { PatternDetectorSpec, ValidateContext } from "../types.js";

export { hasContext, looksLikePlaceholder, shannonEntropy };

/** Decodes standard or URL-safe base64 (padding optional) to a latin1 string, or null. */
export function decodeBase64(s: string): string | null {
  const clean = s.replace(/=+$/, "");
  if (clean.length < 2 || !/^[A-Za-z0-9+/_-]+$/.test(clean) || clean.length % 4 === 1) return null;
  return Buffer.from(clean.replace(/-/g, "+").replace(/_/g, "/"), "base64").toString("latin1");
}

/** Parses base64-encoded JSON; null when it is not an object. */
export function base64Json(s: string): Record<string, unknown> | null {
  const raw = decodeBase64(s);
  if (raw === null || !raw.startsWith("{")) return null;
  try {
    const v: unknown = JSON.parse(raw);
    return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** The decoded header and payload of a JWT, when its header is JSON naming an algorithm. */
export function decodeJwt(
  jwt: string,
): { header: Record<string, unknown>; payload: Record<string, unknown> | null } | null {
  const [h, p] = jwt.split(".");
  if (h === undefined || p === undefined) return null;
  const header = base64Json(h);
  if (!header || typeof header.alg !== "string") return null;
  return { header, payload: base64Json(p) };
}

/**
 * A reference to a value kept elsewhere, not the value: shell and make variables, template
 * expressions, format placeholders, environment lookups, secret-manager and encrypted envelopes.
 * "$NAME" alone is a variable; "$pM6#…" is a password that happens to start with a dollar sign.
 */
const VARIABLE =
  /^(?:\$(?:[{(]|[A-Za-z_]\w*$)|%[A-Za-z_]\w*%$|%\(|#\{|\{\{?|<|\[|@\{|!(?:Ref|Sub|vault|GetAtt|ImportValue)\b|ENC\[|encrypted:|vault:v\d|ref\+|op:\/\/|arn:aws:secretsmanager|projects\/[^/]+\/secrets\/|akv:|sm:\/\/)/i;

export function looksLikeVariable(value: string): boolean {
  if (VARIABLE.test(value)) return true;
  // Any embedded interpolation: "pre-${X}", "{{ .Values.x }}", "%(pw)s", "$(PW)".
  return /\$\{|\$\(|\{\{|%\(|%s\b|\{[A-Za-z_][\w.]*\}/.test(value);
}

/** lower, upper, digit, other: how many of the four a value uses. */
export function charClasses(s: string): number {
  let l = 0,
    u = 0,
    d = 0,
    o = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 97 && c <= 122) l = 1;
    else if (c >= 65 && c <= 90) u = 1;
    else if (c >= 48 && c <= 57) d = 1;
    else o = 1;
  }
  return l + u + d + o;
}

/**
 * Words people put where a password goes in templates and documentation. A password that *is* one of
 * these words (or the word for a password with letters around it) is the label, not a value
 * ("user:pass@host", "admin:secret@db"); everything else, however weak, counts.
 */
const PASSWORD_LABELS = new Set([
  "password",
  "passwd",
  "pass",
  "pwd",
  "pw",
  "secret",
  "passw0rd",
  "pass_word",
  "changeme",
  "changeit",
  "secretpassword",
  "yourpassword",
  "mypassword",
  "dbpassword",
  "db_password",
  "userpassword",
  "user_password",
  "adminpassword",
  "admin_password",
  "pass123",
  "foo",
  "bar",
  "foobar",
  "foo-bar",
  "foo-bar-baz",
  "foobarbaz",
  "none",
  "null",
  "nil",
  "undefined",
  "empty",
  "blank",
  "true",
  "false",
]);

/** Hosts that only exist on the developer's own machine. */
const LOCAL_HOST =
  /^(?:localhost|127(?:\.\d{1,3}){3}|\[?::1\]?|0\.0\.0\.0|[\w.-]+\.(?:local|localhost|test|invalid)|host\.docker\.internal)$/i;

/** Abbreviations that are labels in a template but also what people really type as a password. */
const SHORT_LABELS = new Set(["pass", "pwd", "pw"]);

/**
 * Whether a password (from a URL, a header or a connection string) is a template's stand-in: a
 * label, a placeholder, a variable, a single repeated character, shorter than 4, or the user name
 * again ("postgres:postgres@localhost" is the stock container default, not a secret).
 *
 * The spelled-out words ("password", "secret", "changeme") are template labels anywhere. A bare
 * abbreviation ("pass", "pwd") is a label only where it cannot reach anything: with no host, or a
 * host on the developer's machine; sent to a remote host it is treated as the weak password it is.
 */
export function isPlaceholderPassword(password: string, user?: string, host?: string): boolean {
  const p = safeDecode(password);
  if (p.length < 4) return true;
  const lower = p.toLowerCase();
  const local = host === undefined || LOCAL_HOST.test(host);
  if (SHORT_LABELS.has(lower)) return local;
  if (PASSWORD_LABELS.has(lower)) return true;
  // Letters in one case around the word itself: "authpassword", "db_pass", "MYSECRET", "dbPassword".
  // (Mixed-case random letters may contain "pwd" by chance, so those stay values.)
  if (
    /^(?:[a-z_-]*(?:pass(?:word|wd)?|pwd|secret)[a-z_-]*|[A-Z_-]*(?:PASS(?:WORD|WD)?|PWD|SECRET)[A-Z_-]*|[a-z]+(?:Pass(?:word|wd)?|Secret))$/.test(
      p,
    )
  )
    return true;
  if (looksLikePlaceholder(p) || looksLikeVariable(p)) return true;
  if (new Set(p.toLowerCase()).size <= 1) return true;
  // SCREAMING_SNAKE names stand for a value: REPLACE_WITH_PASSWORD, DB_PASS.
  if (/^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$/.test(p)) return true;
  if (user !== undefined && safeDecode(user).toLowerCase() === p.toLowerCase()) return true;
  return false;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** True when one of `words` appears in the `window` characters before the match. */
export function hasWordBefore(ctx: ValidateContext, words: readonly string[], window: number): boolean {
  const before = ctx.text.slice(Math.max(0, ctx.start - window), ctx.start).toLowerCase();
  return words.some((w) => before.includes(w));
}

/**
 * The line that holds the match (without its newline), at most `reach` characters each side: a
 * minified file is one long line, and reading all of it for every candidate would be quadratic.
 */
export function lineAround(ctx: ValidateContext, reach = 300): string {
  const from = Math.max(0, ctx.start - reach);
  const before = ctx.text.slice(from, ctx.start);
  const after = ctx.text.slice(ctx.end, ctx.end + reach);
  const nl = after.indexOf("\n");
  return (
    before.slice(before.lastIndexOf("\n") + 1) +
    ctx.text.slice(ctx.start, ctx.end) +
    (nl < 0 ? after : after.slice(0, nl))
  );
}

/** Options for a vendor token recognised by a distinctive prefix. */
export interface PrefixedSpec {
  id: string;
  title: string;
  kind?: string;
  /** The literal prefixes (any case) that open a window. */
  keywords: readonly string[];
  pattern: RegExp;
  group?: number;
  /** Longest match, in characters: the window must hold all of it plus one character for the boundary. */
  maxLength: number;
  /** Characters of the token that come before the keyword (when the keyword is not its start). */
  before?: number;
  score?: number;
  minEntropy?: number;
  validate?: PatternDetectorSpec["validate"];
  rejectPlaceholders?: boolean | "shapes";
  context?: readonly string[];
}

/** The patterns and prefixes of the vendor tokens, so the generic detectors can leave those values to them. */
const VENDOR_PATTERNS: RegExp[] = [];
const VENDOR_PREFIXES: string[] = [];

/**
 * True when a value belongs to a vendor detector: its pattern recognises the whole value, or the
 * value starts with a vendor prefix such as "dop_v1_" (then a wrong length means a truncated or
 * made-up token, which that detector has already declined).
 */
export function isVendorToken(value: string): boolean {
  const lower = value.toLowerCase();
  for (const p of VENDOR_PREFIXES) if (lower.startsWith(p)) return true;
  // One anchored alternation instead of one exec per vendor: this runs for every generic candidate.
  vendorWhole ??= new RegExp(`^(?:${VENDOR_PATTERNS.map((re) => `(?:${re.source})`).join("|")})$`);
  return vendorWhole.test(value);
}
let vendorWhole: RegExp | undefined;

/** Declares a vendor token that is not built with prefixed() (its trigger is not its prefix). */
export function registerVendorToken(pattern: RegExp, prefixes: readonly string[]): void {
  VENDOR_PATTERNS.push(pattern);
  VENDOR_PREFIXES.push(...prefixes);
}

/**
 * A detector for a token with its own prefix (ghp_, xoxb-, sk-ant-…). The prefix alone is
 * distinctive enough to trigger on; one character before it is read so the pattern can check the
 * token does not start mid-word.
 */
export function prefixed(o: PrefixedSpec): PatternDetectorSpec {
  VENDOR_PATTERNS.push(o.pattern);
  // Only prefixes that end in a separator: "akia" or "dapi" could start an ordinary password.
  for (const k of o.keywords) if (k.length >= 4 && /[_.-]$/.test(k)) VENDOR_PREFIXES.push(k);
  return {
    id: o.id,
    family: "secret",
    kind: o.kind ?? "api_key",
    class: "restricted",
    title: o.title,
    trigger: { keywords: o.keywords, before: (o.before ?? 0) + 2, after: o.maxLength + 2 },
    pattern: o.pattern,
    group: o.group,
    score: o.score ?? 0.95,
    minEntropy: o.minEntropy,
    validate: o.validate,
    // A vendor prefix and exact length make "EXAMPLE" inside the body no reason to let it through.
    rejectPlaceholders: o.rejectPlaceholders ?? "shapes",
    context: o.context,
  };
}

/** Options for a value that is only a credential near a word naming its service. */
export interface ContextualSpec {
  id: string;
  title: string;
  kind?: string;
  /** Context words that open the window; the value must follow within `after` characters. */
  keywords: readonly string[];
  pattern: RegExp;
  group?: number;
  before?: number;
  after: number;
  score?: number;
  minEntropy?: number;
  validate?: PatternDetectorSpec["validate"];
}

/**
 * A detector for a value with no prefix of its own (an AWS secret key, a Datadog key): the word
 * naming the service triggers it, and the pattern must find the value right after that word.
 */
export function contextual(o: ContextualSpec): PatternDetectorSpec {
  return {
    id: o.id,
    family: "secret",
    kind: o.kind ?? "api_key",
    class: "restricted",
    title: o.title,
    trigger: { keywords: o.keywords, before: o.before ?? 0, after: o.after },
    pattern: o.pattern,
    group: o.group,
    score: o.score ?? 0.85,
    minEntropy: o.minEntropy,
    validate: o.validate,
  };
}

/** Base64 characters in the body of a PEM block (escaped or real newlines, headers skipped). */
export function pemBodyLength(pem: string): number {
  let n = 0;
  const lines = pem
    .replace(/-----(?:BEGIN|END)[A-Z0-9 ]*-{3,5}/g, "\n")
    .split(/\\+r|\\+n|[\r\n]/)
    .map((l) => l.trim().replace(/^["'+,\s]+|["'+,\s]+$/g, ""));
  for (const l of lines) {
    if (l === "" || /^[A-Za-z][A-Za-z-]*:/.test(l)) continue;
    if (!/^[A-Za-z0-9+/=]+$/.test(l)) return 0;
    if (/x{3,}|X{3,}|^(.)\1+$/.test(l)) return 0;
    n += l.length;
  }
  return n;
}

const BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

/** Verifies a bech32 string's checksum (BIP-173), as used by age keys. */
export function bech32Valid(s: string): boolean {
  const lower = s.toLowerCase();
  const sep = lower.lastIndexOf("1");
  if (sep < 1 || sep + 7 > lower.length) return false;
  const hrp = lower.slice(0, sep);
  const data: number[] = [];
  for (const ch of lower.slice(sep + 1)) {
    const v = BECH32.indexOf(ch);
    if (v < 0) return false;
    data.push(v);
  }
  const values = [
    ...[...hrp].map((c) => c.charCodeAt(0) >> 5),
    0,
    ...[...hrp].map((c) => c.charCodeAt(0) & 31),
  ];
  const GEN = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
  let chk = 1;
  for (const v of [...values, ...data]) {
    const top = chk >>> 25;
    chk = (((chk & 0x1ffffff) << 5) ^ v) >>> 0;
    for (let i = 0; i < 5; i++) if ((top >>> i) & 1) chk = (chk ^ GEN[i]!) >>> 0;
  }
  return chk === 1;
}
