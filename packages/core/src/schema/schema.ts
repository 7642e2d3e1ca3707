import { createHash } from 'node:crypto';
import type { DestinationCapabilities } from '../destination.ts';
import { SchemaError } from '../errors.ts';
import { compactJson } from '../hashing.ts';
import { loadsTable, versionTable } from './system-tables.ts';
import type {
  ColumnSchema,
  CompleteColumnSchema,
  DataType,
  MergeStrategy,
  NormalizersConfig,
  PreparedTable,
  ReplaceStrategy,
  SchemaContract,
  SchemaContractMode,
  SchemaSettings,
  SchemaUpdate,
  StoredSchema,
  TableSchema,
  WriteDisposition,
} from './types.ts';
import { parseStoredSchema } from './zod.ts';

/** Engine version of stored schemas written here (dlt's `SCHEMA_ENGINE_VERSION`). */
export const SCHEMA_ENGINE_VERSION = 11;

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

/** Compound column props: a resource's keys replace the previous ones instead of merging. */
const COMPOUND_PROPS = ['primary_key', 'merge_key', 'partition', 'cluster'] as const;
const TABLE_KEYS_EXCLUDED_FROM_MERGE = new Set(['columns', 'name']);
const RELATIONAL_MODULE = 'dlt.common.normalizers.json.relational';

function defaultSettings(): SchemaSettings {
  return {
    detections: ['iso_timestamp'],
    default_hints: {
      not_null: ['_dlt_id', '_dlt_root_id', '_dlt_parent_id', '_dlt_list_idx', '_dlt_load_id'],
      parent_key: ['_dlt_parent_id'],
      root_key: ['_dlt_root_id'],
      unique: ['_dlt_id'],
      row_key: ['_dlt_id'],
    },
  };
}

function clone<T>(value: T): T {
  return structuredClone(value);
}

function isComplete(column: ColumnSchema | undefined): column is CompleteColumnSchema {
  return Boolean(column?.name) && Boolean(column?.data_type);
}

/** `re:`-prefixed patterns are regexes searched in the name; others match the whole name exactly. */
function matchesSimpleRegex(pattern: string, name: string): boolean {
  if (pattern.startsWith('re:')) {
    try {
      return new RegExp(pattern.slice(3), 'u').test(name);
    } catch {
      return new RegExp(pattern.slice(3)).test(name);
    }
  }
  return pattern === name;
}

function resolveContract(contract: SchemaContract | undefined): ResolvedSchemaContract | undefined {
  if (contract === undefined) return undefined;
  if (typeof contract === 'string') return { tables: contract, columns: contract, data_type: contract };
  return {
    tables: contract.tables ?? 'evolve',
    columns: contract.columns ?? 'evolve',
    data_type: contract.data_type ?? 'evolve',
  };
}

function isEmptyContract(contract: SchemaContract | undefined): boolean {
  return typeof contract === 'object' && contract !== null && Object.keys(contract).length === 0;
}

/** dlt's version hash of a stored schema (SEMANTICS §3.11). */
export function computeStoredSchemaHash(stored: StoredSchema): string {
  const {
    version: _version,
    version_hash: _hash,
    imported_version_hash: _imported,
    previous_hashes: _previous,
    ...content
  } = stored;
  const hash = createHash('sha3-256').update(compactJson(content), 'utf8');
  for (const tableName of Object.keys(stored.tables).sort()) {
    hash.update(tableName, 'utf8');
    for (const columnName of Object.keys(stored.tables[tableName]?.columns ?? {}))
      hash.update(columnName, 'utf8');
  }
  return hash.digest('base64');
}

/** Fills table and column names and root-table defaults (dlt's `apply_defaults`). */
function applyDefaults(stored: StoredSchema): void {
  for (const [tableName, table] of Object.entries(stored.tables)) {
    table.name = tableName;
    if (table.parent === undefined) {
      table.write_disposition ??= 'append';
      table.resource ??= tableName;
    }
    table.columns ??= {};
    for (const [columnName, column] of Object.entries(table.columns)) column.name = columnName;
  }
}

