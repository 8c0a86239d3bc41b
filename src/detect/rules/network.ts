import type { DetectorSpec, ValidateContext } from "../types.js";
import { near, wordsRegex } from "./context.js";

/**
 * Internal network locations in model answers: private and loopback addresses, and host names that
 * only resolve inside an organisation. A model that repeats them has seen internal documents; the
 * finding is Internal (logged, not blocked) and only checked in the output direction. The policy's
 * own `output.internal_hosts` patterns are added by the engine on top of these.
 */

const SCHEME = String.raw`(?:[a-z][a-z0-9+.\-]*:\/\/(?:[^\s@\/]{1,64}@)?)?`;
const PORT_PATH = String.raw`(?::\d{1,5})?(?:\/[^\s"'<>()\[\]{}\x60]*)?`;

/** Scheme, port or path around a host make it a network location, not a word in a sentence. */
function located(value: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(value) || /[\]\w]:\d{1,5}(?:\/|$)/.test(value) || /\w\//.test(value);
}

// --- IPv4 ------------------------------------------------------------------------------------------

const OCTET = String.raw`(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)`;
const PRIVATE_V4 = String.raw`(?:10(?:\.${OCTET}){3}|127(?:\.${OCTET}){3}|192\.168(?:\.${OCTET}){2}|169\.254(?:\.${OCTET}){2}|172\.(?:1[6-9]|2\d|3[01])(?:\.${OCTET}){2}|100\.(?:6[4-9]|[7-9]\d|1[01]\d|12[0-7])(?:\.${OCTET}){2})`;

// --- IPv6 ------------------------------------------------------------------------------------------

/**
 * Unique local fc00::/7, link-local fe80::/10, loopback ::1. The keywords are the ULA prefixes actually
 * assigned (fd00::/8; fc00::/8 is reserved) written out with their colon, and fe80: (the rest of
 * fe80::/10 is unused): "fd" or "fe8" alone occur in every other hex string and in "feature".
 */
const ULA_KEYWORDS = Array.from({ length: 256 }, (_, i) => `fd${i.toString(16).padStart(2, "0")}:`);
const PRIVATE_V6 = String.raw`(?:(?:f[cd][0-9a-f]{2}|fe[89ab][0-9a-f])(?::[0-9a-f]{0,4}){1,7}(?:%[\w\-]+)?|::1)`;

function ipv6Valid(value: string): boolean {
  const m = /(?:f[cd][0-9a-f]{2}|fe[89ab][0-9a-f])(?::[0-9a-f]{0,4}){1,7}|::1/i.exec(value);
  if (!m) return false;
  const a = m[0];
  if (a === "::1") return true;
  const doubles = a.split("::").length - 1;
  if (doubles > 1) return false;
  const groups = a.split(":").filter((g) => g !== "").length;
  return doubles === 1 ? groups < 8 : groups === 8;
}

// --- host names ------------------------------------------------------------------------------------

const LABEL = String.raw`[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?`;
const SUFFIXES = ["internal", "local", "corp", "lan", "intranet", "localhost", "home.arpa"];
const PREFIXES = ["internal", "admin", "intranet"];
/** File extensions that are also two-letter country codes: "admin.views.py" is code, not a host. */
const FILE_EXTENSIONS = new Set(
  "py rs sh md pl so ps cc js ts rb go cs fs vb hs kt mm ml el db gz xz".split(" "),
);

/** Generic top-level domains seen on company hosts; any two-letter country code counts as well. */
const TLDS = new Set(
  (
    "com net org io co dev app ai cloud tech info biz edu gov mil int xyz online site systems services " +
    "solutions company zone network host page space store shop live world group global digital media " +
    "agency studio software"
  ).split(" "),
);
const HOST_WORDS = wordsRegex([
  "host",
  "hostname",
  "server",
  "url",
  "endpoint",
  "connect",
  "dns",
  "domain",
  "ssh",
  "curl",
  "ping",
]);

function hostScore(value: string, ctx: ValidateContext): number | null {
  const host = value
    .replace(/^[a-z][a-z0-9+.-]*:\/\/(?:[^\s@/]*@)?/i, "")
    .replace(/[:/].*$/, "")
    .toLowerCase();
  const labels = host.split(".");
  const last = labels[labels.length - 1]!;
  const where = located(value);
  if (SUFFIXES.some((s) => host.endsWith("." + s))) {
    // "db.internal" is also how code reads a property; more labels or a scheme say it is a host.
    if (where) return 0.9;
    if (labels.length >= 3) return 0.65;
    return near(ctx, HOST_WORDS, 40) ? 0.6 : null;
  }
  // internal.* / admin.* / intranet.*: only with a real-looking top-level domain.
  const tld = last.length === 2 ? !FILE_EXTENSIONS.has(last) && /^[a-z]{2}$/.test(last) : TLDS.has(last);
  if (!tld) return null;
  if (where) return 0.85;
  return labels.length >= 3 ? 0.6 : null;
}

export const NETWORK_DETECTORS: DetectorSpec[] = [
  {
    id: "private-ip",
    family: "network",
    kind: "internal_url",
    class: "internal",
    title:
      "Private, loopback, link-local and CGNAT addresses (10/8, 172.16/12, 192.168/16, 127/8, 169.254/16, 100.64/10, IPv6 ULA, link-local, ::1) in answers",
    directions: ["output"],
    trigger: {
      keywords: [
        "10.",
        "127.",
        "172.1",
        "172.2",
        "172.3",
        "192.168.",
        "169.254.",
        "100.6",
        "100.7",
        "100.8",
        "100.9",
        "100.10",
        "100.11",
        "100.12",
        ...ULA_KEYWORDS,
        "fe80:",
        "::1",
      ],
      before: 40,
      after: 120,
    },
    pattern: new RegExp(
      String.raw`(?<![\w.:\-\/])${SCHEME}(?:${PRIVATE_V4}|\[?${PRIVATE_V6}\]?)(?![\w]|\.\d|:[0-9a-f]*:)${PORT_PATH}`,
      "i",
    ),
    score: 0.8,
    validate: (value) => {
      // The pattern lets through malformed IPv6 ("fd00::1::2", too many groups); the validator does not.
      if (!/\d\.\d+\.\d+\.\d/.test(value) && !ipv6Valid(value)) return null;
      return located(value) ? 0.95 : 0.8;
    },
  },
  {
    id: "internal-hostname",
    family: "network",
    kind: "internal_url",
    class: "internal",
    title:
      "Internal host names in answers: internal.*, admin.*, intranet.*, *.internal, *.local, *.corp, *.lan, *.intranet, *.localhost",
    directions: ["output"],
    trigger: {
      keywords: [
        "internal.",
        "admin.",
        "intranet.",
        ".internal",
        ".local",
        ".corp",
        ".lan",
        ".intranet",
        ".localhost",
        ".home.arpa",
      ],
      before: 80,
      after: 120,
    },
    pattern: new RegExp(
      String.raw`(?<![\w.\-@\/])${SCHEME}(?:(?:${LABEL}\.)+(?:${SUFFIXES.map((s) => s.replace(".", "\\.")).join("|")})|(?:${PREFIXES.join("|")})\.(?:${LABEL}\.)*${LABEL})(?![\w\-(]|\.[a-z0-9])${PORT_PATH}`,
      "i",
    ),
    score: 0.6,
    validate: hostScore,
  },
];
