import {
  type CompleteColumnSchema,
  nestedRowId,
  type PreparedTable,
  randomRowId,
  rowHash,
  rowKeyHash,
} from '@hotdata-dlt/core';
import { Bool, Field, Int32, Int64, Schema, type Table, TimestampMicrosecond, Utf8 } from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applyOperations,
  dedupRows,
  inMemoryLookups,
  type MergeInput,
  mergeClientSide,
  planMerge,
  promoteSchemas,
  type Row,
  rowsToTable,
  tableToRows,
} from './index.ts';

type Strategy = 'append' | 'replace' | 'delete-insert' | 'upsert' | 'insert-only' | 'scd2';

const rootSchema = new Schema([
  new Field('id', new Int64(), false),
  new Field('grp', new Int64(), true),
  new Field('v', new Utf8(), true),
  new Field('deleted', new Bool(), true),
  new Field('seq', new Int64(), true),
  new Field('_dlt_valid_from', new TimestampMicrosecond('UTC'), true),
  new Field('_dlt_valid_to', new TimestampMicrosecond('UTC'), true),
  new Field('_dlt_load_id', new Utf8(), false),
  new Field('_dlt_id', new Utf8(), false),
]);
const childSchema = new Schema([
  new Field('value', new Int64(), true),
  new Field('_dlt_root_id', new Utf8(), true),
  new Field('_dlt_parent_id', new Utf8(), false),
  new Field('_dlt_list_idx', new Int64(), false),
  new Field('_dlt_id', new Utf8(), false),
]);

function column(
  name: string,
  data_type: CompleteColumnSchema['data_type'],
  extra: Partial<CompleteColumnSchema> = {},
): CompleteColumnSchema {
  return { name, data_type, nullable: true, ...extra };
}

function tables(
  strategy: Strategy,
  options: { mergeKey?: boolean; hardDelete?: boolean; dedupSort?: boolean },
) {
  const merge = strategy !== 'append' && strategy !== 'replace';
  const root: PreparedTable = {
    name: 'items',
    write_disposition: merge ? 'merge' : strategy,
    ...(merge ? { 'x-merge-strategy': strategy } : {}),
    columns: {
      id: column('id', 'bigint', { nullable: false, ...(strategy !== 'scd2' ? { primary_key: true } : {}) }),
      grp: column('grp', 'bigint', options.mergeKey ? { merge_key: true } : {}),
      v: column('v', 'text'),
      deleted: column(
        'deleted',
        'bool',
        options.hardDelete && strategy !== 'scd2' ? { hard_delete: true } : {},
      ),
      seq: column('seq', 'bigint', options.dedupSort ? { dedup_sort: 'desc' } : {}),
      _dlt_valid_from: column(
        '_dlt_valid_from',
        'timestamp',
        strategy === 'scd2' ? { 'x-valid-from': true } : {},
      ),
      _dlt_valid_to: column(
        '_dlt_valid_to',
        'timestamp',
        strategy === 'scd2' ? { 'x-valid-to': true, 'x-active-record-timestamp': null } : {},
      ),
      _dlt_load_id: column('_dlt_load_id', 'text', { nullable: false }),
      _dlt_id: column('_dlt_id', 'text', {
        nullable: false,
        ...(strategy === 'scd2' ? { 'x-row-version': true } : { unique: true, row_key: true }),
      }),
    },
  };
  const child: PreparedTable = {
    name: 'items__tags',
    parent: 'items',
    write_disposition: root.write_disposition,
    columns: {
      value: column('value', 'bigint'),
      _dlt_root_id: column('_dlt_root_id', 'text', { root_key: true }),
      _dlt_parent_id: column('_dlt_parent_id', 'text', { nullable: false, parent_key: true }),
      _dlt_list_idx: column('_dlt_list_idx', 'bigint', { nullable: false }),
      _dlt_id: column('_dlt_id', 'text', { nullable: false, unique: true, row_key: true }),
    },
  };
  return { root, child };
}

interface Item {
  id: number;
  grp: number;
  v: string;
  deleted: boolean;
  seq: number;
  tags: number[];
}

