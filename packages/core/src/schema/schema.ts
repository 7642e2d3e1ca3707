// CONTRACT FILE — signatures fixed by the lead; the bodies are being implemented (issue 3).
// Do not rename or remove members; add members if needed.
import type { DestinationCapabilities } from '../destination.ts';
import type {
  ColumnSchema,
  CompleteColumnSchema,
  DataType,
  MergeStrategy,
  NormalizersConfig,
  PreparedTable,
  SchemaContract,
  SchemaContractMode,
  SchemaSettings,
  SchemaUpdate,
  StoredSchema,
  TableSchema,
  WriteDisposition,
} from './types.ts';

/** A schema contract with every entity resolved. */
export interface ResolvedSchemaContract {
  tables: SchemaContractMode;
  columns: SchemaContractMode;
  data_type: SchemaContractMode;
}

/** Column hints that are boolean flags on a column. */
export type ColumnFlagHint =
  | 'primary_key'
  | 'merge_key'
  | 'unique'
  | 'row_key'
  | 'parent_key'
  | 'root_key'
  | 'hard_delete'
  | 'partition'
  | 'cluster'
  | 'sort'
  | 'incremental'
  | 'variant';

/** Inheritable table hints, resolved up the `parent` chain. */
export type InheritedTableHint =
  | 'write_disposition'
  | 'x-merge-strategy'
  | 'x-replace-strategy'
  | 'table_format'
  | 'file_format'
  | 'schema_contract';

export interface CreateSchemaOptions {
  /** Relational normalizer `max_nesting`. */
  maxNesting?: number;
  rootKeyPropagation?: boolean;
  schemaContract?: SchemaContract;
}

/**
 * A dlt schema (engine version 11): tables, columns, settings and normalizer config, with dlt's
 * versioning (`version`, `version_hash`, `previous_hashes`) and evolution rules (SEMANTICS §3).
 * Mutable: the normalizer updates it; `bumpVersion()` records a new version when content changed.
 */
export class Schema {
  /** A new schema with dlt's default settings and the `_dlt_version` / `_dlt_loads` tables. */
  static create(name: string, options?: CreateSchemaOptions): Schema {
    throw new Error(`not implemented: Schema.create(${name}, ${JSON.stringify(options)})`);
  }

  /** Reads a stored schema (JSON object, possibly without `name`s), validates it and applies defaults. */
  static fromStored(document: unknown): Schema {
    throw new Error(`not implemented: Schema.fromStored(${typeof document})`);
  }

  get name(): string {
    throw new Error('not implemented');
  }
  get version(): number {
    throw new Error('not implemented');
  }
  /** The stored hash (as of the last `bumpVersion`). */
  get versionHash(): string {
    throw new Error('not implemented');
  }
  get previousHashes(): readonly string[] {
    throw new Error('not implemented');
  }
  get engineVersion(): number {
    throw new Error('not implemented');
  }
  get settings(): SchemaSettings {
    throw new Error('not implemented');
  }
  get normalizers(): NormalizersConfig {
    throw new Error('not implemented');
  }
  get tables(): Readonly<Record<string, TableSchema>> {
    throw new Error('not implemented');
  }

  /** dlt's content hash of the current content (SEMANTICS §3.11). */
  computeVersionHash(): string {
    throw new Error('not implemented');
  }
  /** Content differs from the stored hash. */
  isModified(): boolean {
    throw new Error('not implemented');
  }
  /** Bumps `version` and `previous_hashes` when the content hash changed (dlt's `bump_version`). */
  bumpVersion(): { version: number; versionHash: string; changed: boolean } {
    throw new Error('not implemented');
  }
  /** The full stored document (table and column `name`s present). */
  toStored(): StoredSchema {
    throw new Error('not implemented');
  }
  clone(): Schema {
    throw new Error('not implemented');
  }

