import type { DetectorSpec } from "../types.js";

export const NATIONAL_ID_DETECTORS: DetectorSpec[] = [];
