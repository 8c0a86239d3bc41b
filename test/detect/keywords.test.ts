import { describe, expect, it } from "vitest";
import { KeywordAutomaton } from "../../src/detect/keywords.js";

describe("keyword automaton", () => {
  it("finds every keyword case-insensitively, overlapping ones included", () => {
    const a = new KeywordAutomaton(["street", "str", "apt"]);
    expect(a.find("Baker STREET, Apt 4")).toEqual([
      { keyword: 1, start: 6 },
      { keyword: 0, start: 6 },
      { keyword: 2, start: 14 },
    ]);
  });

  it("treats letters with diacritics as a break unless asked to fold them", () => {
    expect(new KeywordAutomaton([" ut "]).find("hegyalja út 98")).toEqual([]);
    expect(() => new KeywordAutomaton(["út"])).toThrow(/not ASCII/);
    const folded = new KeywordAutomaton([" út ", "namesti"], { foldDiacritics: true });
    expect(folded.find("hegyalja ÚT 98, Náměstí Míru 1")).toEqual([
      { keyword: 0, start: 8 },
      { keyword: 1, start: 16 },
    ]);
    // Positions stay those of the original text: folding maps one character to one.
    expect(folded.find("x Ůt y")).toEqual([{ keyword: 0, start: 1 }]);
  });

  it("refuses keywords with characters it cannot fold", () => {
    expect(() => new KeywordAutomaton(["straße"], { foldDiacritics: true })).toThrow(/Latin letter/);
  });
});
