import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import type { RegisterCommand } from "./command.js";
import { setUpGateway } from "./gateway-setup.js";
import { CliError, type CliIO } from "./io.js";
import { formatEvent } from "./logs.js";

/**
 * `policygate demo`: the product working in under a minute with no keys. It starts the gateway on
 * the balanced example policy with the offline echo provider (which answers by repeating what it
 * received, so you see exactly what a model would have been sent), makes four calls with the
 * official SDKs, and prints what happened and the audit events they left.
 */
export const register: RegisterCommand = (program, ctx) => {
  program
    .command("demo")
    .description(
      "Start the gateway on the example policy with the offline echo provider, make four calls with the official SDKs, and show what happened.",
    )
    .option(
      "--data-dir <dir>",
      "keep the demo's audit log and keys here (default: a temporary directory, removed afterwards)",
    )
    .action(async (opts: { dataDir?: string }) => {
      await runDemo(ctx.io, opts.dataDir);
    });
};

const INTEGRATION = "support-bot";

async function runDemo(io: CliIO, keepDir?: string): Promise<void> {
  const dataDir = keepDir ?? mkdtempSync(join(tmpdir(), "policygate-demo-"));
  const out = (s = "") => io.stdout.write(s + "\n");
  // The gateway's own log would interleave with the story; keep it for failures only.
  const quiet = new Writable({ write: (_c, _e, cb) => cb() });
  const setup = await setUpGateway(
    { dataDir, env: "development", policy: undefined, logLevel: "error" },
    { ...io, env: { ...io.env, POLICYGATE_POLICY: "" }, cwd: dataDir },
    quiet,
  );
  const { gateway, keys, store, monitor } = setup;
  try {
    const port = await gateway.listen(0, "127.0.0.1");
    const base = `http://127.0.0.1:${port}`;
    const { key } = await keys.create({ integration: INTEGRATION, label: "demo" });
    out(`PolicyGate demo: the gateway is running on ${base} with the balanced example policy,`);
    out(`environment "development", audit log ${store.description}.`);
    out(
      `The "echo" provider answers offline by repeating what it received, so each answer shows what a model would have been sent.`,
    );
    out(`Integration "${INTEGRATION}" got a gateway key; the SDKs below use it as their API key.`);

    // The provider is named in the base URL (/echo/...), as a team would name anthropic or openai.
    const openai = new OpenAI({ baseURL: `${base}/echo/v1`, apiKey: key, maxRetries: 0 });
    const anthropic = new Anthropic({ baseURL: `${base}/echo`, apiKey: key, maxRetries: 0 });

    out(`\n1. An ordinary call (OpenAI SDK, chat.completions.create)`);
    const prompt1 = "Summarise the onboarding checklist for a new support engineer.";
    out(`   sent:     ${prompt1}`);
    const r1 = await openai.chat.completions.create({
      model: "echo",
      messages: [{ role: "user", content: prompt1 }],
    });
    out(`   answer:   ${r1.choices[0]?.message.content}`);
    out(`   -> allowed: nothing sensitive, the call went through unchanged.`);

    out(`\n2. A call carrying an API key (OpenAI SDK)`);
    const fakeKey = "sk-proj-" + "Q3vT8mW2xY7zK1pL9nB4cR6dF0gH5jS2aE8uI3oN7qV1wZ4yX6tM";
    out(
      `   sent:     Why does this fail? curl -H "Authorization: Bearer sk-proj-…(a key)…" https://api.openai.com/v1/models`,
    );
    try {
      await openai.chat.completions.create({
        model: "echo",
        messages: [
          {
            role: "user",
            content: `Why does this fail? curl -H "Authorization: Bearer ${fakeKey}" https://api.openai.com/v1/models`,
          },
        ],
      });
      out(`   answer:   (unexpected: the call went through)`);
    } catch (e) {
      const err = e as { status?: number; message?: string; constructor: { name: string } };
      out(`   refused:  ${err.constructor.name} (HTTP ${err.status})`);
      out(`   message:  ${wrap(err.message ?? "", 13)}`);
      out(`   -> blocked: Restricted data never leaves; the provider received nothing.`);
    }

    out(`\n3. A call carrying a customer's email address (Anthropic SDK, messages.create)`);
    const prompt3 = "Draft a reply to jane.okafor@brightwater.example about her refund for order 7781.";
    out(`   sent:     ${prompt3}`);
    const r3 = await anthropic.messages.create({
      model: "echo",
      max_tokens: 200,
      messages: [{ role: "user", content: prompt3 }],
    });
    const text3 = r3.content.map((b) => (b.type === "text" ? b.text : "")).join("");
    out(`   answer:   ${text3}`);
    out(`   -> redacted: the model saw a placeholder, never the address.`);

    out(`\n4. A streamed answer that leaks an internal URL (OpenAI SDK, stream: true)`);
    const prompt4 =
      "Tell the customer the status page is https://status.internal/incidents/42 and nothing else.";
    out(`   sent:     ${prompt4}`);
    const stream = await openai.chat.completions.create({
      model: "echo",
      stream: true,
      messages: [{ role: "user", content: prompt4 }],
    });
    let streamed = "";
    let chunks = 0;
    for await (const chunk of stream) {
      const d = chunk.choices[0]?.delta?.content ?? "";
      if (d) chunks++;
      streamed += d;
    }
    out(`   streamed: ${streamed}   (${chunks} chunks)`);
    out(`   -> the answer was checked as it streamed: the internal URL never reached the caller.`);

    await monitor.idle(2000);
    if (monitor.recent.length) {
      out(`\nAlerts raised (alert rules in the policy's alerts section; each is also an audit event):`);
      for (const a of monitor.recent) {
        out(`   level ${a.level} ${a.rule}: ${a.title}`);
        out(
          `   contacts: ${a.people.map((p) => p.name ?? p.role).join(", ") || "none"}; counts and detector ids only: ${a.detectors.join(", ")}`,
        );
      }
      out(
        io.env.POLICYGATE_SLACK_WEBHOOK_URL
          ? `   (and to the example's Slack notifier, POLICYGATE_SLACK_WEBHOOK_URL)`
          : `   (the example's Slack notifier has no URL here (POLICYGATE_SLACK_WEBHOOK_URL is unset), so they went to the audit log only; docs/alerts.md)`,
      );
    }

    out(`\nThe audit log (one event per call, newest first; no prompt, value or key is ever stored):`);
    for (const e of await store.query({ newestFirst: true, limit: 10 })) out("  " + formatEvent(e));
    out(
      `\nNext: \`policygate serve\` runs this gateway for real; \`policygate keys create --integration NAME\` issues keys;`,
    );
    out(`\`policygate logs\` reads the audit log; README.md explains the policy file.`);
  } catch (e) {
    throw new CliError(`the demo failed: ${(e as Error).message}`);
  } finally {
    await gateway.close(1000);
    await keys.close();
    if (!keepDir) rmSync(dataDir, { recursive: true, force: true });
  }
}

function wrap(s: string, indent: number): string {
  const words = s.split(" ");
  const lines: string[] = [];
  let line = "";
  for (const w of words) {
    if ((line + " " + w).length > 96 - indent && line) {
      lines.push(line);
      line = w;
    } else line = line ? line + " " + w : w;
  }
  if (line) lines.push(line);
  return lines.join("\n" + " ".repeat(indent));
}
