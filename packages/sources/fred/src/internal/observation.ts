/** One observation: `date` is `YYYY-MM-DD`, `value` null when FRED has none (`.` or an empty field). */
export interface Observation {
  date: string;
  value: number | null;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** True for a `YYYY-MM-DD` string. */
export function isIsoDate(value: unknown): value is string {
  return typeof value === 'string' && ISO_DATE.test(value);
}

/**
 * FRED's text of a value as a number: `.` (API, legacy CSV) and the empty field (current CSV) are
 * missing; anything else must be a finite number. Returns `undefined` for text that is neither.
 */
export function parseFredValue(text: string): number | null | undefined {
  const trimmed = text.trim();
  if (trimmed === '' || trimmed === '.') return null;
  const value = Number(trimmed);
  return Number.isFinite(value) ? value : undefined;
}

/** Keeps the observations inside `[start, end]` (either bound optional). */
export function withinRange(
  observations: Observation[],
  start: string | undefined,
  end: string | undefined,
): Observation[] {
  if (start === undefined && end === undefined) return observations;
  return observations.filter(
    (observation) =>
      (start === undefined || observation.date >= start) && (end === undefined || observation.date <= end),
  );
}
