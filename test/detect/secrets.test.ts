import { describe, expect, it } from "vitest";
import { defaultPolicyEngine } from "../../src/enforce/engine.js";

/**
 * What people paste into prompts: .env dumps, curl commands, stack traces, compose and Kubernetes
 * YAML, JSON config and code, each with a few credentials among benign look-alikes (hashes, UUIDs,
 * versions, placeholders, variable references). Every value here is fake.
 *
 * Secrets are written between ⟦ and ⟧. The test removes the marks, scans, and checks that each
 * marked value is found, that no Restricted finding touches anything unmarked, and which detectors
 * fired.
 */
const engine = defaultPolicyEngine();

function marked(source: string): { text: string; spans: { start: number; end: number }[] } {
  let text = "";
  const spans: { start: number; end: number }[] = [];
  let open = -1;
  for (const ch of source) {
    if (ch === "⟦") open = text.length;
    else if (ch === "⟧") {
      spans.push({ start: open, end: text.length });
      open = -1;
    } else text += ch;
  }
  return { text, spans };
}

function check(source: string, detectors: string[]) {
  const { text, spans } = marked(source);
  const found = engine.scan(text).filter((f) => f.class === "restricted");
  for (const s of spans) {
    const hit = found.some((f) => f.start < s.end && s.start < f.end);
    expect(hit, `nothing found in marked span ${JSON.stringify(text.slice(s.start, s.end))}`).toBe(true);
  }
  for (const f of found) {
    const inside = spans.some((s) => f.start < s.end && s.start < f.end);
    expect(inside, `${f.detector} flagged benign text ${JSON.stringify(text.slice(f.start, f.end))}`).toBe(
      true,
    );
  }
  expect([...new Set(found.map((f) => f.detector))].sort()).toEqual([...detectors].sort());
}

