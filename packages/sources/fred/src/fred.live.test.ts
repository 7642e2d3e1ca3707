// Live test against the real FRED API: runs when FRED_API_KEY is set, skips with a printed reason otherwise.
import { describe, expect, it } from 'vitest';
import { extract } from './__fixtures__/support.ts';
import { FredError } from './errors.ts';
import { fred } from './index.ts';

const apiKey = process.env.FRED_API_KEY?.trim();
const reason = apiKey
  ? undefined
  : 'FRED_API_KEY is not set (get a free key at https://fred.stlouisfed.org/docs/api/api_key.html)';
if (reason) console.log(`fred.live.test.ts skipped: ${reason}`);

describe.skipIf(reason)(`live FRED API${reason ? ` (skipped: ${reason})` : ''}`, () => {
  it('loads two series, their metadata and macro_wide from the real API', async () => {
    const source = fred({
      apiKey,
      series: { unemployment_rate: 'UNRATE', yield_curve_spread: 'T10Y2Y' },
      observationStart: '2023-01-01',
    });
    const tables = await extract(source);
    const raw = tables.macro_indicators_raw!;
    expect(raw.filter((row) => row.series === 'unemployment_rate').length).toBeGreaterThan(20);
    expect(raw.filter((row) => row.series === 'yield_curve_spread').length).toBeGreaterThan(400);
    expect(raw.every((row) => row.value === null || typeof row.value === 'number')).toBe(true);
    expect(raw.every((row) => (row.date as string) >= '2023-01-01')).toBe(true);
    expect(tables.series!.map((row) => row.series_id)).toEqual(['UNRATE', 'T10Y2Y']);
    expect(tables.series![0]!.title).toMatch(/Unemployment Rate/);
    expect(tables.series![0]!.last_updated).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.000Z$/);
    expect(tables.macro_wide![0]!.date).toBe('2023-01-01');
  });

  it('reports an unregistered key as an auth error', async () => {
    const wrong = '0'.repeat(32);
    const source = fred({ apiKey: wrong, series: ['UNRATE'] });
    const error = await extract(source.withResources('macro_indicators_raw')).catch(
      (caught: unknown) => caught,
    );
    expect(FredError.isInstance(error) && error.kind).toBe('auth');
    expect((error as Error).message).not.toContain(wrong);
  });
});