/** Older engines (9, 10) to 11: `complex` -> `json`, old path normalization kept. */
function migrate(stored: StoredSchema): void {
  if (stored.engine_version > SCHEMA_ENGINE_VERSION) {
    throw new SchemaError(
      `Schema '${stored.name}' has engine version ${stored.engine_version}; this version of hotdata-dlt reads up to ${SCHEMA_ENGINE_VERSION}. Upgrade @hotdata-dlt/core.`,
    );
  }
  if (stored.engine_version < 9) {
    throw new SchemaError(
      `Schema '${stored.name}' has engine version ${stored.engine_version}; migrate it with Python dlt >= 0.4 first (engine 9+).`,
    );
  }
  if (stored.engine_version < 11) {
    for (const table of Object.values(stored.tables)) {
      for (const column of Object.values(table.columns)) {
        if ((column.data_type as string | undefined) === 'complex') column.data_type = 'json';
      }
    }
  }
  if (stored.engine_version < 11) {
    stored.normalizers.use_break_path_on_normalize = false;
  }
  stored.engine_version = SCHEMA_ENGINE_VERSION;
}

/**
 * A dlt schema (engine version 11): tables, columns, settings and normalizer config, with dlt's
 * versioning (`version`, `version_hash`, `previous_hashes`) and evolution rules (SEMANTICS §3).
 * Mutable: the normalizer updates it; `bumpVersion()` records a new version when content changed.
 *
 * @example
 * ```ts
 * const schema = Schema.create('shop');
 * schema.updateTable({ name: 'orders', columns: { id: { name: 'id', data_type: 'bigint' } } });
 * schema.bumpVersion();
 * schema.toStored(); // { version: 1, version_hash: '...', tables: { _dlt_version, _dlt_loads, orders }, ... }
 * ```
 */
export class Schema {
  readonly #stored: StoredSchema;

  private constructor(stored: StoredSchema) {
    this.#stored = stored;
  }

