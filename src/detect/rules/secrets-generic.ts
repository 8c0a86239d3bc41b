import type { DetectorSpec, ValidateContext } from "../types.js";
import {
  bech32Valid,
  charClasses,
  decodeBase64,
  decodeJwt,
  hasWordBefore,
  isPlaceholderPassword,
  isVendorToken,
  lineAround,
  looksLikePlaceholder,
  looksLikeVariable,
  pemBodyLength,
  shannonEntropy,
} from "./secret-checks.js";

/**
 * Credentials no vendor prefix names: private keys, JWTs, URLs and connection strings with
 * passwords, authorization headers and secret-looking values assigned to secret-looking names.
 * All Restricted. These carry more judgement than the prefixed tokens, so each one says what it
 * rejects.
 */

/** Between the lines of a PEM body: real newlines and spaces, or their escapes inside a string. */
const PEM_SEP = String.raw`(?:[ \t\r\n]|\\{1,2}[rn]|["'][ \t]*(?:\+[ \t]*(?:\r?\n[ \t]*)?|\r?\n[ \t]*)["'])+`;
const PEM_HEADERS = String.raw`(?:${PEM_SEP}[A-Za-z][A-Za-z-]*:[^\r\n\\]*)*`;
const PEM_BODY = String.raw`(?:${PEM_SEP}[A-Za-z0-9+/=]+)+`;

function pemPattern(label: string, endLabel: string): RegExp {
  return new RegExp(
    String.raw`-----BEGIN ${label}-----${PEM_HEADERS}${PEM_BODY}(?:${PEM_SEP}-----END ${endLabel}-{3,5})?`,
  );
}

/**
 * Names whose value is a secret, as the *last* word of an identifier (DB_PASSWORD, clientSecret,
 * GITHUB_TOKEN, aws_secret_access_key). A name that merely starts with one (password_policy,
 * token_count, secretName) is not matched, because the name must end right before the operator.
 */
const SECRET_NAME = String.raw`pass(?:word|wd|phrase|code)?|pwd|secret(?:[_.-]?(?:key(?:[_.-]?base)?|token|access[_.-]?key))?|(?:api|access|private|signing|encryption|master|client|app|auth|service|consumer|account|storage|shared|hmac|jwt|webhook|deploy|admin|root|session|license|subscription|crypt|aes)[_.-]?key|token|credentials?`;

/** The prefixes of SECRET_NAME nouns that end in "key", in the spellings people use (snake, kebab, camel). */
const KEY_OWNERS = [
  "api",
  "access",
  "private",
  "signing",
  "encryption",
  "master",
  "client",
  "app",
  "auth",
  "service",
  "consumer",
  "account",
  "storage",
  "shared",
  "hmac",
  "jwt",
  "webhook",
  "deploy",
  "admin",
  "root",
  "session",
  "license",
  "subscription",
  "crypt",
  "aes",
];
const SECRET_NOUN_STARTS = [
  "pass",
  "pwd",
  "secret",
  "token",
  "credential",
  // No dotted spellings: "obj.key" is everywhere in code, and "client.key" names a file, not a value.
  ...KEY_OWNERS.flatMap((o) => ["", "_", "-"].map((sep) => `${o}${sep}key`)),
];

