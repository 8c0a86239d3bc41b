import type { DetectorSpec } from "../types.js";
import { prefixed, registerVendorToken } from "./secret-checks.js";

const OPENAI_KEY =
  /(?<![A-Za-z0-9_-])sk-(?:(?:proj|svcacct|admin|None)-)?[A-Za-z0-9_-]{20,200}T3BlbkFJ[A-Za-z0-9_-]{20,200}(?![A-Za-z0-9_-])/;
registerVendorToken(OPENAI_KEY, ["sk-proj-", "sk-svcacct-", "sk-admin-"]);

/**
 * Keys for model providers and LLM tooling: the credentials people paste most often into the very
 * prompts this gateway guards. All Restricted. Google's Gemini keys are AIza keys (secrets-cloud.ts).
 */
export const AI_SECRET_DETECTORS: DetectorSpec[] = [
  prefixed({
    id: "anthropic-api-key",
    title: "Anthropic API keys and Claude OAuth tokens (sk-ant-api03-, sk-ant-oat01-, sk-ant-ort01-)",
    keywords: ["sk-ant-api", "sk-ant-oat", "sk-ant-ort"],
    pattern: /(?<![A-Za-z0-9_-])sk-ant-(?:api|oat|ort)\d\d-[A-Za-z0-9_-]{80,120}(?![A-Za-z0-9_-])/,
    maxLength: 135,
    score: 0.97,
  }),
  prefixed({
    id: "anthropic-admin-key",
    title: "Anthropic Admin API keys (sk-ant-admin01-)",
    keywords: ["sk-ant-admin"],
    pattern: /(?<![A-Za-z0-9_-])sk-ant-admin\d\d-[A-Za-z0-9_-]{80,120}(?![A-Za-z0-9_-])/,
    maxLength: 137,
    score: 0.97,
  }),
  {
    id: "openai-api-key",
    family: "secret",
    kind: "api_key",
    class: "restricted",
    title:
      "OpenAI API keys: project, service account, admin and legacy (sk-proj-, sk-svcacct-, sk-admin-, sk-…T3BlbkFJ…)",
    // Every OpenAI secret key carries "T3BlbkFJ" (base64 of "OpenAI") in its middle: trigger on that.
    trigger: { keywords: ["t3blbkfj"], before: 230, after: 230 },
    pattern: OPENAI_KEY,
    score: 0.97,
  },
  prefixed({
    id: "openrouter-api-key",
    title: "OpenRouter API keys (sk-or-v1-)",
    keywords: ["sk-or-v1-"],
    pattern: /(?<![A-Za-z0-9_-])sk-or-v1-[a-f0-9]{64}(?![A-Za-z0-9_-])/,
    maxLength: 73,
  }),
  prefixed({
    id: "groq-api-key",
    title: "Groq API keys (gsk_)",
    keywords: ["gsk_"],
    pattern: /(?<![A-Za-z0-9_])gsk_[A-Za-z0-9]{52}(?![A-Za-z0-9_])/,
    maxLength: 56,
  }),
  prefixed({
    id: "xai-api-key",
    title: "xAI (Grok) API keys (xai-)",
    keywords: ["xai-"],
    pattern: /(?<![A-Za-z0-9_-])xai-[A-Za-z0-9]{80}(?![A-Za-z0-9_-])/,
    maxLength: 84,
  }),
  prefixed({
    id: "perplexity-api-key",
    title: "Perplexity API keys (pplx-)",
    keywords: ["pplx-"],
    pattern: /(?<![A-Za-z0-9_-])pplx-[A-Za-z0-9]{40,56}(?![A-Za-z0-9_-])/,
    maxLength: 61,
  }),
  prefixed({
    id: "replicate-api-token",
    title: "Replicate API tokens (r8_)",
    kind: "token",
    keywords: ["r8_"],
    pattern: /(?<![A-Za-z0-9_])r8_[A-Za-z0-9]{37}(?![A-Za-z0-9_])/,
    maxLength: 40,
  }),
  prefixed({
    id: "huggingface-token",
    title: "Hugging Face user access and organisation tokens (hf_, api_org_)",
    kind: "token",
    keywords: ["hf_", "api_org_"],
    pattern: /(?<![A-Za-z0-9_])(?:hf|api_org)_[A-Za-z]{34}(?![A-Za-z0-9_])/,
    maxLength: 42,
  }),
  prefixed({
    id: "langsmith-api-key",
    title: "LangSmith personal access tokens and service keys (lsv2_pt_, lsv2_sk_)",
    keywords: ["lsv2_pt_", "lsv2_sk_"],
    pattern: /(?<![A-Za-z0-9_])lsv2_(?:pt|sk)_[a-f0-9]{32}_[a-f0-9]{10}(?![A-Za-z0-9_])/,
    maxLength: 51,
  }),
  prefixed({
    id: "pinecone-api-key",
    title: "Pinecone API keys (pcsk_)",
    keywords: ["pcsk_"],
    pattern: /(?<![A-Za-z0-9_])pcsk_[A-Za-z0-9]{4,8}_[A-Za-z0-9]{50,80}(?![A-Za-z0-9_])/,
    maxLength: 95,
  }),
  prefixed({
    id: "langfuse-secret-key",
    title: "Langfuse secret keys (sk-lf-)",
    keywords: ["sk-lf-"],
    pattern:
      /(?<![A-Za-z0-9_-])sk-lf-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?![A-Za-z0-9_-])/,
    maxLength: 42,
  }),
];
