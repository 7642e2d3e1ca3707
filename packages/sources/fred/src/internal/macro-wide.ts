import type { Observation } from './observation.ts';

/** A row of `macro_wide`: `date` (`YYYY-MM-01`) and one number per series name. */
export type MacroWideRow = { date: string } & Record<string, string | number>;

/**
 * Resamples a series to months: for every calendar month, the last observation with a value, labelled
 * with the month's first day (pandas `resample('MS').last()` followed by `dropna()`). Monthly series
 * pass through; weekly and daily ones keep their last reading of the month.
 */
export function lastValuePerMonth(observations: readonly Observation[]): Map<string, number> {
  const latest = new Map<string, Observation>();
  for (const observation of observations) {
    if (observation.value === null) continue;
    const month = `${observation.date.slice(0, 7)}-01`;
    const current = latest.get(month);
    if (current === undefined || observation.date >= current.date) latest.set(month, observation);
  }
  return new Map([...latest].map(([month, observation]) => [month, observation.value as number]));
}

/**
 * One row per month that every series has (an inner join of the monthly resamples), ascending, with a
 * column per series name in the given order.
 */
export function macroWideRows(
  series: ReadonlyArray<{ name: string; observations: readonly Observation[] }>,
): MacroWideRow[] {
  if (series.length === 0) return [];
  const monthly = series.map((item) => ({ name: item.name, months: lastValuePerMonth(item.observations) }));
  const [first, ...rest] = monthly;
  const months = [...first!.months.keys()].filter((month) => rest.every((item) => item.months.has(month)));
  months.sort();
  return months.map((month) => {
    const row: MacroWideRow = { date: month };
    for (const item of monthly) row[item.name] = item.months.get(month)!;
    return row;
  });
}