export const GENERIC_SECRET_DETECTORS: DetectorSpec[] = [
  // --- Private keys ----------------------------------------------------------------------------
  {
    id: "private-key-pem",
    family: "secret",
    kind: "private_key",
    class: "restricted",
    title: "PEM private keys: RSA, EC, DSA, PKCS#8 and encrypted (-----BEGIN … PRIVATE KEY-----)",
    trigger: { keywords: ["private key-----"], before: 40, after: 12000 },
    pattern: pemPattern("(?:RSA |EC |DSA |ENCRYPTED |ANY )?PRIVATE KEY", "[A-Z ]*PRIVATE KEY"),
    score: 0.97,
    // Long base64 bodies contain short words by chance; the body check below is the placeholder check.
    rejectPlaceholders: false,
    validate: (v) => (pemBodyLength(v) >= 60 ? 0.97 : null),
  },
  {
    id: "openssh-private-key",
    family: "secret",
    kind: "private_key",
    class: "restricted",
    title: "OpenSSH private keys (-----BEGIN OPENSSH PRIVATE KEY-----)",
    trigger: { keywords: ["openssh private key-----"], before: 20, after: 12000 },
    pattern: pemPattern("OPENSSH PRIVATE KEY", "OPENSSH PRIVATE KEY"),
    score: 0.97,
    rejectPlaceholders: false,
    validate: (v) => {
      const n = pemBodyLength(v);
      if (n < 60) return null;
      // Every OpenSSH key body starts with "openssh-key-v1\0".
      return /-{5}[ \t\r\n\\rn"'+]*b3BlbnNzaC1rZXktdjE/.test(v.slice(0, 80)) ? 0.99 : 0.85;
    },
  },
  {
    id: "pgp-private-key",
    family: "secret",
    kind: "private_key",
    class: "restricted",
    title: "PGP / GnuPG private key blocks",
    trigger: { keywords: ["pgp private key block-----"], before: 20, after: 16000 },
    pattern: pemPattern("PGP PRIVATE KEY BLOCK", "PGP PRIVATE KEY BLOCK"),
    score: 0.97,
    rejectPlaceholders: false,
    validate: (v) => (pemBodyLength(v) >= 60 ? 0.97 : null),
  },
  {
    id: "putty-private-key",
    family: "secret",
    kind: "private_key",
    class: "restricted",
    title: "PuTTY private key files (the Private-Lines of a .ppk)",
    trigger: { keywords: ["private-lines:"], before: 0, after: 4000 },
    pattern: new RegExp(String.raw`Private-Lines: *\d+${PEM_BODY}`),
    score: 0.95,
    rejectPlaceholders: false,
    validate: (v) => (pemBodyLength(v.replace(/^Private-Lines: *\d+/, "")) >= 40 ? 0.95 : null),
  },
  {
    id: "age-secret-key",
    family: "secret",
    kind: "private_key",
    class: "restricted",
    title: "age encryption secret keys (AGE-SECRET-KEY-1…, bech32 checksum verified)",
    trigger: { keywords: ["age-secret-key-1"], before: 1, after: 80 },
    pattern: /(?<![A-Za-z0-9-])AGE-SECRET-KEY-1[02-9AC-HJ-NP-Z]{58}(?![A-Za-z0-9])/,
    score: 0.9,
    validate: (v) => (bech32Valid(v) ? 0.99 : 0.8),
  },
  {
    id: "ethereum-private-key",
    family: "secret",
    kind: "private_key",
    class: "restricted",
    title: "secp256k1 / Ethereum private keys (0x + 64 hex) next to a word about keys or wallets",
    trigger: {
      keywords: [
        "private key",
        "private_key",
        "privatekey",
        "private-key",
        "privkey",
        "priv_key",
        "secret key",
        "wallet",
        "mnemonic",
        "metamask",
        "ethereum",
        "signer",
        "deployer",
      ],
      before: 160,
      after: 200,
    },
    pattern: /(?<![A-Za-z0-9])0x[0-9a-fA-F]{64}(?![A-Za-z0-9])/,
    score: 0.85,
    validate: (v, ctx) => {
      // Transaction, block and storage hashes have the same shape: say no when one is named right before.
      if (
        hasWordBefore(
          ctx,
          ["tx", "hash", "transaction", "block", "digest", "root", "topic", "slot", "salt"],
          24,
        )
      )
        return null;
      const k = BigInt(v);
      return k > 0n && k < SECP256K1_N ? 0.85 : null;
    },
  },

  // --- Tokens ----------------------------------------------------------------------------------
  {
    id: "jwt",
    family: "secret",
    kind: "token",
    class: "restricted",
    title: "JSON Web Tokens (eyJ….eyJ….signature with a JSON header naming its algorithm)",
    trigger: { keywords: ["eyj"], before: 1, after: 4096 },
    pattern: /(?<![A-Za-z0-9-])eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}(?![A-Za-z0-9_-])/,
    score: 0.9,
    rejectPlaceholders: false,
    validate: (v) => {
      const jwt = decodeJwt(v);
      if (!jwt) return null;
      // Supabase role keys are reported by supabase-service-key, and its anon key is public.
      if (jwt.payload && (jwt.payload.role === "service_role" || jwt.payload.role === "anon")) return null;
      if (jwt.header.alg === "none") return null;
      // Documentation tokens carry filler claims: sub "1234567890", "John Doe", example.com addresses.
      if (jwt.payload && isFillerClaims(jwt.payload)) return null;
      return 0.9;
    },
  },

  // --- URLs and connection strings -------------------------------------------------------------
  {
    id: "database-url",
    family: "secret",
    kind: "connection_string",
    class: "restricted",
    title:
      "Database and broker URLs with a password (postgres, mysql, mariadb, mongodb(+srv), redis(s), amqp(s), mssql, jdbc:…)",
    trigger: {
      keywords: [
        "postgres",
        "mysql",
        "mariadb",
        "mongodb",
        "redis",
        "amqp",
        "mssql",
        "sqlserver",
        "jdbc:",
        "clickhouse",
        "cockroachdb",
        "couchdb",
        "neo4j",
        "bolt://",
        "nats://",
        "oracle",
        "snowflake",
        "memcached",
        "cassandra",
        "elasticsearch://",
        "influxdb",
      ],
      before: 8,
      after: 300,
    },
    pattern:
      /(?<![\w+.-])(?:jdbc:)?(?:postgres(?:ql)?|mysql(?:x)?|mariadb|mongodb(?:\+srv)?|rediss?|amqps?|mssql|sqlserver|clickhouse|cockroachdb|couchdbs?|neo4j(?:\+s|\+ssc)?|bolt|nats|oracle|snowflake|memcached|cassandra|elasticsearch|influxdb)(?:\+[a-z0-9]+)?:\/\/([^\s:/?#@"'`<>]*):([^\s/?#"'`<>]+)@[^\s/?#@"'`<>]*[\w\]]/i,
    group: 2,
    score: 0.95,
    rejectPlaceholders: false,
    validate: (pw, ctx) => (isPlaceholderPassword(pw, userBefore(ctx), hostAfter(ctx)) ? null : 0.95),
  },
  {
    id: "database-connection-string",
    family: "secret",
    kind: "connection_string",
    class: "restricted",
    title: "Key=value connection strings with a password (ADO.NET, ODBC, JDBC properties, libpq)",
    trigger: { keywords: ["password=", "pwd=", "password =", "pwd ="], before: 4, after: 120 },
    pattern: /(?<![\w-])(?:password|pwd)\s*=\s*("[^"\r\n]{4,100}"|'[^'\r\n]{4,100}'|[^;,&)\s"'<>]{4,100})/i,
    group: 1,
    score: 0.9,
    rejectPlaceholders: false,
    validate: (pw, ctx) => {
      const line = lineAround(ctx);
      // Only where the same string names a server or database: otherwise it is a plain assignment.
      if (
        !/(?:^|[;,&(\s"'?])(?:server|data source|host|hostname|address|addr|database|initial catalog|dbname|user id|uid|user|username|port)\s*=/i.test(
          line,
        )
      )
        return null;
      return isPlaceholderPassword(pw.replace(/^["']|["']$/g, "")) ? null : 0.9;
    },
  },
  {
    id: "basic-auth-url",
    family: "secret",
    kind: "password",
    class: "restricted",
    title:
      "URLs with a user name and password (https://user:pass@host, ftp, ftps, sftp, ssh, git, smtp, ldap, ws)",
    trigger: { keywords: ["://"], before: 10, after: 160 },
    pattern:
      /(?<![\w+.-])(?:https?|ftps?|sftp|ssh|git(?:\+(?:https?|ssh))?|wss?|smtps?|imaps?|pop3s?|ldaps?|socks5h?|svn|webdavs?|rsync):\/\/([^\s:/?#@"'`<>[\]]*):([^\s/?#"'`<>]+)@[^\s/?#@"'`<>]*[\w\]]/i,
    group: 2,
    score: 0.9,
    rejectPlaceholders: false,
    validate: (pw, ctx) => {
      // x-oauth-basic is GitHub's filler password: the token is the user name (git-url-token).
      if (/^x-oauth-basic$/i.test(pw)) return null;
      return isPlaceholderPassword(pw, userBefore(ctx), hostAfter(ctx)) ? null : 0.9;
    },
  },
  {
    id: "git-url-token",
    family: "secret",
    kind: "token",
    class: "restricted",
    title: "Tokens used as the user name of a git URL (https://<token>:x-oauth-basic@github.com)",
    trigger: { keywords: [":x-oauth-basic@"], before: 120, after: 1 },
    pattern: /:\/\/([A-Za-z0-9_-]{20,100}):x-oauth-basic@/i,
    group: 1,
    score: 0.95,
  },
  {
    id: "authorization-header",
    family: "secret",
    kind: "credential",
    class: "restricted",
    title: "Authorization headers with credentials (Bearer, Basic, Token, Bot, …) in curl, HTTP and JSON",
    trigger: { keywords: ["authorization", "bearer"], before: 0, after: 160 },
    pattern:
      /(?:authorization["']?\s*[:=]\s*\[?["']?(?:bearer|basic|token|bot|apikey|api-key|sso-key|ssws|key|digest|oauth)?|\bbearer)\s+([A-Za-z0-9._~+/=:-]{8,4096})/i,
    group: 1,
    score: 0.9,
    rejectPlaceholders: false,
    validate: (v, ctx) => authorizationValue(v, ctx),
  },
  {
    id: "k8s-secret-manifest",
    family: "secret",
    kind: "credential",
    class: "restricted",
    title: "Kubernetes Secret manifests with inline data (kind: Secret, data / stringData values)",
    trigger: { keywords: ["kind: secret", 'kind: "secret"', '"kind": "secret"'], before: 1200, after: 1600 },
    pattern: /^(?:data|stringData):[ \t]*\r?\n((?:[ \t]+[\w.-]+:[ \t]*\S[^\r\n]*(?:\r?\n|$))+)/m,
    group: 1,
    score: 0.9,
    rejectPlaceholders: false,
    validate: (block, ctx) => k8sSecretData(block, ctx),
  },
  {
    id: "generic-secret-assignment",
    family: "secret",
    kind: "credential",
    class: "restricted",
    title:
      "Secret-looking values assigned to secret-looking names (password, secret, token, api_key, private_key, … in .env, YAML, JSON, shell and code)",
    // Every keyword is the start of a secret noun, so the pattern starts at the noun itself and the
    // window needs nothing before it: no scan back over the identifier, which keeps this cheap.
    trigger: { keywords: SECRET_NOUN_STARTS, before: 0, after: 140 },
    pattern: new RegExp(
      String.raw`(?:${SECRET_NAME})["']?[ \t]*(?:=>|:=|=|:(?!:)|\r?\n[ \t]*(?:-[ \t]*)?value:)[ \t]*(?:[rbf]?["'\x60])?([^\s"'\x60,;&<>\\]{6,200})`,
      "i",
    ),
    group: 1,
    score: 0.75,
    rejectPlaceholders: false,
    validate: (v, ctx) => assignedSecret(v, ctx),
  },
];

/** Claims that only documentation examples use. */
function isFillerClaims(payload: Record<string, unknown>): boolean {
  for (const k of ["sub", "name", "email", "user", "username"]) {
    const v = payload[k];
    if (typeof v !== "string") continue;
    if (looksLikePlaceholder(v) || /^(?:john|jane) doe$|@example\.(?:com|org|net)$/i.test(v)) return true;
  }
  return false;
}

/** The order of the secp256k1 group: private keys lie in [1, n-1]. */
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

/** The user name of the URL whose password starts at ctx.start. */
function userBefore(ctx: ValidateContext): string | undefined {
  const before = ctx.text.slice(Math.max(0, ctx.start - 200), ctx.start - 1);
  const m = /\/\/([^\s:/?#@"'`<>]*)$/.exec(before);
  return m ? m[1] : undefined;
}

/** The host after the password in a URL: what follows "@" up to the port, path or end. */
function hostAfter(ctx: ValidateContext): string | undefined {
  const m = /^@([^\s:/?#@"'`<>]+)/.exec(ctx.text.slice(ctx.end, ctx.end + 260));
  return m ? m[1] : undefined;
}

/** Judges the value after an Authorization scheme (or a bare "Bearer"). */
function authorizationValue(v: string, ctx: ValidateContext): number | null {
  const head = ctx.text.slice(Math.max(0, ctx.start - 24), ctx.start).toLowerCase();
  if (looksLikePlaceholder(v) || looksLikeVariable(v)) return null;
  // What precedes the value stands for a template: "Bearer ' + token", "Bearer {token}".
  const after = ctx.text.slice(ctx.end, ctx.end + 2);
  if (/^[{}$]/.test(after) || /[{$]$/.test(head)) return null;
  if (/basic\s+$/.test(head)) {
    const decoded = decodeBase64(v);
    if (decoded === null || !/^[\x20-\x7e]+$/.test(decoded)) return null;
    const i = decoded.indexOf(":");
    if (i < 0) return null;
    return isPlaceholderPassword(decoded.slice(i + 1), decoded.slice(0, i)) ? null : 0.9;
  }
  // A URL (prose about the scheme) or code (authorization = self.headers.get(…)) is not a credential.
  if (/:\/\/|^https?:/i.test(v) || after.startsWith("(") || /^[a-z_]\w*(?:\.[a-z_]\w*)+$/.test(v))
    return null;
  if (v.length < 16 || shannonEntropy(v) < 3) return null;
  // A bare "bearer" in prose ("bearer of the token") is followed by words, not by a token.
  if (!/authorization/.test(head) && charClasses(v) < 2) return null;
  return 0.9;
}

/** The data block of a Kubernetes Secret: only when the YAML document holding it is kind: Secret. */
function k8sSecretData(block: string, ctx: ValidateContext): number | null {
  // Within reach of the block only: a long file without separators must not be read per candidate.
  const from = Math.max(0, ctx.start - 4000);
  const head = ctx.text.slice(from, ctx.start);
  const tail = ctx.text.slice(ctx.end - 1, ctx.end + 4000);
  // The block ends with its newline, which may be the one that opens the next document's "---".
  const sep = tail.indexOf("\n---");
  const doc = head.slice(head.lastIndexOf("\n---") + 1) + block + (sep < 0 ? tail : tail.slice(0, sep));
  if (!/^kind:[ \t]*["']?Secret["']?[ \t]*$/m.test(doc)) return null;
  const values = [...block.matchAll(/:[ \t]*(\S[^\r\n]*)/g)].map((m) => m[1]!.replace(/^["']|["']$/g, ""));
  return values.some((val) => !looksLikePlaceholder(val) && !looksLikeVariable(val) && val.length >= 4)
    ? 0.9
    : null;
}

/**
 * The name a value is assigned to, lower case (read backwards over the quote, the operator and the
 * identifier; for a Kubernetes "value:" line, the "name:" on the line before).
 */
function assignedName(ctx: ValidateContext): string {
  const t = ctx.text;
  let i = ctx.start - 1;
  const stop = Math.max(0, ctx.start - 120);
  if (i >= stop && /["'`]/.test(t[i]!)) i--;
  if (i >= stop && /[rbf]/.test(t[i]!) && !/\w/.test(t[i - 1] ?? "")) i--;
  while (i >= stop && /[ \t]/.test(t[i]!)) i--;
  while (i >= stop && /[=:>]/.test(t[i]!)) i--;
  while (i >= stop && /[ \t"']/.test(t[i]!)) i--;
  const end = i + 1;
  while (i >= stop && /[\w.-]/.test(t[i]!)) i--;
  const name = t.slice(i + 1, end).toLowerCase();
  if (name !== "value") return name;
  const m = /name:[ \t]*["']?([\w.-]+)["']?[ \t]*\r?\n[^\n]*$/.exec(t.slice(Math.max(0, i - 160), i + 1));
  return m ? m[1]!.toLowerCase() : name;
}

/**
 * AWS secret keys have a known format, which aws-secret-access-key checks: a value of another shape
 * assigned to that name (an encrypted blob, a truncated key) is not one.
 */
const AWS_SECRET_NAME = /secret_?access_?key$/;

/**
 * The shortest value worth reporting for a name: people choose passwords (8 characters can be real),
 * machines issue tokens and keys (a short one is an example in someone's documentation).
 */
function minimumLength(name: string): number {
  if (/pass|pwd/.test(name)) return 8;
  if (/secret|credential/.test(name)) return 12;
  return 16;
}

const TYPE_NAMES =
  /^(?:string|str|bytes|int|integer|number|bool|boolean|any|unknown|object|text|varchar|secretstr|secretbytes|optional|null|nil|none|undefined|true|false|required|sensitive|password|secret|token)$/i;

/**
 * A value assigned to a secret-looking name: kept when it looks like a literal secret rather than a
 * reference, a type, a path or a word. Quoted values get the benefit of the doubt on shape; bare
 * values must look random, since code assigns variables far more often than literals.
 */
function assignedSecret(v: string, ctx: ValidateContext): number | null {
  const value = v.replace(/[)\]}]+$/, "");
  if (value.length < 6) return null;
  const name = assignedName(ctx);
  if (value.length < minimumLength(name)) return null;
  // Tokens with a vendor format are judged (and named) by their own detector.
  if (isVendorToken(value) || AWS_SECRET_NAME.test(name.replace(/[-.]/g, "_"))) return null;
  if (looksLikePlaceholder(value) || looksLikeVariable(value)) return null;
  if (TYPE_NAMES.test(value) || /^\d+$/.test(value)) return null;
  // Paths, URLs, file names and host:port: the URL detectors judge URLs with credentials.
  if (
    /^(?:[~.]?\/|[A-Za-z]:\\|\\\\)|:\/\/|^[\w-]+\.(?:json|pem|key|p12|pfx|txt|ya?ml|env|crt|cer|jks|keystore)$/i.test(
      value,
    )
  )
    return null;
  // Code: calls, member access, optional chaining, operators, chained assignment, indexing, arrows.
  if (
    /[()[\]{}]|=>|\?\.|\?\?|\|\||&&|\.\w+\(|^[\w.$]+=[\w.$]|^\w+(?:\.\w+)+$|^(?:this|self|cls|ctx|config|settings|env|params|args|opts|options|req|request)\b/i.test(
      value,
    )
  )
    return null;
  // Kubernetes env entries: "- name: DB_PASSWORD" then "value: …" on the next line.
  const lead = ctx.text.slice(Math.max(0, ctx.start - 200), ctx.start);
  if (
    /\bvalue:[ \t]*["']?$/.test(lead) &&
    !/(?:^|\n)[ \t]*(?:-[ \t]*)?name:[^\n]*\r?\n[ \t]*(?:-[ \t]*)?value:[ \t]*["']?$/.test(lead)
  )
    return null;
  const before = ctx.text[ctx.start - 1];
  const quoted = before === '"' || before === "'" || before === "`";
  if (!quoted) {
    // An identifier followed by a comma, semicolon or bracket is code: (password: Uint8Array, salt…).
    if (/^[A-Za-z_$][\w$]*$/.test(value) && /^[,;)]/.test(ctx.text.slice(ctx.end, ctx.end + 1))) return null;
    // Bare negations and dereferences are expressions: pass = !result.ok.
    if (/^[!&*]/.test(value)) return null;
    // A bare identifier is a variable (password=user_password, token: authToken).
    if (/^[A-Za-z_$][\w$]*$/.test(value) && charClasses(value) < 3 && !/\d/.test(value)) return null;
    // YAML and .env booleans and enums: "secret: enabled".
    if (/^[a-z]+(?:[-_][a-z]+)*$/.test(value)) return null;
  }
  // One or two lowercase words are a mode, not a secret: credentials: "same-origin". (Three or more
  // may be a passphrase.)
  if (/^[a-z]+(?:[-_][a-z]+)?$/.test(value)) return null;
  // Class and type names: "_RSAPrivateKey", "SecretStr".
  if (/^_*[A-Z]+[a-z]+(?:[A-Z][a-z]+)+$/.test(value)) return null;
  // A value that names a secret is an identifier or a label: "refresh_token", "AuthenticationMD5Password".
  const word = value.replace(/%[0-9A-Fa-f]{2}/g, "_"); // URL-encoded separators: secret%3Dpassword
  if (/^[\w.-]+(?:\$\d+)?$/.test(word) && /pass(?:word|wd)|secret|token|api_?key|credential/i.test(word))
    return null;
  const h = shannonEntropy(value);
  const classes = charClasses(value);
  if (value.length < 8 && classes < 3) return null;
  if (h < 2.5) return null;
  if (classes === 1 && (value.length < 12 || h < 3.3)) return null;
  // Long random-looking values are almost certainly keys; short mixed ones are passwords.
  if (value.length >= 20 && h >= 3.5) return 0.85;
  return h >= 3 ? 0.75 : 0.6;
}
