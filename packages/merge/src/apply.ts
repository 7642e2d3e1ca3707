import { ConfigurationError } from '@hotdata-dlt/core';
import type { Table } from 'apache-arrow';
import type { PlanOperation } from './plan.ts';
import { alignToSchema, promoteSchemas } from './promote.ts';
import { keyOf, type Row, rowsToTable, tableToRows } from './rows.ts';

/**
 * Applies load operations to in-memory tables exactly as a Hotdata server applies load modes: `replace`,
 * `append`, and `upsert` / `update` / `delete` by key (NULL keys never match; a key twice in an upsert
 * batch is an error). Columns the table lacks are added; missing ones are null for new rows and left
 * alone for matched rows.
 */
export function applyOperations(
  tables: ReadonlyMap<string, Table>,
  operations: readonly PlanOperation[],
): Map<string, Table> {
  const result = new Map(tables);
  for (const operation of operations) {
    const current = result.get(operation.table);
    if (operation.mode === 'replace') {
      result.set(operation.table, operation.rows);
      continue;
    }
    if (!current) {
      if (operation.mode === 'append' || operation.mode === 'upsert')
        result.set(operation.table, operation.rows);
      continue;
    }
    const schema =
      operation.mode === 'delete' ? current.schema : promoteSchemas(current.schema, operation.rows.schema);
    const rows = tableToRows(alignToSchema(current, schema));
    const batch = tableToRows(
      operation.mode === 'delete' ? operation.rows : alignToSchema(operation.rows, schema),
    );
    const batchColumns = operation.rows.schema.fields.map((field) => field.name);
    const key = operation.key ?? [];
    if (operation.mode !== 'append' && key.length === 0) {
      throw new ConfigurationError(`Operation ${operation.mode} on '${operation.table}' needs key columns.`);
    }
    switch (operation.mode) {
      case 'append':
        rows.push(...batch);
        break;
      case 'delete': {
        const keys = new Set<string | undefined>(
          batch.map((row) => keyOf(row, key)).filter((value) => value !== undefined),
        );
        result.set(
          operation.table,
          rowsToTable(
            schema,
            rows.filter((row) => !keys.has(keyOf(row, key))),
          ),
        );
        continue;
      }
      case 'upsert':
      case 'update': {
        const byKey = new Map<string, Row>();
        for (const row of batch) {
          const id = keyOf(row, key);
          if (id === undefined) continue;
          if (byKey.has(id))
            throw new ConfigurationError(
              `Duplicate key in batch for '${operation.table}' (${key.join(', ')}).`,
            );
          byKey.set(id, row);
        }
        const matched = new Set<string>();
        for (const row of rows) {
          const id = keyOf(row, key);
          const source = id === undefined ? undefined : byKey.get(id);
          if (!source) continue;
          matched.add(id!);
          for (const column of batchColumns) row[column] = source[column] ?? null;
        }
        if (operation.mode === 'upsert') {
          rows.push(
            ...batch.filter((row) => {
              const id = keyOf(row, key);
              return id === undefined || !matched.has(id);
            }),
          );
        }
        break;
      }
    }
    result.set(operation.table, rowsToTable(schema, rows));
  }
  return result;
}
