import {
  type AnyResource,
  type ColumnHints,
  type DltSource,
  type ResourceContext,
  resource,
  source,
} from '@hotdata-dlt/core';
import { type FredOptions, type ResolvedFredConfig, resolveFredConfig, type SeriesSpec } from './config.ts';
import type { SeriesMetadataRow } from './internal/api.ts';
import { FredRun } from './internal/fred-run.ts';
import { type MacroWideRow, macroWideRows } from './internal/macro-wide.ts';
import type { Observation } from './internal/observation.ts';
import { RateLimiter } from './internal/rate-limiter.ts';

/** A row of `macro_indicators_raw`: one observation of one series at its native frequency. */
export interface FredObservationRow {
  /** `YYYY-MM-DD`: the period start (monthly), the week's date (weekly) or the day (daily). */
  date: string;
  /** The friendly series name (`cpi`), not the FRED id. */
  series: string;
  /** `null` when FRED has no value for the date (kept unless `missingValues: 'drop'`). */
  value: number | null;
}

/** A row of the `series` table (API mode). */
export type FredSeriesRow = SeriesMetadataRow;

/** A row of `macro_wide`: `date` (`YYYY-MM-01`) and one number per series name. */
export type FredMacroWideRow = MacroWideRow;

const upsert = { disposition: 'merge', strategy: 'upsert' } as const;

/** Settles a series' download; `undefined` when it failed and failures are skipped (warned once per run). */
async function settle<T>(
  pending: Promise<T>,
  spec: SeriesSpec,
  config: ResolvedFredConfig,
  run: FredRun,
  data: 'observations' | 'metadata',
): Promise<{ value: T } | undefined> {
  try {
    return { value: await pending };
  } catch (error) {
    if (config.onSeriesError === 'raise') throw error;
    run.warnOnce(`${data}:${spec.id}`, 'FRED series skipped after an error', {
      series: spec.name,
      seriesId: spec.id,
      data,
      error: error instanceof Error ? error.message : String(error),
    });
    return undefined;
  }
}

function createResources(config: ResolvedFredConfig): AnyResource[] {
  const limiter = config.mode === 'api' ? new RateLimiter(config.clock, config.requestsPerMinute) : undefined;
  // One FredRun per pipeline run, shared by the resources of that run. Runs are told apart by the pair
  // (abort signal, source-state object): the pipeline hands every run a fresh copy of the source state,
  // so re-running the same source instance downloads again instead of reusing old data.
  const runs = new WeakMap<AbortSignal, WeakMap<object, FredRun>>();
  const runFor = (context: ResourceContext): FredRun => {
    let bySourceState = runs.get(context.signal);
    if (!bySourceState) {
      bySourceState = new WeakMap();
      runs.set(context.signal, bySourceState);
    }
    let run = bySourceState.get(context.sourceState);
    if (!run) {
      run = new FredRun(config, {
        signal: context.signal,
        logger: config.logger ?? context.logger,
        limiter,
      });
      bySourceState.set(context.sourceState, run);
    }
    return run;
  };

  const raw = resource<FredObservationRow>(
    async function* macroIndicatorsRaw(context) {
      const run = runFor(context);
      const pending = config.series.map((spec) => run.observations(spec));
      for (const [index, spec] of config.series.entries()) {
        const settled = await settle(pending[index]!, spec, config, run, 'observations');
        if (!settled) continue;
        const rows: FredObservationRow[] = [];
        for (const observation of settled.value) {
          if (observation.value === null && config.missingValues === 'drop') continue;
          rows.push({ date: observation.date, series: spec.name, value: observation.value });
        }
        if (rows.length > 0) yield rows;
      }
    },
    {
      name: 'macro_indicators_raw',
      primaryKey: ['series', 'date'],
      writeDisposition: upsert,
      columns: {
        date: { dataType: 'date', nullable: false },
        series: { dataType: 'text', nullable: false },
        value: { dataType: 'double', nullable: true },
      },
    },
  );

  const wideColumns: Record<string, ColumnHints> = { date: { dataType: 'date', nullable: false } };
  for (const spec of config.series) wideColumns[spec.name] = { dataType: 'double', nullable: false };
  const wide = resource<FredMacroWideRow>(
    async function* macroWide(context) {
      const run = runFor(context);
      const pending = config.series.map((spec) => run.observations(spec));
      const series: Array<{ name: string; observations: Observation[] }> = [];
      const failed: string[] = [];
      for (const [index, spec] of config.series.entries()) {
        const settled = await settle(pending[index]!, spec, config, run, 'observations');
        if (settled) series.push({ name: spec.name, observations: settled.value });
        else failed.push(spec.name);
      }
      if (failed.length > 0) {
        run.logger.warn(
          'macro_wide not produced in this run: a series failed and would drop out of the join',
          {
            failed,
          },
        );
        return;
      }
      const rows = macroWideRows(series);
      if (rows.length > 0) yield rows;
    },
    { name: 'macro_wide', primaryKey: 'date', writeDisposition: upsert, columns: wideColumns },
  );

  if (config.mode !== 'api') return [raw, wide];

  const metadata = resource<FredSeriesRow>(
    async function* seriesMetadata(context) {
      const run = runFor(context);
      const pending = config.series.map((spec) => run.metadata(spec));
      const rows: FredSeriesRow[] = [];
      for (const [index, spec] of config.series.entries()) {
        const settled = await settle(pending[index]!, spec, config, run, 'metadata');
        if (settled) rows.push(settled.value);
      }
      if (rows.length > 0) yield rows;
    },
    {
      name: 'series',
      primaryKey: 'series',
      writeDisposition: upsert,
      columns: {
        series: { dataType: 'text', nullable: false },
        series_id: { dataType: 'text', nullable: false },
        title: { dataType: 'text' },
        frequency: { dataType: 'text' },
        frequency_short: { dataType: 'text' },
        units: { dataType: 'text' },
        units_short: { dataType: 'text' },
        seasonal_adjustment: { dataType: 'text' },
        seasonal_adjustment_short: { dataType: 'text' },
        observation_start: { dataType: 'date' },
        observation_end: { dataType: 'date' },
        last_updated: { dataType: 'timestamp' },
        popularity: { dataType: 'bigint' },
        notes: { dataType: 'text' },
      },
    },
  );
  return [raw, metadata, wide];
}

const fredSource = source('fred', (config: ResolvedFredConfig) => createResources(config));

/**
 * FRED (St. Louis Fed) economic series as a source named `fred`, with the tables of the original hotdata
 * demo:
 *
 * - `macro_indicators_raw` — `(date, series, value)` at each series' native frequency, merged (upsert)
 *   on `(series, date)` so revised values overwrite old ones;
 * - `series` — series metadata (API mode only), merged on `series`;
 * - `macro_wide` — one row per month, each series resampled to its last value of the month and labelled
 *   with the month's first day, inner-joined across series; merged on `date`.
 *
 * With an API key (`apiKey` or `FRED_API_KEY`) it reads the FRED API; without one the no-key
 * `fredgraph.csv` download; with `fromDirectory` CSV files on disk. Each series is read once per run.
 *
 * @example
 * ```ts
 * import { fred } from '@hotdata-dlt/source-fred';
 *
 * const source = fred({ series: { cpi: 'CPIAUCSL', unemployment_rate: 'UNRATE' }, observationStart: '2000-01-01' });
 * await pipeline({ pipelineName: 'macro', destination }).run(source);
 * ```
 */
export function fred(options: FredOptions = {}): DltSource {
  return fredSource(resolveFredConfig(options));
}