  /** A new schema with dlt's default settings and the `_dlt_version` / `_dlt_loads` tables. */
  static create(name: string, options: CreateSchemaOptions = {}): Schema {
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(name)) {
      throw new SchemaError(
        `Schema name '${name}' is not valid: use letters, digits and '_' (at most 64), not starting with a digit.`,
      );
    }
    const config: NonNullable<NormalizersConfig['json']['config']> = {};
    if (options.maxNesting !== undefined) config.max_nesting = options.maxNesting;
    if (options.rootKeyPropagation !== undefined) config.root_key_propagation = options.rootKeyPropagation;
    const settings = defaultSettings();
    if (options.schemaContract !== undefined) settings.schema_contract = options.schemaContract;
    const version = versionTable();
    const loads = loadsTable();
    const stored: StoredSchema = {
      version: 1,
      version_hash: '',
      previous_hashes: [],
      engine_version: SCHEMA_ENGINE_VERSION,
      name,
      settings,
      tables: { [version.name]: version, [loads.name]: loads },
      normalizers: {
        names: 'snake_case',
        json:
          Object.keys(config).length > 0
            ? { module: RELATIONAL_MODULE, config }
            : { module: RELATIONAL_MODULE },
      },
    };
    return new Schema(stored);
  }

  /** Reads a stored schema (JSON object, possibly without `name`s), validates it and applies defaults. */
  static fromStored(document: unknown): Schema {
    const stored = clone(parseStoredSchema(document));
    migrate(stored);
    applyDefaults(stored);
    stored.previous_hashes ??= [];
    stored.version_hash ??= '';
    return new Schema(stored);
  }

  get name(): string {
    return this.#stored.name;
  }
  get version(): number {
    return this.#stored.version;
  }
  /** The stored hash (as of the last `bumpVersion`); empty for a never-bumped new schema. */
  get versionHash(): string {
    return this.#stored.version_hash;
  }
  get previousHashes(): readonly string[] {
    return this.#stored.previous_hashes;
  }
  get engineVersion(): number {
    return this.#stored.engine_version;
  }
  get settings(): SchemaSettings {
    return this.#stored.settings;
  }
  get normalizers(): NormalizersConfig {
    return this.#stored.normalizers;
  }
  get tables(): Readonly<Record<string, TableSchema>> {
    return this.#stored.tables;
  }

  /** dlt's content hash of the current content (SEMANTICS §3.11). */
  computeVersionHash(): string {
    return computeStoredSchemaHash(this.#stored);
  }

  /** Content differs from the stored hash. */
  isModified(): boolean {
    return this.computeVersionHash() !== this.#stored.version_hash;
  }

  /** Bumps `version` and `previous_hashes` when the content hash changed (dlt's `bump_version`). */
  bumpVersion(): { version: number; versionHash: string; changed: boolean } {
    const hash = this.computeVersionHash();
    const previous = this.#stored.version_hash;
    const changed = previous !== hash;
    if (previous && changed) {
      this.#stored.version += 1;
      if (!this.#stored.previous_hashes.includes(previous)) {
        this.#stored.previous_hashes = [previous, ...this.#stored.previous_hashes].slice(0, 10);
      }
    }
    this.#stored.version_hash = hash;
    return { version: this.#stored.version, versionHash: hash, changed };
  }

  /** The full stored document (table and column `name`s present). A deep copy. */
  toStored(): StoredSchema {
    return clone(this.#stored);
  }

  clone(): Schema {
    return new Schema(clone(this.#stored));
  }

  hasTable(name: string): boolean {
    return Object.hasOwn(this.#stored.tables, name);
  }

  getTable(name: string): TableSchema | undefined {
    return this.hasTable(name) ? this.#stored.tables[name] : undefined;
  }

  /** Throws `SchemaError` naming the table when it does not exist. */
  requireTable(name: string): TableSchema {
    const table = this.getTable(name);
    if (!table) {
      throw new SchemaError(`Table '${name}' is not in schema '${this.name}'.`, { table: name });
    }
    return table;
  }

  /** Tables whose names start with `_dlt`. */
  isDltTable(name: string): boolean {
    return name.startsWith('_dlt');
  }

  /** Root and nested data tables (not `_dlt*`), in schema order; optionally only those that saw data. */
  dataTableNames(options: { seenDataOnly?: boolean } = {}): string[] {
    return Object.keys(this.#stored.tables).filter(
      (name) => !this.isDltTable(name) && (!options.seenDataOnly || this.hasSeenData(name)),
    );
  }

  /** The root table above a (nested) table; the table itself for roots. */
  getRootTable(name: string): TableSchema {
    let table = this.requireTable(name);
    const visited = new Set<string>([name]);
    while (table.parent !== undefined) {
      if (visited.has(table.parent)) {
        throw new SchemaError(`Schema '${this.name}' has a parent cycle at table '${table.parent}'.`, {
          table: name,
        });
      }
      visited.add(table.parent);
      table = this.requireTable(table.parent);
    }
    return table;
  }

  /** Direct children of a table, in schema order. */
  getNestedTables(name: string): TableSchema[] {
    return Object.values(this.#stored.tables).filter((table) => table.parent === name);
  }

  /** A root table and all its descendants, parents before children (optionally only seen-data ones). */
  getTableChain(rootName: string, options: { seenDataOnly?: boolean } = {}): TableSchema[] {
    const chain: TableSchema[] = [];
    const visit = (name: string): void => {
      const table = this.requireTable(name);
      if (options.seenDataOnly && !this.hasSeenData(name)) return;
      chain.push(table);
      for (const child of this.getNestedTables(name)) visit(child.name!);
    };
    visit(rootName);
    return chain;
  }

  /** A table hint resolved up the parent chain. */
  getInheritedHint<K extends InheritedTableHint>(tableName: string, hint: K): TableSchema[K] | undefined {
    let table: TableSchema | undefined = this.requireTable(tableName);
    while (table) {
      const value = table[hint];
      if (value !== undefined && !(hint === 'schema_contract' && isEmptyContract(value as SchemaContract))) {
        return value;
      }
      table = table.parent === undefined ? undefined : this.getTable(table.parent);
    }
    return undefined;
  }

  getWriteDisposition(tableName: string): WriteDisposition {
    return this.getInheritedHint(tableName, 'write_disposition') ?? 'append';
  }

  /** For merge tables: the strategy (default the first supported one, else `delete-insert`). */
  getMergeStrategy(tableName: string, capabilities?: DestinationCapabilities): MergeStrategy | undefined {
    if (this.getWriteDisposition(tableName) !== 'merge') return undefined;
    return (
      this.getInheritedHint(tableName, 'x-merge-strategy') ??
      capabilities?.supportedMergeStrategies[0] ??
      'delete-insert'
    );
  }

  /** For replace tables: the strategy (default the first supported one, else `truncate-and-insert`). */
  getReplaceStrategy(tableName: string, capabilities?: DestinationCapabilities): ReplaceStrategy | undefined {
    if (this.getWriteDisposition(tableName) !== 'replace') return undefined;
    return (
      this.getInheritedHint(tableName, 'x-replace-strategy') ??
      capabilities?.supportedReplaceStrategies[0] ??
      'truncate-and-insert'
    );
  }

  /** Contract of a table: own hint, parent chain, schema settings, else evolve. `_dlt*` tables evolve. */
  getSchemaContract(tableName: string): ResolvedSchemaContract {
    const evolve: ResolvedSchemaContract = { tables: 'evolve', columns: 'evolve', data_type: 'evolve' };
    if (this.isDltTable(tableName)) return evolve;
    const own = this.hasTable(tableName) ? this.getInheritedHint(tableName, 'schema_contract') : undefined;
    const settings = isEmptyContract(this.#stored.settings.schema_contract)
      ? undefined
      : this.#stored.settings.schema_contract;
    return resolveContract(own ?? settings) ?? evolve;
  }

  /** Inherited hints resolved, only complete columns (SEMANTICS §10.2 `prepare_load_table`). */
  prepareLoadTable(tableName: string, capabilities?: DestinationCapabilities): PreparedTable {
    const table = clone(this.requireTable(tableName));
    const prepared = { ...table, name: tableName } as PreparedTable;
    prepared.write_disposition = this.getWriteDisposition(tableName);
    const tableFormat = this.getInheritedHint(tableName, 'table_format');
    if (tableFormat !== undefined) prepared.table_format = tableFormat;
    const fileFormat = this.getInheritedHint(tableName, 'file_format');
    if (fileFormat !== undefined) prepared.file_format = fileFormat;
    const mergeStrategy = this.getMergeStrategy(tableName, capabilities);
    if (mergeStrategy !== undefined) prepared['x-merge-strategy'] = mergeStrategy;
    const replaceStrategy = this.getReplaceStrategy(tableName, capabilities);
    if (replaceStrategy !== undefined) prepared['x-replace-strategy'] = replaceStrategy;
    prepared.columns = this.completeColumns(tableName);
    return prepared;
  }

  completeColumns(tableName: string): Record<string, CompleteColumnSchema> {
    const result: Record<string, CompleteColumnSchema> = {};
    for (const [name, column] of Object.entries(this.requireTable(tableName).columns)) {
      if (isComplete(column)) result[name] = clone(column);
    }
    return result;
  }

  /** Names of columns carrying a flag hint, in column order. */
  columnsWithHint(tableName: string, hint: ColumnFlagHint): string[] {
    return Object.entries(this.requireTable(tableName).columns)
      .filter(([, column]) => column[hint] === true)
      .map(([name]) => name);
  }

  /** The `dedup_sort` column and its order, if any. */
  dedupSortColumn(tableName: string): { column: string; order: 'asc' | 'desc' } | undefined {
    for (const [name, column] of Object.entries(this.requireTable(tableName).columns)) {
      if (column.dedup_sort === 'asc' || column.dedup_sort === 'desc')
        return { column: name, order: column.dedup_sort };
    }
    return undefined;
  }

  hasSeenData(tableName: string): boolean {
    return this.getTable(tableName)?.['x-normalizer']?.['seen-data'] === true;
  }

  markSeenData(tableName: string): void {
    const table = this.requireTable(tableName);
    const hints = { ...table['x-normalizer'], 'seen-data': true };
    delete hints['evolve-columns-once'];
    table['x-normalizer'] = hints;
  }

  /**
   * Merges a partial table into the schema (SEMANTICS §3.12): new columns appended, hints overwritten,
   * completed columns moved to the end. A data type change of a complete column throws `SchemaError`.
   * With `replaceCompoundKeys`, a compound prop (`primary_key`, `merge_key`, `partition`, `cluster`)
   * given in the partial replaces the table's previous set instead of adding to it (resource hints).
   * Returns what was added.
   */
  updateTable(
    partial: TableSchema & { name: string },
    options: { replaceCompoundKeys?: boolean } = {},
  ): SchemaUpdate {
    const name = partial.name;
    const incoming = clone(partial);
    const existing = this.getTable(name);
    if (!existing) {
      const table: TableSchema = { ...incoming, name, columns: {} };
      for (const [columnName, column] of Object.entries(incoming.columns ?? {})) {
        table.columns[columnName] = { ...column, name: columnName };
      }
      if (table.parent === undefined) {
        table.write_disposition ??= 'append';
        table.resource ??= name;
      }
      this.#stored.tables[name] = table;
      return { [name]: { columns: clone(table.columns), isNewTable: true } };
    }

    for (const [key, value] of Object.entries(incoming)) {
      if (TABLE_KEYS_EXCLUDED_FROM_MERGE.has(key) || value === undefined) continue;
      if (key === 'x-normalizer' && typeof value === 'object' && value !== null) {
        existing['x-normalizer'] = { ...existing['x-normalizer'], ...(value as object) };
      } else {
        (existing as unknown as Record<string, unknown>)[key] = value;
      }
    }

    if (options.replaceCompoundKeys) {
      for (const prop of COMPOUND_PROPS) {
        const given = Object.values(incoming.columns ?? {}).some((column) => column[prop] !== undefined);
        if (!given) continue;
        for (const [columnName, column] of Object.entries(existing.columns)) {
          if (column[prop] && incoming.columns?.[columnName]?.[prop] === undefined) delete column[prop];
        }
      }
    }

    const added: Record<string, ColumnSchema> = {};
    for (const [columnName, column] of Object.entries(incoming.columns ?? {})) {
      const current = existing.columns[columnName];
      if (!current) {
        existing.columns[columnName] = { ...column, name: columnName };
        added[columnName] = existing.columns[columnName]!;
        continue;
      }
      if (isComplete(current) && column.data_type !== undefined && column.data_type !== current.data_type) {
        throw new SchemaError(
          `Cannot change the data type of column '${columnName}' in table '${name}' from ${current.data_type} to ${column.data_type}: data types of existing columns never change. Use a new column name or a variant column.`,
          { table: name, column: columnName },
        );
      }
      const merged: ColumnSchema = { ...current, ...column, name: columnName };
      if (!isComplete(current) && isComplete(merged)) {
        delete existing.columns[columnName];
        existing.columns[columnName] = merged;
        added[columnName] = merged;
      } else {
        existing.columns[columnName] = merged;
        if (JSON.stringify(current) !== JSON.stringify(merged)) added[columnName] = merged;
      }
    }
    return Object.keys(added).length > 0 ? { [name]: { columns: clone(added), isNewTable: false } } : {};
  }

  /** Merges every table of another schema into this one. */
  updateSchema(other: Schema): SchemaUpdate {
    const update: SchemaUpdate = {};
    for (const table of Object.values(other.tables)) {
      Object.assign(update, this.updateTable({ ...table, name: table.name! }));
    }
    return update;
  }

  dropTables(names: readonly string[]): void {
    for (const name of names) delete this.#stored.tables[name];
  }

  /** Sets or clears the relational normalizer config (propagation, max nesting, root key). */
  updateNormalizerConfig(config: Partial<NonNullable<NormalizersConfig['json']['config']>>): void {
    this.#stored.normalizers.json.config = { ...this.#stored.normalizers.json.config, ...config };
  }

  /** Hints from `settings.default_hints` matching a column name (`not_null` -> `nullable: false` ...). */
  defaultHintsFor(columnName: string): Partial<ColumnSchema> {
    const hints: Partial<ColumnSchema> = {};
    for (const [hint, patterns] of Object.entries(this.#stored.settings.default_hints ?? {})) {
      if (!patterns.some((pattern) => matchesSimpleRegex(pattern, columnName))) continue;
      if (hint === 'not_null') hints.nullable = false;
      else (hints as Record<string, unknown>)[hint] = true;
    }
    return hints;
  }

  /** Type from `settings.preferred_types` matching a column name. */
  preferredTypeFor(columnName: string): DataType | undefined {
    for (const [pattern, dataType] of Object.entries(this.#stored.settings.preferred_types ?? {})) {
      if (matchesSimpleRegex(pattern, columnName)) return dataType;
    }
    return undefined;
  }
}
