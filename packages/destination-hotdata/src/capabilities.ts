import type { DestinationCapabilities } from '@hotdata-dlt/core';
import { MAX_IDENTIFIER_LENGTH } from '@hotdata-dlt/hotdata-api';

/**
 * What the Hotdata destination can do (docs/capabilities.md explains every value and names its test).
 *
 * - Only Parquet job files: the loader uploads them (or Parquet it encodes from them) to Hotdata.
 * - Every dlt merge strategy, each planned as Hotdata load modes; `replace` as `truncate-and-insert`
 *   (every table of a chain is replaced atomically on its own, the chain as a whole is not).
 * - Identifiers: Hotdata lowercases schema and table names and accepts at most 128 characters.
 * - `sequential`: a load takes a lock on the whole database, so two load jobs at once only wait for
 *   each other (409 `RESOURCE_LOCKED`).
 * - Text values: no documented limit; a query answers at most ~8 MiB inline, so longer stored schemas
 *   are compressed in `_dlt_version` above that.
 */
export function hotdataCapabilities(
  options: { maxTableNesting?: number | undefined } = {},
): DestinationCapabilities {
  return {
    preferredLoaderFileFormat: 'parquet',
    supportedLoaderFileFormats: ['parquet'],
    supportedStagingFileFormats: [],
    supportedMergeStrategies: ['delete-insert', 'upsert', 'insert-only', 'scd2'],
    supportedReplaceStrategies: ['truncate-and-insert'],
    maxIdentifierLength: MAX_IDENTIFIER_LENGTH,
    maxColumnIdentifierLength: MAX_IDENTIFIER_LENGTH,
    ...(options.maxTableNesting !== undefined ? { maxTableNesting: options.maxTableNesting } : {}),
    namingConvention: 'snake_case',
    hasCaseSensitiveIdentifiers: false,
    timestampPrecision: 6,
    maxTimestampPrecision: 6,
    decimalPrecision: [38, 9],
    maxTextDataTypeLength: 8 * 1024 * 1024,
    supportsTransactions: false,
    supportsNestedTypes: false,
    supportsTzAwareDatetime: true,
    supportsNaiveDatetime: true,
    recommendedFileSize: 64 * 1024 * 1024,
    loaderParallelismStrategy: 'sequential',
    maxParallelLoadJobs: 1,
  };
}
