import type { Table } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import {
  boundaryOf,
  type ChainOptions,
  type Item,
  item,
  loadBoth,
  loadIdOf,
  mergeInput,
  values,
} from './__fixtures__/chains.ts';
import { applyOperations } from './apply.ts';
import { mergeClientSide } from './client-side.ts';
import { inMemoryLookups } from './in-memory-lookups.ts';
import { planMerge } from './plan.ts';
import { tableToRows } from './rows.ts';

/**
 * dlt's documented outcomes (SEMANTICS §7 and dlt's merge tests), written by hand. Every scenario runs
 * through both implementations — the server-side plan applied with `applyOperations`, and the
 * client-side merge — and both must give the expected rows.
 */
async function scenario(options: ChainOptions | ChainOptions[], batches: Item[][]) {
  const { planned, reference } = await loadBoth(options, batches);
  const both = (table: string, columns: string[]) => {
    const fromPlan = values(planned.get(table), columns);
    expect(values(reference.get(table), columns), `${table}: client-side vs plan`).toEqual(fromPlan);
    return fromPlan;
  };
  const count = (table: string) => both(table, ['_dlt_id']).length;
  return { both, count, planned, reference };
}

const part = (n: number, subs: number[] = []) => ({ n, subs });

describe('append and replace', () => {
  it('append adds every run, nested tables included', async () => {
    const { both } = await scenario({ strategy: 'append' }, [
      [item(1, 'a', { parts: [part(1, [1, 2])] })],
      [item(1, 'a', { parts: [part(1, [1, 2])] })],
    ]);
    expect(both('items', ['id', 'v'])).toEqual([
      [1, 'a'],
      [1, 'a'],
    ]);
    expect(both('items__parts__subs', ['value'])).toEqual([[1], [1], [2], [2]]);
  });

  it('replace resets the chain; nested tables without rows end up empty; zero rows empty the root', async () => {
    const { both } = await scenario({ strategy: 'replace' }, [
      [item(1, 'a', { parts: [part(1, [1])] }), item(2, 'b')],
      [item(3, 'c')],
    ]);
    expect(both('items', ['id'])).toEqual([[3]]);
    expect(both('items__parts', ['n'])).toEqual([]);
    expect(both('items__parts__subs', ['value'])).toEqual([]);
    const emptied = await scenario({ strategy: 'replace' }, [[item(1, 'a')], []]);
    expect(emptied.both('items', ['id'])).toEqual([]);
  });
});

