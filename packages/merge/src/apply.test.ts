import { Field, Int32, Int64, Schema, type Table, Utf8 } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { applyOperations } from './apply.ts';
import { MergeError } from './errors.ts';
import type { LoadMode, PlanOperation } from './plan.ts';
import { type Row, rowsToTable, tableToRows } from './rows.ts';

const people = new Schema([
  new Field('id', new Int64(), true),
  new Field('name', new Utf8(), true),
  new Field('age', new Int32(), true),
]);

function table(rows: Row[], schema: Schema = people): Table {
  return rowsToTable(schema, rows);
}

function op(mode: LoadMode, rows: Table, key?: string[]): PlanOperation {
  return { table: 't', mode, rows, ...(key ? { key } : {}) };
}

function apply(existing: Table | undefined, ...operations: PlanOperation[]): Row[] {
  const result = applyOperations(new Map(existing ? [['t', existing]] : []), operations).get('t');
  return result ? tableToRows(result) : [];
}

const start = () =>
  table([
    { id: 1n, name: 'ann', age: 30 },
    { id: 2n, name: 'bob', age: 40 },
    { id: null, name: 'nobody', age: 1 },
  ]);

describe('applyOperations implements the Hotdata load modes', () => {
  it('replace: the table becomes the batch, columns included; zero rows empty it', () => {
    const batch = table(
      [{ id: 9n, label: 'x' }],
      new Schema([new Field('id', new Int64()), new Field('label', new Utf8())]),
    );
    expect(apply(start(), op('replace', batch))).toEqual([{ id: 9n, label: 'x' }]);
    expect(apply(start(), op('replace', table([])))).toEqual([]);
  });

  it('append: adds rows, adds columns the table lacks, fills the batch-missing ones with null', () => {
    const batch = table(
      [{ id: 3n, city: 'oslo' }],
      new Schema([new Field('id', new Int64()), new Field('city', new Utf8())]),
    );
    const rows = apply(start(), op('append', batch));
    expect(rows).toHaveLength(4);
    expect(rows[0]).toEqual({ id: 1n, name: 'ann', age: 30, city: null });
    expect(rows[3]).toEqual({ id: 3n, name: null, age: null, city: 'oslo' });
  });

  it('append and upsert create a missing table; update and delete leave it missing', () => {
    const batch = table([{ id: 1n, name: 'ann', age: 30 }]);
    expect(apply(undefined, op('append', batch))).toHaveLength(1);
    expect(apply(undefined, op('upsert', batch, ['id']))).toHaveLength(1);
    expect(
      applyOperations(new Map(), [op('update', batch, ['id']), op('delete', batch, ['id'])]).has('t'),
    ).toBe(false);
  });

  it('upsert: matched rows take the batch values of the batch columns only; unmatched rows are inserted', () => {
    const batch = table(
      [
        { id: 2n, name: 'BOB' },
        { id: 5n, name: 'eve' },
      ],
      new Schema([new Field('id', new Int64()), new Field('name', new Utf8())]),
    );
    expect(apply(start(), op('upsert', batch, ['id']))).toEqual([
      { id: 1n, name: 'ann', age: 30 },
      { id: 2n, name: 'BOB', age: 40 },
      { id: null, name: 'nobody', age: 1 },
      { id: 5n, name: 'eve', age: null },
    ]);
  });

  it('a NULL key never matches: upsert inserts, update ignores, delete keeps', () => {
    const batch = table([{ id: null, name: 'other', age: 2 }]);
    expect(apply(start(), op('upsert', batch, ['id']))).toHaveLength(4);
    expect(apply(start(), op('update', batch, ['id']))).toEqual(tableToRows(start()));
    expect(apply(start(), op('delete', batch, ['id']))).toHaveLength(3);
  });

  it('update: like upsert, but rows without a match are ignored', () => {
    const batch = table([
      { id: 1n, name: 'ANN', age: 31 },
      { id: 7n, name: 'ghost', age: 0 },
    ]);
    expect(apply(start(), op('update', batch, ['id']))).toEqual([
      { id: 1n, name: 'ANN', age: 31 },
      { id: 2n, name: 'bob', age: 40 },
      { id: null, name: 'nobody', age: 1 },
    ]);
  });

  it('update with a compound key changes every matching row and only those', () => {
    const existing = table([
      { id: 1n, name: 'a', age: 1 },
      { id: 1n, name: 'b', age: 1 },
      { id: 1n, name: 'a', age: 2 },
    ]);
    const batch = table([{ id: 1n, name: 'a', age: 9 }]);
    expect(apply(existing, op('update', batch, ['id', 'name'])).map((row) => row.age)).toEqual([9, 1, 9]);
  });

  it('delete: removes every row matching any batch row on the key; the batch may hold only the key', () => {
    const keys = table([{ id: 2n }, { id: 8n }], new Schema([new Field('id', new Int64())]));
    expect(apply(start(), op('delete', keys, ['id'])).map((row) => row.name)).toEqual(['ann', 'nobody']);
  });

  it('a key twice in an upsert batch fails as "duplicate key in batch" and nothing is applied', () => {
    const batch = table([
      { id: 1n, name: 'x' },
      { id: 1n, name: 'y' },
    ]);
    const tables = new Map([['t', start()]]);
    const attempt = () =>
      applyOperations(tables, [op('append', table([{ id: 3n }])), op('upsert', batch, ['id'])]);
    expect(attempt).toThrow(/duplicate key in batch/);
    try {
      attempt();
    } catch (error) {
      expect(MergeError.isInstance(error) && error.code).toBe('DUPLICATE_KEY_IN_BATCH');
    }
    expect(tableToRows(tables.get('t')!)).toHaveLength(3);
  });

  it('keyed modes without a key, or with key columns the batch lacks, fail with NO_DECLARED_KEY', () => {
    const batch = table([{ id: 1n }]);
    for (const mode of ['upsert', 'update', 'delete'] as const) {
      expect(() => apply(start(), op(mode, batch))).toThrow(/no declared key/);
      expect(() => apply(start(), op(mode, batch, ['missing']))).toThrow(/lack/);
    }
  });

  it('widens column types the batch needs (Int32 table column, Int64 batch values)', () => {
    const batch = table([{ age: 5_000_000_000n }], new Schema([new Field('age', new Int64())]));
    const result = applyOperations(new Map([['t', start()]]), [op('append', batch)]).get('t')!;
    expect(String(result.schema.fields.find((field) => field.name === 'age')!.type)).toBe('Int64');
    expect(tableToRows(result).map((row) => row.age)).toEqual([30n, 40n, 1n, 5_000_000_000n]);
  });
});
