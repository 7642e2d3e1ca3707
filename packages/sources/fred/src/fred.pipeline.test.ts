// The source through @hotdata-dlt/pipeline's extract and normalize steps (no destination needed): the
// schema the pipeline derives from the source's hints, and one download per series per run.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from '@hotdata-dlt/pipeline';
import { type FredReplayServer, startFredReplayServer } from '@hotdata-dlt/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generatedNineSeries, virtualClock } from './__fixtures__/support.ts';
import { fred } from './index.ts';

let server: FredReplayServer;
let workingDir: string;
beforeEach(async () => {
  server = await startFredReplayServer({ series: generatedNineSeries() });
  workingDir = mkdtempSync(join(tmpdir(), 'fred-pipeline-'));
});
afterEach(async () => {
  await server.close();
  rmSync(workingDir, { recursive: true, force: true });
});

describe('fred() in a pipeline', () => {
  it('extracts and normalizes the three tables with typed, keyed merge schemas', async () => {
    const p = pipeline({ pipelineName: 'fred_macro', workingDir });
    const source = fred({ apiKey: server.apiKey, baseUrl: server.url, clock: virtualClock() });
    const extracted = await p.extract(source);
    const data = generatedNineSeries();
    const observations = Object.values(data).reduce((sum, item) => sum + item.observations!.length, 0);
    expect(extracted.resources).toEqual([
      { name: 'macro_indicators_raw', items: observations },
      { name: 'series', items: 9 },
      { name: 'macro_wide', items: 23 },
    ]);
    const normalized = await p.normalize();
    expect(normalized.tables.map((table) => [table.table, table.rows])).toEqual([
      ['macro_indicators_raw', observations],
      ['series', 9],
      ['macro_wide', 23],
      ['_dlt_pipeline_state', 1],
    ]);

    const tables = p.defaultSchema!.toStored().tables;
    expect(p.defaultSchema!.name).toBe('fred');
    const raw = tables.macro_indicators_raw!;
    expect(raw.write_disposition).toBe('merge');
    expect(raw['x-merge-strategy']).toBe('upsert');
    expect(raw.columns.date).toMatchObject({ data_type: 'date', nullable: false, primary_key: true });
    expect(raw.columns.series).toMatchObject({ data_type: 'text', nullable: false, primary_key: true });
    expect(raw.columns.value).toMatchObject({ data_type: 'double', nullable: true });
    expect(raw.columns.date__v_text).toBeUndefined(); // 'YYYY-MM-DD' strings coerce to the date column
    const wide = tables.macro_wide!;
    expect(Object.keys(wide.columns).filter((name) => !name.startsWith('_dlt'))).toEqual([
      'date',
      'cpi',
      'fed_funds_rate',
      'unemployment_rate',
      'housing_starts',
      'industrial_production',
      'mortgage_30yr',
      'nonfarm_payroll',
      'retail_sales',
      'yield_curve_spread',
    ]);
    // Integer-valued series (payrolls) still land in double columns.
    expect(wide.columns.nonfarm_payroll?.data_type).toBe('double');
    expect(tables.series!.columns.last_updated?.data_type).toBe('timestamp');

    // Two resources read the observations, yet each series was downloaded once; a second run of the same
    // source instance (as a scheduler would do) downloads again instead of reusing the first run's data.
    expect(server.requestsTo('/fred/series/observations')).toHaveLength(9);
    await p.extract(source);
    expect(server.requestsTo('/fred/series/observations')).toHaveLength(18);
  });
});
