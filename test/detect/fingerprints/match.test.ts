import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeFingerprints, FingerprintFormatError } from "../../../src/detect/fingerprints/format.js";
import { normalisedTokens } from "../../../src/detect/fingerprints/tokens.js";
import { buildFile, found, setOf } from "./helpers.js";

describe("normalisation: the same value however it is written", () => {
  it.each([
    ["  JANE   Okafor ", ["jane", "okafor"]],
    ["José Núñez", ["jose", "nunez"]],
    ["Nguyễn Thị Minh Khai", ["nguyen", "thi", "minh", "khai"]],
    ["Søren Łukasz Straße", ["soren", "lukasz", "strasse"]],
    ["Ｊａｎｅ　Ｏｋａｆｏｒ", ["jane", "okafor"]], // full-width letters and space
    ["ﬁnn O'Brien-Smith", ["finn", "o", "brien", "smith"]], // ligature, apostrophe and hyphen
    ["ΟΔΥΣΣΕΑΣ", ["οδυσσεασ"]], // Greek capitals, final sigma folded
    ["山田太郎", ["山", "田", "太", "郎"]], // Han: each character a token
    ["हिन्दी", ["हिन्दी"]], // Devanagari vowel signs are letters, not accents: kept
  ])("%s", (value, tokens) => {
    expect(normalisedTokens(value)).toEqual(tokens);
  });
});

