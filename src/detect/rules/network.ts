import type { DetectorSpec } from "../types.js";

export const NETWORK_DETECTORS: DetectorSpec[] = [];
