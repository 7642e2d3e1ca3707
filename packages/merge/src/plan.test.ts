import type { Table } from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  boundaryOf,
  type ChainOptions,
  canonical,
  chainTables,
  type Item,
  item,
  loadIdOf,
  mergeInput,
  normalize,
  STRATEGIES,
  type Strategy,
} from './__fixtures__/chains.ts';
import { applyOperations } from './apply.ts';
import { mergeClientSide } from './client-side.ts';
import { inMemoryLookups } from './in-memory-lookups.ts';
import { type PlanLookups, type PlanOperation, planMerge } from './plan.ts';
import { tableToRows } from './rows.ts';

const TABLES = ['items', 'items__parts', 'items__parts__subs'];

const partArbitrary = fc.record({
  n: fc.option(fc.integer({ min: 0, max: 3 }), { nil: null }),
  subs: fc.array(fc.integer({ min: 0, max: 9 }), { maxLength: 2 }),
});
const itemArbitrary: fc.Arbitrary<Item> = fc.record({
  id: fc.integer({ min: 1, max: 5 }),
  grp: fc.integer({ min: 1, max: 3 }),
  v: fc.option(fc.constantFrom('a', 'b', 'c'), { nil: null }),
  deleted: fc.constantFrom(false, false, false, true),
  seq: fc.option(fc.integer({ min: 0, max: 4 }), { nil: null }),
  extra: fc.option(fc.constantFrom('x', 'y'), { nil: null }),
  parts: fc.array(partArbitrary, { maxLength: 3 }),
});

function optionsArbitrary(strategy: Strategy) {
  return fc.record({
    strategy: fc.constant(strategy),
    primaryKey: strategy === 'delete-insert' ? fc.boolean() : fc.constant(strategy !== 'scd2'),
    mergeKey: strategy === 'delete-insert' || strategy === 'scd2' ? fc.boolean() : fc.constant(false),
    hardDelete: fc.constantFrom(undefined, 'bool' as const, 'timestamp' as const),
    dedupSort: fc.constantFrom(undefined, 'asc' as const, 'desc' as const),
    deduplicated: strategy === 'delete-insert' ? fc.boolean() : fc.constant(false),
    activeRecordTimestamp:
      strategy === 'scd2' ? fc.constantFrom(undefined, '9999-12-31T00:00:00Z') : fc.constant(undefined),
    nested: fc.boolean(),
  });
}

/** One load: an optional crash after `crashAfter` operations (mod the plan size), then a restore re-run. */
const runArbitrary = fc.record({
  items: fc.array(itemArbitrary, { maxLength: 6 }),
  crashAfter: fc.option(fc.nat({ max: 20 }), { nil: undefined }),
  evolve: fc.boolean(),
});

describe('planMerge + applyOperations equals mergeClientSide (property)', () => {
  for (const strategy of STRATEGIES) {
    it(`${strategy}: random batches, nested tables, schema evolution, crashes with restore`, async () => {
      await fc.assert(
        fc.asyncProperty(
          optionsArbitrary(strategy),
          fc.array(runArbitrary, { minLength: 1, maxLength: 3 }),
          async (baseOptions, runs) => {
            let planned = new Map<string, Table>();
            let reference = new Map<string, Table>();
            let evolved = false;
            for (const [run, { items, crashAfter, evolve }] of runs.entries()) {
              // Once a column is added the schema keeps it (dlt schemas only grow).
              evolved ||= evolve;
              const options: ChainOptions = { ...baseOptions, extraColumn: evolved };
              const input = mergeInput(items, options, loadIdOf(run), boundaryOf(run));
              const operations = await planMerge(input, inMemoryLookups(planned));
              if (crashAfter === undefined) {
                planned = applyOperations(planned, operations);
              } else {
                const partial = applyOperations(
                  planned,
                  operations.slice(0, crashAfter % (operations.length + 1)),
                );
                const again = await planMerge({ ...input, restore: true }, inMemoryLookups(partial));
                planned = applyOperations(partial, again);
              }
              reference = new Map([...reference, ...mergeClientSide(reference, input)]);
              for (const name of TABLES) {
                expect(canonical(planned.get(name)), `${name} after run ${run}`).toEqual(
                  canonical(reference.get(name)),
                );
              }
            }
          },
        ),
        { numRuns: 120 },
      );
    });
  }
});

