import type { DetectorSpec } from "../types.js";

/** Personal data about customers and people: Confidential by default. */
export const PII_DETECTORS: DetectorSpec[] = [
  {
    id: "email",
    family: "pii",
    kind: "email",
    class: "confidential",
    title: "Email addresses",
    trigger: { keywords: ["@"], before: 64, after: 255 },
    pattern:
      /(?<![A-Za-z0-9._%+-])[A-Za-z0-9](?:[A-Za-z0-9._%+-]{0,62}[A-Za-z0-9_%+-])?@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![A-Za-z0-9-])/,
    score: 0.9,
  },
];
