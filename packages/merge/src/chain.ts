import { ConfigurationError, DLT_ID, DLT_PARENT_ID, type PreparedTable } from '@hotdata-dlt/core';
import type { Schema, Table } from 'apache-arrow';
import { keyOf, type Row, tableToRows } from './rows.ts';

/** One table of a chain with the batch's rows (aligned to the table's columns). */
export interface ChainTable {
  table: PreparedTable;
  rows: Table;
}

/** A table chain to merge: the root first, then nested tables (parents before children). */
export interface MergeInput {
  chain: ChainTable[];
  /** The package's load id. */
  loadId: string;
  /** scd2 validity boundary: `x-boundary-timestamp` or the package creation time. */
  boundaryTimestamp: Date;
  /** A re-run of an interrupted chain: the plan must be idempotent. */
  restore?: boolean;
}

/** The hints of a chain's root that drive merging, resolved once. */
export interface ChainSpec {
  root: PreparedTable;
  strategy: 'append' | 'replace' | 'delete-insert' | 'upsert' | 'insert-only' | 'scd2';
  primaryKey: string[];
  mergeKey: string[];
  hardDelete: { column: string; bool: boolean } | undefined;
  dedupSort: { column: string; order: 'asc' | 'desc' } | undefined;
  deduplicated: boolean;
  scd2?: { from: string; to: string; rowVersion: string; activeValue: string | null };
}

function columnsWith(table: PreparedTable, hint: 'primary_key' | 'merge_key'): string[] {
  return Object.values(table.columns)
    .filter((column) => column[hint] === true)
    .map((column) => column.name);
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
  const hardDeleteColumns = columns.filter((column) => column.hard_delete);
  const dedupColumns = columns.filter((column) => column.dedup_sort);
  if (hardDeleteColumns.length > 1 || dedupColumns.length > 1) {
    throw new ConfigurationError(
      `Table '${root.name}' has more than one hard_delete or dedup_sort column; keep one of each.`,
    );
  }
  const spec: ChainSpec = {
    root,
    strategy,
    primaryKey: columnsWith(root, 'primary_key'),
    mergeKey: columnsWith(root, 'merge_key'),
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
      `Table '${root.name}' uses merge strategy '${strategy}', which needs a primary key.`,
    );
  }
  if (strategy === 'scd2') {
    const from = columns.find((column) => column['x-valid-from'])?.name ?? '_dlt_valid_from';
    const toColumn = columns.find((column) => column['x-valid-to']);
    const rowVersion = columns.find((column) => column['x-row-version'])?.name ?? DLT_ID;
    const active = toColumn?.['x-active-record-timestamp'];
    spec.scd2 = {
      from,
      to: toColumn?.name ?? '_dlt_valid_to',
      rowVersion,
      activeValue: typeof active === 'string' ? active : null,
    };
  }
  return spec;
}

/** Whether a root row is a hard delete (bool column: `true`; any other type: not null). */
export function isDeleted(row: Row, spec: ChainSpec): boolean {
  if (!spec.hardDelete) return false;
  const value = row[spec.hardDelete.column];
  return spec.hardDelete.bool ? value === true : value !== null && value !== undefined;
}

function compareValues(left: unknown, right: unknown): number {
  if (left === right) return 0;
  if (left === null || left === undefined) return -1;
  if (right === null || right === undefined) return 1;
  if (typeof left === 'bigint' || typeof right === 'bigint') {
    const a = BigInt(left as bigint);
    const b = BigInt(right as bigint);
    return a < b ? -1 : a > b ? 1 : 0;
  }
  return (left as number) < (right as number) ? -1 : (left as number) > (right as number) ? 1 : 0;
}

/**
 * Keeps one row per key: with a `dedup_sort` column the highest (`desc`) or lowest (`asc`) value, else
 * the last row of the batch. Rows with a null key are kept as they are (they never match).
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
      const order = compareValues(row[dedupSort.column], current.row[dedupSort.column]);
      const better = dedupSort.order === 'desc' ? order > 0 : order < 0;
      if (better) chosen.set(id, { row, index });
    } else {
      chosen.set(id, { row, index });
    }
  });
  return [...chosen.values(), ...unkeyed].sort((a, b) => a.index - b.index).map((item) => item.row);
}

/** The column of a nested table that links it to its root row (`_dlt_root_id`, else `_dlt_parent_id` at level 1). */
export function rootKeyColumn(table: PreparedTable, rootName: string): string {
  const rootKey = Object.values(table.columns).find((column) => column.root_key)?.name;
  if (rootKey) return rootKey;
  if (table.parent === rootName && table.columns[DLT_PARENT_ID]) return DLT_PARENT_ID;
  throw new ConfigurationError(
    `Nested table '${table.name}' has no root key column (_dlt_root_id) to merge it by its root; enable root key propagation on the source (rootKey: true).`,
  );
}

/** The batch rows of each chain table. */
export function batchRows(
  input: MergeInput,
): Map<string, { table: PreparedTable; schema: Schema; rows: Row[] }> {
  return new Map(
    input.chain.map((item) => [
      item.table.name,
      { table: item.table, schema: item.rows.schema, rows: tableToRows(item.rows) },
    ]),
  );
}
