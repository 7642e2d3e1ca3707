import { DLT_ID } from '@hotdata-dlt/core';
import type { Table } from 'apache-arrow';
import type { PlanLookups } from './plan.ts';
import { keyOf, type Row, tableToRows } from './rows.ts';

/**
 * {@link PlanLookups} answered from whole in-memory tables (tests, the reference destination, and
 * anything that already holds the destination tables). A missing table has no rows.
 *
 * @example
 * ```ts
 * const operations = await planMerge(input, inMemoryLookups(tables));
 * const next = applyOperations(tables, operations);
 * ```
 */
export function inMemoryLookups(tables: ReadonlyMap<string, Table>): PlanLookups {
  const rowsOf = (name: string): Row[] => {
    const table = tables.get(name);
    return table ? tableToRows(table) : [];
  };
  const wanted = (keys: readonly Row[], columns: readonly string[]) =>
    new Set(keys.map((row) => keyOf(row, columns)).filter((key) => key !== undefined));
  return {
    async existingKeys(table, columns, keys) {
      const keySet = wanted(keys, columns);
      const found = new Set<string>();
      for (const row of rowsOf(table)) {
        const key = keyOf(row, columns);
        if (key !== undefined && keySet.has(key)) found.add(key);
      }
      return found;
    },
    async matchingRowIds(table, columns, keys, rowKey = DLT_ID) {
      const keySet = wanted(keys, columns);
      return rowsOf(table)
        .filter((row) => {
          const key = keyOf(row, columns);
          return key !== undefined && keySet.has(key);
        })
        .map((row) => row[rowKey]);
    },
    async activeRows(table, scd2, mergeKey) {
      const keySet = mergeKey ? wanted(mergeKey.keys, mergeKey.columns) : undefined;
      return rowsOf(table).filter((row) => {
        const value = row[scd2.to];
        const isActive =
          scd2.activeValue === null
            ? value === null || value === undefined
            : value !== null && value !== undefined && BigInt(value as bigint) === scd2.activeValue;
        if (!isActive) return false;
        if (!keySet) return true;
        const key = keyOf(row, mergeKey!.columns);
        return key !== undefined && keySet.has(key);
      });
    },
  };
}
