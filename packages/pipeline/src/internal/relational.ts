import {
  DLT_ID,
  DLT_LIST_IDX,
  DLT_LOAD_ID,
  DLT_PARENT_ID,
  type NamingConvention,
  nestedRowId,
  pythonStrip,
  randomRowId,
  rowHash,
  rowKeyHash,
  type Schema,
  SchemaError,
} from '@hotdata-dlt/core';
import { isPlainObject } from './values.ts';

/** How root rows of a table get their `_dlt_id` (SEMANTICS §5.3). */
export type RowIdKind = { kind: 'random' } | { kind: 'key'; columns: string[] } | { kind: 'row-hash' };

/**
 * Receives each row the normalizer produces, parents before children. Returning `false` skips the row's
 * descendants (a row discarded by a schema contract).
 */
export type RowSink = (table: string, row: Record<string, unknown>, parent: string | undefined) => boolean;

interface Context {
  schema: Schema;
  naming: NamingConvention;
  loadId: string;
  /** Default nesting budget when the root table has no `x-normalizer.max_nesting`. */
  maxNesting: number;
  rowId(table: string): RowIdKind;
  sink: RowSink;
  keyCache: Map<string, string>;
  tableKeyCache: Map<string, string>;
  tableNameCache: Map<string, string>;
}

/**
 * dlt's relational normalizer (SEMANTICS §5): flattens nested objects into `a__b` columns, unnests
 * lists into child tables linked by `_dlt_parent_id` / `_dlt_list_idx`, computes `_dlt_id` (random,
 * key hash, row hash, or deterministic for nested rows), adds `_dlt_load_id` to root rows and
 * propagates columns (e.g. `_dlt_root_id`) down the chain.
 */
export class RelationalNormalizer {
  readonly #context: Context;

  constructor(options: Omit<Context, 'keyCache' | 'tableKeyCache' | 'tableNameCache'>) {
    this.#context = { ...options, keyCache: new Map(), tableKeyCache: new Map(), tableNameCache: new Map() };
  }

  /** Normalizes one extracted item into its root table (already normalized name). */
  normalize(item: unknown, rootTable: string): void {
    const dict = isPlainObject(item) ? item : { value: item };
    const budget = this.#maxNesting(rootTable);
    this.#row(dict, {}, [rootTable], undefined, 0, budget, true, dict);
  }

