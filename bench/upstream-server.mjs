// A minimal upstream for benchmarks: answers OpenAI chat completions at once (non-streamed) or as
// SSE chunks (streamed), without parsing more than it must, so the gateway's cost is what we see.
import { createServer } from "node:http";

const answer = JSON.stringify({
  id: "chatcmpl-bench",
  object: "chat.completion",
  created: 0,
  model: "bench",
  choices: [
    {
      index: 0,
      message: {
        role: "assistant",
        content:
          "The ticket is about a delayed refund; the customer wants an update by Friday. Suggested reply attached.",
      },
      finish_reason: "stop",
    },
  ],
  usage: { prompt_tokens: 500, completion_tokens: 30, total_tokens: 530 },
});

const words =
  "The ticket is about a delayed refund and the customer wants an update by Friday so we should reply today with the new date".split(
    " ",
  );

const server = createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    const body = Buffer.concat(chunks).toString();
    if (body.includes('"stream":true')) {
      res.writeHead(200, { "content-type": "text/event-stream" });
      let i = 0;
      const tick = () => {
        if (i < words.length) {
          res.write(
            `data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", created: 0, model: "bench", choices: [{ index: 0, delta: { content: (i ? " " : "") + words[i] }, finish_reason: null }] })}\n\n`,
          );
          i++;
          setTimeout(tick, Number(process.env.CHUNK_MS ?? 5));
        } else {
          res.write(
            `data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", created: 0, model: "bench", choices: [{ index: 0, delta: {}, finish_reason: "stop" }] })}\n\n`,
          );
          res.end("data: [DONE]\n\n");
        }
      };
      tick();
    } else {
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(answer) });
      res.end(answer);
    }
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  process.stdout.write(`PORT ${server.address().port}\n`);
});
