// An independent computation of macro_wide for tests: a different algorithm from the source's (walk each
// series newest-first and keep the first value seen per month; count months across series).

interface Observation {
  date: string;
  value: number | null;
}

export function expectedMacroWide(
  series: ReadonlyArray<{ name: string; observations: readonly Observation[] }>,
): Array<Record<string, string | number>> {
  const perSeries = series.map(({ name, observations }) => {
    const newestFirst = [...observations].sort((a, b) => (a.date < b.date ? 1 : a.date > b.date ? -1 : 0));
    const months: Record<string, number> = {};
    for (const { date, value } of newestFirst) {
      if (value === null || Number.isNaN(value)) continue;
      const month = `${date.slice(0, 8)}01`;
      if (!(month in months)) months[month] = value;
    }
    return { name, months };
  });
  const seen: Record<string, number> = {};
  for (const { months } of perSeries)
    for (const month of Object.keys(months)) seen[month] = (seen[month] ?? 0) + 1;
  return Object.keys(seen)
    .filter((month) => seen[month] === perSeries.length)
    .sort()
    .map((month) => {
      const row: Record<string, string | number> = { date: month };
      for (const { name, months } of perSeries) row[name] = months[month]!;
      return row;
    });
}

/** Applies rows to a table keyed by `primaryKey` the way a merge/upsert load does (last write wins). */
export function upsertInto(
  table: Map<string, Record<string, unknown>>,
  rows: ReadonlyArray<Record<string, unknown>>,
  primaryKey: string | string[] | undefined,
): Map<string, Record<string, unknown>> {
  if (primaryKey === undefined) throw new Error('the resource declares no primary key');
  const keys = Array.isArray(primaryKey) ? primaryKey : [primaryKey];
  for (const row of rows) table.set(JSON.stringify(keys.map((key) => row[key])), row);
  return table;
}
