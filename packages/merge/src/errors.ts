import { HotdataDltError } from '@hotdata-dlt/core';

/**
 * Stable codes of {@link MergeError}:
 * - `DUPLICATE_KEY_IN_BATCH`: an `upsert`/`update` batch holds the same key twice (nothing was applied);
 * - `NO_DECLARED_KEY`: a keyed operation came without key columns, or they are missing from its rows;
 * - `UNSUPPORTED_ARROW_TYPE`: a column has an Arrow type the merge engine cannot read or write.
 */
export type MergeErrorCode = 'DUPLICATE_KEY_IN_BATCH' | 'NO_DECLARED_KEY' | 'UNSUPPORTED_ARROW_TYPE';

/**
 * A load operation or a table cannot be processed by the merge engine. Type conflicts between a table
 * and a batch are core `SchemaError`s; missing merge hints are core `ConfigurationError`s.
 */
export class MergeError extends HotdataDltError {
  override readonly code: MergeErrorCode;

  constructor(message: string, options: { code: MergeErrorCode; cause?: unknown }) {
    super(message, { code: options.code, cause: options.cause, isRetryable: false });
    this.name = 'MergeError';
    this.code = options.code;
  }
}
