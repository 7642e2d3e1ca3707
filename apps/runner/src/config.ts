import type { AnyResource, Destination, DltSource, Logger } from '@hotdata-dlt/core';
import type { HotdataDestinationOptions } from '@hotdata-dlt/destination-hotdata';
import type { PipelineOptions } from '@hotdata-dlt/pipeline';

/** What a pipeline runs: a source, one resource or a list of resources. */
export type PipelineData = DltSource | AnyResource | readonly AnyResource[];

/** Handed to a source factory on every run. */
export interface SourceContext {
  /** The pipeline being run. */
  readonly pipelineName: string;
  /** The pipeline definition's `sourceOptions` (an empty object when it has none). */
  readonly options: Readonly<Record<string, unknown>>;
  /** The CLI's logger (stderr, secrets redacted). */
  readonly logger: Logger;
}

/**
 * Builds a pipeline's data for one run. Called again for every run, so a scheduled pipeline never
 * reuses a consumed source.
 */
export type SourceFactory = (context: SourceContext) => PipelineData | Promise<PipelineData>;

/** Handed to a destination factory. */
export interface DestinationContext {
  readonly pipelineName: string;
  /** The config's shared `destination` options (an empty object when it has none). */
  readonly defaults: Readonly<HotdataDestinationOptions>;
}

/**
 * Where a pipeline loads: `hotdata()` options (merged over the config's shared `destination`), a ready
 * `Destination`, or a function returning one.
 */
export type DestinationDefinition =
  | HotdataDestinationOptions
  | Destination
  | ((context: DestinationContext) => Destination | Promise<Destination>);

/** Engine settings a definition may set; the CLI owns name, destination, working dir, logger and events. */
export type DefinitionPipelineOptions = Pick<
  PipelineOptions,
  'restoreFromDestination' | 'normalize' | 'load'
>;

/** One pipeline of the definitions file. */
export interface PipelineDefinition {
  /**
   * Pipeline name: the CLI argument, the working folder `.pipelines/<name>` and the key of its state at
   * the destination. Letters, digits, `_`, `.` and `-`, starting with a letter or `_`. Required.
   */
  name: string;
  /** One line shown by `list`. Default: none. */
  description?: string;
  /**
   * The data: the name of a registered source (the config's `sources`, or the built-in `fred` and
   * `linear`), a factory called on every run, or a ready source. Give `source` or `resources`.
   */
  source?: string | SourceFactory | DltSource;
  /** Options passed to a registered source by name (`context.options` of a factory). Default `{}`. */
  sourceOptions?: Record<string, unknown>;
  /** Resources run without a source (their schema is named after the pipeline). Give `source` or `resources`. */
  resources?: readonly AnyResource[] | (() => readonly AnyResource[]);
  /** Where the data goes. Default: `hotdata()` with the config's shared `destination` options. */
  destination?: DestinationDefinition;
  /** Dataset name at the destination. Default `<name>_dataset` (the pipeline's default). */
  datasetName?: string;
  /**
   * Cron expression for `hotdata-dlt schedule`: five fields, or six with seconds first
   * (`*\/10 * * * * *`). Default: none (the pipeline only runs on demand).
   */
  schedule?: string;
  /** Time zone of `schedule` (IANA name). Default: the machine's. */
  timezone?: string;
  /**
   * Maximum age of the last successful load before `hotdata-dlt freshness` reports the pipeline stale:
   * a duration such as `'90m'`, `'6h'`, `'2 days'`, or milliseconds. Default: none (never stale).
   */
  freshness?: string | number;
  /** Engine settings (`restoreFromDestination`, `normalize`, `load`). Default: the pipeline's defaults. */
  pipelineOptions?: DefinitionPipelineOptions;
}

/** The default export of `hotdata-dlt.config.ts`. */
export interface HotdataDltConfig {
  /** The pipelines, by unique name. Required (may be empty). */
  pipelines: PipelineDefinition[];
  /** Sources registered by name for `source: '<name>'`; they win over the built-in `fred` and `linear`. Default `{}`. */
  sources?: Record<string, SourceFactory>;
  /** `hotdata()` options shared by every pipeline whose destination is given as options. Default `{}`. */
  destination?: HotdataDestinationOptions;
  /** Parent of the pipelines' working folders, relative to the config file. Default `.pipelines`. */
  pipelinesDir?: string;
}

/**
 * Declares the pipelines of a `hotdata-dlt.config.ts`. An identity function that gives the file its
 * types; the CLI validates the content when it loads it.
 *
 * @example
 * ```ts
 * import { defineConfig } from '@hotdata-dlt/runner';
 * import { shop } from './shop.ts';
 *
 * export default defineConfig({
 *   destination: { databaseName: 'sales' },
 *   pipelines: [{ name: 'shop', source: () => shop(), schedule: '0 * * * *', freshness: '2h' }],
 * });
 * ```
 */
export function defineConfig(config: HotdataDltConfig): HotdataDltConfig {
  return config;
}
