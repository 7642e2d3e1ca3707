import {
  type CompleteColumnSchema,
  type DataType,
  digest128,
  nestedRowId,
  type PreparedTable,
  rowHash,
  rowKeyHash,
} from '@hotdata-dlt/core';
import {
  type DataType as ArrowType,
  Bool,
  Field,
  Int64,
  Schema,
  type Table,
  TimestampMicrosecond,
  Utf8,
} from 'apache-arrow';
import { applyOperations } from '../apply.ts';
import type { MergeInput } from '../chain.ts';
import { mergeClientSide } from '../client-side.ts';
import { inMemoryLookups } from '../in-memory-lookups.ts';
import { type PlanOperation, planMerge } from '../plan.ts';
import { type Row, rowsToTable, tableToRows } from '../rows.ts';

/** Test tables shaped as the normalizer makes them: `items` → `items__parts` → `items__parts__subs`. */

export type Strategy = 'append' | 'replace' | 'delete-insert' | 'upsert' | 'insert-only' | 'scd2';
export const STRATEGIES: readonly Strategy[] = [
  'append',
  'replace',
  'delete-insert',
  'upsert',
  'insert-only',
  'scd2',
];

export interface ChainOptions {
  strategy: Strategy;
  /** `id` is the primary key (default: true except scd2). */
  primaryKey?: boolean;
  /** `grp` is the merge key. */
  mergeKey?: boolean;
  /** `deleted` (bool) or `deleted_at` (timestamp: any non-null value deletes) carries `hard_delete`. */
  hardDelete?: 'bool' | 'timestamp';
  /** `seq` carries `dedup_sort`. */
  dedupSort?: 'asc' | 'desc';
  deduplicated?: boolean;
  /** scd2 `x-active-record-timestamp`. */
  activeRecordTimestamp?: string;
  /** scd2 validity column names (default `_dlt_valid_from`, `_dlt_valid_to`). */
  validityColumns?: [string, string];
  /** Include the nested tables `items__parts` and `items__parts__subs` (default true). */
  nested?: boolean;
  /** The root has the extra text column `extra` (a column added by schema evolution). */
  extraColumn?: boolean;
}

export interface Part {
  n: number | null;
  subs: number[];
}

export interface Item {
  id: number;
  grp: number;
  v: string | null;
  deleted: boolean;
  seq: number | null;
  extra?: string | null;
  parts: Part[];
}

export const item = (id: number, v: string | null, extra: Partial<Item> = {}): Item => ({
  id,
  grp: 1,
  v,
  deleted: false,
  seq: 0,
  parts: [],
  ...extra,
});

const ARROW_TYPES: Record<string, () => ArrowType> = {
  bigint: () => new Int64(),
  text: () => new Utf8(),
  bool: () => new Bool(),
  timestamp: () => new TimestampMicrosecond('UTC'),
};

function column(
  name: string,
  data_type: DataType,
  extra: Partial<CompleteColumnSchema> = {},
): CompleteColumnSchema {
  return { name, data_type, nullable: true, ...extra };
}

function arrowSchema(table: PreparedTable): Schema {
  return new Schema(
    Object.values(table.columns).map(
      (entry) => new Field(entry.name, ARROW_TYPES[entry.data_type]!(), entry.nullable !== false),
    ),
  );
}

const usesRootKey = (strategy: Strategy) =>
  strategy === 'delete-insert' || strategy === 'upsert' || strategy === 'insert-only';

/** Prepared tables of the chain, as `Schema.prepareLoadTable` gives them for these options. */
export function chainTables(options: ChainOptions): PreparedTable[] {
  const { strategy } = options;
  const merge = strategy !== 'append' && strategy !== 'replace';
  const scd2 = strategy === 'scd2';
  const primaryKey = options.primaryKey ?? !scd2;
  const [from, to] = options.validityColumns ?? ['_dlt_valid_from', '_dlt_valid_to'];
  const disposition = merge ? 'merge' : strategy;
  const root: PreparedTable = {
    name: 'items',
    write_disposition: disposition,
    ...(merge ? { 'x-merge-strategy': strategy } : {}),
    ...(options.deduplicated ? { 'x-stage-data-deduplicated': true } : {}),
    columns: {
      id: column('id', 'bigint', { nullable: false, ...(primaryKey ? { primary_key: true } : {}) }),
      grp: column('grp', 'bigint', options.mergeKey ? { merge_key: true, nullable: false } : {}),
      v: column('v', 'text'),
      deleted: column('deleted', 'bool', options.hardDelete === 'bool' ? { hard_delete: true } : {}),
      deleted_at: column(
        'deleted_at',
        'timestamp',
        options.hardDelete === 'timestamp' ? { hard_delete: true } : {},
      ),
      seq: column('seq', 'bigint', options.dedupSort ? { dedup_sort: options.dedupSort } : {}),
      ...(options.extraColumn ? { extra: column('extra', 'text') } : {}),
      ...(scd2
        ? {
            [from]: column(from, 'timestamp', { 'x-valid-from': true }),
            [to]: column(to, 'timestamp', {
              'x-valid-to': true,
              'x-active-record-timestamp': options.activeRecordTimestamp ?? null,
            }),
          }
        : {}),
      _dlt_load_id: column('_dlt_load_id', 'text', { nullable: false }),
      _dlt_id: column('_dlt_id', 'text', {
        nullable: false,
        ...(scd2
          ? { 'x-row-version': true, unique: false, row_key: false }
          : { unique: true, row_key: true }),
      }),
    },
  };
  if (options.nested === false) return [root];
  const linking = (): Record<string, CompleteColumnSchema> => ({
    ...(usesRootKey(strategy)
      ? { _dlt_root_id: column('_dlt_root_id', 'text', { nullable: false, root_key: true }) }
      : {}),
    _dlt_parent_id: column('_dlt_parent_id', 'text', { nullable: false, parent_key: true }),
    _dlt_list_idx: column('_dlt_list_idx', 'bigint', { nullable: false }),
    _dlt_id: column('_dlt_id', 'text', { nullable: false, unique: true, row_key: true }),
  });
  const parts: PreparedTable = {
    name: 'items__parts',
    parent: 'items',
    write_disposition: disposition,
    columns: { n: column('n', 'bigint'), ...linking() },
  };
  const subs: PreparedTable = {
    name: 'items__parts__subs',
    parent: 'items__parts',
    write_disposition: disposition,
    columns: { value: column('value', 'bigint'), ...linking() },
  };
  return [root, parts, subs];
}

