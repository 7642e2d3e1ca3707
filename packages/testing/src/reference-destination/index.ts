import type { Destination, DestinationCapabilities } from '@hotdata-dlt/core';
import { tableToRows } from '@hotdata-dlt/merge';
import type { Table } from 'apache-arrow';
import { ReferenceClient, type ReferenceRuntime } from './client.ts';
import {
  parseReferenceFailures,
  parseReferenceOptions,
  type ReferenceDestinationOptions,
  type ReferenceFailures,
} from './options.ts';
import { directoryStorage, memoryStorage } from './storage.ts';

export type { ReferenceDestinationOptions, ReferenceFailures } from './options.ts';

/** The reference destination plus helpers for tests to inspect and steer it. */
export interface ReferenceDestination extends Destination {
  /** Every table of a dataset (system tables included), read from storage. */
  tables(datasetName: string): Promise<Map<string, Table>>;
  /** Rows of one table with exact values (`tableToRows`); no rows when the table does not exist. */
  rows(datasetName: string, table: string): Promise<Record<string, unknown>[]>;
  /** Replaces the injected failures and resets their counters and a simulated crash. */
  setFailures(failures: ReferenceFailures): void;
  /** Table chains completed since creation (or the last `setFailures`). */
  readonly chainsCompleted: number;
}

/**
 * What the reference destination can do, honestly: Parquet load files only, every merge and replace
 * strategy (all applied client-side), one chain at a time so injected failures are deterministic.
 */
export const REFERENCE_CAPABILITIES: DestinationCapabilities = {
  preferredLoaderFileFormat: 'parquet',
  supportedLoaderFileFormats: ['parquet'],
  supportedStagingFileFormats: [],
  supportedMergeStrategies: ['delete-insert', 'upsert', 'insert-only', 'scd2'],
  supportedReplaceStrategies: ['truncate-and-insert', 'insert-from-staging', 'staging-optimized'],
  // Table names become file names (`<name>.parquet`) in Parquet-dir storage.
  maxIdentifierLength: 200,
  maxColumnIdentifierLength: 200,
  namingConvention: 'snake_case',
  hasCaseSensitiveIdentifiers: false,
  timestampPrecision: 6,
  maxTimestampPrecision: 9,
  decimalPrecision: [38, 9],
  maxTextDataTypeLength: 1024 * 1024 * 1024,
  supportsTransactions: false,
  // Nested Arrow types are stored as JSON text: the merge engine works on flat columns.
  supportsNestedTypes: false,
  supportsTzAwareDatetime: true,
  supportsNaiveDatetime: true,
  recommendedFileSize: 64 * 1024 * 1024,
  loaderParallelismStrategy: 'sequential',
  maxParallelLoadJobs: 1,
};

/**
 * The reference destination (like dlt's `dummy`, but keeping data): tables in memory or in local Parquet
 * files, every write disposition and merge strategy applied client-side with `@hotdata-dlt/merge`
 * (`mergeClientSide`, or the planner with `mergeExecution: 'planned'`), dlt's system tables
 * (`_dlt_version`, `_dlt_loads`, `_dlt_pipeline_state`) with state and schema restore, and injectable
 * transient, terminal, lost-response and crash failures. The engine's tests run against it; the Hotdata
 * destination runs the same conformance suite.
 *
 * @example
 * ```ts
 * const destination = createReferenceDestination({ failures: { transient: { table: 'orders', times: 2 } } });
 * await pipeline({ pipelineName: 'shop', destination, workingDir }).run(orders);
 * expect(await destination.rows('shop_dataset', 'orders')).toHaveLength(3);
 * ```
 */
export function createReferenceDestination(options: ReferenceDestinationOptions = {}): ReferenceDestination {
  const parsed = parseReferenceOptions(options);
  const storage =
    parsed.storage === undefined || parsed.storage === 'memory'
      ? memoryStorage()
      : directoryStorage(parsed.storage.dir);
  const runtime: ReferenceRuntime = {
    storage,
    failures: parsed.failures ?? {},
    mergeExecution: parsed.mergeExecution ?? 'client-side',
    capabilities: REFERENCE_CAPABILITIES,
    attempts: new Map(),
    chainsCompleted: 0,
    crash: undefined,
  };
  return {
    destinationType: 'reference',
    destinationName: parsed.name ?? 'reference',
    capabilities: REFERENCE_CAPABILITIES,
    async client(clientOptions) {
      return new ReferenceClient(runtime, clientOptions);
    },
    describe: () => ({
      storage: parsed.storage === undefined || parsed.storage === 'memory' ? 'memory' : parsed.storage.dir,
      mergeExecution: runtime.mergeExecution,
    }),
    async tables(datasetName) {
      const result = new Map<string, Table>();
      for (const name of await storage.list(datasetName)) {
        const table = await storage.read(datasetName, name);
        if (table) result.set(name, table);
      }
      return result;
    },
    async rows(datasetName, table) {
      const found = await storage.read(datasetName, table);
      return found ? tableToRows(found) : [];
    },
    setFailures(failures) {
      runtime.failures = parseReferenceFailures(failures);
      runtime.attempts.clear();
      runtime.chainsCompleted = 0;
      runtime.crash = undefined;
    },
    get chainsCompleted() {
      return runtime.chainsCompleted;
    },
  };
}
