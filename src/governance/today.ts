/**
 * Today's date (YYYY-MM-DD) for approval records and review deadlines. POLICYGATE_TODAY pins it, so
 * CI output and tests do not change with the calendar.
 */
export function today(env: Record<string, string | undefined> = process.env): string {
  const pinned = env.POLICYGATE_TODAY;
  if (pinned && /^\d{4}-\d{2}-\d{2}$/.test(pinned)) return pinned;
  return new Date().toISOString().slice(0, 10);
}

/** Whole days from `from` to `to` (both dates or timestamps). */
export function daysBetween(from: string, to: string): number {
  return Math.floor((Date.parse(to.slice(0, 10)) - Date.parse(from.slice(0, 10))) / 86_400_000);
}
