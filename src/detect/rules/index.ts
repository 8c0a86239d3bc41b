import type { DetectorSpec } from "../types.js";
import { PII_DETECTORS } from "./pii.js";
import { SECRET_DETECTORS } from "./secrets.js";

/**
 * The built-in catalogue. Each family lives in its own file; adding a detector is one entry there
 * plus its fixtures in test/fixtures/detectors/<id>/ (ok.*.txt must stay quiet, ng.*.txt must fire).
 */
export const BUILTIN_DETECTORS: readonly DetectorSpec[] = [...SECRET_DETECTORS, ...PII_DETECTORS];