/** Rows as the normalizer produces them: ids by strategy, nested rows with deterministic ids. */
function normalize(items: Item[], strategy: Strategy, loadId: string) {
  const roots: Row[] = [];
  const children: Row[] = [];
  for (const item of items) {
    const content = {
      id: item.id,
      grp: item.grp,
      v: item.v,
      deleted: item.deleted,
      seq: item.seq,
      tags: item.tags,
    };
    const id =
      strategy === 'upsert' || strategy === 'insert-only'
        ? rowKeyHash({ id: item.id })
        : strategy === 'scd2'
          ? rowHash(content)
          : randomRowId();
    roots.push({
      id: BigInt(item.id),
      grp: BigInt(item.grp),
      v: item.v,
      deleted: item.deleted,
      seq: BigInt(item.seq),
      _dlt_valid_from: null,
      _dlt_valid_to: null,
      _dlt_load_id: loadId,
      _dlt_id: id,
    });
    item.tags.forEach((value, index) => {
      children.push({
        value: BigInt(value),
        _dlt_root_id: strategy === 'scd2' ? null : id,
        _dlt_parent_id: id,
        _dlt_list_idx: BigInt(index),
        _dlt_id: nestedRowId(id, 'items__tags', index),
      });
    });
  }
  return { roots: rowsToTable(rootSchema, roots), children: rowsToTable(childSchema, children) };
}

function canonical(table: Table | undefined, drop: string[] = []): string[] {
  if (!table) return [];
  return tableToRows(table)
    .map((row) =>
      JSON.stringify(
        Object.entries(row)
          .filter(([key]) => !drop.includes(key))
          .sort(([a], [b]) => a.localeCompare(b)),
        (_, value) => (typeof value === 'bigint' ? `${value}n` : value),
      ),
    )
    .sort();
}

const itemArbitrary = fc.record({
  id: fc.integer({ min: 1, max: 6 }),
  grp: fc.integer({ min: 1, max: 3 }),
  v: fc.constantFrom('a', 'b', 'c'),
  deleted: fc.boolean(),
  seq: fc.integer({ min: 0, max: 5 }),
  tags: fc.array(fc.integer({ min: 0, max: 9 }), { maxLength: 3 }),
});

async function runBoth(strategy: Strategy, options: Parameters<typeof tables>[1], batches: Item[][]) {
  const { root, child } = tables(strategy, options);
  let planned = new Map<string, Table>();
  let reference = new Map<string, Table>();
  for (const [index, items] of batches.entries()) {
    const loadId = `17000000${index}0.5`;
    const { roots, children } = normalize(items, strategy, loadId);
    const input: MergeInput = {
      chain: [
        { table: root, rows: roots },
        { table: child, rows: children },
      ],
      loadId,
      boundaryTimestamp: new Date(Date.UTC(2024, 0, 1 + index)),
    };
    const operations = await planMerge(input, inMemoryLookups(planned));
    planned = applyOperations(planned, operations);
    reference = mergeClientSide(reference, input);
  }
  return { planned, reference };
}

describe('planMerge equals the client-side merge (property)', () => {
  for (const strategy of ['append', 'replace', 'delete-insert', 'upsert', 'insert-only', 'scd2'] as const) {
    it(`${strategy}: random batches at every nesting level`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.array(itemArbitrary, { maxLength: 6 }), { minLength: 1, maxLength: 3 }),
          fc.record({ mergeKey: fc.boolean(), hardDelete: fc.boolean(), dedupSort: fc.boolean() }),
          async (batches, options) => {
            const { planned, reference } = await runBoth(strategy, options, batches);
            for (const name of ['items', 'items__tags']) {
              expect(canonical(planned.get(name)), name).toEqual(canonical(reference.get(name)));
            }
          },
        ),
        { numRuns: 60 },
      );
    });
  }
});