  #maxNesting(rootTable: string): number {
    const hint = this.#context.schema.getTable(rootTable)?.['x-normalizer']?.max_nesting;
    return typeof hint === 'number' ? hint : this.#context.maxNesting;
  }

  #key(key: string): string {
    let normalized = this.#context.keyCache.get(key);
    if (normalized === undefined) {
      normalized = pythonStrip(key) === '' ? '_empty' : this.#context.naming.normalizePath(key);
      this.#context.keyCache.set(key, normalized);
    }
    return normalized;
  }

  #tableKey(key: string): string {
    let normalized = this.#context.tableKeyCache.get(key);
    if (normalized === undefined) {
      normalized = pythonStrip(key) === '' ? '_empty' : this.#context.naming.normalizeTablesPath(key);
      this.#context.tableKeyCache.set(key, normalized);
    }
    return normalized;
  }

  /** Keep a dict/list as a JSON value instead of flattening or unnesting it. */
  #isNestedType(table: string, column: string, budget: number): boolean {
    if (budget <= 0) return true;
    const existing = this.#context.schema.getTable(table)?.columns[column];
    if (existing?.data_type === 'json') return true;
    if (existing?.data_type) return false;
    return this.#context.schema.preferredTypeFor(column) === 'json';
  }

  #flatten(table: string, dict: Record<string, unknown>, budget: number) {
    const flat: Record<string, unknown> = {};
    const lists: Array<{ path: string[]; list: unknown[] }> = [];
    const stack: Array<{ dict: Record<string, unknown>; budget: number; path: string[] }> = [
      { dict, budget, path: [] },
    ];
    const { naming } = this.#context;
    while (stack.length > 0) {
      const current = stack.pop()!;
      for (const key of Object.keys(current.dict)) {
        const value = current.dict[key];
        const normalized = this.#key(key);
        const name =
          current.path.length === 0 ? normalized : naming.shortenFragments(...current.path, normalized);
        if (isPlainObject(value) && !this.#isNestedType(table, name, current.budget)) {
          stack.push({ dict: value, budget: current.budget - 1, path: [...current.path, normalized] });
        } else if (Array.isArray(value) && !this.#isNestedType(table, name, current.budget)) {
          lists.push({ path: [...current.path, this.#tableKey(key)], list: value });
        } else {
          if (Object.hasOwn(flat, name)) {
            throw new SchemaError(
              `Table '${table}': two keys of one item both normalize to the column '${name}' (one of them is '${key}'). Rename one of them in the resource, e.g. with addMap.`,
              { table, column: name },
            );
          }
          flat[name] = value;
        }
      }
    }
    return { flat, lists };
  }

  #row(
    dict: Record<string, unknown>,
    extend: Record<string, unknown>,
    tablePath: string[],
    parentId: string | undefined,
    listIndex: number,
    budget: number,
    isRoot: boolean,
    original: Record<string, unknown>,
  ): void {
    const { schema, sink } = this.#context;
    const table = this.#tableName(tablePath);
    const { flat, lists } = this.#flatten(table, dict, budget);
    const row: Record<string, unknown> = flat;
    for (const [column, value] of Object.entries(extend)) row[column] = value;
    const parentTable = isRoot ? undefined : this.#tableName(tablePath.slice(0, -1));
    const independent = !isRoot && schema.hasTable(table) && schema.getTable(table)?.parent === undefined;
    const asRoot = isRoot || independent;
    if (asRoot) row[DLT_LOAD_ID] = this.#context.loadId;
    const given = row[DLT_ID];
    if (!given) {
      if (!asRoot) {
        row[DLT_PARENT_ID] = parentId;
        row[DLT_LIST_IDX] = listIndex;
        row[DLT_ID] = nestedRowId(parentId!, table, listIndex);
      } else {
        row[DLT_ID] = this.#rootId(table, row, original);
      }
    }
    const rowId = String(row[DLT_ID]);
    const childExtend: Record<string, unknown> = { ...extend };
    const propagation = schema.normalizers.json.config?.propagation;
    const mapping = { ...(isRoot ? propagation?.root : undefined), ...propagation?.tables?.[table] };
    for (const [from, to] of Object.entries(mapping)) {
      if (row[from] !== undefined) childExtend[to] = row[from];
    }
    if (!sink(table, row, parentTable)) return;
    for (const { path, list } of lists) {
      const childPath = [...tablePath, ...path];
      for (let index = 0; index < list.length; index++) {
        const element = list[index];
        if (isPlainObject(element)) {
          this.#row(element, childExtend, childPath, rowId, index, budget - 1, false, element);
        } else if (Array.isArray(element)) {
          this.#row({ list: element }, childExtend, childPath, rowId, index, budget - 1, false, {});
        } else {
          this.#row({ value: element }, childExtend, childPath, rowId, index, budget - 1, false, {});
        }
      }
    }
  }

  /** `shorten_fragments` of a table path, cached: it runs for every nested row. */
  #tableName(tablePath: string[]): string {
    if (tablePath.length === 1) return tablePath[0]!;
    const key = tablePath.join('\u0000');
    let name = this.#context.tableNameCache.get(key);
    if (name === undefined) {
      name = this.#context.naming.shortenFragments(...tablePath);
      this.#context.tableNameCache.set(key, name);
    }
    return name;
  }

  #rootId(table: string, row: Record<string, unknown>, original: Record<string, unknown>): string {
    const kind = this.#context.rowId(table);
    if (kind.kind === 'key') {
      const key: Record<string, unknown> = {};
      for (const column of kind.columns) {
        const value = row[column];
        if (value === undefined || value === null) {
          throw new SchemaError(
            `Table '${table}': primary key column '${column}' is missing or null in a row; upsert and insert-only need every key column.`,
            { table, column },
          );
        }
        key[column] = value;
      }
      return rowKeyHash(key);
    }
    if (kind.kind === 'row-hash') return rowHash(original);
    return randomRowId();
  }
}
