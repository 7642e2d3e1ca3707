import type { PipelineDefinition } from '../config.ts';

/** Options of {@link fredDemo}. */
export interface FredDemoOptions {
  /** Read fredgraph CSV files from this folder instead of the network (`fred({ fromDirectory })`). Default: none. */
  fromDirectory?: string;
  /** First date loaded. Default: each series' start. */
  observationStart?: string;
  /** Other `fred()` options (series, apiKey, csvBaseUrl ...). Default `{}`. */
  sourceOptions?: Record<string, unknown>;
  /** Cron schedule. Default `'0 7 * * *'` (daily at 07:00). */
  schedule?: string;
  /** Freshness bound. Default `'2 days'`. */
  freshness?: string;
}

/**
 * The `fred` demo pipeline: the nine macro indicators of the original hotdata demo from FRED into the
 * Hotdata database `example_macro` (`macro_indicators_raw`, long; `macro_wide`, one column per series).
 * Without `FRED_API_KEY` it uses FRED's no-key CSV download; `fromDirectory` reads CSV files offline.
 */
export function fredDemo(options: FredDemoOptions = {}): PipelineDefinition {
  return {
    name: 'fred',
    description: 'FRED macro indicators: macro_indicators_raw and macro_wide',
    source: 'fred',
    sourceOptions: {
      ...(options.fromDirectory ? { fromDirectory: options.fromDirectory } : {}),
      ...(options.observationStart ? { observationStart: options.observationStart } : {}),
      ...options.sourceOptions,
    },
    destination: { databaseName: 'example_macro' },
    schedule: options.schedule ?? '0 7 * * *',
    freshness: options.freshness ?? '2 days',
  };
}

/** Options of {@link linearDemo}. */
export interface LinearDemoOptions {
  /** Team keys to load (e.g. `['ENG']`). Default: every team the key can see. */
  teams?: string[];
  /** Other `linear()` options. Default `{}`. */
  sourceOptions?: Record<string, unknown>;
  /** Cron schedule. Default `'*\/15 * * * *'`. */
  schedule?: string;
  /** Freshness bound. Default `'1 hour'`. */
  freshness?: string;
}

/**
 * The `linear` demo pipeline: Linear issues (incremental on `updatedAt`) with their workflow states and
 * teams into the Hotdata database `example_linear`. Needs `LINEAR_API_KEY` and the package
 * `@hotdata-dlt/source-linear`.
 */
export function linearDemo(options: LinearDemoOptions = {}): PipelineDefinition {
  return {
    name: 'linear',
    description: 'Linear issues -> Hotdata (needs LINEAR_API_KEY)',
    source: 'linear',
    sourceOptions: {
      resources: ['teams', 'workflow_states', 'issues'],
      ...(options.teams ? { teams: options.teams } : {}),
      ...options.sourceOptions,
    },
    destination: { databaseName: 'example_linear' },
    schedule: options.schedule ?? '*/15 * * * *',
    freshness: options.freshness ?? '1 hour',
  };
}