describe('client-side semantics (SEMANTICS §7)', () => {
  const item = (id: number, v: string, extra: Partial<Item> = {}): Item => ({
    id,
    grp: 1,
    v,
    deleted: false,
    seq: 0,
    tags: [],
    ...extra,
  });
  const values = (table: Table | undefined, columns: string[]) =>
    tableToRows(table!)
      .map((row) => columns.map((name) => (typeof row[name] === 'bigint' ? Number(row[name]) : row[name])))
      .sort((a, b) => String(a).localeCompare(String(b)));

  it('upsert updates, inserts, hard-deletes, and replaces nested lists of touched roots', async () => {
    const { reference } = await runBoth('upsert', { hardDelete: true }, [
      [item(1, 'a', { tags: [1, 2] }), item(2, 'b', { tags: [3] })],
      [item(1, 'A', { tags: [9] }), item(2, 'b', { deleted: true }), item(3, 'c')],
    ]);
    expect(values(reference.get('items'), ['id', 'v'])).toEqual([
      [1, 'A'],
      [3, 'c'],
    ]);
    expect(values(reference.get('items__tags'), ['value'])).toEqual([[9]]);
  });

  it('delete-insert with a merge key deletes siblings absent from the batch, dedup_sort keeps the highest', async () => {
    const { reference } = await runBoth('delete-insert', { mergeKey: true, dedupSort: true }, [
      [item(1, 'a', { grp: 1 }), item(2, 'b', { grp: 1 }), item(3, 'c', { grp: 2 })],
      [item(1, 'x', { grp: 1, seq: 1 }), item(1, 'y', { grp: 1, seq: 5 })],
    ]);
    expect(values(reference.get('items'), ['id', 'v'])).toEqual([
      [1, 'y'],
      [3, 'c'],
    ]);
  });

  it('insert-only never updates, and adds new list elements of existing roots', async () => {
    const { reference } = await runBoth('insert-only', {}, [
      [item(1, 'a', { tags: [1] })],
      [item(1, 'b', { tags: [1, 2] }), item(2, 'c')],
    ]);
    expect(values(reference.get('items'), ['id', 'v'])).toEqual([
      [1, 'a'],
      [2, 'c'],
    ]);
    expect(values(reference.get('items__tags'), ['value'])).toEqual([[1], [2]]);
  });

  it('scd2 retires absent rows and re-inserts a retired record as a new active version', async () => {
    const { reference } = await runBoth('scd2', {}, [
      [item(1, 'a'), item(2, 'b')],
      [item(1, 'a')],
      [item(1, 'a'), item(2, 'b')],
    ]);
    const rows = tableToRows(reference.get('items')!).map((row) => [
      Number(row.id),
      row._dlt_valid_to === null ? 'active' : 'retired',
    ]);
    expect(rows.sort()).toEqual([
      [1, 'active'],
      [2, 'active'],
      [2, 'retired'],
    ]);
  });

  it('restoring an interrupted append loads each row once', async () => {
    const { root, child } = tables('append', {});
    const { roots, children } = normalize([item(1, 'a', { tags: [1] })], 'append', '1');
    const input: MergeInput = {
      chain: [
        { table: root, rows: roots },
        { table: child, rows: children },
      ],
      loadId: '1',
      boundaryTimestamp: new Date(),
    };
    const once = applyOperations(new Map(), await planMerge(input, inMemoryLookups(new Map())));
    const again = applyOperations(once, await planMerge({ ...input, restore: true }, inMemoryLookups(once)));
    expect(again.get('items')!.numRows).toBe(1);
    expect(again.get('items__tags')!.numRows).toBe(1);
  });
});

describe('helpers', () => {
  it('dedups by key keeping the last row or the dedup_sort winner', () => {
    const rows = [
      { k: 1n, s: 1n, n: 'a' },
      { k: 1n, s: 3n, n: 'b' },
      { k: 1n, s: 2n, n: 'c' },
      { k: null, s: 0n, n: 'd' },
    ];
    expect(dedupRows(rows, ['k']).map((row) => row.n)).toEqual(['c', 'd']);
    expect(dedupRows(rows, ['k'], { column: 's', order: 'desc' }).map((row) => row.n)).toEqual(['b', 'd']);
    expect(dedupRows(rows, ['k'], { column: 's', order: 'asc' }).map((row) => row.n)).toEqual(['a', 'd']);
  });

  it('promotes schemas with safe widening and refuses incompatible types', () => {
    const promoted = promoteSchemas(
      new Schema([new Field('a', new Int32())]),
      new Schema([new Field('a', new Int64()), new Field('b', new Utf8())]),
    );
    expect(promoted.fields.map((field) => `${field.name}:${field.type}`)).toEqual(['a:Int64', 'b:Utf8']);
    expect(() =>
      promoteSchemas(new Schema([new Field('a', new Int64())]), new Schema([new Field('a', new Utf8())])),
    ).toThrow(/cannot be merged/);
  });

  it('round-trips exact values through rows', () => {
    const table = rowsToTable(rootSchema, [
      {
        id: 9007199254740993n,
        grp: null,
        v: 'x',
        deleted: true,
        seq: 1n,
        _dlt_valid_from: 1_700_000_000_123_456n,
        _dlt_valid_to: null,
        _dlt_load_id: 'l',
        _dlt_id: 'i',
      },
    ]);
    expect(tableToRows(table)[0]).toMatchObject({
      id: 9007199254740993n,
      _dlt_valid_from: 1_700_000_000_123_456n,
      deleted: true,
    });
  });
});
