import { ConfigurationError, DLT_ID, DLT_PARENT_ID, type PreparedTable } from '@hotdata-dlt/core';
import { Field, Schema, type Table, TimestampMicrosecond } from 'apache-arrow';
import { plainType } from './promote.ts';
import { keyOf, type Row, tableToRows } from './rows.ts';

/** One table of a chain with the batch's rows (aligned to the table's columns). */
export interface ChainTable {
  table: PreparedTable;
  /** All rows of the load package for this table; zero rows is fine (a `replace` empties the table). */
  rows: Table;
}

/** A table chain to merge: the root first, then nested tables (parents before children). */
export interface MergeInput {
  chain: ChainTable[];
  /** The package's load id. */
  loadId: string;
  /**
   * scd2 validity boundary: the root's `x-boundary-timestamp` if set, else the package creation time. An
   * ISO string keeps sub-millisecond digits.
   */
  boundaryTimestamp: Date | string;
  /**
   * A re-run of a chain that may have been applied partly or fully before (crash, lost response): the
   * result must equal one clean run.
   */
  restore?: boolean;
}

/** The hints of a chain's root that drive merging, resolved once. */
export interface ChainSpec {
  root: PreparedTable;
  strategy: 'append' | 'replace' | 'delete-insert' | 'upsert' | 'insert-only' | 'scd2';
  primaryKey: string[];
  mergeKey: string[];
  /** The root's row key: first `row_key` column, else first `unique`, else a single primary key column. */
  rowKey: string;
  hardDelete: { column: string; bool: boolean } | undefined;
  dedupSort: { column: string; order: 'asc' | 'desc' } | undefined;
  /** `x-stage-data-deduplicated`: the batch is known to hold one row per primary key. */
  deduplicated: boolean;
  scd2?: { from: string; to: string; rowVersion: string; activeValue: string | null };
}

function columnsWith(table: PreparedTable, hint: 'primary_key' | 'merge_key'): string[] {
  return Object.values(table.columns)
    .filter((column) => column[hint] === true)
    .map((column) => column.name);
}

/** The row key column of a table (dlt's `get_row_key_col`), `_dlt_id` when nothing else qualifies. */
export function rowKeyColumn(table: PreparedTable): string {
  const columns = Object.values(table.columns);
  const found =
    columns.find((column) => column.row_key === true) ?? columns.find((column) => column.unique === true);
  if (found) return found.name;
  const primaryKey = columnsWith(table, 'primary_key');
  return primaryKey.length === 1 ? primaryKey[0]! : DLT_ID;
}

/** Reads the merge-relevant hints of a chain's root table. */
export function chainSpec(root: PreparedTable): ChainSpec {
  const disposition = root.write_disposition;
  const strategy =
    disposition === 'merge'
      ? (root['x-merge-strategy'] ?? 'delete-insert')
      : disposition === 'replace'
        ? 'replace'
        : 'append';
  const columns = Object.values(root.columns);
  const hardDeleteColumns = columns.filter((column) => column.hard_delete === true);
  const dedupColumns = columns.filter(
    (column) => column.dedup_sort === 'asc' || column.dedup_sort === 'desc',
  );
  if (hardDeleteColumns.length > 1 || dedupColumns.length > 1) {
    throw new ConfigurationError(
      `Table '${root.name}' has more than one hard_delete or dedup_sort column; keep at most one of each.`,
    );
  }
  const spec: ChainSpec = {
    root,
    strategy,
    primaryKey: columnsWith(root, 'primary_key'),
    mergeKey: columnsWith(root, 'merge_key'),
    rowKey: rowKeyColumn(root),
    hardDelete: hardDeleteColumns[0]
      ? { column: hardDeleteColumns[0].name, bool: hardDeleteColumns[0].data_type === 'bool' }
      : undefined,
    dedupSort: dedupColumns[0]
      ? { column: dedupColumns[0].name, order: dedupColumns[0].dedup_sort! }
      : undefined,
    deduplicated: root['x-stage-data-deduplicated'] === true,
  };
  if ((strategy === 'upsert' || strategy === 'insert-only') && spec.primaryKey.length === 0) {
    throw new ConfigurationError(
      `Table '${root.name}' uses merge strategy '${strategy}', which needs a primary key; set primaryKey on the resource.`,
    );
  }
  if (strategy === 'scd2') {
    const from = columns.find((column) => column['x-valid-from'] === true)?.name ?? '_dlt_valid_from';
    const toColumn = columns.find((column) => column['x-valid-to'] === true);
    const rowVersion = columns.find((column) => column['x-row-version'] === true)?.name ?? DLT_ID;
    const active = toColumn?.['x-active-record-timestamp'];
    spec.scd2 = {
      from,
      to: toColumn?.name ?? '_dlt_valid_to',
      rowVersion,
      activeValue: typeof active === 'string' ? active : active instanceof Date ? active.toISOString() : null,
    };
  }
  return spec;
}

