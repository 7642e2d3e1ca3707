import { ConfigurationError, envString, type Logger } from '@hotdata-dlt/core';
import { z } from 'zod';
import { FRED_DEFAULT_SERIES } from './default-series.ts';

/**
 * Time as the source sees it: pacing and retry backoff wait through it. The default uses `Date.now`
 * and `setTimeout`; tests pass a virtual clock so nothing really waits.
 */
export interface FredClock {
  /** Milliseconds (any origin, never decreasing). */
  now(): number;
  /** Resolves after `ms` milliseconds; rejects with the signal's reason when it is aborted. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** Options of {@link fred}. An explicit option wins over the environment variable, which wins over the default. */
export interface FredOptions {
  /**
   * The series to load: a record `friendly name → FRED id` (`{ cpi: 'CPIAUCSL' }`), or a list of FRED
   * ids, each then named by its lower-cased id (`['UNRATE']` → `unrate`). Names are snake_case: they are
   * the `series` column value and the `macro_wide` column names. Default: the nine demo series
   * ({@link FRED_DEFAULT_SERIES}). No env var.
   */
  series?: Readonly<Record<string, string>> | readonly string[];
  /**
   * FRED API key (32 lower-case letters and digits). With a key the source reads the API (JSON, series
   * metadata); without one it downloads `fredgraph.csv`, which needs no key. Read when `fred()` is
   * called; never logged. Env `FRED_API_KEY`. Default: none.
   */
  apiKey?: string;
  /**
   * Force a transport: `'api'` (needs a key) or `'csv'` (ignores any key). Default: `'api'` when a key
   * is set, else `'csv'`. Ignored with `fromDirectory`. No env var.
   */
  mode?: 'api' | 'csv';
  /** First observation date to load, `YYYY-MM-DD`. Default: the start of each series. No env var. */
  observationStart?: string;
  /** Last observation date to load, `YYYY-MM-DD`. Default: the latest observation. No env var. */
  observationEnd?: string;
  /** Root of the FRED API (the source appends `/fred/series/...`). Env `FRED_BASE_URL`, default `https://api.stlouisfed.org`. */
  baseUrl?: string;
  /** Root of the no-key download (the source appends `/graph/fredgraph.csv`). Env `FRED_CSV_BASE_URL`, default `https://fred.stlouisfed.org`. */
  csvBaseUrl?: string;
  /**
   * Offline mode: read fredgraph CSV files from this directory instead of the network. A series is found
   * as `fredgraph_<ID>.csv`, `<ID>.csv`, `<name>.csv` or a single `fredgraph_<ID>_*.csv` (case-insensitive).
   * No env var. Default: none (network).
   */
  fromDirectory?: string;
  /** Series downloaded (or files read) at the same time. No env var, default 2. */
  concurrency?: number;
  /**
   * API mode: client-side pacing, at most this many requests per minute (FRED allows 120 per key) with
   * bursts of 2. No env var, default 110.
   */
  requestsPerMinute?: number;
  /** Retries of a 429, 5xx, timeout or dropped connection (exponential backoff with jitter, honouring `Retry-After`). No env var, default 5. */
  maxRetries?: number;
  /** Base of the retry backoff in milliseconds (doubles per attempt, capped at 60 s). No env var, default 1000. */
  retryBackoffMs?: number;
  /** Timeout of one HTTP request in milliseconds. No env var, default 30000. */
  requestTimeoutMs?: number;
  /** API mode: observations per page (`limit`, 1–100000). No env var, default 100000. */
  pageSize?: number;
  /**
   * Observations without a value (`.` or an empty field): `'keep'` loads them with `value = null`, so a
   * value withdrawn upstream is overwritten too; `'drop'` skips them, as the original demo did. No env
   * var, default `'keep'`. `macro_wide` ignores missing values either way.
   */
  missingValues?: 'keep' | 'drop';
  /**
   * When one series fails (unknown id, refused key, retries exhausted): `'raise'` fails the resource
   * with that series' {@link FredError}; `'skip'` logs a warning, loads the other series into
   * `macro_indicators_raw` (and `series`) and leaves `macro_wide` out of this run, because its inner
   * join would silently lose a column. No env var, default `'raise'`.
   */
  onSeriesError?: 'raise' | 'skip';
  /** Gets progress and retry lines (never the key). Default: the logger of the pipeline run. */
  logger?: Logger;
  /** The `fetch` implementation. Default: the global `fetch`. */
  fetch?: typeof globalThis.fetch;
  /** Time source for pacing and backoff. Default: the system clock. */
  clock?: FredClock;
}

/** One series to load. */
export interface SeriesSpec {
  /** Friendly name: the `series` value and the `macro_wide` column. */
  name: string;
  /** FRED id, upper-case. */
  id: string;
}

export type FredMode = 'api' | 'csv' | 'directory';

export interface ResolvedFredConfig {
  mode: FredMode;
  series: SeriesSpec[];
  observationStart: string | undefined;
  observationEnd: string | undefined;
  baseUrl: string;
  csvBaseUrl: string;
  directory: string | undefined;
  concurrency: number;
  requestsPerMinute: number;
  maxRetries: number;
  retryBackoffMs: number;
  requestTimeoutMs: number;
  pageSize: number;
  missingValues: 'keep' | 'drop';
  onSeriesError: 'raise' | 'skip';
  logger: Logger | undefined;
  fetch: typeof globalThis.fetch;
  clock: FredClock;
  /** The API key (API mode only). Never log it. */
  apiKey: string | undefined;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const SERIES_NAME = /^[a-z_][a-z0-9_]{0,63}$/;
const SERIES_ID = /^[A-Za-z0-9_.-]{1,64}$/;

function isCalendarDate(value: string): boolean {
  if (!ISO_DATE.test(value)) return false;
  const parsed = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().startsWith(value);
}

const isoDate = z.string().refine(isCalendarDate, { message: 'must be a date written YYYY-MM-DD' });

const OptionsSchema = z
  .object({
    observationStart: isoDate.optional(),
    observationEnd: isoDate.optional(),
    baseUrl: z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }),
    csvBaseUrl: z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }),
    fromDirectory: z.string().min(1, { message: 'must be a directory path' }).optional(),
    concurrency: z.number().int().min(1).max(32),
    requestsPerMinute: z
      .number()
      .positive()
      .max(120, { message: 'must be at most 120 (FRED’s limit per key)' }),
    maxRetries: z.number().int().min(0).max(20),
    retryBackoffMs: z.number().int().min(0).max(600_000),
    requestTimeoutMs: z.number().int().positive(),
    pageSize: z.number().int().min(1).max(100_000),
    missingValues: z.enum(['keep', 'drop']),
    onSeriesError: z.enum(['raise', 'skip']),
    mode: z.enum(['api', 'csv']).optional(),
  })
  .refine(
    (value) =>
      value.observationStart === undefined ||
      value.observationEnd === undefined ||
      value.observationStart <= value.observationEnd,
    { message: 'must not be after observationEnd', path: ['observationStart'] },
  );

