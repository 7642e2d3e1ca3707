/**
 * Schema types in dlt's stored form (schema engine version 11). Keys are dlt's own JSON keys
 * (`data_type`, `primary_key`, `x-merge-strategy` ...) so a stored schema reads the same in Python dlt
 * and here. User-facing hints in TypeScript casing (`ColumnHints`) are converted to these.
 */

/** The dlt data types. */
export const DATA_TYPES = [
  'text',
  'double',
  'bool',
  'timestamp',
  'bigint',
  'binary',
  'json',
  'decimal',
  'wei',
  'date',
  'time',
] as const;
export type DataType = (typeof DATA_TYPES)[number];

export const WRITE_DISPOSITIONS = ['append', 'replace', 'merge', 'skip'] as const;
export type WriteDisposition = (typeof WRITE_DISPOSITIONS)[number];

export const MERGE_STRATEGIES = ['delete-insert', 'upsert', 'insert-only', 'scd2'] as const;
export type MergeStrategy = (typeof MERGE_STRATEGIES)[number];

export const REPLACE_STRATEGIES = [
  'truncate-and-insert',
  'insert-from-staging',
  'staging-optimized',
] as const;
export type ReplaceStrategy = (typeof REPLACE_STRATEGIES)[number];

export type SchemaContractMode = 'evolve' | 'freeze' | 'discard_row' | 'discard_value';

/** A schema contract: one mode for everything, or per entity (missing entities evolve). */
export type SchemaContract =
  | SchemaContractMode
  | {
      tables?: SchemaContractMode;
      columns?: SchemaContractMode;
      data_type?: SchemaContractMode;
    };

export type LoaderFileFormat =
  | 'parquet'
  | 'jsonl'
  | 'typed-jsonl'
  | 'csv'
  | 'insert_values'
  | 'model'
  | 'reference';

/** A column in dlt's stored form. Complete iff it has `name` and `data_type`. */
export interface ColumnSchema {
  name?: string;
  data_type?: DataType;
  nullable?: boolean;
  precision?: number;
  scale?: number;
  timezone?: boolean;
  variant?: boolean;
  partition?: boolean;
  cluster?: boolean;
  primary_key?: boolean;
  sort?: boolean;
  unique?: boolean;
  merge_key?: boolean;
  row_key?: boolean;
  parent_key?: boolean;
  root_key?: boolean;
  hard_delete?: boolean;
  dedup_sort?: 'asc' | 'desc';
  incremental?: boolean;
  description?: string;
  /** `x-valid-from`, `x-valid-to`, `x-active-record-timestamp`, `x-row-version`, `x-normalizer` ... */
  [extension: `x-${string}`]: unknown;
}

/** A column that has a name and a data type: created at the destination. */
export type CompleteColumnSchema = ColumnSchema & { name: string; data_type: DataType };

export interface TableReference {
  columns: string[];
  referenced_table: string;
  referenced_columns: string[];
}

/** Processing hints kept by the normalizer on a table. */
export interface NormalizerTableHints {
  'seen-data'?: boolean;
  'evolve-columns-once'?: boolean;
  max_nesting?: number;
  [key: string]: unknown;
}

/** A table in dlt's stored form. Columns keep insertion order (it is the table's column order). */
export interface TableSchema {
  name?: string;
  description?: string;
  columns: Record<string, ColumnSchema>;
  /** Only on root tables; nested tables inherit from their parent chain. */
  write_disposition?: WriteDisposition;
  /** Nested tables only: the parent table's name. */
  parent?: string;
  /** Root tables: the resource that produced the table. */
  resource?: string;
  schema_contract?: SchemaContract;
  table_format?: 'iceberg' | 'delta' | 'hive' | 'native';
  file_format?: LoaderFileFormat | 'preferred';
  references?: TableReference[];
  filters?: { excludes?: string[]; includes?: string[] };
  'x-normalizer'?: NormalizerTableHints;
  'x-merge-strategy'?: MergeStrategy;
  'x-replace-strategy'?: ReplaceStrategy;
  'x-stage-data-deduplicated'?: boolean;
  'x-boundary-timestamp'?: string;
  [extension: `x-${string}`]: unknown;
}

/** Regex-or-exact-name lists keyed by hint name (`not_null`, `unique`, `row_key` ...). */
export type SimpleRegexLists = Record<string, string[]>;

export interface SchemaSettings {
  schema_contract?: SchemaContract;
  detections?: string[];
  default_hints?: SimpleRegexLists;
  preferred_types?: Record<string, DataType>;
}

export interface RelationalNormalizerConfig {
  max_nesting?: number;
  root_key_propagation?: boolean;
  propagation?: {
    root?: Record<string, string>;
    tables?: Record<string, Record<string, string>>;
  };
}

export interface NormalizersConfig {
  names: string;
  json: { module: string; config?: RelationalNormalizerConfig };
  use_break_path_on_normalize?: boolean;
  allow_identifier_change_on_table_with_data?: boolean;
}

/** The stored schema document (engine version 11), as in `schema.json` and `_dlt_version.schema`. */
export interface StoredSchema {
  version: number;
  version_hash: string;
  previous_hashes: string[];
  imported_version_hash?: string;
  engine_version: number;
  name: string;
  description?: string;
  settings: SchemaSettings;
  tables: Record<string, TableSchema>;
  normalizers: NormalizersConfig;
}

/**
 * A table with its inherited hints resolved (`write_disposition`, `x-merge-strategy`,
 * `x-replace-strategy`, `table_format`, `file_format`, `schema_contract`) and only complete
 * columns: what a destination receives for a load job.
 */
export interface PreparedTable extends TableSchema {
  name: string;
  write_disposition: WriteDisposition;
  columns: Record<string, CompleteColumnSchema>;
}

/** What one normalize pass added to a schema: new tables and new columns per table. */
export type SchemaUpdate = Record<string, { columns: Record<string, ColumnSchema>; isNewTable: boolean }>;
