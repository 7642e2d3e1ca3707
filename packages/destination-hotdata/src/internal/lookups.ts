import { DLT_ID } from '@hotdata-dlt/core';
import { keyOf, type PlanLookups, type Row, tableToRows } from '@hotdata-dlt/merge';
import type { Schema } from 'apache-arrow';
import { type HotdataDatabase, isMissingTableError } from './database.ts';
import { fieldType, keyCondition, qualifiedTable, quoteIdentifier, sqlLiteral } from './sql.ts';

/** Options of {@link sqlLookups}. */
export interface SqlLookupOptions {
  database: HotdataDatabase;
  /** The Hotdata schema of the chain's tables. */
  schema: string;
  /** Arrow schema of each chain table's batch: key literals take the column's type. */
  batchSchemas: ReadonlyMap<string, Schema>;
  /** Most key values per query. */
  batchSize: number;
  /** Counts each lookup query (for metrics and tests). */
  onQuery?: (sql: string) => void;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += size) result.push(items.slice(start, start + size));
  return result;
}

/**
 * The merge planner's lookups answered by read-only queries on the Hotdata database: key lists become
 * `IN (...)` / `OR` conditions chunked to `batchSize` keys, results come back as Arrow (exact values).
 * A table that does not exist yet (or was declared but never loaded) has no rows.
 */
export function sqlLookups(options: SqlLookupOptions): PlanLookups {
  const { database, schema, batchSchemas, batchSize } = options;

  async function select(table: string, sql: string): Promise<Row[]> {
    const known = await database.table(schema, table);
    if (known && !known.synced) return [];
    options.onQuery?.(sql);
    try {
      return tableToRows(await database.queryArrow(sql, schema));
    } catch (error) {
      if (isMissingTableError(error)) return [];
      throw error;
    }
  }

  async function selectByKeys(
    table: string,
    selected: readonly string[],
    columns: readonly string[],
    keys: readonly Row[],
    extra?: string,
  ): Promise<Row[]> {
    const result: Row[] = [];
    const batchSchema = batchSchemas.get(table);
    for (const chunk of chunks(keys, batchSize)) {
      const where = [`(${keyCondition(columns, chunk, batchSchema)})`, ...(extra ? [extra] : [])].join(
        ' AND ',
      );
      const sql = `SELECT ${selected.map(quoteIdentifier).join(', ')} FROM ${qualifiedTable(schema, table)} WHERE ${where}`;
      result.push(...(await select(table, sql)));
    }
    return result;
  }

  return {
    async existingKeys(table, columns, keys) {
      const found = new Set<string>();
      for (const row of await selectByKeys(table, columns, columns, keys)) {
        const key = keyOf(row, columns);
        if (key !== undefined) found.add(key);
      }
      return found;
    },
    async matchingRowIds(table, columns, keys, rowKey = DLT_ID) {
      return (await selectByKeys(table, [rowKey], columns, keys)).map((row) => row[rowKey]);
    },
    async activeRows(table, scd2, mergeKey) {
      const toType = fieldType(batchSchemas.get(table), scd2.to);
      const active =
        scd2.activeValue === null
          ? `${quoteIdentifier(scd2.to)} IS NULL`
          : `${quoteIdentifier(scd2.to)} = ${sqlLiteral(scd2.activeValue, toType)}`;
      const selected = [...new Set([scd2.rowVersion, scd2.from, scd2.to, ...(mergeKey?.columns ?? [])])];
      if (mergeKey) return selectByKeys(table, selected, mergeKey.columns, mergeKey.keys, active);
      return select(
        table,
        `SELECT ${selected.map(quoteIdentifier).join(', ')} FROM ${qualifiedTable(schema, table)} WHERE ${active}`,
      );
    },
  };
}