/** Lookups that fail the test when called: the plan must not need them. */
const noLookups: PlanLookups = {
  existingKeys: () => Promise.reject(new Error('existingKeys must not be called')),
  matchingRowIds: () => Promise.reject(new Error('matchingRowIds must not be called')),
  activeRows: () => Promise.reject(new Error('activeRows must not be called')),
};

const shape = (operations: PlanOperation[]) =>
  operations.map(
    (op) => `${op.mode} ${op.table}${op.key ? ` by ${op.key.join('+')}` : ''} (${op.rows.numRows})`,
  );

describe('plan shapes', () => {
  it('append loads each table; a restore upserts on _dlt_id so rows land once', async () => {
    const options: ChainOptions = { strategy: 'append' };
    const input = mergeInput(
      [item(1, 'a', { parts: [{ n: 1, subs: [1] }] })],
      options,
      loadIdOf(0),
      boundaryOf(0),
    );
    expect(shape(await planMerge(input, noLookups))).toEqual([
      'append items (1)',
      'append items__parts (1)',
      'append items__parts__subs (1)',
    ]);
    expect(shape(await planMerge({ ...input, restore: true }, noLookups))).toEqual([
      'upsert items by _dlt_id (1)',
      'upsert items__parts by _dlt_id (1)',
      'upsert items__parts__subs by _dlt_id (1)',
    ]);
  });

  it('replace replaces every chain table, emptying those without rows', async () => {
    const input = mergeInput([item(1, 'a')], { strategy: 'replace' }, loadIdOf(0), boundaryOf(0));
    expect(shape(await planMerge(input, noLookups))).toEqual([
      'replace items (1)',
      'replace items__parts (0)',
      'replace items__parts__subs (0)',
    ]);
  });

  it('upsert needs no lookups: delete hard deletes, upsert the rest, replace nested rows of batch roots', async () => {
    const options: ChainOptions = { strategy: 'upsert', hardDelete: 'bool' };
    const input = mergeInput(
      [item(1, 'a', { parts: [{ n: 1, subs: [] }] }), item(2, 'b', { deleted: true }), item(3, 'c')],
      options,
      loadIdOf(0),
      boundaryOf(0),
    );
    const operations = await planMerge(input, noLookups);
    expect(shape(operations)).toEqual([
      'delete items by id (1)',
      'upsert items by id (2)',
      'delete items__parts by _dlt_root_id (3)',
      'append items__parts (1)',
      'delete items__parts__subs by _dlt_root_id (3)',
    ]);
    expect(operations[0]!.rows.schema.fields.map((field) => field.name)).toEqual(['id']);
  });

  it('delete-insert of a root-only chain deletes by primary key and by merge key without a lookup', async () => {
    const options: ChainOptions = { strategy: 'delete-insert', mergeKey: true, nested: false };
    const input = mergeInput(
      [item(1, 'a', { grp: 7 }), item(2, 'b', { grp: 7 }), item(2, 'c', { grp: 8 })],
      options,
      loadIdOf(0),
      boundaryOf(0),
    );
    expect(shape(await planMerge(input, noLookups))).toEqual([
      'delete items by id (2)',
      'delete items by grp (2)',
      'append items (2)',
    ]);
  });

  it('delete-insert with nested tables looks up the matching roots and deletes their nested rows first', async () => {
    const options: ChainOptions = { strategy: 'delete-insert' };
    const first = mergeInput(
      [item(1, 'a', { parts: [{ n: 1, subs: [5] }] }), item(2, 'b')],
      options,
      loadIdOf(0),
      boundaryOf(0),
    );
    const tables = applyOperations(new Map(), await planMerge(first, inMemoryLookups(new Map())));
    const calls: string[] = [];
    const lookups = inMemoryLookups(tables);
    const second = mergeInput([item(1, 'A')], options, loadIdOf(1), boundaryOf(1));
    const operations = await planMerge(second, {
      ...lookups,
      matchingRowIds: (table, columns, keys, rowKey) => {
        calls.push(`${table} ${columns.join('+')} ${keys.length}`);
        return lookups.matchingRowIds(table, columns, keys, rowKey);
      },
    });
    expect(calls).toEqual(['items id 1']);
    expect(shape(operations)).toEqual([
      'delete items__parts by _dlt_root_id (1)',
      'delete items__parts__subs by _dlt_root_id (1)',
      'delete items by _dlt_id (1)',
      'append items (1)',
    ]);
  });

  it('scd2 updates only valid-to of the retired active version, keyed on row version and valid-from', async () => {
    const options: ChainOptions = { strategy: 'scd2', nested: false };
    const first = mergeInput([item(1, 'a'), item(2, 'b')], options, loadIdOf(0), boundaryOf(0));
    const tables = applyOperations(new Map(), await planMerge(first, inMemoryLookups(new Map())));
    const second = mergeInput([item(1, 'a')], options, loadIdOf(1), '2024-01-02T03:04:05.123456Z');
    const operations = await planMerge(second, inMemoryLookups(tables));
    expect(shape(operations)).toEqual(['update items by _dlt_id+_dlt_valid_from (1)']);
    const [update] = tableToRows(operations[0]!.rows);
    expect(Object.keys(update!)).toEqual(['_dlt_id', '_dlt_valid_from', '_dlt_valid_to']);
    expect(update!._dlt_valid_from).toBe(BigInt(Date.UTC(2024, 0, 1)) * 1000n);
    expect(update!._dlt_valid_to).toBe(BigInt(Date.UTC(2024, 0, 2, 3, 4, 5)) * 1000n + 123_456n);
  });

  it('insert-only asks only about the batch keys and appends the new roots', async () => {
    const options: ChainOptions = { strategy: 'insert-only', nested: false };
    const asked: unknown[][] = [];
    const lookups: PlanLookups = {
      ...noLookups,
      existingKeys: async (_table, columns, keys) => {
        asked.push(keys.map((row) => row[columns[0]!]));
        return new Set(['n1']);
      },
    };
    const input = mergeInput([item(1, 'a'), item(2, 'b'), item(2, 'c')], options, loadIdOf(0), boundaryOf(0));
    const operations = await planMerge(input, lookups);
    expect(asked).toEqual([[1n, 2n]]);
    expect(shape(operations)).toEqual(['append items (1)']);
    expect(tableToRows(operations[0]!.rows)[0]).toMatchObject({ id: 2n, v: 'c' });
  });

  it('the rows a plan loads grow with the batch, not with the table', async () => {
    const options: ChainOptions = { strategy: 'upsert' };
    const big = Array.from({ length: 2000 }, (_, index) =>
      item(index, 'old', { parts: [{ n: 1, subs: [] }] }),
    );
    const tables = applyOperations(
      new Map(),
      await planMerge(mergeInput(big, options, loadIdOf(0), boundaryOf(0)), noLookups),
    );
    const batch = Array.from({ length: 10 }, (_, index) =>
      item(index * 7, 'new', { parts: [{ n: 2, subs: [] }] }),
    );
    const operations = await planMerge(
      mergeInput(batch, options, loadIdOf(1), boundaryOf(1)),
      inMemoryLookups(tables),
    );
    const loaded = operations.reduce((sum, op) => sum + op.rows.numRows, 0);
    expect(loaded).toBe(10 + 10 + 10 + 10);
    const after = applyOperations(tables, operations);
    expect(after.get('items')!.numRows).toBe(2000);
    expect(after.get('items__parts')!.numRows).toBe(2000);
  });

  it('a chain of a table without rows plans nothing for it', async () => {
    const options: ChainOptions = { strategy: 'insert-only' };
    const input = mergeInput([], options, loadIdOf(0), boundaryOf(0));
    expect(await planMerge(input, noLookups)).toEqual([]);
    expect(chainTables(options).map((table) => table.name)).toEqual(TABLES);
    expect(normalize([], options, loadIdOf(0)).get('items')!.numRows).toBe(0);
  });
});
