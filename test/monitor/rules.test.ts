import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AlertRules } from "../../src/monitor/rules.js";
import { alertsConfig, event, FakeClock, restricted } from "./events.js";

const LEVELS = `
alerts:
  levels:
    - contacts: [security]
    - contacts: [security, cto]
    - contacts: [cto]
`;

function setup(extra = "") {
  const clock = new FakeClock();
  return { clock, rules: new AlertRules(alertsConfig(LEVELS + extra), clock.now) };
}

describe("restricted data", () => {
  it("alerts at level 1 on the first occurrence per integration and escalates when it repeats", () => {
    const { clock, rules } = setup();
    const first = rules.observe(restricted("support-bot"));
    expect(first).toHaveLength(1);
    expect(first[0]).toMatchObject({
      rule: "restricted_data",
      level: 1,
      key: { integration: "support-bot" },
      detectors: ["openai-api-key"],
    });
    clock.advance(1);
    // Second within the cool-down: held back.
    expect(rules.observe(restricted("support-bot"))).toEqual([]);
    // Another integration has its own first occurrence.
    expect(rules.observe(restricted("docs-assistant"))[0]).toMatchObject({ level: 1 });
    clock.advance(1);
    const third = rules.observe(restricted("support-bot"));
    expect(third).toHaveLength(1);
    expect(third[0]).toMatchObject({ level: 2, counts: { occurrences: 3 } });
  });

  it("never escalates beyond the last declared level", () => {
    const { clock, rules } = setup();
    const levels: number[] = [];
    for (let i = 0; i < 20; i++) {
      for (const f of rules.observe(restricted())) levels.push(f.level);
      clock.advance(0.5);
    }
    expect(Math.max(...levels)).toBe(3);
  });

  it("starts again at level 1 once the window has passed", () => {
    const { clock, rules } = setup();
    for (let i = 0; i < 3; i++) rules.observe(restricted());
    clock.advance(120);
    expect(rules.observe(restricted())[0]).toMatchObject({ level: 1, counts: { occurrences: 1 } });
  });

  it("fires again after its cool-down and says how many were held back", () => {
    const { clock, rules } = setup("  rules:\n    restricted_data: { escalate_after: 100 }\n");
    rules.observe(restricted());
    clock.advance(1);
    rules.observe(restricted());
    rules.observe(restricted());
    clock.advance(5);
    const again = rules.observe(restricted());
    expect(again[0]!.counts.suppressed_since_last).toBe(2);
  });
});

describe("validation failures", () => {
  it("alerts when a user fails N times within M minutes, not when failures are spread out", () => {
    const { clock, rules } = setup(
      "  rules:\n    restricted_data: { enabled: false }\n    validation_failures: { threshold: 3, window_minutes: 10, per: [user] }\n",
    );
    const fail = () =>
      event({
        user: "u-7",
        status: "blocked",
        input: { decision: "block", enforced_decision: "block", findings: { "email-address": 2 } },
      });
    rules.observe(fail());
    clock.advance(6);
    rules.observe(fail());
    clock.advance(6);
    // The first failure has left the 10-minute window: two in the window.
    expect(rules.observe(fail())).toEqual([]);
    clock.advance(1);
    const fired = rules.observe(fail());
    expect(fired).toHaveLength(1);
    expect(fired[0]).toMatchObject({
      rule: "validation_failures",
      key: { user: "u-7" },
      counts: { failures: 3, "detector:email-address": 3 },
    });
  });

  it("counts output failures and audit-mode would-be blocks, but not errors", () => {
    const { rules } = setup("  rules:\n    validation_failures: { threshold: 2, per: [integration] }\n");
    rules.observe(event({ status: "error", input: { enforced_decision: "block" } }));
    rules.observe(
      event({
        output: { decision: "redact", enforced_decision: "redact", findings: { "us-ssn": 1 }, rules: [] },
      }),
    );
    const fired = rules.observe(event({ input: { decision: "allow", enforced_decision: "block" } }));
    expect(fired.map((f) => f.rule)).toEqual(["validation_failures"]);
  });

  it("keeps separate counts per user, integration and provider", () => {
    const { rules } = setup("  rules:\n    validation_failures: { threshold: 2 }\n");
    const f = (user: string) =>
      event({ user, provider: "anthropic", input: { decision: "block", enforced_decision: "block" } });
    rules.observe(f("a"));
    const fired = rules.observe(f("b"));
    // Two users once each: no user alert; but the integration and provider reached two.
    expect(fired.map((x) => Object.keys(x.key)[0]).sort()).toEqual(["integration", "provider"]);
  });
});