const ENV_BY_OPTION: Record<string, string> = {
  baseUrl: 'FRED_BASE_URL',
  csvBaseUrl: 'FRED_CSV_BASE_URL',
};

/** The system clock. */
export const systemClock: FredClock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

function trimUrl(url: string): string {
  return url.replace(/\/+$/, '');
}

/** Turns the `series` option into specs; throws a ConfigurationError naming the bad entry. */
export function resolveSeries(series: FredOptions['series']): SeriesSpec[] {
  const input = series ?? FRED_DEFAULT_SERIES;
  let specs: SeriesSpec[];
  if (Array.isArray(input)) {
    specs = (input as readonly unknown[]).map((id) => {
      if (typeof id !== 'string' || !SERIES_ID.test(id)) {
        throw new ConfigurationError(
          `fred(): series id ${JSON.stringify(id)} is not a FRED series id (letters, digits, '_', '.', '-'; e.g. 'UNRATE').`,
        );
      }
      const name = id.toLowerCase().replace(/[^a-z0-9_]/g, '_');
      return { name: /^[0-9]/.test(name) ? `_${name}` : name, id: id.toUpperCase() };
    });
  } else if (typeof input === 'object' && input !== null) {
    specs = Object.entries(input as Record<string, unknown>).map(([name, id]) => {
      if (!SERIES_NAME.test(name)) {
        throw new ConfigurationError(
          `fred(): series name '${name}' must be snake_case (lower-case letters, digits and '_', e.g. 'cpi'): it becomes the series column value and a macro_wide column.`,
        );
      }
      if (typeof id !== 'string' || !SERIES_ID.test(id)) {
        throw new ConfigurationError(
          `fred(): series '${name}' maps to ${JSON.stringify(id)}, which is not a FRED series id (e.g. 'CPIAUCSL').`,
        );
      }
      return { name, id: id.toUpperCase() };
    });
  } else {
    throw new ConfigurationError(
      "fred(): the series option is a record of name → FRED id ({ cpi: 'CPIAUCSL' }) or a list of ids (['UNRATE']).",
    );
  }
  if (specs.length === 0) {
    throw new ConfigurationError('fred(): the series option is empty; name at least one FRED series.');
  }
  const seen = new Set<string>();
  for (const spec of specs) {
    if (spec.name === 'date') {
      throw new ConfigurationError(
        "fred(): a series cannot be named 'date' (macro_wide already has a date column); choose another name.",
      );
    }
    if (seen.has(spec.name)) {
      throw new ConfigurationError(
        `fred(): the series name '${spec.name}' is used twice; names must be unique.`,
      );
    }
    seen.add(spec.name);
  }
  return specs;
}

