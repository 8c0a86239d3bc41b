import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  ConversationVault,
  RestoreKeyError,
  restoreKeyFrom,
  type VaultEntry,
} from "../../src/enforce/restore-vault.js";
import { parsePolicy } from "../../src/policy/load.js";

const EMAIL = "jane.okafor@brightwater.example";
const entries: VaultEntry[] = [
  ["[EMAIL_1]", EMAIL, "confidential"],
  ["[NAME_1]", "Zoë Müller", "confidential"],
];

describe("ConversationVault", () => {
  it("gives a conversation's placeholders back to the same owner only", () => {
    const v = new ConversationVault();
    v.put("bot\u0000k1", "c1", entries, 60);
    expect(v.get("bot\u0000k1", "c1")).toEqual(entries);
    expect(v.get("bot\u0000k2", "c1")).toEqual([]);
    expect(v.get("bot\u0000k1", "c2")).toEqual([]);
  });

  it("keeps values sealed: nothing in memory reads as the value, the owner or the id", () => {
    const v = new ConversationVault();
    v.put("bot\u0000k1", "conversation-42", entries, 60);
    const sealed = (v as unknown as { sealed: Map<string, { data: Buffer }> }).sealed;
    const dump = [...sealed]
      .map(([id, s]) => id + s.data.toString("latin1") + s.data.toString("utf8"))
      .join();
    expect(dump).not.toContain(EMAIL);
    expect(dump).not.toContain("Zo");
    expect(dump).not.toContain("conversation-42");
  });

  it("refuses tampered ciphertext instead of returning garbage", () => {
    const v = new ConversationVault();
    v.put("o", "c", entries, 60);
    const s = [...(v as unknown as { sealed: Map<string, { data: Buffer }> }).sealed.values()][0]!;
    s.data[0] = s.data[0]! ^ 1;
    expect(v.get("o", "c")).toEqual([]);
  });

  it("forgets a conversation after its TTL (counted from the last turn)", () => {
    let now = 1_000_000;
    const v = new ConversationVault({ now: () => now });
    v.put("o", "c", entries, 10);
    now += 9_000;
    expect(v.get("o", "c")).toEqual(entries);
    v.put("o", "c", entries, 10);
    now += 9_000;
    expect(v.get("o", "c")).toEqual(entries);
    now += 1_000;
    expect(v.get("o", "c")).toEqual([]);
  });

  it("is bounded: the least recently used conversation goes first, and entries per conversation are capped", () => {
    const v = new ConversationVault({ maxConversations: 2, maxEntries: 1 });
    v.put("o", "a", entries, 60);
    v.put("o", "b", entries, 60);
    v.get("o", "a");
    v.put("o", "c", entries, 60);
    expect(v.size).toBe(2);
    expect(v.get("o", "b")).toEqual([]);
    expect(v.get("o", "a")).toEqual(entries.slice(0, 1));
  });

  it("takes its key from POLICYGATE_RESTORE_KEY (hex or base64) and names the problem without echoing it", () => {
    const key = randomBytes(32);
    expect(restoreKeyFrom({ POLICYGATE_RESTORE_KEY: key.toString("hex") })).toEqual(key);
    expect(restoreKeyFrom({ POLICYGATE_RESTORE_KEY: key.toString("base64") })).toEqual(key);
    expect(restoreKeyFrom({})).toBeUndefined();
    const bad = "not-a-real-key-value";
    try {
      restoreKeyFrom({ POLICYGATE_RESTORE_KEY: bad });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(RestoreKeyError);
      expect((e as Error).message).toContain("POLICYGATE_RESTORE_KEY");
      expect((e as Error).message).not.toContain(bad);
    }
    // Two vaults with the same key still cannot read each other's memory, but a fixed key works.
    const v = new ConversationVault({ key });
    v.put("o", "c", entries, 60);
    expect(v.get("o", "c")).toEqual(entries);
  });
});

describe("policy: restore settings", () => {
  const policy = (integ: string) =>
    `providers:\n  echo: { kind: echo }\nintegrations:\n  bot:\n    providers: [echo]\n${integ}`;

  it("defaults to off with a one-hour TTL", () => {
    const r = parsePolicy(policy(""));
    expect(r.ok && r.value.policy.integrations.bot).toMatchObject({
      restore: false,
      restore_ttl_seconds: 3600,
    });
  });

  it("reports bad values at their line", () => {
    const r = parsePolicy(policy("    restore: yes please\n    restore_ttl_seconds: 0\n"), {
      file: "p.yaml",
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const paths = r.errors.map((e) => `${e.path}@${e.line}`);
    expect(paths).toContain("integrations.bot.restore@6");
    expect(paths).toContain("integrations.bot.restore_ttl_seconds@7");
  });
});
