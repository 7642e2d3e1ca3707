// Second layer: the real recorded FRED responses in ../shared/fixtures/fred (see shared/fixtures/SOURCES.md),
// read in place and replayed; skipped with a printed reason when the folder is absent.
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  FRED_RECORDED_FILES,
  type FredReplaySeries,
  type FredReplayServer,
  sharedFixture,
  sharedFixturesSkipReason,
  startFredReplayServer,
} from '@hotdata-dlt/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { expectedMacroWide, upsertInto } from './__fixtures__/expected.ts';
import { extract, rowsOf, virtualClock } from './__fixtures__/support.ts';
import { FRED_DEFAULT_SERIES, fred } from './index.ts';
import { parseFredgraphCsv } from './internal/csv.ts';

const FILES = FRED_RECORDED_FILES;
const LEGACY_T10Y2Y = 'fredgraph_T10Y2Y_legacy-DATE-header_1976-2022.csv';
const PAYEMS_FULL = 'fredgraph_PAYEMS_1939-2024.csv';
const UNRATE_JSON = 'api_series_observations_UNRATE.json';

const reason = sharedFixturesSkipReason(
  ...[...Object.values(FILES), LEGACY_T10Y2Y, PAYEMS_FULL, UNRATE_JSON].map((file) => `fred/${file}`),
);
if (reason) console.log(`fred.recorded.test.ts skipped: ${reason}`);

const read = (file: string) => readFileSync(sharedFixture('fred', file)!, 'utf8');

/** The test's own reading of a fredgraph CSV (independent of the source's parser). */
function observationsOf(file: string): Array<{ date: string; value: number | null }> {
  return read(file)
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => {
      const [date, value] = line.trim().split(',');
      return { date: date!, value: value === '' || value === '.' ? null : Number.parseFloat(value!) };
    });
}

type Row = Record<string, unknown>;

