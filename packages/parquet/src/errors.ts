import { HotdataDltError } from '@hotdata-dlt/core';

/** Stable codes of {@link ParquetError}. */
export type ParquetErrorCode =
  /** The bytes are not a Parquet file, or the file is truncated or corrupt. */
  | 'PARQUET_INVALID_FILE'
  /** A valid file uses something this codec does not implement (nested columns, a codec, an encoding), or an Arrow type has no Parquet form here. */
  | 'PARQUET_UNSUPPORTED'
  /** Record batches given to one write do not share one schema. */
  | 'PARQUET_SCHEMA_MISMATCH'
  /** A requested column is not in the file. */
  | 'PARQUET_COLUMN_NOT_FOUND'
  /** A non-nullable Arrow field holds nulls. */
  | 'PARQUET_NULL_IN_REQUIRED_COLUMN'
  /** `write()` after `close()` or `abort()` of a stream writer. */
  | 'PARQUET_WRITER_CLOSED';

/**
 * An error of the Parquet codec. Never retryable: the same bytes or the same data fail the same way.
 *
 * @example
 * ```ts
 * try { await readParquet(path) } catch (error) {
 *   if (ParquetError.isInstance(error) && error.code === 'PARQUET_INVALID_FILE') quarantine(path);
 * }
 * ```
 */
export class ParquetError extends HotdataDltError {
  declare readonly code: ParquetErrorCode;

  constructor(message: string, options: { code: ParquetErrorCode; cause?: unknown }) {
    super(message, { code: options.code, cause: options.cause, isRetryable: false });
    this.name = 'ParquetError';
  }

  /** True for a ParquetError, also one created by a second copy of this package. */
  static override isInstance(error: unknown): error is ParquetError {
    return HotdataDltError.isInstance(error) && error.code.startsWith('PARQUET_');
  }
}
