import { homedir } from 'node:os';
import { join } from 'node:path';
import {
  ConfigurationError,
  type Destination,
  envBoolean,
  envNumber,
  envString,
  type Logger,
  noopLogger,
  type PipelineEventListener,
} from '@hotdata-dlt/core';
import { z } from 'zod';

/** Options of {@link pipeline}. Explicit option > environment variable > default. */
export interface PipelineOptions {
  /**
   * Name of the pipeline: its working folder and the key of its state at the destination. Letters,
   * digits, `_`, `.` and `-`, starting with a letter or `_`. Required; no env var.
   */
  pipelineName: string;
  /** Where data is loaded; needed by `load`, `run`, `syncDestination` and `dataset`. No env var, default none. */
  destination?: Destination;
  /** Dataset (schema/namespace) at the destination. No env var, default `<pipelineName>_dataset`. */
  datasetName?: string;
  /**
   * The pipeline's working folder (state, schemas, load packages). No env var, default
   * `<pipelinesDir>/<pipelineName>`.
   */
  workingDir?: string;
  /**
   * Parent folder of the working folders of all pipelines. Env `HOTDATA_DLT_PIPELINES_DIR`, default
   * `~/.hotdata-dlt/pipelines`.
   */
  pipelinesDir?: string;
  /** Receives warnings and debug lines. No env var, default none (silent). */
  logger?: Logger;
  /** Receives progress events (extract, normalize, load). Errors thrown by it are ignored. No env var, default none. */
  onEvent?: PipelineEventListener;
  /**
   * Restore state and schemas from the destination when `run` starts (once per instance, SEMANTICS §6.7).
   * Env `RESTORE_FROM_DESTINATION` (dlt's name, `true`/`false`), default `true`.
   */
  restoreFromDestination?: boolean;
  /** Normalize step settings. */
  normalize?: {
    /**
     * Rows buffered per table before an Arrow batch is written: memory grows with this, not with the data.
     * Env `NORMALIZE__DATA_WRITER__BUFFER_MAX_ITEMS` (dlt's name), default 5000.
     */
    bufferRows?: number;
    /**
     * Parquet job files rotate once they reach this many bytes. Env `NORMALIZE__DATA_WRITER__FILE_MAX_BYTES`
     * (dlt's name), default the destination's `recommendedFileSize` (64 MiB without a destination).
     */
    maxFileSize?: number;
  };
  /** Load step settings. */
  load?: {
    /**
     * Retries of a table chain after transient destination errors; then the step fails and the package
     * stays pending. Env `LOAD__RAISE_ON_MAX_RETRIES` (dlt's name), default 5.
     */
    maxRetries?: number;
    /** First backoff between retries in milliseconds; it doubles on each retry. No env var, default 1000. */
    retryBackoffMs?: number;
    /**
     * Most table chains loaded at once, further capped by the destination's `maxParallelLoadJobs` and
     * `loaderParallelismStrategy`. Env `LOAD__WORKERS` (dlt's name), default 20.
     */
    workers?: number;
  };
  /** Cancels the running step. No env var, default none. */
  signal?: AbortSignal;
}

/** {@link PipelineOptions} with every default applied. */
export interface ResolvedPipelineOptions {
  pipelineName: string;
  destination: Destination | undefined;
  datasetName: string;
  workingDir: string;
  logger: Logger;
  onEvent: PipelineEventListener | undefined;
  restoreFromDestination: boolean;
  bufferRows: number;
  maxFileSize: number;
  maxRetries: number;
  retryBackoffMs: number;
  workers: number;
  signal: AbortSignal | undefined;
}

const ENV = {
  pipelinesDir: 'HOTDATA_DLT_PIPELINES_DIR',
  restoreFromDestination: 'RESTORE_FROM_DESTINATION',
  bufferRows: 'NORMALIZE__DATA_WRITER__BUFFER_MAX_ITEMS',
  maxFileSize: 'NORMALIZE__DATA_WRITER__FILE_MAX_BYTES',
  maxRetries: 'LOAD__RAISE_ON_MAX_RETRIES',
  workers: 'LOAD__WORKERS',
} as const;

const positiveInteger = z.number().int().positive();

const OptionsSchema = z.object({
  pipelineName: z
    .string()
    .regex(
      /^[A-Za-z_][A-Za-z0-9_.-]{0,99}$/,
      "use letters, digits, '_', '.' or '-' (at most 100 characters), starting with a letter or '_'",
    ),
  datasetName: z.string().trim().min(1, 'must not be empty'),
  workingDir: z.string().min(1, 'must not be empty'),
  restoreFromDestination: z.boolean(),
  bufferRows: positiveInteger,
  maxFileSize: positiveInteger.min(1024, 'must be at least 1024 bytes'),
  maxRetries: z.number().int().min(0),
  retryBackoffMs: z.number().min(0),
  workers: positiveInteger,
});

const OPTION_PATHS: Record<string, string> = {
  bufferRows: 'normalize.bufferRows',
  maxFileSize: 'normalize.maxFileSize',
  maxRetries: 'load.maxRetries',
  retryBackoffMs: 'load.retryBackoffMs',
  workers: 'load.workers',
};

/** Applies env vars and defaults and validates; a bad value becomes a readable `ConfigurationError`. */
export function resolvePipelineOptions(options: PipelineOptions): ResolvedPipelineOptions {
  if (options === null || typeof options !== 'object') {
    throw new ConfigurationError('pipeline() needs an options object: pipeline({ pipelineName: "..." }).');
  }
  const pipelineName = String(options.pipelineName ?? '');
  const pipelinesDir =
    options.pipelinesDir ?? envString(ENV.pipelinesDir) ?? join(homedir(), '.hotdata-dlt', 'pipelines');
  const candidate = {
    pipelineName,
    datasetName: options.datasetName ?? `${pipelineName}_dataset`,
    workingDir: options.workingDir ?? join(pipelinesDir, pipelineName),
    restoreFromDestination: options.restoreFromDestination ?? envBoolean(ENV.restoreFromDestination) ?? true,
    bufferRows: options.normalize?.bufferRows ?? envNumber(ENV.bufferRows) ?? 5000,
    maxFileSize:
      options.normalize?.maxFileSize ??
      envNumber(ENV.maxFileSize) ??
      options.destination?.capabilities.recommendedFileSize ??
      64 * 1024 * 1024,
    maxRetries: options.load?.maxRetries ?? envNumber(ENV.maxRetries) ?? 5,
    retryBackoffMs: options.load?.retryBackoffMs ?? 1000,
    workers: options.load?.workers ?? envNumber(ENV.workers) ?? 20,
  };
  const parsed = OptionsSchema.safeParse(candidate);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = String(issue.path[0]);
    const envName = (ENV as Record<string, string>)[key];
    throw new ConfigurationError(
      `pipeline() option '${OPTION_PATHS[key] ?? key}'${envName ? ` (env ${envName})` : ''} is not valid: ${issue.message}. Got ${JSON.stringify((candidate as Record<string, unknown>)[key])}.`,
      { cause: parsed.error },
    );
  }
  return {
    ...parsed.data,
    destination: options.destination,
    logger: options.logger ?? noopLogger,
    onEvent: options.onEvent,
    signal: options.signal,
  };
}
