/** The four data classes of the policy, lowest to highest sensitivity. */
export const DATA_CLASSES = ["public", "internal", "confidential", "restricted"] as const;
export type DataClass = (typeof DATA_CLASSES)[number];

const RANK: Record<DataClass, number> = { public: 0, internal: 1, confidential: 2, restricted: 3 };

export function classRank(c: DataClass): number {
  return RANK[c];
}

/** The more sensitive of two classes. */
export function maxClass(a: DataClass, b: DataClass): DataClass {
  return RANK[a] >= RANK[b] ? a : b;
}

/** True when `c` is strictly more sensitive than `limit`. */
export function exceeds(c: DataClass, limit: DataClass): boolean {
  return RANK[c] > RANK[limit];
}

export function isDataClass(v: unknown): v is DataClass {
  return typeof v === "string" && v in RANK;
}
