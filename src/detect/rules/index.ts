import { PROMPT_INJECTION_DETECTOR } from "../injection/index.js";
import type { DetectorSpec } from "../types.js";
import { FINANCIAL_DETECTORS } from "./financial.js";
import { NATIONAL_ID_DETECTORS } from "./national-id.js";
import { NETWORK_DETECTORS } from "./network.js";
import { PII_DETECTORS } from "./pii.js";
import { SECRET_DETECTORS } from "./secrets.js";
import { AI_SECRET_DETECTORS } from "./secrets-ai.js";
import { CLOUD_SECRET_DETECTORS } from "./secrets-cloud.js";
import { GENERIC_SECRET_DETECTORS } from "./secrets-generic.js";
import { SAAS_SECRET_DETECTORS } from "./secrets-saas.js";

/**
 * The built-in catalogue. Each family lives in its own file; adding a detector is one entry there
 * plus its fixtures in test/fixtures/detectors/<id>/ (ok.*.txt must stay quiet, ng.*.txt must fire).
 * Credentials span several files (secrets*.ts): vendor tokens first, the generic judgements last.
 */
export const BUILTIN_DETECTORS: readonly DetectorSpec[] = [
  ...SECRET_DETECTORS,
  ...CLOUD_SECRET_DETECTORS,
  ...SAAS_SECRET_DETECTORS,
  ...AI_SECRET_DETECTORS,
  ...GENERIC_SECRET_DETECTORS,
  ...FINANCIAL_DETECTORS,
  ...NATIONAL_ID_DETECTORS,
  ...PII_DETECTORS,
  ...NETWORK_DETECTORS,
  PROMPT_INJECTION_DETECTOR,
];
