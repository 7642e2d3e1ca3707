import type {
  DataType,
  MergeStrategy,
  ReplaceStrategy,
  SchemaContract,
  WriteDisposition,
} from './schema/types.ts';

/** Column hints in TypeScript casing, as a user writes them on a resource. */
export interface ColumnHints {
  dataType?: DataType;
  nullable?: boolean;
  primaryKey?: boolean;
  mergeKey?: boolean;
  unique?: boolean;
  /** Rows whose value is `true` (bool column) or not null (any other type) delete the matching key. */
  hardDelete?: boolean;
  /** Within a batch, keep the row with the highest (`desc`) or lowest (`asc`) value per primary key. */
  dedupSort?: 'asc' | 'desc';
  precision?: number;
  scale?: number;
  /** Timestamps: `true` (default) stores UTC-aware values, `false` naive ones. */
  timezone?: boolean;
  partition?: boolean;
  cluster?: boolean;
  sort?: boolean;
  description?: string;
}

/** scd2 options of a merge write disposition. */
export interface Scd2Options {
  /** Names of the validity columns. Default `['_dlt_valid_from', '_dlt_valid_to']`. */
  validityColumnNames?: [string, string];
  /** A far-future timestamp marking active rows instead of `NULL`. Default `null`. */
  activeRecordTimestamp?: string | Date | null;
  /** Boundary timestamp used for validity; default the load package's creation time. */
  boundaryTimestamp?: string | Date;
  /** Column holding the row hash. Default `_dlt_id`. */
  rowVersionColumnName?: string;
}

/** A write disposition: dlt's strings, or the object form choosing a strategy. */
export type WriteDispositionConfig =
  | WriteDisposition
  | { disposition: 'append' | 'skip' }
  | { disposition: 'replace'; strategy?: ReplaceStrategy }
  | ({
      disposition: 'merge';
      strategy?: MergeStrategy;
      /** The batch is already free of duplicate keys: skip in-batch de-duplication. */
      deduplicated?: boolean;
    } & Scd2Options);

/** Hints for a nested table, keyed by its path under the root (`'items'`, `'items__tags'`). */
export interface NestedHints {
  columns?: Record<string, ColumnHints>;
  primaryKey?: string | string[];
  mergeKey?: string | string[];
  writeDisposition?: WriteDispositionConfig;
  schemaContract?: SchemaContract;
}

/**
 * A function of a (raw) item naming its table. Declared bivariant so a `Resource<Order>` still fits
 * where any resource is expected.
 */
export type TableNameFunction<TItem> = { bivarianceHack(item: TItem): string }['bivarianceHack'];

/** Table hints shared by resources, transformers and `pipeline.run(data, hints)`. */
export interface TableHints<TItem = unknown> {
  /** Table name, or a function of each (raw) item for dynamic tables. Default: the resource name. */
  tableName?: string | TableNameFunction<TItem>;
  /** Default `append`. */
  writeDisposition?: WriteDispositionConfig;
  /** Column name(s) of the primary key; composite keys are arrays. */
  primaryKey?: string | string[];
  mergeKey?: string | string[];
  /** Column hints by (source) column name; entries without `dataType` only add hints. */
  columns?: Record<string, ColumnHints>;
  nestedHints?: Record<string, NestedHints>;
  /** How deep nested objects and lists are unnested into columns and child tables. Default 1000. */
  maxTableNesting?: number;
  schemaContract?: SchemaContract;
}
