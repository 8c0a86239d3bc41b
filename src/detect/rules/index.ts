import { PROMPT_INJECTION_DETECTOR } from "../injection/index.js";
import type { DetectorSpec } from "../types.js";
import { FINANCIAL_DETECTORS } from "./financial.js";
import { NATIONAL_ID_DETECTORS } from "./national-id.js";
import { NETWORK_DETECTORS } from "./network.js";
import { PII_DETECTORS } from "./pii.js";
import { SECRET_DETECTORS } from "./secrets.js";

/**
 * The built-in catalogue. Each family lives in its own file; adding a detector is one entry there
 * plus its fixtures in test/fixtures/detectors/<id>/ (ok.*.txt must stay quiet, ng.*.txt must fire).
 */
export const BUILTIN_DETECTORS: readonly DetectorSpec[] = [
  ...SECRET_DETECTORS,
  ...FINANCIAL_DETECTORS,
  ...NATIONAL_ID_DETECTORS,
  ...PII_DETECTORS,
  ...NETWORK_DETECTORS,
  PROMPT_INJECTION_DETECTOR,
];