describe("credentials in pasted text", () => {
  it("finds the secrets in a .env dump and leaves its settings alone", () => {
    check(
      `# .env.production
NODE_ENV=production
PORT=3000
LOG_LEVEL=debug
APP_URL=https://app.acme.dev
DATABASE_URL=postgres://app:⟦QxhqAyAGYpWDVtPLcv⟧@db-1.internal.acme.dev:5432/app
REDIS_URL=rediss://:⟦eQivXv8gQ7McqYSPqY3Lye⟧@cache.internal.acme.dev:6380/0
STRIPE_SECRET_KEY=⟦sk_live_51lrvRkvcJBo9hSsyerPumvJtFRnXU0EwCjisA9zLjx6IEZqe1YbEC0Ws4ux3U⟧
STRIPE_PUBLISHABLE_KEY=pk_live_51lrvRkvcJBo9hSsyerPumvJtFRnXU0EwCjisA9zLjx6I
OPENAI_API_KEY=⟦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⟧
JWT_SECRET=⟦nD2FjZC3AwzUzo_XK3JPuQQ46qOAqV2ebS6QJvn9w6sXYxc4⟧
JWT_EXPIRES_IN=3600
SESSION_SECRET=\${SESSION_SECRET}
SMTP_PASSWORD=changeme
BUILD_SHA=32dbd59277ba15077c47f99a94066a5571b0d449
`,
      ["database-url", "stripe-secret-key", "openai-api-key", "generic-secret-assignment"],
    );
  });

  it("finds the keys in curl commands and not the URLs or JSON bodies around them", () => {
    check(
      `$ curl -sS https://api.acme.dev/v1/reports?limit=50 \\
    -H "Authorization: Bearer ⟦sxMFiZGD6ZE2ecQX4nQhpc2vq9fwXggyZ3yPitND⟧" \\
    -H "Accept: application/json"
$ curl https://api.anthropic.com/v1/messages \\
    -H "x-api-key: ⟦sk-ant-api03-OZcgaC38MHwHhwyIEus7ezWi3rnEctV6U56yhL3Q7-bAsGKacXGyL8t9zy1aHXp_4GzHiwuDPIAWcNVceBcLJyradE8XtAA⟧" \\
    -H "anthropic-version: 2023-06-01" \\
    -d '{"model": "claude-sonnet-4-5", "max_tokens": 1024, "messages": [{"role": "user", "content": "Hello"}]}'
$ curl -H "Authorization: Bearer $API_TOKEN" https://api.acme.dev/v1/me
`,
      ["authorization-header", "anthropic-api-key"],
    );
  });

  it("finds the password in a stack trace that prints the connection URL, and nothing in the frames", () => {
    check(
      `Traceback (most recent call last):
  File "/srv/etl/jobs/load.py", line 88, in run
    engine = create_engine(settings.WAREHOUSE_URL, pool_size=5)
  File "/usr/lib/python3.12/site-packages/sqlalchemy/engine/create.py", line 602, in create_engine
    raise exc.ArgumentError(msg)
sqlalchemy.exc.OperationalError: (psycopg2.OperationalError) could not connect to server
[SQL: postgresql+psycopg2://etl:⟦HthTeIUJzda6RqVB⟧@warehouse.internal:5432/analytics]
request_id=3f1c2a9e-8b7d-4e21-9c55-0d6a1b2c3e4f object at 0x7f3a2c1d5e90
sha256=e055f65ebe4026c0a730ee1e77277760818c7dfa0f2c13aab485066684b66469
`,
      ["database-url"],
    );
  });

  it("finds the credentials in docker-compose and Kubernetes YAML, not the digests or references", () => {
    check(
      `services:
  db:
    image: postgres:16.4@sha256:e055f65ebe4026c0a730ee1e77277760818c7dfa0f2c13aab485066684b66469
    environment:
      POSTGRES_USER: app
      POSTGRES_PASSWORD: ⟦6RQCtHOftXCK9paQpKIp⟧
    healthcheck:
      test: ["CMD-SHELL", "pg_isready -U app"]
  api:
    image: ghcr.io/acme/api:2.14.1
    environment:
      SLACK_BOT_TOKEN: ⟦xoxb-44890905211-7621239950458-TP6996iTkdXGtWAGshi0o36c⟧
      GITHUB_TOKEN: \${GITHUB_TOKEN}
---
apiVersion: v1
kind: Secret
metadata:
  name: api-secrets
type: Opaque
data:
⟦  webhook: dVk5cnh0cThxb2dIR2dkYTN1Z0M=
⟧---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  template:
    spec:
      containers:
        - name: api
          env:
            - name: DB_PASSWORD
              valueFrom:
                secretKeyRef:
                  name: api-secrets
                  key: password
`,
      ["generic-secret-assignment", "slack-token", "k8s-secret-manifest"],
    );
  });

  it("finds AWS keys in JSON config and not the integrity hashes or ids", () => {
    check(
      `{
  "name": "acme-uploader",
  "version": "3.2.0",
  "aws": {
    "region": "eu-west-1",
    "accessKeyId": "⟦AKIABPMUY3IQSV7XGZF5⟧",
    "secretAccessKey": "⟦fi+ylggk8V3Zy7pF1/ABFYl7fPrrF91Ip+cCTpRw⟧",
    "bucket": "acme-uploads-prod"
  },
  "slack": { "webhook": "⟦https://hooks.slack.com/services/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⟧" },
  "integrity": "sha512-2b8f7a1c9e3d4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a==",
  "tenantId": "dac6fb3d-713c-4555-8a97-4089aa3849be"
}
`,
      ["aws-access-key-id", "aws-secret-access-key", "slack-webhook-url"],
    );
  });

  it("finds literal keys in Python and JavaScript, not environment lookups or template strings", () => {
    check(
      `import os, hashlib
from anthropic import Anthropic
openai_key = os.environ["OPENAI_API_KEY"]
client = Anthropic(api_key=os.getenv("ANTHROPIC_API_KEY"))
gh = Github("⟦ghp_7oJRRTT5FBQl3rNjKHBkBqAOjyJFDQCTB0mw⟧")
digest = hashlib.sha256(b"payload").hexdigest()  # f5da89b1f3d2f69628dac4756a6e06d0

const stripe = require("stripe")("⟦sk_test_51GWQ0Vq1CMRHcWldPJzUUGcBYX0fTSmvhhzqzjhytxAajnnhcDFnBtpY3rsa5⟧");
const res = await fetch(url, { headers: { Authorization: \`Bearer \${token}\` } });
const password = req.body.password;
const apiKey = process.env.API_KEY ?? "";
`,
      ["github-token", "stripe-secret-key"],
    );
  });

  it("stays quiet on hard negatives: ids, hashes, versions, placeholders, examples and public keys", () => {
    check(
      `id: 123e4567-e89b-12d3-a456-426614174000
md5: 9e107d9d372bb6826bd81d3542a419d6
sha1: 2fd4e1c67a2d28fced849ee1bb76e7391b93eb12
sha256: e055f65ebe4026c0a730ee1e77277760818c7dfa0f2c13aab485066684b66469
commit 32dbd59277ba15077c47f99a94066a5571b0d449
"resolved": "https://registry.npmjs.org/zod/-/zod-4.6.7.tgz",
"integrity": "sha512-9mJ2rWc1Zq3nO0u5P7hXkY1d8T4sLfGvQbNcR6aEiH0jKlM2oN3pQ4rS5tU6vW7xY8zA9bC0dE1fG2hI3jK4lM5n=="
version: 2.14.1-rc.3+build.20251126
OPENAI_API_KEY=sk-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx
API_KEY=YOUR_API_KEY
token: <token>
password: \${DB_PASSWORD}
secret: "{{ vault_secret }}"
apiKey: process.env.STRIPE_KEY
key = os.environ["AWS_SECRET_ACCESS_KEY"]
password=changeme
password: "********"
aws_access_key_id = AKIAIOSFODNN7EXAMPLE
aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
DATABASE_URL=postgres://user:\${PASSWORD}@db:5432/app
DATABASE_URL=postgres://app:{{pass}}@db:5432/app
-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxKLxoS2tFczGkPLPgizskuemMghRniWaoLcyehkd3qqGElvW/VDL5AaWTg0nLVkjRo9z+40RQzuVaE8AkAFmxZzow3x+VJYKdjykkJ0iT9wCS0DRTXu269V264Vf/3jvredZiKRkgwlL9xNAwxXFg0x/XFw005UWVRIkdgcKWTjpBP2dPwVZ4WWC+9aGVd+Gyn1o0CLelf4rEjGoXbAAEgAqeGUxrcIlbjXfbcmwIDAQAB
-----END PUBLIC KEY-----
ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAajATsZglk2YgvQIP6MEkzu/WUAffWwY5zwL/LGNCKk deploy@build-runner
thumbnail: iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==
`,
      [],
    );
  });
});

describe("credential detectors on pathological input", () => {
  // Each case once took seconds per megabyte (a validator reading the whole line per candidate).
  const cases: Record<string, string> = {
    "repeated password= on one line": "password=",
    "repeated quoted assignments": 'password: "',
    "URLs with at signs": "postgres://u:p@",
    "PEM headers without bodies": "-----BEGIN PRIVATE KEY-----\nQUFB\n",
    "JWT-like fragments": "eyJabcdefgh.",
  };
  for (const [name, unit] of Object.entries(cases)) {
    it(`scans a megabyte of ${name} in linear time`, () => {
      const text = unit.repeat(Math.ceil(1_000_000 / unit.length));
      const t0 = performance.now();
      engine.scan(text);
      expect(performance.now() - t0).toBeLessThan(3000);
    });
  }
});
