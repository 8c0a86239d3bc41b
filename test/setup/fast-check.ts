import fc from "fast-check";

// Property tests explore new cases on every local run. CI pins the seed (FC_SEED in .ci/run), so
// whether a change lands never depends on which cases a run happened to draw; a failure prints its
// seed, and `FC_SEED=<seed> npm test` replays it.
const seed = process.env.FC_SEED;
if (seed !== undefined && seed !== "") {
  const n = Number(seed);
  if (!Number.isSafeInteger(n)) throw new Error(`FC_SEED must be an integer, got ${JSON.stringify(seed)}`);
  fc.configureGlobal({ seed: n });
}
