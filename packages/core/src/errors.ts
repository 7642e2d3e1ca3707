const errorMarker = Symbol.for('@hotdata-dlt/error');

/** Options shared by every hotdata-dlt error. */
export interface HotdataDltErrorOptions {
  /** Stable, machine-readable code (`SCREAMING_SNAKE_CASE`). */
  code?: string;
  /** The underlying error, if any. */
  cause?: unknown;
  /** Whether repeating the same operation later may succeed. Default `false`. */
  isRetryable?: boolean;
}

/**
 * Base class of every error thrown by hotdata-dlt packages.
 *
 * Messages say what happened and what to do next, and never contain a secret. Use
 * {@link HotdataDltError.isInstance} rather than `instanceof`: it also recognises errors created by a
 * second copy of this package (duplicate installs).
 *
 * @example
 * ```ts
 * try { await p.run(source) } catch (error) {
 *   if (HotdataDltError.isInstance(error) && error.isRetryable) scheduleRetry();
 * }
 * ```
 */
export class HotdataDltError extends Error {
  readonly code: string;
  readonly isRetryable: boolean;
  readonly [errorMarker] = true;

  constructor(message: string, options: HotdataDltErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'HotdataDltError';
    this.code = options.code ?? 'HOTDATA_DLT_ERROR';
    this.isRetryable = options.isRetryable ?? false;
  }

  static isInstance(error: unknown): error is HotdataDltError {
    return (
      typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[errorMarker] === true
    );
  }
}

/** Invalid or missing configuration: an option, an environment variable, a resource hint. */
export class ConfigurationError extends HotdataDltError {
  constructor(message: string, options: Omit<HotdataDltErrorOptions, 'isRetryable'> = {}) {
    super(message, { code: 'CONFIGURATION_ERROR', ...options, isRetryable: false });
    this.name = 'ConfigurationError';
  }
}

/** The schema cannot accept a change: a type conflict, a bad hint, a corrupted stored schema. */
export class SchemaError extends HotdataDltError {
  readonly table: string | undefined;
  readonly column: string | undefined;

  constructor(
    message: string,
    options: Omit<HotdataDltErrorOptions, 'isRetryable'> & { table?: string; column?: string } = {},
  ) {
    super(message, { code: 'SCHEMA_ERROR', ...options, isRetryable: false });
    this.name = 'SchemaError';
    this.table = options.table;
    this.column = options.column;
  }
}

/** Which part of a schema contract was violated. */
export type SchemaContractEntity = 'tables' | 'columns' | 'data_type';

/** A row broke a schema contract set to `freeze`. Names the table, the column and the contract. */
export class DataValidationError extends HotdataDltError {
  readonly schemaName: string;
  readonly table: string;
  readonly column: string | undefined;
  readonly contractEntity: SchemaContractEntity;
  readonly contractMode: string;

  constructor(
    message: string,
    details: {
      schemaName: string;
      table: string;
      column?: string;
      contractEntity: SchemaContractEntity;
      contractMode: string;
      cause?: unknown;
    },
  ) {
    super(message, { code: 'DATA_VALIDATION_ERROR', cause: details.cause, isRetryable: false });
    this.name = 'DataValidationError';
    this.schemaName = details.schemaName;
    this.table = details.table;
    this.column = details.column;
    this.contractEntity = details.contractEntity;
    this.contractMode = details.contractMode;
  }
}

/** Errors raised by a destination. `isRetryable` separates transient from terminal failures. */
export class DestinationError extends HotdataDltError {
  constructor(message: string, options: HotdataDltErrorOptions = {}) {
    super(message, { code: 'DESTINATION_ERROR', ...options });
    this.name = 'DestinationError';
  }
}

/** A dataset, table or stored entity does not exist at the destination (yet). */
export class DestinationUndefinedEntityError extends DestinationError {
  constructor(message: string, options: Omit<HotdataDltErrorOptions, 'isRetryable'> = {}) {
    super(message, { code: 'DESTINATION_UNDEFINED_ENTITY', ...options, isRetryable: false });
    this.name = 'DestinationUndefinedEntityError';
  }
}

/** A load job failed terminally; the message names the table and the load id. */
export class LoadJobFailedError extends DestinationError {
  readonly table: string;
  readonly loadId: string;

  constructor(message: string, details: { table: string; loadId: string; cause?: unknown }) {
    super(message, { code: 'LOAD_JOB_FAILED', cause: details.cause, isRetryable: false });
    this.name = 'LoadJobFailedError';
    this.table = details.table;
    this.loadId = details.loadId;
  }
}

/** The step of a pipeline run that failed. */
export type PipelineStep = 'sync' | 'extract' | 'normalize' | 'load';

/** Wraps the failure of one pipeline step; `cause` holds the original error. */
export class PipelineStepError extends HotdataDltError {
  readonly step: PipelineStep;
  readonly pipelineName: string;
  readonly loadId: string | undefined;

  constructor(
    message: string,
    details: {
      step: PipelineStep;
      pipelineName: string;
      loadId?: string;
      cause?: unknown;
      isRetryable?: boolean;
    },
  ) {
    super(message, {
      code: 'PIPELINE_STEP_FAILED',
      cause: details.cause,
      isRetryable: details.isRetryable ?? false,
    });
    this.name = 'PipelineStepError';
    this.step = details.step;
    this.pipelineName = details.pipelineName;
    this.loadId = details.loadId;
  }
}
