import { rowsToTable, tableToRows } from '@hotdata-dlt/merge';
import { Field, Float64, Int64, Schema, Utf8 } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { BATCH_KEY_COLUMN, ROW_KEY_COLUMN, rowKey, withIdempotencyColumns } from './idempotency.ts';

const schema = new Schema([
  new Field('id', new Int64()),
  new Field('name', new Utf8()),
  new Field('score', new Float64()),
  new Field('_dlt_id', new Utf8()),
  new Field('_dlt_load_id', new Utf8()),
]);

describe('idempotency columns', () => {
  it('give equal content the same row key in any load, and different tables different keys', () => {
    const first = { id: 1n, name: 'a', score: 1.5, _dlt_id: 'random1', _dlt_load_id: '1' };
    const second = { ...first, _dlt_id: 'random2', _dlt_load_id: '2' };
    expect(rowKey('t', first)).toBe(rowKey('t', second));
    expect(rowKey('t', first)).not.toBe(rowKey('t', { ...first, name: 'b' }));
    expect(rowKey('t', first)).not.toBe(rowKey('u', first));
    expect(() => rowKey('t', { ...first, score: Number.NaN })).not.toThrow();
  });

  it('add one batch key to every row and a row key per row', () => {
    const batch = rowsToTable(schema, [
      { id: 1n, name: 'a', score: 1, _dlt_id: 'x', _dlt_load_id: '1' },
      { id: 2n, name: 'b', score: 2, _dlt_id: 'y', _dlt_load_id: '1' },
    ]);
    const rows = tableToRows(withIdempotencyColumns('t', batch));
    expect(rows[0]![BATCH_KEY_COLUMN]).toBe(rows[1]![BATCH_KEY_COLUMN]);
    expect(rows[0]![ROW_KEY_COLUMN]).not.toBe(rows[1]![ROW_KEY_COLUMN]);
    const again = tableToRows(withIdempotencyColumns('t', withIdempotencyColumns('t', batch)));
    expect(again).toEqual(rows);
    const other = tableToRows(withIdempotencyColumns('t', rowsToTable(schema, [tableToRows(batch)[0]!])));
    expect(other[0]![BATCH_KEY_COLUMN]).not.toBe(rows[0]![BATCH_KEY_COLUMN]);
  });
});
