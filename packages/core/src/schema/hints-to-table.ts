import { ConfigurationError } from '../errors.ts';
import type { ColumnHints, NestedHints, TableHints, WriteDispositionConfig } from '../hints.ts';
import type { Incremental } from '../incremental.ts';
import { type NamingConvention, snakeCase } from '../naming/snake-case.ts';
import { DLT_ID } from './system-tables.ts';
import {
  type ColumnSchema,
  DATA_TYPES,
  MERGE_STRATEGIES,
  REPLACE_STRATEGIES,
  type TableSchema,
  WRITE_DISPOSITIONS,
} from './types.ts';

/** A table template computed from resource hints: the root table and the nested-hint tables. */
export interface TableTemplate {
  table: TableSchema & { name: string };
  /** Tables declared through `nestedHints`, parents before children. */
  nestedTables: Array<TableSchema & { name: string }>;
}

export interface TableTemplateOptions {
  /** Default `snakeCase`. */
  naming?: NamingConvention;
  /** The (raw) table name when `hints.tableName` is a function already evaluated for an item. */
  tableName?: string;
  /**
   * The resource's incremental: a cursor that is a plain field name gets the column hint
   * `incremental: true`, as in dlt. Default: none.
   */
  incremental?: Incremental;
}

const DEFAULT_VALIDITY_COLUMNS: [string, string] = ['_dlt_valid_from', '_dlt_valid_to'];

function toList(value: string | string[] | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  return (Array.isArray(value) ? value : [value]).filter((item) => item !== '');
}

function parseTimestamp(value: string | Date, what: string): string {
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) {
    throw new ConfigurationError(
      `${what} '${String(value)}' is not a valid timestamp; use ISO 8601, e.g. 2099-12-31T00:00:00Z.`,
    );
  }
  return date.toISOString();
}

/** dlt column keys from TypeScript-cased column hints. */
export function columnSchemaFromHints(name: string, hints: ColumnHints): ColumnSchema {
  const column: ColumnSchema = { name };
  if (hints.dataType !== undefined) {
    if (!(DATA_TYPES as readonly string[]).includes(hints.dataType)) {
      throw new ConfigurationError(
        `Column '${name}': dataType '${hints.dataType}' is not one of ${DATA_TYPES.join(', ')}.`,
      );
    }
    column.data_type = hints.dataType;
  }
  if (hints.nullable !== undefined) column.nullable = hints.nullable;
  if (hints.primaryKey !== undefined) column.primary_key = hints.primaryKey;
  if (hints.mergeKey !== undefined) column.merge_key = hints.mergeKey;
  if (hints.unique !== undefined) column.unique = hints.unique;
  if (hints.hardDelete !== undefined) column.hard_delete = hints.hardDelete;
  if (hints.dedupSort !== undefined) {
    if (hints.dedupSort !== 'asc' && hints.dedupSort !== 'desc') {
      throw new ConfigurationError(`Column '${name}': dedupSort must be 'asc' or 'desc'.`);
    }
    column.dedup_sort = hints.dedupSort;
  }
  if (hints.precision !== undefined) column.precision = hints.precision;
  if (hints.scale !== undefined) column.scale = hints.scale;
  if (hints.timezone !== undefined) column.timezone = hints.timezone;
  if (hints.partition !== undefined) column.partition = hints.partition;
  if (hints.cluster !== undefined) column.cluster = hints.cluster;
  if (hints.sort !== undefined) column.sort = hints.sort;
  if (hints.description !== undefined) column.description = hints.description;
  return column;
}

