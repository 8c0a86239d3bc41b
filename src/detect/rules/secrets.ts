import type { DetectorSpec } from "../types.js";

/** Credentials: API keys, tokens, private keys, connection strings. All Restricted. */
export const SECRET_DETECTORS: DetectorSpec[] = [
  {
    id: "github-token",
    family: "secret",
    kind: "api_key",
    class: "restricted",
    title: "GitHub personal access, OAuth, app and refresh tokens (ghp_, gho_, ghu_, ghs_, ghr_)",
    trigger: { keywords: ["ghp_", "gho_", "ghu_", "ghs_", "ghr_"], before: 1, after: 260 },
    pattern: /(?<![A-Za-z0-9_])gh[pousr]_[A-Za-z0-9]{36,255}(?![A-Za-z0-9_])/,
    score: 0.95,
  },
];
