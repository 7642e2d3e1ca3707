import type { LogFields, Logger } from '@hotdata-dlt/core';
import type { ResolvedFredConfig, SeriesSpec } from '../config.ts';
import { fetchApiObservations, fetchApiSeriesMetadata, type SeriesMetadataRow } from './api.ts';
import { fetchCsvObservations } from './csv-download.ts';
import { SeriesDirectory } from './directory.ts';
import type { HttpContext } from './http.ts';
import type { Observation } from './observation.ts';
import type { RateLimiter } from './rate-limiter.ts';
import { Semaphore } from './semaphore.ts';

/**
 * The downloads of one run of a `fred()` source instance. Each series is fetched once however many
 * resources read it; at most `concurrency` fetches run at once. Under `onSeriesError: 'raise'` the
 * first failure stops the fetches that have not started yet (they reject with the same error).
 */
export class FredRun {
  readonly #config: ResolvedFredConfig;
  readonly #http: HttpContext;
  readonly #semaphore: Semaphore;
  readonly #directory: SeriesDirectory | undefined;
  readonly #observations = new Map<string, Promise<Observation[]>>();
  readonly #metadata = new Map<string, Promise<SeriesMetadataRow>>();
  #fatal: { error: unknown } | undefined;
  readonly #warned = new Set<string>();

  constructor(
    config: ResolvedFredConfig,
    context: { signal: AbortSignal; logger: Logger; limiter: RateLimiter | undefined },
  ) {
    this.#config = config;
    this.#http = { config, logger: context.logger, signal: context.signal, limiter: context.limiter };
    this.#semaphore = new Semaphore(config.concurrency);
    this.#directory = config.directory === undefined ? undefined : new SeriesDirectory(config.directory);
  }

  get logger(): Logger {
    return this.#http.logger;
  }

  /** The observations of a series (memoised by FRED id for this run). */
  observations(spec: SeriesSpec): Promise<Observation[]> {
    let pending = this.#observations.get(spec.id);
    if (!pending) {
      pending = this.#task(async () => {
        const { config } = this;
        const observations =
          config.mode === 'api'
            ? await fetchApiObservations(this.#http, spec)
            : config.mode === 'csv'
              ? await fetchCsvObservations(this.#http, spec)
              : await this.#directory!.read(spec, config.observationStart, config.observationEnd);
        this.logger.info('FRED series read', {
          series: spec.name,
          seriesId: spec.id,
          mode: config.mode,
          observations: observations.length,
        });
        return observations;
      });
      this.#observations.set(spec.id, pending);
    }
    return pending;
  }

  /** The `series` table row of a series (API mode; memoised by FRED id for this run). */
  metadata(spec: SeriesSpec): Promise<SeriesMetadataRow> {
    let pending = this.#metadata.get(spec.id);
    if (!pending) {
      pending = this.#task(() => fetchApiSeriesMetadata(this.#http, spec));
      this.#metadata.set(spec.id, pending);
    }
    // Two names may share an id: the row carries the asking name. The derived promise must not go
    // unhandled either when its resource stops at an earlier series.
    const named = pending.then((row) => (row.series === spec.name ? row : { ...row, series: spec.name }));
    named.catch(() => {});
    return named;
  }

  /** Logs a warning once per run for `key` (several resources read the same failed series). */
  warnOnce(key: string, message: string, fields: LogFields): void {
    if (this.#warned.has(key)) return;
    this.#warned.add(key);
    this.logger.warn(message, fields);
  }

  get config(): ResolvedFredConfig {
    return this.#config;
  }

  #task<T>(work: () => Promise<T>): Promise<T> {
    const pending = this.#semaphore.run(async () => {
      if (this.#fatal) throw this.#fatal.error;
      this.#http.signal.throwIfAborted();
      try {
        return await work();
      } catch (error) {
        if (this.#config.onSeriesError === 'raise') this.#fatal ??= { error };
        throw error;
      }
    });
    // Rejections are observed by whichever resource awaits the series; none may go unhandled meanwhile.
    pending.catch(() => {});
    return pending;
  }
}
