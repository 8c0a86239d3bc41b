// node bench/wire.bench.mjs: SSE parsing and streamed-answer rewriting throughput.
// Uses the compiled package (dist/), so run `npm run build` first.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { SseParser, encodeSse } = await import(join(root, "dist/providers/sse.js"));
const { openaiAdapter } = await import(join(root, "dist/providers/openai.js"));
const { anthropicAdapter } = await import(join(root, "dist/providers/anthropic.js"));
const { OutputStreamGuard } = await import(join(root, "dist/enforce/stream.js"));
const { defaultPolicyEngine } = await import(join(root, "dist/enforce/engine.js"));

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const words = "the quarterly report shows revenue growth across regions and a steady margin ".split(" ");
const text = Array.from({ length: 200_000 }, (_, i) => words[i % words.length]).join(" ");
const pieces = text.match(/[\s\S]{1,6}/g);

function stream(adapter, body) {
  const req = adapter.parseRequest(adapter.routes[0].endpoint, body, {});
  return adapter.echo(req, body, { text, chunks: pieces }).events;
}

const cases = [
  ["openai chat", openaiAdapter, { model: "m", stream: true, messages: [{ role: "user", content: "x" }] }],
  [
    "anthropic messages",
    anthropicAdapter,
    { model: "m", max_tokens: 1, stream: true, messages: [{ role: "user", content: "x" }] },
  ],
];
const engine = defaultPolicyEngine();
/** A guard that releases everything at once: what the rewriting costs without any scanning. */
const nullGuard = () => ({
  blocked: undefined,
  out: new Map(),
  push(c, t) {
    this.out.set(c, (this.out.get(c) ?? "") + t);
    return t;
  },
  end: () => "",
  emitted(c) {
    return this.out.get(c) ?? "";
  },
});
for (const [name, adapter, body] of cases) {
  const events = stream(adapter, body);
  const wire = new TextEncoder().encode(events.map(encodeSse).join(""));
  const parse = [];
  const rewrite = [];
  const bare = [];
  for (let run = 0; run < 5; run++) {
    let t = performance.now();
    const parser = new SseParser();
    let n = 0;
    for (let i = 0; i < wire.length; i += 16384) n += parser.push(wire.subarray(i, i + 16384)).length;
    n += parser.end().length;
    parse.push(performance.now() - t);
    if (n !== events.length) throw new Error("parser lost events");
    t = performance.now();
    const r = adapter.streamRewriter(adapter.routes[0].endpoint, new OutputStreamGuard(engine));
    for (const ev of events) r.onEvent(ev);
    r.onEnd();
    rewrite.push(performance.now() - t);
    t = performance.now();
    const b = adapter.streamRewriter(adapter.routes[0].endpoint, nullGuard());
    for (const ev of events) b.onEvent(ev);
    b.onEnd();
    bare.push(performance.now() - t);
  }
  const mb = wire.length / 2 ** 20;
  console.log(
    `${name}: ${events.length} events, ${mb.toFixed(1)} MB on the wire; ` +
      `parse ${(mb / (median(parse) / 1000)).toFixed(0)} MB/s; ` +
      `rewrite through the default-policy guard ${(events.length / (median(rewrite) / 1000) / 1000).toFixed(0)}k events/s ` +
      `(${(text.length / 2 ** 20 / (median(rewrite) / 1000)).toFixed(1)} MB/s of answer text); ` +
      `without scanning ${(events.length / (median(bare) / 1000) / 1000).toFixed(0)}k events/s`,
  );
}
