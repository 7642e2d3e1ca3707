import {
  Int64,
  type RecordBatch,
  Table,
  TimestampMicrosecond,
  tableFromArrays,
  vectorFromArray,
} from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { incremental } from './incremental.ts';
import { compareCursorValues, createIncrementalHandle } from './incremental-runtime.ts';
import type { LogFields, Logger } from './logger.ts';
import { snakeCase } from './naming/snake-case.ts';
import type { ResourceBatch } from './resource.ts';

function hashesOf(state: Record<string, unknown>, cursor: string): string[] {
  return (state.incremental as Record<string, { unique_hashes: string[] }>)[cursor]?.unique_hashes ?? [];
}

async function pass(handle: ReturnType<typeof createIncrementalHandle>, rows: unknown[]) {
  const result = await handle.filter({ kind: 'rows', rows });
  return { rows: result.batch?.kind === 'rows' ? result.batch.rows : [], stop: result.stop };
}

const bind = (
  cursor = 'updated_at',
  options: Parameters<typeof incremental>[1] = {},
  state: Record<string, unknown> = {},
  pk?: string,
) =>
  createIncrementalHandle(incremental(cursor, options), state, { resourceName: 'r', resourcePrimaryKey: pk });

describe('createIncrementalHandle (SEMANTICS §8)', () => {
  it('starts at initialValue, moves the last value and stores dlt-shaped state', async () => {
    const state: Record<string, unknown> = {};
    const handle = bind('id', { initialValue: 2 }, state, 'id');
    expect(handle.binding.startValue).toBe(2);
    const { rows } = await pass(handle, [{ id: 1 }, { id: 2 }, { id: 3 }, { id: 5 }]);
    expect(rows).toEqual([{ id: 2 }, { id: 3 }, { id: 5 }]);
    expect(handle.binding.lastValue).toBe(5);
    expect(state).toEqual({
      incremental: {
        id: { initial_value: 2, last_value: 5, unique_hashes: [expect.any(String)], start_value: 2 },
      },
    });
  });

  it('drops boundary rows loaded by the previous run, keeps new ones on the same value', async () => {
    const state: Record<string, unknown> = {};
    await pass(bind('ts', {}, state, 'id'), [
      { id: 1, ts: 10 },
      { id: 2, ts: 20 },
    ]);
    const second = bind('ts', {}, state, 'id');
    expect(second.binding.startValue).toBe(20);
    const { rows } = await pass(second, [
      { id: 2, ts: 20 },
      { id: 3, ts: 20 },
      { id: 1, ts: 10 },
      { id: 4, ts: 21 },
    ]);
    expect(rows.map((row) => (row as { id: number }).id)).toEqual([3, 4]);
    expect(hashesOf(state, 'ts')).toHaveLength(1);
  });

  it('carries boundary hashes while the last value does not move', async () => {
    const state: Record<string, unknown> = {};
    await pass(bind('ts', {}, state, 'id'), [{ id: 1, ts: 5 }]);
    await pass(bind('ts', {}, state, 'id'), [{ id: 2, ts: 5 }]);
    const { rows } = await pass(bind('ts', {}, state, 'id'), [
      { id: 1, ts: 5 },
      { id: 2, ts: 5 },
      { id: 3, ts: 5 },
    ]);
    expect(rows).toEqual([{ id: 3, ts: 5 }]);
  });

  it('hashes whole rows without a key, and disables de-duplication with primaryKey []', async () => {
    const state: Record<string, unknown> = {};
    await pass(bind('created_at', {}, state), [{ created_at: 24 }]);
    expect(hashesOf(state, 'created_at')).toEqual(['aiuNd5u7bjL7glZC/3MB']);
    const noDedup: Record<string, unknown> = {};
    await pass(bind('t', { primaryKey: [] }, noDedup), [{ t: 1 }]);
    expect((await pass(bind('t', { primaryKey: [] }, noDedup), [{ t: 1 }])).rows).toEqual([{ t: 1 }]);
  });

  it('excludes the start value with an open range', async () => {
    const handle = bind('t', { initialValue: 3, rangeStart: 'open' });
    expect((await pass(handle, [{ t: 3 }, { t: 4 }])).rows).toEqual([{ t: 4 }]);
  });

  it('honours endValue statelessly, open and closed ends, and stops ascending rows at the end', async () => {
    const state: Record<string, unknown> = {};
    const open = bind('t', { initialValue: 1, endValue: 3, rowOrder: 'asc' }, state);
    const result = await pass(open, [{ t: 1 }, { t: 2 }, { t: 3 }, { t: 4 }]);
    expect(result.rows).toEqual([{ t: 1 }, { t: 2 }]);
    expect(result.stop).toBe(true);
    expect(state).toEqual({});
    const closed = bind('t', { initialValue: 1, endValue: 3, rangeEnd: 'closed' });
    expect((await pass(closed, [{ t: 3 }, { t: 4 }])).rows).toEqual([{ t: 3 }]);
    expect(() => bind('t', { initialValue: 5, endValue: 3 })).toThrow(/beyond initialValue/);
  });

  it('stops descending rows once they fall below the start value', async () => {
    const handle = bind('t', { initialValue: 5, rowOrder: 'desc' });
    const result = await pass(handle, [{ t: 9 }, { t: 6 }, { t: 4 }, { t: 3 }]);
    expect(result.rows).toEqual([{ t: 9 }, { t: 6 }]);
    expect(result.stop).toBe(true);
  });

  it('handles missing cursor values as configured', async () => {
    await expect(pass(bind('t'), [{ x: 1 }])).rejects.toThrow(/no value at 't'.*onCursorValueMissing/);
    expect((await pass(bind('t', { onCursorValueMissing: 'include' }), [{ x: 1 }])).rows).toEqual([{ x: 1 }]);
    expect((await pass(bind('t', { onCursorValueMissing: 'exclude' }), [{ x: 1 }, { t: 2 }])).rows).toEqual([
      { t: 2 },
    ]);
  });

  it('supports min, custom functions, nested paths and ISO timestamps against Dates', async () => {
    const minimum = bind('t', { lastValueFunc: 'min', initialValue: 10 });
    expect((await pass(minimum, [{ t: 12 }, { t: 9 }, { t: 10 }])).rows).toEqual([{ t: 9 }, { t: 10 }]);
    expect(minimum.binding.lastValue).toBe(9);
    const nested = bind('meta.stamps[0]', { initialValue: '2024-01-02T00:00:00Z' });
    const rows = [
      { meta: { stamps: ['2024-01-01T00:00:00Z'] } },
      { meta: { stamps: ['2024-01-03T00:00:00Z'] } },
    ];
    expect((await pass(nested, rows)).rows).toEqual([rows[1]]);
    expect(compareCursorValues(new Date('2024-01-01T00:00:00Z'), '2024-01-02T00:00:00Z')).toBe(-1);
    const custom = bind('t', {
      lastValueFunc: (values) => values.reduce((a, b) => (String(a) > String(b) ? a : b)),
    });
    await pass(custom, [{ t: 'b' }, { t: 'a' }]);
    expect(custom.binding.lastValue).toBe('b');
  });

  it('applies lag to the start value, never below the initial value, and turns dedup off', async () => {
    const state: Record<string, unknown> = {};
    await pass(bind('t', { initialValue: 0, lag: 2 }, state), [{ t: 10 }]);
    const lagged = bind('t', { initialValue: 0, lag: 2 }, state);
    expect(lagged.binding.startValue).toBe(8);
    expect((await pass(lagged, [{ t: 7 }, { t: 8 }, { t: 10 }])).rows).toEqual([{ t: 8 }, { t: 10 }]);
    const days: Record<string, unknown> = {
      incremental: { d: { initial_value: '2024-01-01', last_value: '2024-01-10', unique_hashes: [] } },
    };
    expect(bind('d', { initialValue: '2024-01-01', lag: 3 }, days).binding.startValue).toBe('2024-01-07');
    const floor: Record<string, unknown> = {
      incremental: { t: { initial_value: 5, last_value: 6, unique_hashes: [] } },
    };
    expect(bind('t', { initialValue: 5, lag: 10 }, floor).binding.startValue).toBe(5);
  });

  it('filters Arrow tables on the cursor column', async () => {
    const handle = bind('id', { initialValue: 2 });
    const table = tableFromArrays({ id: Int32Array.from([1, 2, 3]), name: ['a', 'b', 'c'] });
    const result = await handle.filter({ kind: 'arrow', table } as ResourceBatch);
    expect(result.batch?.kind).toBe('arrow');
    const filtered = (result.batch as unknown as { table: typeof table }).table;
    expect(filtered.numRows).toBe(2);
    expect(filtered.getChild('name')?.toArray()).toEqual(['b', 'c']);
  });

  it('keeps one hash per boundary row across many batches and drops them all next run', async () => {
    const rows = Array.from({ length: 20_000 }, (_, id) => ({ id, t: 1 }));
    const state: Record<string, unknown> = {};
    const handle = bind('t', {}, state, 'id');
    for (let start = 0; start < rows.length; start += 100) await pass(handle, rows.slice(start, start + 100));
    expect(hashesOf(state, 't')).toHaveLength(20_000);
    expect((await pass(bind('t', {}, state, 'id'), rows.slice(0, 1000))).rows).toEqual([]);
  });

  it('filters the rest of an ascending page after the end value, then asks to stop', async () => {
    const handle = bind('t', { initialValue: 1, endValue: 3, rowOrder: 'asc' });
    const result = await pass(handle, [{ t: 1 }, { t: 3 }, { t: 2 }]);
    expect(result.rows).toEqual([{ t: 1 }, { t: 2 }]);
    expect(result.stop).toBe(true);
  });

  it('stores nulls, not missing keys, when there is no initial value', async () => {
    const state: Record<string, unknown> = {};
    const handle = bind('t', {}, state);
    expect(handle.binding.startValue).toBeUndefined();
    expect(JSON.parse(JSON.stringify(state))).toEqual({
      incremental: { t: { initial_value: null, last_value: null, unique_hashes: [] } },
    });
    await pass(handle, [{ t: 'b' }]);
    expect(JSON.parse(JSON.stringify(state)).incremental.t).toMatchObject({
      initial_value: null,
      last_value: 'b',
      start_value: null,
    });
  });

  it("hashes a single key column's value and the list of a compound key (dlt's golden hash)", async () => {
    const single: Record<string, unknown> = {};
    await pass(bind('t', {}, single, 'id'), [{ id: 'c', t: 1 }]);
    expect(hashesOf(single, 't')).toEqual(['qOM08jBxq2rZrwZqk2gR']);
    const compound: Record<string, unknown> = {};
    const rows = [
      { a: 1, b: 'x', t: 1 },
      { a: 1, b: 'y', t: 1 },
    ];
    await pass(bind('t', { primaryKey: ['a', 'b'] }, compound, 'ignored'), rows);
    expect(hashesOf(compound, 't')).toHaveLength(2);
    const again = await pass(bind('t', { primaryKey: ['a', 'b'] }, compound), [
      ...rows,
      { a: 2, b: 'x', t: 1 },
    ]);
    expect(again.rows).toEqual([{ a: 2, b: 'x', t: 1 }]);
  });

  it('warns once through the logger when more than 200 rows share the last value', async () => {
    const warnings: Array<[string, LogFields | undefined]> = [];
    const logger: Logger = {
      debug() {},
      info() {},
      error() {},
      warn: (message, fields) => warnings.push([message, fields]),
    };
    const handle = createIncrementalHandle(incremental('t'), {}, { resourceName: 'events', logger });
    await handle.filter({ kind: 'rows', rows: Array.from({ length: 150 }, (_, id) => ({ id, t: 1 })) });
    expect(warnings).toHaveLength(0);
    await handle.filter({
      kind: 'rows',
      rows: Array.from({ length: 150 }, (_, id) => ({ id: id + 150, t: 1 })),
    });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]![0]).toMatch(/more than 200 rows share the cursor value.*rangeStart: 'open'/);
    expect(warnings[0]![1]).toMatchObject({ resource: 'events', cursorPath: 't' });
  });

  it('compares Arrow timestamps as dates, keeps state in Dates and de-duplicates Arrow rows across runs', async () => {
    const micros = (iso: string) => new Date(iso);
    const build = (ids: bigint[], stamps: string[]) =>
      new Table({
        id: vectorFromArray(ids, new Int64()),
        at: vectorFromArray(stamps.map(micros), new TimestampMicrosecond()),
      });
    const state: Record<string, unknown> = {};
    const first = bind('at', { initialValue: '2024-01-02T00:00:00Z' }, state, 'id');
    const firstTable = build(
      [1n, 2n, 9007199254740993n],
      ['2024-01-01T00:00:00Z', '2024-01-03T00:00:00Z', '2024-01-03T00:00:00Z'],
    );
    const firstResult = await first.filter({ kind: 'arrow', table: firstTable } as ResourceBatch);
    const kept = (firstResult.batch as unknown as { table: Table }).table;
    expect(kept.getChild('id')?.toArray()).toEqual(new BigInt64Array([2n, 9007199254740993n]));
    const stored = (state.incremental as Record<string, { last_value: unknown }>).at!;
    expect(stored.last_value).toEqual(new Date('2024-01-03T00:00:00Z'));
    expect(hashesOf(state, 'at')).toHaveLength(2);

    const second = bind('at', { initialValue: '2024-01-02T00:00:00Z' }, state, 'id');
    const secondTable = build(
      [2n, 3n, 9007199254740993n],
      ['2024-01-03T00:00:00Z', '2024-01-03T00:00:00Z', '2024-01-03T00:00:00Z'],
    );
    const secondResult = await second.filter({ kind: 'arrow', table: secondTable } as ResourceBatch);
    const onlyNew = (secondResult.batch as unknown as { table: Table }).table;
    expect(onlyNew.getChild('id')?.toArray()).toEqual(new BigInt64Array([3n]));
    expect(hashesOf(state, 'at')).toHaveLength(3);
  });

  it('returns exact slices of Arrow record batches when rows are dropped in the middle', async () => {
    const table = tableFromArrays({ t: Int32Array.from([5, 1, 6, 1, 7]), s: ['a', 'b', 'c', 'd', 'e'] });
    const batch: RecordBatch = table.batches[0]!;
    const result = await bind('t', { initialValue: 5, primaryKey: [] }).filter({
      kind: 'arrow',
      table: batch,
    } as ResourceBatch);
    const filtered = (result.batch as unknown as { table: Table }).table;
    expect(filtered.numRows).toBe(3);
    expect(filtered.getChild('s')?.toArray()).toEqual(['a', 'c', 'e']);
    expect(String(filtered.schema.fields[1]?.type)).toBe(String(table.schema.fields[1]?.type));
    expect(
      (await bind('t', { initialValue: 100 }).filter({ kind: 'arrow', table } as ResourceBatch)).batch,
    ).toBeUndefined();
  });

  it('handles a missing Arrow cursor column as configured, and finds normalized names with a naming', async () => {
    const table = tableFromArrays({ updated_at: Int32Array.from([1, 2]) });
    const arrow = { kind: 'arrow', table } as ResourceBatch;
    const plain = createIncrementalHandle(incremental('updatedAt'), {}, { resourceName: 'r' });
    expect(() => plain.filter(arrow)).toThrow(/no column 'updatedAt' \(columns: updated_at\)/);
    const include = createIncrementalHandle(
      incremental('updatedAt', { onCursorValueMissing: 'include' }),
      {},
      {
        resourceName: 'r',
      },
    );
    expect((await include.filter(arrow)).batch).toEqual(arrow);
    const normalized = createIncrementalHandle(
      incremental('updatedAt', { initialValue: 2 }),
      {},
      {
        resourceName: 'r',
        naming: snakeCase,
      },
    );
    const result = await normalized.filter(arrow);
    expect((result.batch as unknown as { table: Table }).table.numRows).toBe(1);
    expect(normalized.binding.lastValue).toBe(2);
  });
});