/** Whether a root row is a hard delete (bool column: `true`; any other type: not null). */
export function isDeleted(row: Row, spec: Pick<ChainSpec, 'hardDelete'>): boolean {
  if (!spec.hardDelete) return false;
  const value = row[spec.hardDelete.column];
  return spec.hardDelete.bool ? value === true : value !== null && value !== undefined;
}

function compareValues(left: unknown, right: unknown): number {
  if (typeof left === 'bigint' || typeof right === 'bigint') {
    const a = BigInt(left as bigint);
    const b = BigInt(right as bigint);
    return a < b ? -1 : a > b ? 1 : 0;
  }
  if (left instanceof Uint8Array && right instanceof Uint8Array) {
    return Buffer.compare(Buffer.from(left), Buffer.from(right));
  }
  return (left as number) < (right as number) ? -1 : (left as number) > (right as number) ? 1 : 0;
}

/** Whether `candidate` beats `current` under `dedup_sort`; a NULL sort value never wins (DuckDB's NULLS LAST). */
function sortsBefore(candidate: unknown, current: unknown, order: 'asc' | 'desc'): boolean {
  const missing = (value: unknown) => value === null || value === undefined;
  if (missing(candidate)) return false;
  if (missing(current)) return true;
  const comparison = compareValues(candidate, current);
  return order === 'desc' ? comparison > 0 : comparison < 0;
}

/**
 * Keeps one row per key, in batch order of the kept rows: with a `dedup_sort` column the row with the
 * highest (`desc`) or lowest (`asc`) non-null value — the first such row on ties —, else the last row
 * of the batch. Rows with a null key are all kept (a NULL key equals nothing).
 */
export function dedupRows(
  rows: readonly Row[],
  key: readonly string[],
  dedupSort?: { column: string; order: 'asc' | 'desc' },
): Row[] {
  const chosen = new Map<string, { row: Row; index: number }>();
  const unkeyed: Array<{ row: Row; index: number }> = [];
  rows.forEach((row, index) => {
    const id = keyOf(row, key);
    if (id === undefined) {
      unkeyed.push({ row, index });
      return;
    }
    const current = chosen.get(id);
    if (!current) {
      chosen.set(id, { row, index });
      return;
    }
    if (dedupSort) {
      if (sortsBefore(row[dedupSort.column], current.row[dedupSort.column], dedupSort.order))
        chosen.set(id, { row, index });
    } else {
      chosen.set(id, { row, index });
    }
  });
  return [...chosen.values(), ...unkeyed].sort((a, b) => a.index - b.index).map((item) => item.row);
}

/**
 * The column of a nested table that links it to its root row: the first `root_key` column
 * (`_dlt_root_id`), else `_dlt_parent_id` for tables directly below the root (dlt's `get_root_key_col`).
 */
export function rootKeyColumn(table: PreparedTable, rootName: string): string {
  const rootKey = Object.values(table.columns).find((column) => column.root_key === true)?.name;
  if (rootKey) return rootKey;
  const parentKey = Object.values(table.columns).find((column) => column.parent_key === true)?.name;
  if (table.parent === rootName && (parentKey || table.columns[DLT_PARENT_ID]))
    return parentKey ?? DLT_PARENT_ID;
  throw new ConfigurationError(
    `Nested table '${table.name}' has no root key column (_dlt_root_id) to merge it by its root row; enable root key propagation on the source (rootKey: true) before the first load.`,
  );
}

/** The parent link of a nested table: its `parent_key` column, else `_dlt_parent_id`. */
export function parentKeyColumn(table: PreparedTable): string {
  return Object.values(table.columns).find((column) => column.parent_key === true)?.name ?? DLT_PARENT_ID;
}

/** One chain table's batch as rows, with its (plain, promoted) Arrow schema. */
export interface Batch {
  table: PreparedTable;
  schema: Schema;
  rows: Row[];
}

/**
 * The batch rows of each chain table, keyed by table name. Dictionary columns become plain; the scd2
 * validity columns are added to the root schema when the batch lacks them (as UTC microseconds).
 */
export function batchRows(input: MergeInput, spec: ChainSpec): Map<string, Batch> {
  const result = new Map<string, Batch>();
  for (const item of input.chain) {
    const fields = item.rows.schema.fields.map(
      (field) => new Field(field.name, plainType(field.type), field.nullable, field.metadata),
    );
    if (item.table.name === spec.root.name && spec.scd2) {
      for (const name of [spec.scd2.from, spec.scd2.to]) {
        if (!fields.some((field) => field.name === name))
          fields.push(new Field(name, new TimestampMicrosecond('UTC'), true));
      }
    }
    result.set(item.table.name, {
      table: item.table,
      schema: new Schema(fields),
      rows: tableToRows(item.rows),
    });
  }
  return result;
}