describe.skipIf(reason)(`recorded FRED responses${reason ? ` (skipped: ${reason})` : ''}`, () => {
  let server: FredReplayServer;
  beforeAll(async () => {
    const series: Record<string, FredReplaySeries> = {};
    for (const [id, file] of Object.entries(FILES)) series[id] = { csv: read(file) };
    server = await startFredReplayServer({ series });
  });
  afterAll(() => server?.close());
  beforeEach(() => vi.stubEnv('FRED_API_KEY', ''));
  afterEach(() => vi.unstubAllEnvs());

  it('parses every recorded CSV in both header formats with the documented counts', () => {
    const expected: Array<[string, number, number, string, string]> = [
      [FILES.CPIAUCSL, 949, 1, '1947-01-01', '2026-01-01'],
      [FILES.UNRATE, 937, 1, '1948-01-01', '2026-01-01'],
      [FILES.T10Y2Y, 1304, 54, '2021-02-16', '2026-02-13'],
      [FILES.MORTGAGE30US, 1374, 0, '2000-01-07', '2026-04-30'],
      [LEGACY_T10Y2Y, 12029, 506, '1976-06-01', '2022-07-08'],
      [FILES.PAYEMS, 607, 0, '1976-01-01', '2026-07-01'],
      [PAYEMS_FULL, 1032, 0, '1939-01-01', '2024-12-01'],
      [FILES.RSXFS, 413, 0, '1992-01-01', '2026-05-01'],
      [FILES.HOUST, 809, 0, '1959-01-01', '2026-05-01'],
      [FILES.FEDFUNDS, 864, 0, '1954-07-01', '2026-06-01'],
      [FILES.INDPRO, 1285, 0, '1919-01-01', '2026-01-01'],
    ];
    for (const [file, rows, missing, first, last] of expected) {
      const id = /fredgraph_([A-Z0-9]+)/.exec(file)![1]!;
      const parsed = parseFredgraphCsv(read(file), { id, name: id.toLowerCase(), origin: file });
      expect([file, parsed.length, parsed.filter((row) => row.value === null).length]).toEqual([
        file,
        rows,
        missing,
      ]);
      expect([parsed[0]!.date, parsed.at(-1)!.date]).toEqual([first, last]);
      expect(parsed.map((row) => row.value)).toEqual(observationsOf(file).map((row) => row.value));
    }
  });

  it('CSV mode: macro_wide of the nine series equals an independent computation over the recorded files', async () => {
    const source = fred({ csvBaseUrl: server.url });
    const tables = await extract(source);
    const expected = expectedMacroWide(
      Object.entries(FRED_DEFAULT_SERIES).map(([name, id]) => ({
        name,
        observations: observationsOf(FILES[id as keyof typeof FILES]),
      })),
    );
    const wide = tables.macro_wide!;
    expect(wide).toEqual(expected);
    expect(wide.length).toBeGreaterThan(50);
    expect(wide[0]!.date).toBe('2021-02-01'); // the recorded T10Y2Y file starts 2021-02-16
    expect(wide.map((row) => row.date)).not.toContain('2025-10-01'); // CPI and UNRATE have no October 2025
    expect(wide.find((row) => row.date === '2021-05-01')!.yield_curve_spread).toBe(1.44); // 05-31 was a holiday
    expect(tables.macro_indicators_raw).toHaveLength(
      Object.values(FILES).reduce((sum, file) => sum + observationsOf(file).length, 0),
    );
  });

  it("CSV mode: four series reproduce pandas' result from shared/sources/fred.md", async () => {
    const source = fred({
      csvBaseUrl: server.url,
      series: ['MORTGAGE30US', 'T10Y2Y', 'CPIAUCSL', 'UNRATE'],
    });
    const wide = await rowsOf<Row>(source.resource('macro_wide'));
    expect(wide).toHaveLength(59);
    expect(wide[0]).toEqual({
      date: '2021-02-01',
      mortgage30us: 2.97,
      t10y2y: 1.3,
      cpiaucsl: 263.579,
      unrate: 6.2,
    });
    expect(wide.at(-1)!.date).toBe('2026-01-01');
    expect(wide.map((row) => row.date)).not.toContain('2025-10-01');
  });

  it('fromDirectory: with full-history files macro_wide starts in 1992-01, when retail sales start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fred-recorded-'));
    try {
      const files: Record<string, string> = { ...FILES, T10Y2Y: LEGACY_T10Y2Y, PAYEMS: PAYEMS_FULL };
      for (const [id, file] of Object.entries(files))
        symlinkSync(sharedFixture('fred', file)!, join(dir, `${id}.csv`));
      // The recorded mortgage file starts in 2000, so it is left out; every other series starts before 1992.
      const { mortgage_30yr: _left, ...series } = FRED_DEFAULT_SERIES;
      const source = fred({ fromDirectory: dir, series });
      const wide = await rowsOf<Row>(source.resource('macro_wide'));
      const expected = expectedMacroWide(
        Object.entries(series).map(([name, id]) => ({ name, observations: observationsOf(files[id]!) })),
      );
      expect(wide).toEqual(expected);
      expect(wide[0]!.date).toBe('1992-01-01');
      expect(wide.at(-1)!.date).toBe('2022-07-01'); // the legacy T10Y2Y file ends 2022-07-08
      expect(wide).toHaveLength((2022 - 1992) * 12 + 7);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('API mode: both transports give the same observations for the same recorded data', async () => {
    const viaApi = await rowsOf<Row>(
      fred({ apiKey: server.apiKey, baseUrl: server.url, clock: virtualClock() }).resource(
        'macro_indicators_raw',
      ),
    );
    const viaCsv = await rowsOf<Row>(fred({ csvBaseUrl: server.url }).resource('macro_indicators_raw'));
    expect(viaApi).toEqual(viaCsv);
  });

  it('API mode: a reload of the February-2026 CSV vintage overwrites the revised 2025-11-20 API values', async () => {
    const unrate = await startFredReplayServer({ series: { UNRATE: { apiJson: read(UNRATE_JSON) } } });
    try {
      const options = {
        apiKey: unrate.apiKey,
        baseUrl: unrate.url,
        clock: virtualClock(),
        series: { unemployment_rate: 'UNRATE' },
        observationStart: '2000-01-01',
      };
      const first = fred(options).resource('macro_indicators_raw');
      const firstRows = await rowsOf<Row>(first);
      const recorded = JSON.parse(read(UNRATE_JSON)) as {
        observations: Array<{ date: string; value: string }>;
      };
      expect(firstRows.map((row) => [row.date, row.value])).toEqual(
        recorded.observations.map((item) => [item.date, Number(item.value)]),
      );
      expect(firstRows).toHaveLength(309);
      const table = upsertInto(new Map(), firstRows, first.hints.primaryKey);
      expect(table.get(JSON.stringify(['unemployment_rate', '2021-11-01']))?.value).toBe(4.2);

      unrate.setSeries('UNRATE', { csv: read(FILES.UNRATE) }); // the later vintage
      const second = fred(options).resource('macro_indicators_raw');
      const secondRows = await rowsOf<Row>(second);
      const changed = secondRows.filter((row) => {
        const before = table.get(JSON.stringify([row.series, row.date]));
        return before !== undefined && before.value !== row.value;
      });
      upsertInto(table, secondRows, second.hints.primaryKey);
      expect(
        changed.filter((row) => (row.date as string) <= '2025-09-01' && row.value !== null),
      ).toHaveLength(7);
      expect(table.get(JSON.stringify(['unemployment_rate', '2021-11-01']))?.value).toBe(4.1);
      expect(table.size).toBe(secondRows.length); // revised in place: no duplicate keys
    } finally {
      await unrate.close();
    }
  });
});