describe('merge / delete-insert (§7.4)', () => {
  it('updates by primary key at every nesting level (dlt test_merge_record_updates)', async () => {
    const run = (foo: string, bar: number, baz: number) => [
      item(1, foo, { parts: [part(bar, [baz])] }),
      item(2, 'same', { parts: [part(1, [1])] }),
    ];
    for (const strategy of ['delete-insert', 'upsert'] as const) {
      const { both, count } = await scenario({ strategy }, [
        run('x', 1, 1),
        run('y', 1, 1),
        run('y', 2, 1),
        run('y', 2, 2),
      ]);
      expect(both('items', ['id', 'v'])).toEqual([
        [1, 'y'],
        [2, 'same'],
      ]);
      expect(both('items__parts', ['n'])).toEqual([[1], [2]]);
      expect(both('items__parts__subs', ['value'])).toEqual([[1], [2]]);
      expect(count('items__parts')).toBe(2);
    }
  });

  it('a merge key deletes siblings absent from the batch, with their nested rows (dlt test_merge_nested_records_inserted_deleted)', async () => {
    const first = [
      item(1, 'a', { grp: 1, parts: [part(1, [1])] }),
      item(2, 'b', { grp: 1, parts: [part(1, [1])] }),
      item(3, 'c', { grp: 1, parts: [part(3, [1])] }),
    ];
    const second = [item(1, 'a', { grp: 1, parts: [part(2)] }), item(2, 'b', { grp: 1 })];
    const deleteInsert = await scenario({ strategy: 'delete-insert', mergeKey: true }, [first, second]);
    expect(deleteInsert.both('items', ['id'])).toEqual([[1], [2]]);
    expect(deleteInsert.both('items__parts', ['n'])).toEqual([[2]]);
    expect(deleteInsert.both('items__parts__subs', ['value'])).toEqual([]);
    // upsert ignores the merge key: id 3 stays; touched roots get exactly their new lists.
    const upsert = await scenario({ strategy: 'upsert', mergeKey: true }, [first, second]);
    expect(upsert.both('items', ['id'])).toEqual([[1], [2], [3]]);
    expect(upsert.both('items__parts', ['n'])).toEqual([[2], [3]]);
    expect(upsert.both('items__parts__subs', ['value'])).toEqual([[1]]);
  });

  it('merge key only (no primary key): partitions are replaced, duplicates within the batch are kept', async () => {
    const { both } = await scenario({ strategy: 'delete-insert', primaryKey: false, mergeKey: true }, [
      [item(1, 'a', { grp: 1 }), item(2, 'b', { grp: 2 })],
      [item(5, 'x', { grp: 1 }), item(5, 'x', { grp: 1 })],
    ]);
    expect(both('items', ['id', 'grp'])).toEqual([
      [2, 2],
      [5, 1],
      [5, 1],
    ]);
  });

  it('without keys it appends, leaving out hard-deleted rows and their nested rows', async () => {
    const { both } = await scenario({ strategy: 'delete-insert', primaryKey: false, hardDelete: 'bool' }, [
      [item(1, 'a', { parts: [part(1, [1])] })],
      [item(1, 'a', { parts: [part(2, [2])] }), item(2, 'gone', { deleted: true, parts: [part(3, [3])] })],
    ]);
    expect(both('items', ['id', 'v'])).toEqual([
      [1, 'a'],
      [1, 'a'],
    ]);
    expect(both('items__parts', ['n'])).toEqual([[1], [2]]);
    expect(both('items__parts__subs', ['value'])).toEqual([[1], [2]]);
  });

  it('dedup_sort keeps the highest (desc) or lowest (asc) row per key, nested rows of the winner only (dlt test_dedup_sort_hint)', async () => {
    const three = [
      item(1, 'foo', { seq: 1, parts: [part(1), part(2), part(3)] }),
      item(1, 'baz', { seq: 3, parts: [part(7), part(8), part(9)] }),
      item(1, 'bar', { seq: 2, parts: [part(4), part(5), part(6)] }),
    ];
    const desc = await scenario({ strategy: 'delete-insert', dedupSort: 'desc' }, [three]);
    expect(desc.both('items', ['id', 'v', 'seq'])).toEqual([[1, 'baz', 3]]);
    expect(desc.both('items__parts', ['n'])).toEqual([[7], [8], [9]]);
    const asc = await scenario({ strategy: 'delete-insert', dedupSort: 'asc' }, [three]);
    expect(asc.both('items', ['v'])).toEqual([['foo']]);
  });

  it('dedup first, then hard delete: a winning delete removes the existing row and inserts nothing', async () => {
    const options: ChainOptions = { strategy: 'delete-insert', dedupSort: 'desc', hardDelete: 'bool' };
    const { both } = await scenario(options, [
      [item(1, 'old'), item(2, 'keep')],
      [item(1, 'foo', { seq: 1 }), item(1, 'baz', { seq: 3, deleted: true }), item(1, 'bar', { seq: 2 })],
    ]);
    expect(both('items', ['id', 'v'])).toEqual([[2, 'keep']]);
    const again = await scenario(options, [
      [item(1, 'foo', { seq: 1 }), item(1, 'bar', { seq: 2, deleted: true }), item(1, 'baz', { seq: 3 })],
    ]);
    expect(again.both('items', ['v', 'seq'])).toEqual([['baz', 3]]);
  });

  it('deduplicated: true skips the dedup step (the batch is trusted)', async () => {
    const { both } = await scenario({ strategy: 'delete-insert', deduplicated: true, nested: false }, [
      [item(1, 'a'), item(1, 'b')],
    ]);
    expect(both('items', ['id', 'v'])).toEqual([
      [1, 'a'],
      [1, 'b'],
    ]);
  });
});

