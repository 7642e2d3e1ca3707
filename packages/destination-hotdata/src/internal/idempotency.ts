import { compactJson, digest128 } from '@hotdata-dlt/core';
import { type Row, rowsToTable, tableToRows } from '@hotdata-dlt/merge';
import { Field, Schema, type Table, Utf8 } from 'apache-arrow';

/** Hash of table and batch content, the same on every row of one table's batch. */
export const BATCH_KEY_COLUMN = '_hotdata_batch_key';
/** Hash of table and row content without dlt's bookkeeping columns. */
export const ROW_KEY_COLUMN = '_hotdata_row_key';

const KEY_BYTES = 16;

/**
 * The row key: a hash of the table name and the row's values, leaving out `_dlt_*` columns (random ids
 * and load ids) and the idempotency columns, so the same content gets the same key in any run.
 */
export function rowKey(table: string, row: Row): string {
  const content: Row = {};
  for (const [column, value] of Object.entries(row)) {
    if (column.startsWith('_dlt') || column === BATCH_KEY_COLUMN || column === ROW_KEY_COLUMN) continue;
    // NaN and ±Infinity have no JSON form: hash their text.
    content[column] = typeof value === 'number' && !Number.isFinite(value) ? String(value) : value;
  }
  return digest128(`${table}\n${compactJson(content)}`, KEY_BYTES);
}

/** The batch key: a hash of the table name and the row keys of the batch in order. */
export function batchKey(table: string, rowKeys: readonly string[]): string {
  return digest128(`${table}\n${rowKeys.join('\n')}`, KEY_BYTES);
}

/** Adds `_hotdata_batch_key` and `_hotdata_row_key` to a table's batch. */
export function withIdempotencyColumns(tableName: string, batch: Table): Table {
  const rows = tableToRows(batch);
  const rowKeys = rows.map((row) => rowKey(tableName, row));
  const key = batchKey(tableName, rowKeys);
  const fields = batch.schema.fields.filter(
    (field) => field.name !== BATCH_KEY_COLUMN && field.name !== ROW_KEY_COLUMN,
  );
  const schema = new Schema([
    ...fields,
    new Field(BATCH_KEY_COLUMN, new Utf8(), false),
    new Field(ROW_KEY_COLUMN, new Utf8(), false),
  ]);
  return rowsToTable(
    schema,
    rows.map((row, index) => ({ ...row, [BATCH_KEY_COLUMN]: key, [ROW_KEY_COLUMN]: rowKeys[index] })),
  );
}
