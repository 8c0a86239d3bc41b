// A deterministic mixed corpus for benchmarks: prose, code, logs and JSON, with a few findings per KB
// (emails, phone numbers, card numbers, keys, IBANs). The same seed always gives the same text.

export function rng(seed = 42) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS =
  "the a customer order account team model prompt review deploy service request response latency budget quarter report summary policy provider data classify support ticket refund invoice shipment warehouse analytics dashboard feature release migration database index query cache cluster region user session token limit retry timeout error warning notice update status pending shipped delivered priority escalate resolve".split(
    " ",
  );
const NAMES = ["jane.okafor", "li.wei", "m.garcia", "ops", "billing", "a.schmidt", "priya.n", "tom"];
const DOMAINS = ["acme-corp.io", "brightwater.example", "mail.example.org", "contoso.co.uk"];

function pick(r, a) {
  return a[Math.floor(r() * a.length)];
}
function int(r, lo, hi) {
  return lo + Math.floor(r() * (hi - lo + 1));
}
function hex(r, n) {
  let s = "";
  for (let i = 0; i < n; i++) s += "0123456789abcdef"[int(r, 0, 15)];
  return s;
}
function alnum(r, n) {
  const cs = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  let s = "";
  for (let i = 0; i < n; i++) s += cs[int(r, 0, cs.length - 1)];
  return s;
}
function luhnComplete(prefix, len, r) {
  let digits = prefix;
  while (digits.length < len - 1) digits += String(int(r, 0, 9));
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return digits + String((10 - (sum % 10)) % 10);
}

/** Things a careless prompt carries. */
function finding(r) {
  switch (int(r, 0, 6)) {
    case 0:
      return `${pick(r, NAMES)}@${pick(r, DOMAINS)}`;
    case 1:
      return `+44 20 7946 ${int(r, 1000, 9999)}`;
    case 2:
      return luhnComplete("4", 16, r).replace(/(\d{4})(?=\d)/g, "$1 ");
    case 3:
      return `ghp_${alnum(r, 36)}`;
    case 4:
      return `AKIA${alnum(r, 16).toUpperCase()}`;
    case 5:
      return `(415) 555-${int(r, 1000, 9999)}`;
    default:
      return `sk-ant-api03-${alnum(r, 93)}AA`;
  }
}

function sentence(r) {
  const n = int(r, 6, 18);
  const w = [];
  for (let i = 0; i < n; i++) w.push(pick(r, WORDS));
  w[0] = w[0][0].toUpperCase() + w[0].slice(1);
  return w.join(" ") + ". ";
}

function logLine(r) {
  const ts = `2026-${String(int(r, 1, 12)).padStart(2, "0")}-${String(int(r, 1, 28)).padStart(2, "0")}T${String(int(r, 0, 23)).padStart(2, "0")}:${String(int(r, 0, 59)).padStart(2, "0")}:${String(int(r, 0, 59)).padStart(2, "0")}.${int(r, 100, 999)}Z`;
  return `${ts} ${pick(r, ["INFO", "WARN", "DEBUG", "ERROR"])} req=${hex(r, 8)}-${hex(r, 4)}-${hex(r, 4)}-${hex(r, 4)}-${hex(r, 12)} path=/api/v${int(r, 1, 3)}/${pick(r, WORDS)}/${int(r, 1, 99999)} status=${pick(r, [200, 201, 204, 400, 404, 500])} took=${int(r, 1, 900)}ms ip=10.${int(r, 0, 255)}.${int(r, 0, 255)}.${int(r, 1, 254)} sha=${hex(r, 40)}\n`;
}

function codeBlock(r) {
  const name = pick(r, WORDS);
  return `function ${name}Handler(req, res) {\n  const ${name} = await db.query("SELECT * FROM ${pick(r, WORDS)} WHERE id = $1", [req.params.id]);\n  if (!${name}) return res.status(404).json({ error: "not found" });\n  // retry up to ${int(r, 2, 9)} times, version ${int(r, 1, 9)}.${int(r, 0, 20)}.${int(r, 0, 40)}\n  return res.json(${name});\n}\n`;
}

function jsonLine(r) {
  return (
    JSON.stringify({
      id: `${hex(r, 8)}-${hex(r, 4)}-4${hex(r, 3)}-a${hex(r, 3)}-${hex(r, 12)}`,
      order: `ORD-${int(r, 100000, 999999)}`,
      amount: int(r, 1, 99999) / 100,
      currency: "EUR",
      status: pick(r, ["pending", "shipped", "delivered"]),
      items: [int(r, 1, 9), int(r, 1, 9)],
      updated_at: Date.UTC(2026, int(r, 0, 11), int(r, 1, 28)),
    }) + "\n"
  );
}

/**
 * About `bytes` characters of mixed text, with on average `perKB` findings per 1,000 characters.
 */
export function mixedCorpus(bytes, { seed = 42, perKB = 2 } = {}) {
  const r = rng(seed);
  const parts = [];
  let len = 0;
  let sinceFinding = 0;
  while (len < bytes) {
    let seg;
    switch (int(r, 0, 3)) {
      case 0:
        seg = sentence(r) + sentence(r);
        break;
      case 1:
        seg = logLine(r);
        break;
      case 2:
        seg = codeBlock(r);
        break;
      default:
        seg = jsonLine(r);
    }
    sinceFinding += seg.length;
    if (sinceFinding > 1000 / perKB) {
      seg += ` contact: ${finding(r)}\n`;
      sinceFinding = 0;
    }
    parts.push(seg);
    len += seg.length;
  }
  // Flatten: benchmarks should measure the scanner, not V8's rope flattening.
  return Buffer.from(parts.join("")).toString();
}

/** A realistic 2 KB prompt: instructions, a support ticket and a log excerpt, with one email. */
export function prompt2k(seed = 7) {
  const r = rng(seed);
  let s = "You are a support assistant. Summarise the ticket below for the on-call engineer.\n\nTicket:\n";
  while (s.length < 1200) s += sentence(r);
  s += `\nCustomer: ${pick(r, NAMES)}@${pick(r, DOMAINS)}\n\nLogs:\n`;
  while (s.length < 2048) s += logLine(r);
  return s.slice(0, 2048);
}