describe("volume spike", () => {
  const SPIKE =
    "  rules:\n    volume_spike: { factor: 3, window_minutes: 5, baseline_minutes: 60, min_calls: 10 }\n";

  it("alerts when calls in the window exceed a multiple of the rolling baseline", () => {
    const { clock, rules } = setup(SPIKE);
    // An hour and more of 1 call a minute: the baseline is 5 calls per 5-minute window.
    for (let i = 0; i < 70; i++) {
      expect(rules.observe(event())).toEqual([]);
      clock.advance(1);
    }
    const fired = [];
    for (let i = 0; i < 30; i++) fired.push(...rules.observe(event()));
    expect(fired).toHaveLength(1);
    expect(fired[0]).toMatchObject({ rule: "volume_spike", key: { integration: "support-bot" } });
    expect(fired[0]!.counts.calls_in_window).toBeGreaterThan(15);
  });

  it("does not alert for a new integration before it has a baseline", () => {
    const { rules } = setup(SPIKE);
    const fired = [];
    for (let i = 0; i < 100; i++) fired.push(...rules.observe(event({ integration: "new-bot" })));
    expect(fired).toEqual([]);
  });
});

describe("unusual classification", () => {
  it("alerts when an integration sends a class it has not sent before, after learning", () => {
    const { clock, rules } = setup("  rules:\n    unusual_class: { learn_minutes: 30 }\n");
    rules.observe(event({ input: { highest_class: "internal" } }));
    clock.advance(10);
    // Still learning: confidential is noted, not reported.
    expect(rules.observe(event({ input: { highest_class: "confidential" } }))).toEqual([]);
    clock.advance(30);
    expect(rules.observe(event({ input: { highest_class: "confidential" } }))).toEqual([]);
    const fired = rules.observe(
      event({ input: { highest_class: "restricted", findings: { "aws-access-key-id": 1 } } }),
    );
    expect(fired.find((f) => f.rule === "unusual_class")).toMatchObject({
      key: { integration: "support-bot", class: "restricted" },
      detectors: ["aws-access-key-id"],
    });
  });

  it("learns from the audit log at start, so a restart does not report known classes", () => {
    const { clock, rules } = setup("  rules:\n    unusual_class: { learn_minutes: 30 }\n");
    rules.seed([
      event({ ts: new Date(clock.t - 86_400_000).toISOString(), input: { highest_class: "confidential" } }),
    ]);
    expect(rules.observe(event({ input: { highest_class: "confidential" } }))).toEqual([]);
    expect(rules.observe(event({ input: { highest_class: "internal" } }))[0]).toMatchObject({
      rule: "unusual_class",
    });
  });
});

describe("provider trouble", () => {
  it("alerts when the error and timeout rate over the window passes the threshold", () => {
    const { clock, rules } = setup(
      "  rules:\n    provider_errors: { rate: 0.5, window_minutes: 5, min_calls: 4 }\n",
    );
    const ok = () => event({ provider: "anthropic" });
    const timeout = () =>
      event({
        provider: "anthropic",
        status: "error",
        http_status: 504,
        error: { code: "upstream_timeout", message: "x" },
      });
    rules.observe(ok());
    rules.observe(ok());
    rules.observe(timeout());
    expect(rules.observe(ok())).toEqual([]);
    const fired = rules.observe(timeout());
    expect(fired).toEqual([]); // 2 of 5
    clock.advance(1);
    const now = rules.observe(timeout());
    expect(now[0]).toMatchObject({
      rule: "provider_errors",
      key: { provider: "anthropic" },
      counts: { timeouts: 3 },
    });
    // A refusal before the provider was called says nothing about the provider.
    expect(rules.observe(restricted()).some((f) => f.rule === "provider_errors")).toBe(false);
  });
});

describe("cool-downs", () => {
  it("no rule fires twice for the same key and level within its cool-down, whatever the events", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            gap: fc.integer({ min: 0, max: 4 }),
            kind: fc.constantFrom("restricted", "fail", "ok", "timeout"),
            integration: fc.constantFrom("a", "b"),
          }),
          { maxLength: 200 },
        ),
        (steps) => {
          const { clock, rules } = setup(
            "  rules:\n    validation_failures: { threshold: 2, cooldown_minutes: 15 }\n    provider_errors: { min_calls: 2, cooldown_minutes: 15 }\n    restricted_data: { cooldown_minutes: 5 }\n",
          );
          const last = new Map<string, number>();
          for (const s of steps) {
            clock.advance(s.gap);
            const e =
              s.kind === "restricted"
                ? restricted(s.integration)
                : s.kind === "fail"
                  ? event({
                      integration: s.integration,
                      input: { enforced_decision: "block", decision: "block" },
                    })
                  : s.kind === "timeout"
                    ? event({
                        integration: s.integration,
                        status: "error",
                        error: { code: "upstream_timeout", message: "" },
                      })
                    : event({ integration: s.integration });
            for (const f of rules.observe(e)) {
              const k = `${f.rule}|${JSON.stringify(f.key)}|${f.level}`;
              const cd = f.rule === "restricted_data" ? 5 : 15;
              const prev = last.get(k);
              if (prev !== undefined && clock.t - prev < cd * 60_000) return false;
              last.set(k, clock.t);
            }
          }
          return true;
        },
      ),
      { numRuns: 200 },
    );
  });
});
