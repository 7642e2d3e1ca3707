import type { ArrowTableLike } from './arrow-like.ts';
import type { Logger } from './logger.ts';
import type { Schema } from './schema/schema.ts';
import type {
  LoaderFileFormat,
  MergeStrategy,
  PreparedTable,
  ReplaceStrategy,
  StoredSchema,
  WriteDisposition,
} from './schema/types.ts';

/**
 * What a destination can do (dlt's `DestinationCapabilitiesContext`, SEMANTICS §10, in TypeScript
 * casing). The engine reads it to pick file formats, identifier limits, strategies and parallelism.
 */
export interface DestinationCapabilities {
  preferredLoaderFileFormat: LoaderFileFormat;
  supportedLoaderFileFormats: readonly LoaderFileFormat[];
  /** Empty: loading through a staging bucket is not supported. */
  supportedStagingFileFormats: readonly LoaderFileFormat[];
  /** First = default. */
  supportedMergeStrategies: readonly MergeStrategy[];
  /** First = default. */
  supportedReplaceStrategies: readonly ReplaceStrategy[];
  maxIdentifierLength: number;
  maxColumnIdentifierLength: number;
  /** Overrides source/resource nesting when set. */
  maxTableNesting?: number;
  namingConvention: 'snake_case';
  hasCaseSensitiveIdentifiers: boolean;
  /** Default fractional digits of timestamps. */
  timestampPrecision: number;
  maxTimestampPrecision: number;
  /** Default (precision, scale) of decimals. */
  decimalPrecision: readonly [number, number];
  /** Longest text value; longer schemas are compressed in `_dlt_version`. */
  maxTextDataTypeLength: number;
  supportsTransactions: boolean;
  supportsNestedTypes: boolean;
  supportsTzAwareDatetime: boolean;
  supportsNaiveDatetime: boolean;
  /** Target size of a load file in bytes. */
  recommendedFileSize: number;
  /** `table-sequential`: one job per table chain at a time; `sequential`: one job at a time. */
  loaderParallelismStrategy: 'parallel' | 'table-sequential' | 'sequential';
  maxParallelLoadJobs: number;
}

/** The `_dlt_version` row of a stored schema. */
export interface StoredSchemaInfo {
  versionHash: string;
  schemaName: string;
  version: number;
  engineVersion: number;
  insertedAt: Date;
  /** The full stored schema document. */
  schema: StoredSchema;
}

/** The newest `_dlt_pipeline_state` row of a completed load (dlt's `StateInfo`). */
export interface StoredStateInfo {
  version: number;
  engineVersion: number;
  pipelineName: string;
  /** The state as stored: base64(zlib(typed JSON)), or plain typed JSON. See `decodeStoredState`. */
  state: string;
  createdAt: Date;
  versionHash: string | undefined;
  loadId: string;
}

/** What `updateStoredSchema` changed at the destination. */
export interface StorageSchemaUpdate {
  /** False when a `_dlt_version` row with this schema's hash already existed. */
  schemaStored: boolean;
  createdTables: string[];
  addedColumns: Record<string, string[]>;
}

/** One table of a table chain job: the prepared table and its normalized files. */
export interface TableJob {
  table: PreparedTable;
  /** Absolute paths of the table's load files in the package (may be empty: see `TableChainJob`). */
  files: string[];
  fileFormat: LoaderFileFormat;
  /** Rows in `files`. */
  rows: number;
}

/**
 * A root table and all its nested tables, loaded as one unit (dlt's "table chain"). Tables come parents
 * first. A `replace` chain also lists tables that have seen data but got no file in this package: they
 * must end up empty.
 */
export interface TableChainJob {
  loadId: string;
  /** The package schema (tables and hints as of this package). */
  schema: Schema;
  rootTable: PreparedTable;
  tables: TableJob[];
  /**
   * True when this chain was started before (crash or lost response): the job must then be idempotent,
   * giving the same final tables as one clean run.
   */
  restore: boolean;
  /** Creation time of the package (= load id as a timestamp): the default scd2 boundary. */
  packageCreatedAt: Date;
}

/** Outcome of a chain job, per table. */
export interface TableChainResult {
  tables: Array<{ table: string; rows: number; bytesUploaded?: number }>;
}

/** Options the engine passes when it opens a destination client. */
export interface DestinationClientOptions {
  schema: Schema;
  datasetName: string;
  logger: Logger;
  signal?: AbortSignal;
}

/**
 * A connection to a destination for one schema and dataset (dlt's `JobClientBase` with
 * `WithStateSync`). Created per step; `close()` releases it.
 */
export interface DestinationClient {
  readonly capabilities: DestinationCapabilities;
  /** Creates the dataset (database / schema) if missing. */
  initializeStorage(): Promise<void>;
  isStorageInitialized(): Promise<boolean>;
  /** Drops the dataset with all tables. */
  dropStorage(): Promise<void>;
  /**
   * Creates missing tables and columns (only `onlyTables` and the dlt system tables when given) and
   * writes a `_dlt_version` row unless one with the schema's `version_hash` exists.
   */
  updateStoredSchema(options?: { onlyTables?: string[] }): Promise<StorageSchemaUpdate>;
  /** Loads one table chain following its write disposition. Throws `DestinationError` on failure. */
  runTableChain(job: TableChainJob): Promise<TableChainResult>;
  /** Writes the `_dlt_loads` row (status 0) for a package whose jobs all completed. */
  completeLoad(loadId: string): Promise<void>;
  /** Newest `_dlt_version` row for the schema name (default: this client's schema). */
  getStoredSchema(schemaName?: string): Promise<StoredSchemaInfo | undefined>;
  getStoredSchemaByHash(versionHash: string): Promise<StoredSchemaInfo | undefined>;
  /**
   * State of the newest completed load of the pipeline. Throws `DestinationUndefinedEntityError` when
   * the dataset or the state table does not exist.
   */
  getStoredState(pipelineName: string): Promise<StoredStateInfo | undefined>;
  /** Reads a whole table as an Arrow table. */
  readTable(tableName: string): Promise<ArrowTableLike>;
  /** Runs a read-only SQL query on the dataset; optional (reference destinations may not support SQL). */
  query?(sql: string): Promise<ArrowTableLike>;
  close(): Promise<void>;
}

/**
 * A destination: a factory of clients plus its capabilities (kysely's `Dialect` seam). `hotdata()`
 * returns one; so does the reference destination in `@hotdata-dlt/testing`.
 */
export interface Destination {
  /** e.g. `hotdata`. Stored in pipeline state as `destination_type`. */
  readonly destinationType: string;
  /** Defaults to the type; stored as `destination_name`. */
  readonly destinationName: string;
  readonly capabilities: DestinationCapabilities;
  /**
   * Write disposition of resources that set none (a destination-level default such as
   * `hotdata({ writeDisposition })`); a resource's own `writeDisposition` always wins. Unset: `append`.
   */
  readonly defaultWriteDisposition?: WriteDisposition;
  client(options: DestinationClientOptions): Promise<DestinationClient>;
  /** Secret-free description for `pipeline info` (e.g. API URL and database name). */
  describe?(): Record<string, string>;
}
