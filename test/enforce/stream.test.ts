import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decideOutput } from "../../src/enforce/decide.js";
import { defaultPolicyEngine } from "../../src/enforce/engine.js";
import { OutputStreamGuard } from "../../src/enforce/stream.js";
import { engineFrom } from "../helpers/policy.js";

const KEY = "ghp_R8fKq2ZpL0vT7mXw3NcB9sYhJ4dA6eUiQ1oG";
const EMAIL = "jane.okafor@brightwater.example";

/** Feeds `chunks` through a guard and returns each released piece. */
function run(guard: OutputStreamGuard, chunks: string[], channel = "c0"): string[] {
  const out = chunks.map((c) => guard.push(channel, c));
  out.push(guard.end(channel));
  return out;
}

function splitAt(text: string, cuts: number[]): string[] {
  const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
  const chunks: string[] = [];
  let prev = 0;
  for (const p of points) {
    chunks.push(text.slice(prev, p));
    prev = p;
  }
  chunks.push(text.slice(prev));
  return chunks;
}

describe("OutputStreamGuard", () => {
  const engine = defaultPolicyEngine();

  it("redacts a key split across three chunks without releasing any part of it", () => {
    const guard = new OutputStreamGuard(engine);
    const text =
      `Here is the token you asked for: ${KEY} -- keep it safe. ` + "More text follows. ".repeat(10);
    const chunks = [text.slice(0, 40), text.slice(40, 55), text.slice(55)];
    const out = run(guard, chunks);
    expect(out.join("")).toContain("[TOKEN_1]");
    for (const piece of out) {
      for (let k = 6; k <= KEY.length; k++) expect(piece).not.toContain(KEY.slice(0, k));
    }
    expect(guard.decision().counts).toEqual({ "github-token": 1 });
  });

  it("holds no more than the window of plain text", () => {
    const guard = new OutputStreamGuard(engine);
    const out = guard.push("c0", "All good here. ".repeat(40));
    expect(guard.held()).toBeLessThanOrEqual(engine.policy.output.stream_window);
    expect(out.length).toBeGreaterThan(0);
  });

  it("blocks the rest of the stream when the policy says block", () => {
    const engine = engineFrom("output:\n  on_leak: block\n");
    const guard = new OutputStreamGuard(engine);
    const before = guard.push("c0", "The quarterly numbers look fine and the team is on track. ".repeat(4));
    const during = guard.push("c0", `Write to ${EMAIL.slice(0, 10)}`);
    const after = guard.push("c0", `${EMAIL.slice(10)} for details.`);
    expect(before.length).toBeGreaterThan(0);
    expect(during + after).not.toContain("jane");
    expect(guard.blocked?.rule).toBe("output.leak_classes");
    expect(guard.end("c0")).toBe("");
  });

  const pemBody = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQDndJt7NaG8T64/\n".repeat(20);
  const pem = `-----BEGIN PRIVATE KEY-----\n${pemBody}-----END PRIVATE KEY-----\n`;
  // Whether the catalogue sees a whole PEM key at all; the stream must then never leak part of one.
  const catalogueSeesPem = decideOutput(engine, [{ text: pem }]).findings.length > 0;

  it.runIf(catalogueSeesPem)("holds a PEM private key until it is complete", () => {
    const guard = new OutputStreamGuard(engine);
    const text = pem;
    const pieces = run(
      guard,
      splitAt(
        text,
        Array.from({ length: 40 }, (_, i) => i * 37),
      ),
    );
    const joined = pieces.join("");
    // Whatever the catalogue calls it, the key body never reaches the caller.
    expect(joined).not.toContain("MIIEvQIBADAN");
  });

  it("gives the same result as scanning the whole answer, however it is chunked (property)", () => {
    const texts = [
      `Contact ${EMAIL} or call the desk. Token: ${KEY}. Thanks!`,
      `Nothing sensitive here, only a long sentence about quarterly reviews and release plans.`,
      `${EMAIL} ${EMAIL} and ops@acme-corp.io`,
    ];
    fc.assert(
      fc.property(fc.constantFrom(...texts), fc.array(fc.nat(200), { maxLength: 12 }), (text, cuts) => {
        const whole = decideOutput(engine, [{ text }]).texts![0];
        const guard = new OutputStreamGuard(engine);
        expect(run(guard, splitAt(text, cuts)).join("")).toBe(whole);
      }),
    );
  });

  it("keeps channels apart and reports what each released", () => {
    const guard = new OutputStreamGuard(engine);
    guard.push("a", `mail ${EMAIL}`);
    guard.push("b", "plain");
    const rest = guard.endAll();
    expect(rest.get("a")).toBe("mail [EMAIL_1]");
    expect(guard.emitted("b")).toBe("plain");
  });
});
