// npm run bench:gateway: the latency the gateway adds, with full input and output scanning and the
// SQLite audit store, against calling the same upstream directly. Each server runs in its own
// process; autocannon drives both from this one. Options: --duration=SECONDS (default 10),
// --long=SECONDS (a long run at concurrency 32 that samples the gateway's memory).
import { fork } from "node:child_process";
import { cpus, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import { prompt2k } from "./corpus.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, "").split("=")));
const duration = Number(args.get("duration") ?? 10);
const long = Number(args.get("long") ?? 0);

function start(script, env) {
  return new Promise((resolve, reject) => {
    const child = fork(join(here, script), [], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "inherit", "ipc"],
    });
    child.stdout.on("data", (d) => {
      const m = /PORT (\d+)/.exec(String(d));
      if (m) resolve({ child, url: `http://127.0.0.1:${m[1]}` });
    });
    child.on("exit", (c) => reject(new Error(`${script} exited ${c}`)));
  });
}

const body = JSON.stringify({
  model: "gpt-4o-mini",
  messages: [
    { role: "system", content: "You are a support assistant." },
    { role: "user", content: prompt2k() },
  ],
});
const streamBody = JSON.stringify({ ...JSON.parse(body), stream: true });

function run(url, connections, seconds, payload = body) {
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: `${url}/v1/chat/completions`,
        method: "POST",
        connections,
        duration: seconds,
        headers: { "content-type": "application/json", authorization: "Bearer pgk_bench" },
        body: payload,
      },
      (err, r) => (err ? reject(err) : resolve(r)),
    );
  });
}

const rssOf = (child) =>
  new Promise((resolve) => {
    child.once("message", (m) => resolve(m.rss));
    child.send("rss");
  });

const up = await start("upstream-server.mjs", {});
const gw = await start("gateway-server.mjs", { UPSTREAM: up.url });
console.log(`# gateway benchmark`);
console.log(
  `machine: ${cpus()[0]?.model ?? "?"} x${cpus().length}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`,
);
console.log(
  `request: chat completion with a 2 KB prompt (one email in it, redacted); answer ~100 chars; SQLite audit`,
);
// Warm both paths.
await run(up.url, 8, 2);
await run(gw.url, 8, 3);

console.log(
  `\n| concurrency | direct p50 | direct p99 | gateway p50 | gateway p99 | added p50 | added p99 | direct req/s | gateway req/s | gateway RSS |`,
);
console.log(`|---|---|---|---|---|---|---|---|---|---|`);
for (const c of [1, 32, 128]) {
  const d = await run(up.url, c, duration);
  const g = await run(gw.url, c, duration);
  if (g.non2xx || g.errors) console.log(`(gateway: ${g.non2xx} non-2xx, ${g.errors} errors)`);
  const rss = await rssOf(gw.child);
  console.log(
    `| ${c} | ${d.latency.p50} ms | ${d.latency.p99} ms | ${g.latency.p50} ms | ${g.latency.p99} ms | ${(g.latency.p50 - d.latency.p50).toFixed(2)} ms | ${(g.latency.p99 - d.latency.p99).toFixed(2)} ms | ${Math.round(d.requests.average)} | ${Math.round(g.requests.average)} | ${(rss / 2 ** 20).toFixed(0)} MiB |`,
  );
}

// autocannon reports whole milliseconds, too coarse for one call at a time: the same request,
// sent sequentially over a kept-alive connection, alternating direct and gateway, timed in µs.
async function sequential(pairs = 2000) {
  const send = async (url) => {
    const t0 = performance.now();
    const res = await fetch(`${url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer pgk_bench" },
      body,
    });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`status ${res.status} from ${url}`);
    return performance.now() - t0;
  };
  for (let i = 0; i < 200; i++) await Promise.all([send(up.url), send(gw.url)]);
  const d = [];
  const g = [];
  for (let i = 0; i < pairs; i++) {
    d.push(await send(up.url));
    g.push(await send(gw.url));
  }
  const q = (xs, p) =>
    [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
  return { d50: q(d, 50), d99: q(d, 99), g50: q(g, 50), g99: q(g, 99) };
}
const seq = await sequential();
console.log(
  `
one call at a time (2,000 alternating pairs, fetch with keep-alive): direct p50 ${seq.d50.toFixed(2)} ms, p99 ${seq.d99.toFixed(2)} ms; ` +
    `gateway p50 ${seq.g50.toFixed(2)} ms, p99 ${seq.g99.toFixed(2)} ms; added p50 ${(seq.g50 - seq.d50).toFixed(2)} ms, p99 ${(seq.g99 - seq.d99).toFixed(2)} ms`,
);

// Streaming: time to first byte, direct and through the gateway (the hold-back window delays text).
async function ttfb(url, n = 50) {
  const firsts = [];
  const fulls = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const res = await fetch(`${url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer pgk_bench" },
      body: streamBody,
    });
    const reader = res.body.getReader();
    let first = null;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (first === null && /"content":"[^"]/.test(new TextDecoder().decode(value)))
        first = performance.now() - t0;
    }
    firsts.push(first ?? NaN);
    fulls.push(performance.now() - t0);
  }
  const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return { first: med(firsts), full: med(fulls) };
}
const sd = await ttfb(up.url);
const sg = await ttfb(gw.url);
console.log(
  `\nstreaming (26 chunks, 5 ms apart, ~120 characters): first text byte direct ${sd.first.toFixed(1)} ms, through the gateway ${sg.first.toFixed(1)} ms; whole stream ${sd.full.toFixed(1)} ms vs ${sg.full.toFixed(1)} ms`,
);
console.log(
  `(the answer is shorter than the 128-character hold-back window, so the gateway releases its text at the end: the first-byte delay here is the window, bounded by output.stream_window)`,
);

if (long) {
  console.log(
    `\nlong run: ${long} s at concurrency 32, gateway RSS every ${Math.max(5, Math.round(long / 10))} s`,
  );
  const samples = [];
  const every = Math.max(5, Math.round(long / 10)) * 1000;
  const timer = setInterval(async () => samples.push(Math.round((await rssOf(gw.child)) / 2 ** 20)), every);
  const r = await run(gw.url, 32, long);
  clearInterval(timer);
  console.log(`rss MiB: ${samples.join(", ")}`);
  console.log(
    `requests: ${r.requests.total}, p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, ${Math.round(r.requests.average)} req/s, errors ${r.errors}, non-2xx ${r.non2xx}`,
  );
}

gw.child.kill();
up.child.kill();
process.exit(0);
