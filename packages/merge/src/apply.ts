import { Schema, type Table } from 'apache-arrow';
import { MergeError } from './errors.ts';
import type { PlanOperation } from './plan.ts';
import { alignToSchema, promoteSchemas } from './promote.ts';
import { keyOf, type Row, rowsToTable, tableToRows } from './rows.ts';

function requireKey(operation: PlanOperation): string[] {
  const key = operation.key ?? [];
  if (key.length === 0) {
    throw new MergeError(
      `A '${operation.mode}' load of '${operation.table}' needs key columns and got none (no declared key); pass the key with the operation.`,
      { code: 'NO_DECLARED_KEY' },
    );
  }
  const present = new Set(operation.rows.schema.fields.map((field) => field.name));
  const missing = key.filter((column) => !present.has(column));
  if (missing.length > 0) {
    throw new MergeError(
      `A '${operation.mode}' load of '${operation.table}' is keyed on ${missing.join(', ')}, which its rows lack; include the key columns in the batch.`,
      { code: 'NO_DECLARED_KEY' },
    );
  }
  return key;
}

function applyOne(current: Table | undefined, operation: PlanOperation): Table | undefined {
  const { mode, rows: batchTable } = operation;
  if (mode === 'replace') return batchTable;
  const key = mode === 'append' ? [] : requireKey(operation);
  if (mode === 'delete') {
    if (!current) return undefined;
    const doomed = new Set(tableToRows(batchTable).map((row) => keyOf(row, key)));
    doomed.delete(undefined);
    const kept = tableToRows(current).filter((row) => !doomed.has(keyOf(row, key)));
    return kept.length === current.numRows ? current : rowsToTable(current.schema, kept);
  }
  const schema = promoteSchemas(current?.schema ?? new Schema([]), batchTable.schema);
  const rows = current ? tableToRows(alignToSchema(current, schema)) : [];
  const batch = tableToRows(alignToSchema(batchTable, schema));
  if (mode === 'append') return rowsToTable(schema, [...rows, ...batch]);

  const byKey = new Map<string, Row>();
  for (const row of batch) {
    const id = keyOf(row, key);
    if (id === undefined) continue;
    if (byKey.has(id)) {
      throw new MergeError(
        `duplicate key in batch: a '${mode}' load of '${operation.table}' holds the key (${key.join(', ')}) = (${key.map((column) => String(row[column])).join(', ')}) twice; nothing was applied. Deduplicate the batch first.`,
        { code: 'DUPLICATE_KEY_IN_BATCH' },
      );
    }
    byKey.set(id, row);
  }
  const batchColumns = batchTable.schema.fields.map((field) => field.name);
  const matched = new Set<string>();
  for (const row of rows) {
    const id = keyOf(row, key);
    const source = id === undefined ? undefined : byKey.get(id);
    if (!source) continue;
    matched.add(id!);
    // Only the columns the batch carries change on a matched row.
    for (const column of batchColumns) row[column] = source[column] ?? null;
  }
  if (mode === 'update') return current ? rowsToTable(schema, rows) : undefined;
  for (const row of batch) {
    const id = keyOf(row, key);
    if (id === undefined || !matched.has(id)) rows.push(row);
  }
  return rowsToTable(schema, rows);
}

/**
 * Applies load operations to in-memory tables exactly as a Hotdata server applies its load modes:
 *
 * | mode | effect on table T for batch B with key K |
 * |---|---|
 * | `replace` | T := B (zero rows empties T; T's columns become B's) |
 * | `append` | T := T + B |
 * | `upsert` | rows of T matching a row of B on K take B's values in B's columns; unmatched rows of B are inserted |
 * | `update` | like `upsert`, unmatched rows of B are ignored |
 * | `delete` | rows of T matching any row of B on K are deleted (B may hold only K) |
 *
 * Keys compare with SQL equality (a NULL key never matches); a key twice in an `upsert`/`update` batch is
 * a `MergeError` (`DUPLICATE_KEY_IN_BATCH`). Columns T lacks are added (types widen as
 * `promoteSchemas`); new rows get NULL in columns B lacks. Each operation applies wholly or not at all;
 * the input map is never modified.
 *
 * @example
 * ```ts
 * const next = applyOperations(tables, await planMerge(input, inMemoryLookups(tables)));
 * ```
 */
export function applyOperations(
  tables: ReadonlyMap<string, Table>,
  operations: readonly PlanOperation[],
): Map<string, Table> {
  const result = new Map(tables);
  for (const operation of operations) {
    const next = applyOne(result.get(operation.table), operation);
    if (next) result.set(operation.table, next);
  }
  return result;
}