describe('hard_delete (§7.8, dlt test_hard_delete_hint)', () => {
  for (const strategy of ['delete-insert', 'upsert'] as const) {
    for (const hardDelete of ['bool', 'timestamp'] as const) {
      it(`${strategy}, ${hardDelete} column: deletes by key, cascades to nested rows`, async () => {
        const options: ChainOptions = { strategy, hardDelete };
        const runs = [
          [item(1, 'foo'), item(2, 'bar')],
          [item(1, null, { deleted: true })],
          [item(2, 'baz')],
          strategy === 'upsert' ? [item(3, 'bar')] : [item(3, 'foo'), item(3, 'bar')],
          [item(3, 'foo', { deleted: true })],
        ];
        const counts: number[] = [];
        for (let end = 1; end <= runs.length; end++) {
          counts.push((await scenario(options, runs.slice(0, end))).count('items'));
        }
        expect(counts).toEqual([2, 1, 1, 2, 1]);
        const final = await scenario(options, runs);
        expect(final.both('items', ['id', 'v'])).toEqual([[2, 'baz']]);

        const nested = await scenario(options, [
          [
            item(1, 'a', { parts: [part(1, [1, 2]), part(2, [2, 3])] }),
            item(2, 'b', { parts: [part(3, [4])] }),
          ],
          [item(1, null, { deleted: true })],
        ]);
        expect(nested.both('items', ['id'])).toEqual([[2]]);
        expect(nested.both('items__parts', ['n'])).toEqual([[3]]);
        expect(nested.both('items__parts__subs', ['value'])).toEqual([[4]]);
      });
    }
  }

  it('merge key only: a delete removes every row of its key value', async () => {
    const options: ChainOptions = {
      strategy: 'delete-insert',
      primaryKey: false,
      mergeKey: true,
      hardDelete: 'bool',
    };
    const { both } = await scenario(options, [
      [item(1, 'a', { grp: 1 }), item(2, 'b', { grp: 1 }), item(3, 'c', { grp: 2 })],
      [item(9, null, { grp: 1, deleted: true })],
    ]);
    expect(both('items', ['id'])).toEqual([[3]]);
  });

  it('a null hard_delete value and false keep the row', async () => {
    const { both } = await scenario({ strategy: 'delete-insert', hardDelete: 'bool' }, [
      [item(1, 'a'), item(2, 'b', { deleted: false })],
    ]);
    expect(both('items', ['id'])).toEqual([[1], [2]]);
  });
});

describe('merge / upsert (§7.5)', () => {
  it('updates matched roots, inserts new ones, leaves roots absent from the batch alone', async () => {
    const { both } = await scenario({ strategy: 'upsert' }, [
      [item(1, 'a', { parts: [part(1), part(2)] }), item(2, 'b', { parts: [part(3)] })],
      [item(1, 'A', { parts: [part(9)] }), item(3, 'c')],
    ]);
    expect(both('items', ['id', 'v'])).toEqual([
      [1, 'A'],
      [2, 'b'],
      [3, 'c'],
    ]);
    expect(both('items__parts', ['n'])).toEqual([[3], [9]]);
  });

  it('does not insert a hard-deleted row whose key is absent (a tombstone is not data)', async () => {
    const { both } = await scenario({ strategy: 'upsert', hardDelete: 'bool' }, [
      [item(1, 'a')],
      [item(2, 'never', { deleted: true, parts: [part(1)] })],
    ]);
    expect(both('items', ['id'])).toEqual([[1]]);
    expect(both('items__parts', ['n'])).toEqual([]);
  });
});

describe('merge / insert-only (§7.6)', () => {
  it('never updates or deletes; inserts new roots and new list elements of existing roots', async () => {
    const { both } = await scenario({ strategy: 'insert-only', hardDelete: 'bool' }, [
      [item(1, 'a', { parts: [part(1)] })],
      [
        item(1, 'b', { parts: [part(1), part(2)] }),
        item(2, 'c'),
        item(3, 'gone', { deleted: true }),
        item(1, 'x', { deleted: true }),
      ],
    ]);
    expect(both('items', ['id', 'v'])).toEqual([
      [1, 'a'],
      [2, 'c'],
    ]);
    // The first element keeps its old value (nothing is updated), the new element is inserted.
    expect(both('items__parts', ['n', '_dlt_list_idx'])).toEqual([
      [1, 0],
      [2, 1],
    ]);
  });
});

