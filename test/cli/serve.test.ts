import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BIN } from "../helpers/cli.js";

describe("policygate serve", () => {
  it("starts on the example policy, answers health checks, and shuts down cleanly on SIGTERM", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "pg-serve-"));
    const child = spawn(
      process.execPath,
      [BIN, "serve", "--port", "0", "--data-dir", dataDir, "--log-level", "warn"],
      {
        env: { PATH: process.env.PATH, POLICYGATE_ENV: "development" },
        cwd: dataDir,
      },
    );
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    const url = await new Promise<string>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no banner: ${out}`)), 15000);
      child.stdout.on("data", () => {
        const m = /listening on (http:\/\/[^\s]+)/.exec(out);
        if (m) {
          clearTimeout(t);
          resolve(m[1]!);
        }
      });
    });
    expect(out).toMatch(/the balanced example/);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const ready = await (await fetch(`${url}/readyz`)).json();
    expect(ready).toMatchObject({ status: "ready", environment: "development" });
    expect((await fetch(`${url}/v1/chat/completions`, { method: "POST", body: "{}" })).status).toBe(401);
    const metrics = await fetch(`${url}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toMatch(/# TYPE policygate_calls_total counter/);
    expect(out).toMatch(/metrics: +http:\/\/[^\s]+\/metrics \(open: set POLICYGATE_METRICS_TOKEN/);
    expect(out).toMatch(/alerts: +5 rules, 2 levels, no notifiers/);
    const code = await new Promise<number | null>((resolve) => {
      child.on("exit", (c) => resolve(c));
      child.kill("SIGTERM");
    });
    expect(code).toBe(0);
  });
});