const DELETED_AT = 1_700_000_000_000_000n;

/**
 * Rows as the relational normalizer produces them: root ids by strategy (key hash for upsert and
 * insert-only, row hash for scd2, else a per-load id that is random in real life and deterministic
 * here), deterministic nested ids, `_dlt_root_id` where dlt propagates it.
 */
export function normalize(items: readonly Item[], options: ChainOptions, loadId: string): Map<string, Table> {
  const tables = chainTables(options);
  const roots: Row[] = [];
  const parts: Row[] = [];
  const subs: Row[] = [];
  items.forEach((entry, index) => {
    const content: Record<string, unknown> = {
      id: entry.id,
      grp: entry.grp,
      v: entry.v,
      deleted: entry.deleted,
      seq: entry.seq,
      parts: entry.parts,
      ...(options.extraColumn ? { extra: entry.extra ?? null } : {}),
    };
    const id =
      options.strategy === 'upsert' || options.strategy === 'insert-only'
        ? rowKeyHash({ id: entry.id })
        : options.strategy === 'scd2'
          ? rowHash(content)
          : digest128(`${loadId}_${index}`);
    roots.push({
      id: BigInt(entry.id),
      grp: BigInt(entry.grp),
      v: entry.v,
      deleted: entry.deleted,
      deleted_at: entry.deleted ? DELETED_AT : null,
      seq: entry.seq === null ? null : BigInt(entry.seq),
      extra: entry.extra ?? null,
      _dlt_load_id: loadId,
      _dlt_id: id,
    });
    const rootKey = usesRootKey(options.strategy) ? { _dlt_root_id: id } : {};
    entry.parts.forEach((part, partIndex) => {
      const partId = nestedRowId(id, 'items__parts', partIndex);
      parts.push({
        n: part.n === null ? null : BigInt(part.n),
        ...rootKey,
        _dlt_parent_id: id,
        _dlt_list_idx: BigInt(partIndex),
        _dlt_id: partId,
      });
      part.subs.forEach((value, subIndex) => {
        subs.push({
          value: BigInt(value),
          ...rootKey,
          _dlt_parent_id: partId,
          _dlt_list_idx: BigInt(subIndex),
          _dlt_id: nestedRowId(partId, 'items__parts__subs', subIndex),
        });
      });
    });
  });
  const rows = [roots, parts, subs];
  return new Map(tables.map((table, index) => [table.name, rowsToTable(arrowSchema(table), rows[index]!)]));
}

/** The merge input of one load of `items`. */
export function mergeInput(
  items: readonly Item[],
  options: ChainOptions,
  loadId: string,
  boundaryTimestamp: Date | string,
): MergeInput {
  const batches = normalize(items, options, loadId);
  return {
    chain: chainTables(options).map((table) => ({ table, rows: batches.get(table.name)! })),
    loadId,
    boundaryTimestamp,
  };
}

export const loadIdOf = (run: number) => `${1_700_000_000 + run * 86_400}.5`;
export const boundaryOf = (run: number) => new Date(Date.UTC(2024, 0, 1 + run));

/** Loads each batch with the planner + `applyOperations` and with `mergeClientSide`. */
export async function loadBoth(options: ChainOptions | ChainOptions[], batches: readonly Item[][]) {
  let planned = new Map<string, Table>();
  let reference = new Map<string, Table>();
  const plans: PlanOperation[][] = [];
  for (const [run, items] of batches.entries()) {
    const runOptions = Array.isArray(options) ? options[run]! : options;
    const input = mergeInput(items, runOptions, loadIdOf(run), boundaryOf(run));
    const operations = await planMerge(input, inMemoryLookups(planned));
    plans.push(operations);
    planned = applyOperations(planned, operations);
    reference = new Map([...reference, ...mergeClientSide(reference, input)]);
  }
  return { planned, reference, plans };
}

/**
 * Order-independent rows of a table: sorted JSON, bigint as `<n>n`. Null values are left out, so a
 * column a table lacks equals a column of nulls: columns are DDL, which a destination creates from the
 * schema whether or not a plan loads rows.
 */
export function canonical(table: Table | undefined): string[] {
  if (!table) return [];
  return tableToRows(table)
    .map((row) =>
      JSON.stringify(
        Object.entries(row)
          .filter(([, value]) => value !== null)
          .sort(([a], [b]) => a.localeCompare(b)),
        (_, value) => (typeof value === 'bigint' ? `${value}n` : value),
      ),
    )
    .sort();
}

/** Selected columns of every row, bigints as numbers, sorted: for hand-written expectations. */
export function values(table: Table | undefined, columns: readonly string[]): unknown[][] {
  if (!table) return [];
  return tableToRows(table)
    .map((row) => columns.map((name) => (typeof row[name] === 'bigint' ? Number(row[name]) : row[name])))
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}
