import type { DetectorSpec } from "../types.js";

export const FINANCIAL_DETECTORS: DetectorSpec[] = [];
