// fred() end to end: pipeline().run into a real hotdata-local through the hotdata() destination, fed by
// the FRED replay server (API JSON, fredgraph.csv in both header formats) or CSV files on disk, with
// nothing from ../shared. Results are read back with SQL.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hotdata } from '@hotdata-dlt/destination-hotdata';
import { type Pipeline, pipeline } from '@hotdata-dlt/pipeline';
import { type FredReplaySeries, startFredReplayServer, useHotdataLocal } from '@hotdata-dlt/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { generatedNineSeries, ownFixture, virtualClock } from './__fixtures__/support.ts';
import { FRED_DEFAULT_SERIES, fred } from './index.ts';

const local = useHotdataLocal();

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  vi.unstubAllEnvs();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

let databases = 0;
function newPipeline(): Pipeline {
  const workingDir = mkdtempSync(join(tmpdir(), 'fred-e2e-'));
  cleanups.push(() => rmSync(workingDir, { recursive: true, force: true }));
  databases += 1;
  return pipeline({
    pipelineName: 'fred_macro',
    workingDir,
    destination: hotdata({
      apiUrl: local().url,
      apiKey: local().token,
      workspaceId: local().workspaceId,
      databaseName: `fred_e2e_${databases}`,
      retryBackoffSeconds: 0.01,
    }),
  });
}

type Observations = ReadonlyArray<{ date: string; value: number | null }>;
type SeriesData = Record<string, FredReplaySeries>;

function observationsOf(data: SeriesData, id: string): Observations {
  return (data[id]!.observations ?? []).map(({ date, value }) => ({
    date,
    value: value === null || value === '' || value === '.' ? null : Number(value),
  }));
}

/** `YYYY-MM-DD` of a date as the dataset returns it (a Date at UTC midnight). */
function day(value: unknown): string {
  return value instanceof Date ? value.toISOString().slice(0, 10) : String(value);
}

/** Every raw row the fixture holds, in the order the query below returns them. */
function expectedRaw(data: SeriesData, names: Record<string, string>) {
  return Object.entries(names)
    .flatMap(([series, id]) => observationsOf(data, id).map(({ date, value }) => ({ series, date, value })))
    .sort((a, b) => (a.series === b.series ? a.date.localeCompare(b.date) : a.series < b.series ? -1 : 1));
}

/**
 * macro_wide computed here from the fixture: for each series the value of its latest dated observation
 * with a value in each calendar month (put on the month's first day), then only the months every series
 * has.
 */
function expectedWide(
  data: SeriesData,
  names: Record<string, string>,
): Array<Record<string, string | number>> {
  const monthly = Object.entries(names).map(([name, id]) => {
    const latest: Record<string, { date: string; value: number }> = {};
    for (const { date, value } of observationsOf(data, id)) {
      if (value === null) continue;
      const month = `${date.slice(0, 7)}-01`;
      if (!latest[month] || latest[month].date < date) latest[month] = { date, value };
    }
    return { name, latest };
  });
  const months = Object.keys(monthly[0]!.latest)
    .filter((month) => monthly.every(({ latest }) => month in latest))
    .sort();
  return months.map((month) => ({
    date: month,
    ...Object.fromEntries(monthly.map(({ name, latest }) => [name, latest[month]!.value])),
  }));
}

async function rawRows(p: Pipeline) {
  const rows = await p
    .dataset()
    .sql('select series, date, value from macro_indicators_raw order by series, date')
    .toRows();
  return rows.map((row) => ({ series: row.series, date: day(row.date), value: row.value }));
}

async function wideRows(p: Pipeline, names: Record<string, string>) {
  const columns = Object.keys(names).join(', ');
  const rows = await p.dataset().sql(`select date, ${columns} from macro_wide order by date`).toRows();
  return rows.map((row) => ({ ...row, date: day(row.date) }));
}

async function duplicateKeys(p: Pipeline, table: string, key: string) {
  return p
    .dataset()
    .sql(`select ${key}, count(*) as n from ${table} group by ${key} having count(*) > 1`)
    .toRows();
}