  hasTable(name: string): boolean {
    throw new Error(`not implemented ${name}`);
  }
  getTable(name: string): TableSchema | undefined {
    throw new Error(`not implemented ${name}`);
  }
  /** Throws `SchemaError` naming the table when it does not exist. */
  requireTable(name: string): TableSchema {
    throw new Error(`not implemented ${name}`);
  }
  /** Tables whose names start with `_dlt`. */
  isDltTable(name: string): boolean {
    throw new Error(`not implemented ${name}`);
  }
  /** Root and nested data tables (not `_dlt*`), in schema order; optionally only those that saw data. */
  dataTableNames(options?: { seenDataOnly?: boolean }): string[] {
    throw new Error(`not implemented ${JSON.stringify(options)}`);
  }
  /** The root table above a (nested) table; the table itself for roots. */
  getRootTable(name: string): TableSchema {
    throw new Error(`not implemented ${name}`);
  }
  /** Direct children of a table. */
  getNestedTables(name: string): TableSchema[] {
    throw new Error(`not implemented ${name}`);
  }
  /** A root table and all its descendants, parents before children (optionally only seen-data ones). */
  getTableChain(rootName: string, options?: { seenDataOnly?: boolean }): TableSchema[] {
    throw new Error(`not implemented ${rootName} ${JSON.stringify(options)}`);
  }
  /** A table hint resolved up the parent chain. */
  getInheritedHint<K extends InheritedTableHint>(tableName: string, hint: K): TableSchema[K] | undefined {
    throw new Error(`not implemented ${tableName} ${hint}`);
  }
  getWriteDisposition(tableName: string): WriteDisposition {
    throw new Error(`not implemented ${tableName}`);
  }
  /** For merge tables: the strategy (default the first supported one, else `delete-insert`). */
  getMergeStrategy(tableName: string, capabilities?: DestinationCapabilities): MergeStrategy | undefined {
    throw new Error(`not implemented ${tableName} ${capabilities}`);
  }
  /** Contract of a table: own hint, parent chain, schema settings, else evolve. */
  getSchemaContract(tableName: string): ResolvedSchemaContract {
    throw new Error(`not implemented ${tableName}`);
  }
  /** Inherited hints resolved, only complete columns (SEMANTICS §10.2 `prepare_load_table`). */
  prepareLoadTable(tableName: string, capabilities?: DestinationCapabilities): PreparedTable {
    throw new Error(`not implemented ${tableName} ${capabilities}`);
  }
  completeColumns(tableName: string): Record<string, CompleteColumnSchema> {
    throw new Error(`not implemented ${tableName}`);
  }
  /** Names of columns carrying a flag hint, in column order. */
  columnsWithHint(tableName: string, hint: ColumnFlagHint): string[] {
    throw new Error(`not implemented ${tableName} ${hint}`);
  }
  /** The `dedup_sort` column and its order, if any. */
  dedupSortColumn(tableName: string): { column: string; order: 'asc' | 'desc' } | undefined {
    throw new Error(`not implemented ${tableName}`);
  }
  hasSeenData(tableName: string): boolean {
    throw new Error(`not implemented ${tableName}`);
  }
  markSeenData(tableName: string): void {
    throw new Error(`not implemented ${tableName}`);
  }

  /**
   * Merges a partial table into the schema (SEMANTICS §3.12): new columns appended, hints overwritten,
   * completed columns moved to the end. A data type change of a complete column throws `SchemaError`.
   * Returns what was added.
   */
  updateTable(partial: TableSchema & { name: string }): SchemaUpdate {
    throw new Error(`not implemented ${partial.name}`);
  }
  /** Merges every table of another schema into this one. */
  updateSchema(other: Schema): SchemaUpdate {
    throw new Error(`not implemented ${other}`);
  }
  dropTables(names: readonly string[]): void {
    throw new Error(`not implemented ${names}`);
  }

  /** Hints from `settings.default_hints` matching a column name (`not_null` -> `nullable: false` ...). */
  defaultHintsFor(columnName: string): Partial<ColumnSchema> {
    throw new Error(`not implemented ${columnName}`);
  }
  /** Type from `settings.preferred_types` matching a column name. */
  preferredTypeFor(columnName: string): DataType | undefined {
    throw new Error(`not implemented ${columnName}`);
  }
}
