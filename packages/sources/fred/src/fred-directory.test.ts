import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationError } from '@hotdata-dlt/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { extract, memoryLogger, ownFixture, rowsOf, runContext } from './__fixtures__/support.ts';
import { FredError } from './errors.ts';
import { fred } from './index.ts';

let dir: string;
const offline: typeof fetch = () => {
  throw new Error('fromDirectory must not use the network');
};

beforeEach(() => {
  vi.stubEnv('FRED_API_KEY', 'k'.repeat(32));
  dir = mkdtempSync(join(tmpdir(), 'fred-directory-'));
});
afterEach(() => {
  vi.unstubAllEnvs();
  rmSync(dir, { recursive: true, force: true });
});

describe('fred({ fromDirectory })', () => {
  it('finds files by fredgraph_<ID>.csv, <ID>.csv, <name>.csv and fredgraph_<ID>_*.csv, offline', async () => {
    writeFileSync(join(dir, 'fredgraph_CPIAUCSL.csv'), ownFixture('fredgraph_CPIAUCSL.csv'));
    writeFileSync(join(dir, 't10y2y.CSV'), ownFixture('fredgraph_T10Y2Y_legacy-DATE-header.csv'));
    writeFileSync(
      join(dir, 'unemployment_rate.csv'),
      'observation_date,UNRATE\n2025-09-01,4.4\n2025-10-01,\n2025-11-01,4.5\n',
    );
    writeFileSync(
      join(dir, 'fredgraph_HOUST_1959-2026.csv'),
      'observation_date,HOUST\r\n2025-09-01,1307\r\n',
    );
    mkdirSync(join(dir, 'fredgraph_RSXFS.csv')); // a directory, not a file: ignored
    const source = fred({
      fromDirectory: dir,
      fetch: offline,
      series: {
        cpi: 'CPIAUCSL',
        yield_curve_spread: 'T10Y2Y',
        unemployment_rate: 'UNRATE',
        housing_starts: 'HOUST',
      },
    });
    // The API key in the environment does not matter offline: no `series` metadata table.
    expect(source.resources.map((item) => item.name)).toEqual(['macro_indicators_raw', 'macro_wide']);
    const tables = await extract(source);
    const count = (name: string) => tables.macro_indicators_raw!.filter((row) => row.series === name).length;
    expect([
      count('cpi'),
      count('yield_curve_spread'),
      count('unemployment_rate'),
      count('housing_starts'),
    ]).toEqual([9, 10, 3, 1]);
    expect(tables.macro_indicators_raw).toContainEqual({
      date: '2025-10-01',
      series: 'unemployment_rate',
      value: null,
    });
    expect(tables.macro_wide).toEqual([]);
  });

  it('computes macro_wide from the files and honours the date bounds', async () => {
    writeFileSync(join(dir, 'CPIAUCSL.csv'), ownFixture('fredgraph_CPIAUCSL.csv'));
    writeFileSync(
      join(dir, 'MORTGAGE30US.csv'),
      'observation_date,MORTGAGE30US\n2025-08-28,6.58\n2025-09-04,6.50\n2025-09-25,6.30\n2025-10-30,6.17\n2025-11-26,6.23\n',
    );
    const source = fred({
      fromDirectory: dir,
      fetch: offline,
      series: { cpi: 'CPIAUCSL', mortgage_30yr: 'MORTGAGE30US' },
      observationStart: '2025-09-01',
    });
    expect(await rowsOf(source.resource('macro_wide'))).toEqual([
      { date: '2025-09-01', cpi: 324.245, mortgage_30yr: 6.3 },
      { date: '2025-11-01', cpi: 325.063, mortgage_30yr: 6.23 },
    ]);
  });

  it('explains a missing file, an ambiguous one and an unreadable directory', async () => {
    writeFileSync(
      join(dir, 'fredgraph_PAYEMS_1939-2024.csv'),
      'observation_date,PAYEMS\n2024-12-01,159000\n',
    );
    writeFileSync(join(dir, 'fredgraph_PAYEMS_2026.csv'), 'observation_date,PAYEMS\n2026-01-01,158000\n');
    const raw = (series: Record<string, string>, directory = dir) =>
      rowsOf(fred({ fromDirectory: directory, fetch: offline, series }).resource('macro_indicators_raw'));

    const missing = await raw({ cpi: 'CPIAUCSL' }).catch((error: unknown) => error);
    expect(FredError.isInstance(missing) && missing.kind).toBe('not_found');
    expect((missing as Error).message).toMatch(
      /No file for series CPIAUCSL \(cpi\) in '.*': looked for fredgraph_CPIAUCSL\.csv, CPIAUCSL\.csv, cpi\.csv/,
    );
    await expect(raw({ nonfarm_payroll: 'PAYEMS' })).rejects.toThrow(
      /several files .* match series PAYEMS \(nonfarm_payroll\): fredgraph_PAYEMS_1939-2024\.csv, fredgraph_PAYEMS_2026\.csv/,
    );
    await expect(raw({ cpi: 'CPIAUCSL' }, join(dir, 'nope'))).rejects.toThrow(ConfigurationError);
    await expect(raw({ cpi: 'CPIAUCSL' }, join(dir, 'nope'))).rejects.toThrow(
      /fromDirectory '.*nope' cannot be read \(ENOENT\)/,
    );
  });

  it("skips a series without a file under onSeriesError: 'skip'", async () => {
    writeFileSync(join(dir, 'CPIAUCSL.csv'), ownFixture('fredgraph_CPIAUCSL.csv'));
    const logger = memoryLogger();
    const source = fred({
      fromDirectory: dir,
      fetch: offline,
      series: { cpi: 'CPIAUCSL', unemployment_rate: 'UNRATE' },
      onSeriesError: 'skip',
    });
    const tables = await extract(source, runContext({ logger }));
    expect(tables.macro_indicators_raw).toHaveLength(9);
    expect(tables.macro_wide).toEqual([]);
    expect(
      logger.lines
        .filter((line) => line.level === 'warn')
        .map((line) => line.fields?.seriesId ?? line.fields?.failed),
    ).toEqual(['UNRATE', ['unemployment_rate']]);
  });
});