/** Applies a write disposition (string or object form) to a root table template. */
function applyWriteDisposition(
  table: TableSchema,
  config: WriteDispositionConfig,
  naming: NamingConvention,
): void {
  const spec = typeof config === 'string' ? { disposition: config } : config;
  if (!(WRITE_DISPOSITIONS as readonly string[]).includes(spec.disposition)) {
    throw new ConfigurationError(
      `Table '${table.name}': write disposition '${spec.disposition}' is not one of ${WRITE_DISPOSITIONS.join(', ')}.`,
    );
  }
  table.write_disposition = spec.disposition;
  if (spec.disposition === 'replace' && 'strategy' in spec && spec.strategy !== undefined) {
    if (!(REPLACE_STRATEGIES as readonly string[]).includes(spec.strategy)) {
      throw new ConfigurationError(
        `Table '${table.name}': replace strategy '${spec.strategy}' is not one of ${REPLACE_STRATEGIES.join(', ')}.`,
      );
    }
    table['x-replace-strategy'] = spec.strategy;
  }
  if (spec.disposition !== 'merge') return;
  const merge = spec as Extract<WriteDispositionConfig, { disposition: 'merge' }>;
  if (merge.strategy !== undefined) {
    if (!(MERGE_STRATEGIES as readonly string[]).includes(merge.strategy)) {
      throw new ConfigurationError(
        `Table '${table.name}': merge strategy '${merge.strategy}' is not one of ${MERGE_STRATEGIES.join(', ')}.`,
      );
    }
    table['x-merge-strategy'] = merge.strategy;
  }
  if (merge.deduplicated) table['x-stage-data-deduplicated'] = true;
  if (merge.strategy !== 'scd2') return;
  const [from, to] = (merge.validityColumnNames ?? DEFAULT_VALIDITY_COLUMNS).map((name) =>
    naming.normalizeIdentifier(name),
  ) as [string, string];
  if (merge.validityColumnNames && merge.validityColumnNames.length !== 2) {
    throw new ConfigurationError(
      `Table '${table.name}': validityColumnNames needs exactly two names [from, to].`,
    );
  }
  const activeRecordTimestamp =
    merge.activeRecordTimestamp === undefined || merge.activeRecordTimestamp === null
      ? null
      : parseTimestamp(merge.activeRecordTimestamp, 'activeRecordTimestamp');
  if (merge.boundaryTimestamp !== undefined) {
    table['x-boundary-timestamp'] = parseTimestamp(merge.boundaryTimestamp, 'boundaryTimestamp');
  }
  const rowVersion = naming.normalizeIdentifier(merge.rowVersionColumnName ?? DLT_ID);
  table.columns[from] = {
    ...table.columns[from],
    name: from,
    data_type: 'timestamp',
    nullable: true,
    'x-valid-from': true,
  };
  table.columns[to] = {
    ...table.columns[to],
    name: to,
    data_type: 'timestamp',
    nullable: true,
    'x-valid-to': true,
    'x-active-record-timestamp': activeRecordTimestamp,
  };
  table.columns[rowVersion] = {
    ...table.columns[rowVersion],
    name: rowVersion,
    nullable: false,
    'x-row-version': true,
    unique: false,
    row_key: false,
  };
}

/** Sets a key (`primary_key` / `merge_key`) on exactly the given columns; the direct argument wins. */
function applyKey(
  table: TableSchema,
  prop: 'primary_key' | 'merge_key',
  names: string[] | undefined,
  naming: NamingConvention,
) {
  if (names === undefined) return;
  const normalized = names.map((name) => naming.normalizePath(name));
  for (const column of Object.values(table.columns)) {
    if (column[prop] && !normalized.includes(column.name!)) delete column[prop];
  }
  for (const name of normalized) {
    const column: ColumnSchema = { ...table.columns[name], name, [prop]: true };
    if (table.columns[name]?.nullable !== true) column.nullable = false;
    table.columns[name] = column;
  }
}

function columnsFromHints(
  tableName: string,
  columns: Record<string, ColumnHints> | undefined,
  naming: NamingConvention,
): Record<string, ColumnSchema> {
  const result: Record<string, ColumnSchema> = {};
  for (const [rawName, hints] of Object.entries(columns ?? {})) {
    const name = naming.normalizePath(rawName);
    if (result[name]) {
      throw new ConfigurationError(
        `Table '${tableName}': column hints '${rawName}' and another one both normalize to '${name}'. Keep one.`,
      );
    }
    result[name] = columnSchemaFromHints(name, hints);
  }
  return result;
}

function validateSingleHints(table: TableSchema): void {
  const hardDeletes = Object.values(table.columns).filter((column) => column.hard_delete);
  if (hardDeletes.length > 1) {
    throw new ConfigurationError(
      `Table '${table.name}' has ${hardDeletes.length} hardDelete columns (${hardDeletes.map((column) => column.name).join(', ')}); at most one is allowed.`,
    );
  }
  const dedupSorts = Object.values(table.columns).filter((column) => column.dedup_sort);
  if (dedupSorts.length > 1) {
    throw new ConfigurationError(
      `Table '${table.name}' has ${dedupSorts.length} dedupSort columns (${dedupSorts.map((column) => column.name).join(', ')}); at most one is allowed.`,
    );
  }
}