describe('fred() into hotdata-local', () => {
  it('loads the API JSON, then overwrites revised values in place on the next run', async () => {
    const data = generatedNineSeries();
    const server = await startFredReplayServer({ series: data });
    cleanups.push(() => server.close());
    const source = () => fred({ apiKey: server.apiKey, baseUrl: server.url, clock: virtualClock() });
    const p = newPipeline();

    const first = await p.run(source());
    expect(first.packages.map((item) => item.status)).toEqual(['loaded']);
    expect(server.requestsTo('/fred/series/observations')).toHaveLength(9);
    expect(server.requestsTo('/graph/fredgraph.csv')).toHaveLength(0);

    const raw = expectedRaw(data, FRED_DEFAULT_SERIES);
    expect(raw.some((row) => row.value === null)).toBe(true); // missing values are kept as null
    expect(await rawRows(p)).toEqual(raw);
    const wide = expectedWide(data, FRED_DEFAULT_SERIES);
    // The inner join starts when retail sales do (1992-01) and skips the month housing starts miss.
    expect(wide).toHaveLength(23);
    expect(wide.map((row) => row.date)).not.toContain('1993-03-01');
    expect(await wideRows(p, FRED_DEFAULT_SERIES)).toEqual(wide);

    const series = await p
      .dataset()
      .sql(
        'select series, series_id, title, frequency_short, observation_start, observation_end from series order by series',
      )
      .toRows();
    expect(
      series.map((row) => ({
        ...row,
        observation_start: day(row.observation_start),
        observation_end: day(row.observation_end),
      })),
    ).toEqual(
      Object.entries(FRED_DEFAULT_SERIES)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, id]) => {
          const dates = observationsOf(data, id).map((item) => item.date);
          return {
            series: name,
            series_id: id,
            title: `Replayed series ${id}`,
            frequency_short: id === 'MORTGAGE30US' ? 'W' : id === 'T10Y2Y' ? 'D' : 'M',
            observation_start: dates[0],
            observation_end: dates.at(-1),
          };
        }),
    );

    // FRED revises: CPI's last three months change, a daily spread value that closes a month changes
    // (moving macro_wide), and one that was published is withdrawn.
    const revised = generatedNineSeries();
    const cpi = revised.CPIAUCSL!.observations!.map((item) =>
      item.date >= '1993-10-01' ? { ...item, value: Number(item.value) + 0.5 } : item,
    );
    const spread = revised.T10Y2Y!.observations!.map((item) =>
      item.date === '1993-06-30'
        ? { ...item, value: -1.25 }
        : item.date === '1993-06-29'
          ? { ...item, value: null }
          : item,
    );
    revised.CPIAUCSL = { observations: cpi };
    revised.T10Y2Y = { observations: spread };
    server.setSeries('CPIAUCSL', revised.CPIAUCSL);
    server.setSeries('T10Y2Y', revised.T10Y2Y);

    const second = await p.run(source());
    const secondLoad = second.loadIds[0];
    expect(await rawRows(p)).toEqual(expectedRaw(revised, FRED_DEFAULT_SERIES));
    expect(await duplicateKeys(p, 'macro_indicators_raw', 'series, date')).toEqual([]);
    const [count] = await p.dataset().sql('select count(*) as n from macro_indicators_raw').toRows();
    expect(count?.n).toBe(raw.length);
    const revisedRows = await p
      .dataset()
      .sql(
        "select series, date, value, _dlt_load_id from macro_indicators_raw where (series = 'cpi' and date >= date '1993-10-01') or (series = 'yield_curve_spread' and date in (date '1993-06-29', date '1993-06-30')) order by series, date",
      )
      .toRows();
    expect(revisedRows.map((row) => [row.series, day(row.date), row.value, row._dlt_load_id])).toEqual([
      ['cpi', '1993-10-01', Number(data.CPIAUCSL!.observations![45]!.value) + 0.5, secondLoad],
      ['cpi', '1993-11-01', Number(data.CPIAUCSL!.observations![46]!.value) + 0.5, secondLoad],
      ['cpi', '1993-12-01', Number(data.CPIAUCSL!.observations![47]!.value) + 0.5, secondLoad],
      ['yield_curve_spread', '1993-06-29', null, secondLoad],
      ['yield_curve_spread', '1993-06-30', -1.25, secondLoad],
    ]);

    const revisedWide = expectedWide(revised, FRED_DEFAULT_SERIES);
    expect(revisedWide.find((row) => row.date === '1993-06-01')?.yield_curve_spread).toBe(-1.25);
    expect(await wideRows(p, FRED_DEFAULT_SERIES)).toEqual(revisedWide);
    expect(await duplicateKeys(p, 'macro_wide', 'date')).toEqual([]);
    expect(await duplicateKeys(p, 'series', 'series')).toEqual([]);
  });

  it.each([
    ['current', 'observation_date'],
    ['legacy', 'DATE'],
  ] as const)('loads fredgraph.csv without a key (%s header: %s)', async (csvFormat, header) => {
    const data = generatedNineSeries();
    const server = await startFredReplayServer({ series: data, csvFormat });
    cleanups.push(() => server.close());
    const served = await (await fetch(`${server.url}/graph/fredgraph.csv?id=T10Y2Y`)).text();
    expect(served.split('\n')[0]).toBe(`${header},T10Y2Y`);
    const p = newPipeline();
    // No key, so the source picks the fredgraph.csv download (a developer's own key must not switch it).
    vi.stubEnv('FRED_API_KEY', '');

    await p.run(fred({ csvBaseUrl: server.url, clock: virtualClock() }));
    expect(server.requestsTo('/graph/fredgraph.csv')).toHaveLength(1 + 9);
    expect(server.requestsTo('/fred/series/observations')).toHaveLength(0);
    expect(await rawRows(p)).toEqual(expectedRaw(data, FRED_DEFAULT_SERIES));
    expect(await wideRows(p, FRED_DEFAULT_SERIES)).toEqual(expectedWide(data, FRED_DEFAULT_SERIES));
    // Without a key there is no metadata: the series table is not created.
    await expect(p.dataset().sql('select count(*) from series').toRows()).rejects.toThrow(
      /series does not exist/,
    );
  });

  it('loads recorded fredgraph files of both header formats from a directory', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'fred-e2e-files-'));
    cleanups.push(() => rmSync(directory, { recursive: true, force: true }));
    writeFileSync(join(directory, 'fredgraph_CPIAUCSL.csv'), ownFixture('fredgraph_CPIAUCSL.csv'));
    writeFileSync(
      join(directory, 'fredgraph_T10Y2Y_legacy-DATE-header.csv'),
      ownFixture('fredgraph_T10Y2Y_legacy-DATE-header.csv'),
    );
    const p = newPipeline();
    const names = { cpi: 'CPIAUCSL', yield_curve_spread: 'T10Y2Y' };

    await p.run(fred({ series: names, fromDirectory: directory }));
    const rows = await rawRows(p);
    expect(rows).toHaveLength(9 + 10);
    expect(rows.filter((row) => row.series === 'cpi').slice(4, 7)).toEqual([
      { series: 'cpi', date: '2025-09-01', value: 324.245 },
      { series: 'cpi', date: '2025-10-01', value: null },
      { series: 'cpi', date: '2025-11-01', value: 325.063 },
    ]);
    expect(rows.filter((row) => row.series === 'yield_curve_spread').slice(3, 7)).toEqual([
      { series: 'yield_curve_spread', date: '2022-06-30', value: 0.06 },
      { series: 'yield_curve_spread', date: '2022-07-01', value: 0.04 },
      { series: 'yield_curve_spread', date: '2022-07-04', value: null },
      { series: 'yield_curve_spread', date: '2022-07-05', value: -0.04 },
    ]);
  });
});
