import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isUlid, monotonicUlid, ulid, ulidTime } from "../../src/audit/ulid.js";

describe("ulid", () => {
  it("ids made in sequence sort in the order they were made, whatever the clock does", () => {
    fc.assert(
      fc.property(
        // Clock readings: runs of the same millisecond, jumps forward, and steps back.
        fc.array(fc.integer({ min: 0, max: 2 ** 48 - 1 }), { minLength: 1, maxLength: 20 }),
        fc.array(fc.nat({ max: 50 }), { minLength: 1, maxLength: 20 }),
        (times, repeats) => {
          const clock: number[] = [];
          times.forEach((t, i) => {
            for (let k = 0; k <= (repeats[i % repeats.length] ?? 0); k++) clock.push(t);
          });
          let i = 0;
          const next = monotonicUlid({ now: () => clock[i++]! });
          const ids = clock.map(() => next());
          for (let k = 1; k < ids.length; k++) expect(ids[k - 1]! < ids[k]!).toBe(true);
          expect(ids.every(isUlid)).toBe(true);
        },
      ),
    );
  });

  it("many ids in one real millisecond are unique and increasing", () => {
    const next = monotonicUlid({ now: () => 1_750_775_535_000 });
    const ids = Array.from({ length: 10_000 }, () => next());
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });

  it("carries the millisecond it was made in", () => {
    const t = Date.UTC(2025, 5, 24, 14, 32, 15, 123);
    const id = monotonicUlid({ now: () => t })();
    expect(id).toHaveLength(26);
    expect(ulidTime(id)).toBe(t);
    expect(ulidTime("not-a-ulid")).toBeUndefined();
  });

  it("carries into the next millisecond when the random part overflows, keeping the order", () => {
    const next = monotonicUlid({ now: () => 1000, random: (n) => new Uint8Array(n).fill(0xff) });
    const a = next();
    const b = next();
    expect(a < b).toBe(true);
    expect(ulidTime(b)).toBe(1001);
  });

  it("draws real randomness: two generators in the same millisecond differ", () => {
    const a = monotonicUlid({ now: () => 5 })();
    const b = monotonicUlid({ now: () => 5 })();
    expect(a).not.toBe(b);
    expect(isUlid(ulid())).toBe(true);
  });
});