describe("matching", () => {
  const set = setOf([
    "Jane Okafor",
    "Brightwater Logistics",
    "Okafor",
    "ACC-2231-77",
    "山田太郎",
    "Zoë Ångström",
  ]);

  it("finds a person and a company in one sentence as two values", () => {
    expect(found(set, "Jane Okafor from Brightwater Logistics called.")).toEqual([
      "Jane Okafor",
      "Brightwater Logistics",
    ]);
  });

  it("ignores case, accents, width and the punctuation between words", () => {
    expect(found(set, "cc: JANE  OKAFOR; brightwater-logistics; acc 2231 77")).toEqual([
      "JANE  OKAFOR",
      "brightwater-logistics",
      "acc 2231 77",
    ]);
    expect(found(set, "zoe angstrom and ZOË ÅNGSTRÖM")).toEqual(["zoe angstrom", "ZOË ÅNGSTRÖM"]);
  });

  it("prefers the longest value at a position and does not report the same words twice", () => {
    expect(found(set, "Jane Okafor, then Dr Okafor")).toEqual(["Jane Okafor", "Okafor"]);
  });

  it("matches whole words only", () => {
    expect(found(set, "Janet Okafors from Brightwaters Logistics")).toEqual([]);
    expect(found(set, "Jane Okaforova")).toEqual([]);
  });

  it("finds names written without spaces (Han) inside a sentence", () => {
    expect(found(set, "担当は山田太郎さんです")).toEqual(["山田太郎"]);
  });

  it("does not join words that are far apart", () => {
    expect(found(set, "Jane\n\n\n\n\n\nOkafor")).toEqual(["Okafor"]);
  });

  it("reports nothing for an empty set or text", () => {
    expect(found(setOf([]), "Jane Okafor")).toEqual([]);
    expect(found(set, "")).toEqual([]);
  });

  it("any fingerprinted value is found wherever it appears between other words", () => {
    const word = fc.stringMatching(/^[A-Za-zÀ-ÿ0-9]{1,8}$/);
    fc.assert(
      fc.property(
        fc.array(word, { minLength: 1, maxLength: 5 }),
        fc.array(word, { maxLength: 4 }),
        fc.array(word, { maxLength: 4 }),
        (valueWords, before, after) => {
          const value = valueWords.join(" ");
          fc.pre(normalisedTokens(value).join("").length >= 3);
          const s = setOf([value]);
          const text = [...before, value, ...after].join(" ");
          const spans = found(s, text).map((t) => normalisedTokens(t).join(" "));
          expect(spans).toContain(normalisedTokens(value).join(" "));
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe("the file", () => {
  const NAMES = ["Jane Okafor", "Brightwater Logistics", "Zoë Ångström", "山田太郎"];

  it("holds no value, in any encoding or case", () => {
    const bytes = buildFile(NAMES);
    const forms = NAMES.flatMap((n) => [n, n.toLowerCase(), ...normalisedTokens(n)]).filter(
      (s) => s.length >= 3,
    );
    for (const f of forms) {
      expect(bytes.includes(Buffer.from(f, "utf8"))).toBe(false);
      expect(bytes.includes(Buffer.from(f, "utf16le"))).toBe(false);
    }
    expect(bytes.includes(Buffer.from("okafor", "latin1"))).toBe(false);
  });

  it("has a header with version, salt, class, label and count, and 8 bytes per value", () => {
    const { header, hashes } = decodeFingerprints(buildFile([...NAMES, "jane okafor"]));
    expect(header).toMatchObject({ version: 1, class: "confidential", label: "customer_name", count: 4 });
    expect(Buffer.from(header.salt, "base64")).toHaveLength(16);
    expect(hashes).toHaveLength(8);
  });

  it("uses a new salt for every file, so two files of the same values share no hash", () => {
    const a = decodeFingerprints(buildFile(NAMES)).hashes;
    const b = new Set(decodeFingerprints(buildFile(NAMES)).hashes);
    expect([...a].filter((h) => b.has(h))).toEqual([]);
  });

  it("with a secret, matches only when loaded with the same secret", () => {
    expect(found(setOf(["Jane Okafor"], { secret: "s3cret" }), "Jane Okafor")).toEqual(["Jane Okafor"]);
    expect(found(setOf(["Jane Okafor"], { secret: "s3cret", loadSecret: "other" }), "Jane Okafor")).toEqual(
      [],
    );
  });

  it.each([
    ["not a fingerprint file", Buffer.from("name\nJane Okafor\n"), /does not start with PGFP/],
    ["truncated", buildFile(NAMES).subarray(0, -5), /truncated or corrupt/],
    ["a newer version", withHeader({ version: 9 }), /version 9 is not supported/],
    ["an unknown class", withHeader({ class: "secret" }), /class must be one of/],
  ])("rejects %s with a clear message", (_what, bytes, message) => {
    expect(() => decodeFingerprints(bytes)).toThrow(FingerprintFormatError);
    expect(() => decodeFingerprints(bytes)).toThrow(message);
  });
});

function withHeader(patch: Record<string, unknown>): Buffer {
  const bytes = buildFile(["Jane Okafor"]);
  const len = bytes.readUInt32LE(4);
  const header = { ...JSON.parse(bytes.toString("utf8", 8, 8 + len)), ...patch };
  const json = Buffer.from(JSON.stringify(header));
  const head = Buffer.alloc(Math.ceil((8 + json.length) / 8) * 8);
  head.write("PGFP", 0, "latin1");
  head.writeUInt32LE(json.length, 4);
  json.copy(head, 8);
  return Buffer.concat([head, bytes.subarray(Math.ceil((8 + len) / 8) * 8)]);
}

describe("CSV rows", () => {
  it("reads quoted cells, doubled quotes, CRLF, blank lines and a BOM like the dictionary's CSV reader", async () => {
    const { eachCsvRow } = await import("../../../src/detect/fingerprints/sources.js");
    const { parseCsv } = await import("../../../src/policy/csv.js");
    const cases = [
      '\ufeffname,company\r\n"Núñez, José","Say ""hi"" Ltd"\r\n\r\nJane Okafor,\n,Brightwater\n',
      'a,b\n"multi\nline",x\nlast,row',
      "one\n",
    ];
    for (const text of cases) {
      const rows: string[][] = [];
      eachCsvRow(text, (cells) => rows.push(cells));
      expect(rows).toEqual(parseCsv(text).map((r) => r.cells));
    }
  });
});