/** Resolves options > env > defaults and validates them. Throws {@link ConfigurationError}. */
export function resolveFredConfig(options: FredOptions = {}): ResolvedFredConfig {
  const series = resolveSeries(options.series);
  const candidate = {
    observationStart: options.observationStart,
    observationEnd: options.observationEnd,
    baseUrl: trimUrl(options.baseUrl ?? envString('FRED_BASE_URL') ?? 'https://api.stlouisfed.org').replace(
      /\/fred$/,
      '',
    ),
    csvBaseUrl: trimUrl(
      options.csvBaseUrl ?? envString('FRED_CSV_BASE_URL') ?? 'https://fred.stlouisfed.org',
    ).replace(/\/graph(\/fredgraph\.csv)?$/, ''),
    fromDirectory: options.fromDirectory,
    concurrency: options.concurrency ?? 2,
    requestsPerMinute: options.requestsPerMinute ?? 110,
    maxRetries: options.maxRetries ?? 5,
    retryBackoffMs: options.retryBackoffMs ?? 1000,
    requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
    pageSize: options.pageSize ?? 100_000,
    missingValues: options.missingValues ?? 'keep',
    onSeriesError: options.onSeriesError ?? 'raise',
    mode: options.mode,
  };
  const parsed = OptionsSchema.safeParse(candidate);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const option = String(issue.path[0] ?? 'options');
    const env = ENV_BY_OPTION[option];
    throw new ConfigurationError(
      `fred(): option '${option}'${env ? ` (env ${env})` : ''} ${issue.message}.`,
      {
        cause: parsed.error,
      },
    );
  }
  const config = parsed.data;
  if (options.fetch !== undefined && typeof options.fetch !== 'function') {
    throw new ConfigurationError('fred(): option fetch must be a fetch-compatible function.');
  }
  const apiKey = options.apiKey?.trim() || envString('FRED_API_KEY');
  let mode: FredMode;
  if (config.fromDirectory !== undefined) mode = 'directory';
  else mode = config.mode ?? (apiKey ? 'api' : 'csv');
  if (mode === 'api' && !apiKey) {
    throw new ConfigurationError(
      "fred(): mode 'api' needs an API key: pass the apiKey option or set FRED_API_KEY (free at https://fred.stlouisfed.org/docs/api/api_key.html), or use mode 'csv'.",
    );
  }
  return {
    mode,
    series,
    observationStart: config.observationStart,
    observationEnd: config.observationEnd,
    baseUrl: config.baseUrl,
    csvBaseUrl: config.csvBaseUrl,
    directory: config.fromDirectory,
    concurrency: config.concurrency,
    requestsPerMinute: config.requestsPerMinute,
    maxRetries: config.maxRetries,
    retryBackoffMs: config.retryBackoffMs,
    requestTimeoutMs: config.requestTimeoutMs,
    pageSize: config.pageSize,
    missingValues: config.missingValues,
    onSeriesError: config.onSeriesError,
    logger: options.logger,
    fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
    clock: options.clock ?? systemClock,
    apiKey: mode === 'api' ? apiKey : undefined,
  };
}