describe('merge / scd2 (§7.7)', () => {
  const validity = (table: Table | undefined, from = '_dlt_valid_from', to = '_dlt_valid_to') =>
    tableToRows(table!)
      .map((row) => [
        Number(row.id),
        row.v,
        row[from] === null
          ? null
          : new Date(Number((row[from] as bigint) / 1000n)).toISOString().slice(0, 10),
        row[to] === null ? null : new Date(Number((row[to] as bigint) / 1000n)).toISOString().slice(0, 10),
      ])
      .sort((a, b) => Number(a[0]) - Number(b[0]) || String(a[2]).localeCompare(String(b[2])));

  it('retires absent and changed records at the boundary and re-inserts a retired record as a new version', async () => {
    const { planned, reference } = await scenario({ strategy: 'scd2' }, [
      [item(1, 'foo'), item(2, 'bar')],
      [item(1, 'foo-changed')],
      [item(1, 'foo-changed'), item(2, 'bar')],
    ]);
    const expected = [
      [1, 'foo', '2024-01-01', '2024-01-02'],
      [1, 'foo-changed', '2024-01-02', null],
      [2, 'bar', '2024-01-01', '2024-01-02'],
      [2, 'bar', '2024-01-03', null],
    ];
    expect(validity(planned.get('items'))).toEqual(expected);
    expect(validity(reference.get('items'))).toEqual(expected);
  });

  it('with a merge key only records whose key is in the batch can retire', async () => {
    const { planned, reference } = await scenario({ strategy: 'scd2', mergeKey: true }, [
      [item(1, 'a', { grp: 1 }), item(2, 'b', { grp: 2 }), item(3, 'c', { grp: 1 })],
      [item(1, 'a2', { grp: 1 })],
    ]);
    const expected = [
      [1, 'a', '2024-01-01', '2024-01-02'],
      [1, 'a2', '2024-01-02', null],
      [2, 'b', '2024-01-01', null],
      [3, 'c', '2024-01-01', '2024-01-02'],
    ];
    expect(validity(planned.get('items'))).toEqual(expected);
    expect(validity(reference.get('items'))).toEqual(expected);
  });

  it('an active record timestamp marks active rows; custom validity column names are honoured', async () => {
    const options: ChainOptions = {
      strategy: 'scd2',
      activeRecordTimestamp: '9999-12-31T00:00:00Z',
      validityColumns: ['valid_from', 'valid_to'],
    };
    const { planned, reference } = await scenario(options, [[item(1, 'a'), item(2, 'b')], [item(1, 'a')]]);
    const expected = [
      [1, 'a', '2024-01-01', '9999-12-31'],
      [2, 'b', '2024-01-01', '2024-01-02'],
    ];
    expect(validity(planned.get('items'), 'valid_from', 'valid_to')).toEqual(expected);
    expect(validity(reference.get('items'), 'valid_from', 'valid_to')).toEqual(expected);
    expect(tableToRows(planned.get('items')!).some((row) => '_dlt_valid_to' in row)).toBe(false);
  });

  it('nested rows are insert-only by their deterministic id; retiring never touches them', async () => {
    const { both } = await scenario({ strategy: 'scd2' }, [
      [item(1, 'a', { parts: [part(1, [1])] })],
      [item(1, 'a', { parts: [part(1, [1])] })],
      [item(1, 'b', { parts: [part(1, [1])] })],
      [],
    ]);
    // Unchanged parent: same hash, same nested ids, nothing new; changed parent: a new version with new nested rows.
    expect(both('items__parts', ['n'])).toEqual([[1], [1]]);
    expect(both('items__parts__subs', ['value'])).toEqual([[1], [1]]);
    expect(both('items', ['v', '_dlt_valid_to']).map((row) => [row[0], row[1] === null])).toEqual([
      ['a', false],
      ['b', false],
    ]);
  });

  it('the boundary keeps microseconds from an ISO string (x-boundary-timestamp)', async () => {
    const input = mergeInput(
      [item(1, 'a')],
      { strategy: 'scd2', nested: false },
      loadIdOf(0),
      '2024-05-06T07:08:09.123456Z',
    );
    const planned = applyOperations(new Map(), await planMerge(input, inMemoryLookups(new Map())));
    const reference = mergeClientSide(new Map(), input);
    const expected = BigInt(Date.UTC(2024, 4, 6, 7, 8, 9)) * 1000n + 123_456n;
    expect(tableToRows(planned.get('items')!)[0]!._dlt_valid_from).toBe(expected);
    expect(tableToRows(reference.get('items')!)[0]!._dlt_valid_from).toBe(expected);
  });
});

describe('restore (a chain re-run after a crash or a lost response)', () => {
  for (const strategy of ['append', 'replace', 'delete-insert', 'upsert', 'insert-only', 'scd2'] as const) {
    it(`${strategy}: running a fully applied chain again with restore changes nothing`, async () => {
      const options: ChainOptions = { strategy, hardDelete: strategy === 'scd2' ? undefined : 'bool' };
      const first = mergeInput(
        [item(1, 'a', { parts: [part(1, [1])] }), item(2, 'b')],
        options,
        loadIdOf(0),
        boundaryOf(0),
      );
      const once = applyOperations(new Map(), await planMerge(first, inMemoryLookups(new Map())));
      const second = mergeInput(
        [item(1, 'c', { parts: [part(2, [2])] }), item(3, 'd', { deleted: true })],
        options,
        loadIdOf(1),
        boundaryOf(1),
      );
      const applied = applyOperations(once, await planMerge(second, inMemoryLookups(once)));
      const again = applyOperations(
        applied,
        await planMerge({ ...second, restore: true }, inMemoryLookups(applied)),
      );
      const reference = mergeClientSide(once, { ...second, restore: true });
      for (const name of ['items', 'items__parts', 'items__parts__subs']) {
        expect(values(again.get(name), ['_dlt_id']), name).toEqual(values(applied.get(name), ['_dlt_id']));
        expect(values(reference.get(name), ['_dlt_id']), name).toEqual(
          values(applied.get(name), ['_dlt_id']),
        );
      }
    });
  }
});