function nestedTemplate(
  rootName: string,
  path: string,
  hints: NestedHints,
  declared: Set<string>,
  naming: NamingConvention,
): TableSchema & { name: string } {
  const fragments = naming.breakPath(path).map((part) => naming.normalizeTablesPath(part));
  if (fragments.length === 0)
    throw new ConfigurationError(`Table '${rootName}': a nestedHints path is empty.`);
  const name = naming.shortenFragments(rootName, ...fragments);
  const parentFragments = fragments.slice(0, -1);
  const parentName =
    parentFragments.length === 0 ? rootName : naming.shortenFragments(rootName, ...parentFragments);
  if (parentFragments.length > 0 && !declared.has(parentFragments.join('__'))) {
    throw new ConfigurationError(
      `Table '${rootName}': nestedHints declares '${path}' but not its parent path '${parentFragments.join('__')}'. Declare every intermediate path (an empty object is enough).`,
    );
  }
  const table: TableSchema & { name: string } = {
    name,
    columns: columnsFromHints(name, hints.columns, naming),
  };
  const independent = hints.primaryKey !== undefined || hints.mergeKey !== undefined;
  if (!independent) table.parent = parentName;
  applyKey(table, 'primary_key', toList(hints.primaryKey), naming);
  applyKey(table, 'merge_key', toList(hints.mergeKey), naming);
  if (hints.writeDisposition !== undefined) applyWriteDisposition(table, hints.writeDisposition, naming);
  else if (independent) table.write_disposition = 'append';
  if (hints.schemaContract !== undefined) table.schema_contract = hints.schemaContract;
  validateSingleHints(table);
  return table;
}

/**
 * Resolves the (normalized) table name for an item: the hint string, the hint function applied to the
 * raw item, or the resource name.
 */
export function resolveTableName(
  resourceName: string,
  hints: TableHints<unknown>,
  item: unknown,
  naming: NamingConvention = snakeCase,
): string {
  const raw =
    typeof hints.tableName === 'function' ? hints.tableName(item) : (hints.tableName ?? resourceName);
  if (typeof raw !== 'string' || raw.trim() === '') {
    throw new ConfigurationError(
      `Resource '${resourceName}': tableName must give a non-empty string${typeof hints.tableName === 'function' ? ' for every item' : ''}, got ${String(raw)}.`,
    );
  }
  return naming.normalizeTablesPath(raw);
}

/**
 * dlt's `compute_table_schema`: the table template a resource's hints describe — write disposition and
 * merge/replace strategy hints, scd2 validity and row-version columns, primary and merge keys (not
 * nullable), column hints, nested-hint tables, `max_nesting` and the schema contract. Names are
 * normalized with the naming convention.
 *
 * @example
 * ```ts
 * tableTemplateFromHints('orders', { primaryKey: 'id', writeDisposition: { disposition: 'merge', strategy: 'upsert' } });
 * // { table: { name: 'orders', write_disposition: 'merge', 'x-merge-strategy': 'upsert',
 * //            columns: { id: { name: 'id', primary_key: true, nullable: false } }, resource: 'orders' }, nestedTables: [] }
 * ```
 */
export function tableTemplateFromHints(
  resourceName: string,
  hints: TableHints<unknown>,
  options: TableTemplateOptions = {},
): TableTemplate {
  const naming = options.naming ?? snakeCase;
  const rawName = options.tableName ?? (typeof hints.tableName === 'string' ? hints.tableName : resourceName);
  const name = naming.normalizeTablesPath(rawName);
  const table: TableSchema & { name: string } = {
    name,
    columns: columnsFromHints(name, hints.columns, naming),
    resource: resourceName,
  };
  applyKey(table, 'primary_key', toList(hints.primaryKey), naming);
  applyKey(table, 'merge_key', toList(hints.mergeKey), naming);
  if (hints.writeDisposition !== undefined) applyWriteDisposition(table, hints.writeDisposition, naming);
  const cursorPath = options.incremental?.cursorPath;
  if (cursorPath !== undefined && /^[^.[\]$]+$/.test(cursorPath)) {
    const cursor = naming.normalizePath(cursorPath);
    table.columns[cursor] = { ...table.columns[cursor], name: cursor, incremental: true };
  }
  if (hints.maxTableNesting !== undefined) {
    if (!Number.isInteger(hints.maxTableNesting) || hints.maxTableNesting < 0) {
      throw new ConfigurationError(`Resource '${resourceName}': maxTableNesting must be an integer >= 0.`);
    }
    table['x-normalizer'] = { max_nesting: hints.maxTableNesting };
  }
  if (hints.schemaContract !== undefined) table.schema_contract = hints.schemaContract;
  validateSingleHints(table);

  const nestedTables: Array<TableSchema & { name: string }> = [];
  const paths = Object.keys(hints.nestedHints ?? {}).sort(
    (a, b) => naming.breakPath(a).length - naming.breakPath(b).length,
  );
  const declared = new Set<string>();
  for (const path of paths) {
    const normalizedPath = naming
      .breakPath(path)
      .map((part) => naming.normalizeTablesPath(part))
      .join('__');
    nestedTables.push(nestedTemplate(name, path, hints.nestedHints![path]!, declared, naming));
    declared.add(normalizedPath);
  }
  return { table, nestedTables };
}
