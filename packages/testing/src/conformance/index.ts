import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Destination, incremental, resource } from '@hotdata-dlt/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** What the suite needs of a pipeline (structural, so this package does not depend on the engine). */
export interface ConformancePipeline {
  run(data: unknown, options?: Record<string, unknown>): Promise<{ loadIds: string[] }>;
  dataset(): { table(name: string): { toRows(): Promise<Record<string, unknown>[]> } };
  readonly state: { sources?: Record<string, unknown> };
}

/** The engine: `(options) => pipeline(options)` from `@hotdata-dlt/pipeline`. */
export type ConformancePipelineFactory = (options: {
  pipelineName: string;
  destination: Destination;
  workingDir: string;
  datasetName: string;
}) => ConformancePipeline;

export interface ConformanceOptions {
  /** Shown in test names, e.g. `reference` or `hotdata`. */
  name: string;
  /** A destination for one test file (the suite calls it once, in `beforeAll`). */
  setup(): Promise<{ destination: Destination; teardown?: () => Promise<void> }>;
  pipeline: ConformancePipelineFactory;
}

/** The second argument of `describeDestinationConformance(name, options)`. */
export interface DestinationConformanceOptions {
  /** Creates the destination once for the suite (in `beforeAll`). */
  createDestination(): Destination | Promise<Destination>;
  /** Called once after the suite (e.g. to stop a server). Default: nothing. */
  teardown?: () => Promise<void>;
  pipeline: ConformancePipelineFactory;
}

let counter = 0;

/**
 * The destination conformance suite: scenarios written from SEMANTICS §6–§8, run through a pipeline
 * against any destination and checked by reading tables back. Expected rows are written by hand from
 * dlt's documented behaviour.
 *
 * @example
 * ```ts
 * import { pipeline } from '@hotdata-dlt/pipeline';
 * describeDestinationConformance('reference', { createDestination: () => createReferenceDestination(), pipeline });
 * ```
 */
export function describeDestinationConformance(name: string, options: DestinationConformanceOptions): void;
export function describeDestinationConformance(options: ConformanceOptions): void;
export function describeDestinationConformance(
  nameOrOptions: string | ConformanceOptions,
  named?: DestinationConformanceOptions,
): void {
  const options: ConformanceOptions =
    typeof nameOrOptions === 'string'
      ? {
          name: nameOrOptions,
          pipeline: named!.pipeline,
          setup: async () => ({
            destination: await named!.createDestination(),
            ...(named!.teardown ? { teardown: named!.teardown } : {}),
          }),
        }
      : nameOrOptions;
  describe(`destination conformance: ${options.name}`, () => {
    let destination: Destination;
    let teardown: (() => Promise<void>) | undefined;
    const dirs: string[] = [];

    beforeAll(async () => {
      ({ destination, teardown } = await options.setup());
    });
    afterAll(async () => {
      await teardown?.();
      for (const dir of dirs) await rm(dir, { recursive: true, force: true });
    });

    /** A fresh pipeline (own working dir and dataset) for one scenario. */
    async function fresh(name: string, dataset?: string) {
      const workingDir = await mkdtemp(join(tmpdir(), `conformance-${name}-`));
      dirs.push(workingDir);
      counter += 1;
      const datasetName = dataset ?? `${name}_${process.pid}_${counter}`;
      const create = (dir = workingDir) =>
        options.pipeline({ pipelineName: name, destination, workingDir: dir, datasetName });
      const pipe = create();
      const rows = async (table: string, order: string[] = []) => {
        const all = await pipe.dataset().table(table).toRows();
        const sorted = [...all].sort((a, b) => {
          for (const column of order) {
            const left = a[column] as number | string;
            const right = b[column] as number | string;
            if (left !== right) return left === null ? -1 : right === null ? 1 : left < right ? -1 : 1;
          }
          return 0;
        });
        return sorted;
      };
      const pick = async (table: string, columns: string[]) =>
        (await rows(table, columns)).map((row) =>
          Object.fromEntries(columns.map((column) => [column, row[column] ?? null])),
        );
      return { pipe, rows, pick, datasetName, workingDir, create };
    }

    it('append: every run adds rows, nested lists become child tables', async () => {
      const { pipe, pick } = await fresh('append');
      const orders = (batch: number) =>
        resource([{ id: batch, items: [{ sku: `a${batch}` }, { sku: `b${batch}` }] }], { name: 'orders' });
      await pipe.run(orders(1));
      await pipe.run(orders(2));
      expect(await pick('orders', ['id'])).toEqual([{ id: 1 }, { id: 2 }]);
      expect(await pick('orders__items', ['sku', '_dlt_list_idx'])).toEqual([
        { sku: 'a1', _dlt_list_idx: 0 },
        { sku: 'a2', _dlt_list_idx: 0 },
        { sku: 'b1', _dlt_list_idx: 1 },
        { sku: 'b2', _dlt_list_idx: 1 },
      ]);
      const parents = await pick('orders', ['_dlt_id', 'id']);
      const children = await pick('orders__items', ['_dlt_parent_id', 'sku']);
      for (const child of children) {
        const parent = parents.find((row) => row._dlt_id === child._dlt_parent_id);
        expect(String(child.sku).endsWith(String(parent?.id))).toBe(true);
      }
      const loads = await pick('_dlt_loads', ['status']);
      expect(loads).toEqual([{ status: 0 }, { status: 0 }]);
    });

    it('replace: each run replaces the table chain; nested rows of the old run disappear; no rows empties it', async () => {
      const { pipe, pick } = await fresh('replace');
      const data = (rows: unknown[]) => resource(rows, { name: 'things', writeDisposition: 'replace' });
      await pipe.run(
        data([
          { id: 1, tags: ['x', 'y'] },
          { id: 2, tags: ['z'] },
        ]),
      );
      await pipe.run(data([{ id: 3, tags: [] }]));
      expect(await pick('things', ['id'])).toEqual([{ id: 3 }]);
      expect(await pick('things__tags', ['value'])).toEqual([]);
      await pipe.run(data([]));
      expect(await pick('things', ['id'])).toEqual([]);
    });

    it('merge delete-insert (default): updates by primary key and replaces nested lists', async () => {
      const { pipe, pick } = await fresh('delete_insert');
      const users = (rows: unknown[]) =>
        resource(rows, { name: 'users', writeDisposition: 'merge', primaryKey: 'id' });
      await pipe.run(
        users([
          { id: 1, name: 'ann', pets: [{ n: 'cat' }, { n: 'dog' }] },
          { id: 2, name: 'bob', pets: [{ n: 'fish' }] },
        ]),
      );
      await pipe.run(users([{ id: 1, name: 'ANN', pets: [{ n: 'owl' }] }]));
      expect(await pick('users', ['id', 'name'])).toEqual([
        { id: 1, name: 'ANN' },
        { id: 2, name: 'bob' },
      ]);
      expect(await pick('users__pets', ['n'])).toEqual([{ n: 'fish' }, { n: 'owl' }]);
    });

    it('merge delete-insert with a merge key deletes siblings absent from the batch', async () => {
      const { pipe, pick } = await fresh('merge_key');
      const readings = (rows: unknown[]) =>
        resource(rows, {
          name: 'readings',
          writeDisposition: 'merge',
          primaryKey: ['day', 'sensor'],
          mergeKey: 'day',
        });
      await pipe.run(
        readings([
          { day: '2024-01-01', sensor: 'a', v: 1 },
          { day: '2024-01-01', sensor: 'b', v: 2 },
          { day: '2024-01-02', sensor: 'a', v: 3 },
        ]),
      );
      await pipe.run(readings([{ day: '2024-01-01', sensor: 'a', v: 10 }]));
      expect(await pick('readings', ['sensor', 'v'])).toEqual([
        { sensor: 'a', v: 3 },
        { sensor: 'a', v: 10 },
      ]);
    });

    it('merge upsert: updates at every nesting level, hard deletes, untouched roots stay', async () => {
      const { pipe, pick } = await fresh('upsert');
      const docs = (rows: unknown[]) =>
        resource(rows, {
          name: 'docs',
          writeDisposition: { disposition: 'merge', strategy: 'upsert' },
          primaryKey: 'id',
          columns: { deleted: { hardDelete: true, dataType: 'bool' } },
        });
      await pipe.run(
        docs([
          {
            id: 1,
            title: 'one',
            sections: [
              { h: 'a', lines: ['a1', 'a2'] },
              { h: 'b', lines: ['b1'] },
            ],
          },
          { id: 2, title: 'two', sections: [{ h: 'c', lines: ['c1'] }] },
          { id: 3, title: 'three', sections: [] },
        ]),
      );
      await pipe.run(
        docs([
          { id: 1, title: 'ONE', sections: [{ h: 'a', lines: ['a1-new'] }] },
          { id: 2, deleted: true },
        ]),
      );
      expect(await pick('docs', ['id', 'title'])).toEqual([
        { id: 1, title: 'ONE' },
        { id: 3, title: 'three' },
      ]);
      expect(await pick('docs__sections', ['h'])).toEqual([{ h: 'a' }]);
      expect(await pick('docs__sections__lines', ['value'])).toEqual([{ value: 'a1-new' }]);
    });

    it('merge insert-only: existing keys are never updated; new roots are inserted', async () => {
      const { pipe, pick } = await fresh('insert_only');
      const events = (rows: unknown[]) =>
        resource(rows, {
          name: 'events',
          writeDisposition: { disposition: 'merge', strategy: 'insert-only' },
          primaryKey: 'id',
        });
      await pipe.run(events([{ id: 1, v: 'first' }]));
      await pipe.run(
        events([
          { id: 1, v: 'changed' },
          { id: 2, v: 'second' },
        ]),
      );
      expect(await pick('events', ['id', 'v'])).toEqual([
        { id: 1, v: 'first' },
        { id: 2, v: 'second' },
      ]);
    });

    it('merge scd2: retires absent and changed records, re-inserts a retired record as a new active version', async () => {
      const { pipe, rows } = await fresh('scd2');
      const dim = (data: unknown[]) =>
        resource(data, { name: 'dim', writeDisposition: { disposition: 'merge', strategy: 'scd2' } });
      await pipe.run(
        dim([
          { nk: 1, c: 'foo' },
          { nk: 2, c: 'bar' },
        ]),
      );
      await pipe.run(dim([{ nk: 1, c: 'foo-changed' }]));
      await pipe.run(
        dim([
          { nk: 1, c: 'foo-changed' },
          { nk: 2, c: 'bar' },
        ]),
      );
      const all = (await rows('dim', ['nk', 'c'])).map((row) => ({
        nk: row.nk,
        c: row.c,
        active: row._dlt_valid_to === null || row._dlt_valid_to === undefined,
        from: row._dlt_valid_from instanceof Date,
      }));
      expect(all).toEqual([
        { nk: 1, c: 'foo', active: false, from: true },
        { nk: 1, c: 'foo-changed', active: true, from: true },
        { nk: 2, c: 'bar', active: false, from: true },
        { nk: 2, c: 'bar', active: true, from: true },
      ]);
    });

    it('merge scd2 with a merge key never retires records absent from the batch', async () => {
      const { pipe, rows } = await fresh('scd2_merge_key');
      const dim = (data: unknown[]) =>
        resource(data, {
          name: 'dim',
          mergeKey: 'nk',
          writeDisposition: { disposition: 'merge', strategy: 'scd2' },
        });
      await pipe.run(
        dim([
          { nk: 1, c: 'a' },
          { nk: 2, c: 'b' },
        ]),
      );
      await pipe.run(dim([{ nk: 1, c: 'a2' }]));
      const active = (await rows('dim', ['nk', 'c']))
        .filter((row) => row._dlt_valid_to === null || row._dlt_valid_to === undefined)
        .map((row) => ({ nk: row.nk, c: row.c }));
      expect(active).toEqual([
        { nk: 1, c: 'a2' },
        { nk: 2, c: 'b' },
      ]);
    });

    it('dedup_sort keeps the newest row per key within a batch', async () => {
      const { pipe, pick } = await fresh('dedup_sort');
      const prices = resource(
        [
          { sku: 'a', price: 1, seen: 1 },
          { sku: 'a', price: 3, seen: 3 },
          { sku: 'a', price: 2, seen: 2 },
        ],
        {
          name: 'prices',
          writeDisposition: 'merge',
          primaryKey: 'sku',
          columns: { seen: { dedupSort: 'desc' } },
        },
      );
      await pipe.run(prices);
      expect(await pick('prices', ['sku', 'price'])).toEqual([{ sku: 'a', price: 3 }]);
    });

    it('hard_delete on a non-bool column deletes rows whose value is not null', async () => {
      const { pipe, pick } = await fresh('hard_delete');
      const items = (data: unknown[]) =>
        resource(data, {
          name: 'items',
          writeDisposition: 'merge',
          primaryKey: 'id',
          columns: { deleted_at: { hardDelete: true } },
        });
      await pipe.run(
        items([
          { id: 1, v: 'a' },
          { id: 2, v: 'b' },
        ]),
      );
      await pipe.run(
        items([
          { id: 1, v: 'a', deleted_at: '2024-01-01T00:00:00Z' },
          { id: 3, v: 'c', deleted_at: null },
        ]),
      );
      expect(await pick('items', ['id', 'v'])).toEqual([
        { id: 2, v: 'b' },
        { id: 3, v: 'c' },
      ]);
    });

    it('merge delete-insert: a hard delete removes the root and its nested rows; level-2 lists are replaced', async () => {
      const { pipe, pick } = await fresh('delete_insert_nested');
      const orders = (rows: unknown[]) =>
        resource(rows, {
          name: 'orders',
          writeDisposition: 'merge',
          primaryKey: 'id',
          columns: { deleted: { hardDelete: true, dataType: 'bool' } },
        });
      await pipe.run(
        orders([
          { id: 1, lines: [{ sku: 'a', notes: ['x', 'y'] }] },
          { id: 2, lines: [{ sku: 'b', notes: ['z'] }] },
        ]),
      );
      await pipe.run(
        orders([
          {
            id: 1,
            lines: [
              { sku: 'a', notes: ['x2'] },
              { sku: 'c', notes: [] },
            ],
          },
          { id: 2, deleted: true },
        ]),
      );
      expect(await pick('orders', ['id'])).toEqual([{ id: 1 }]);
      expect(await pick('orders__lines', ['sku'])).toEqual([{ sku: 'a' }, { sku: 'c' }]);
      expect(await pick('orders__lines__notes', ['value'])).toEqual([{ value: 'x2' }]);
    });

    it('merge without primary or merge key falls back to append', async () => {
      const { pipe, pick } = await fresh('merge_no_keys');
      const logs = (rows: unknown[]) => resource(rows, { name: 'logs', writeDisposition: 'merge' });
      await pipe.run(logs([{ m: 'a' }]));
      await pipe.run(logs([{ m: 'a' }, { m: 'b' }]));
      expect(await pick('logs', ['m'])).toEqual([{ m: 'a' }, { m: 'a' }, { m: 'b' }]);
    });

    it('merge insert-only: new list positions of existing roots are inserted, existing ones never change', async () => {
      const { pipe, pick } = await fresh('insert_only_nested');
      const posts = (rows: unknown[]) =>
        resource(rows, {
          name: 'posts',
          writeDisposition: { disposition: 'merge', strategy: 'insert-only' },
          primaryKey: 'id',
        });
      await pipe.run(posts([{ id: 1, title: 't', tags: ['a'] }]));
      await pipe.run(posts([{ id: 1, title: 'changed', tags: ['b', 'c'] }]));
      expect(await pick('posts', ['id', 'title'])).toEqual([{ id: 1, title: 't' }]);
      expect(await pick('posts__tags', ['_dlt_list_idx', 'value'])).toEqual([
        { _dlt_list_idx: 0, value: 'a' },
        { _dlt_list_idx: 1, value: 'c' },
      ]);
    });

    it('merge scd2 with a nested list: each version keeps its own nested rows', async () => {
      const { pipe, rows } = await fresh('scd2_nested');
      const dim = (data: unknown[]) =>
        resource(data, { name: 'dim', writeDisposition: { disposition: 'merge', strategy: 'scd2' } });
      await pipe.run(dim([{ nk: 1, c: 'a', items: [1, 2] }]));
      await pipe.run(dim([{ nk: 1, c: 'b', items: [3] }]));
      await pipe.run(dim([{ nk: 1, c: 'b', items: [3] }]));
      const versions = await rows('dim', ['c']);
      expect(
        versions.map((row) => [row.c, row._dlt_valid_to === null || row._dlt_valid_to === undefined]),
      ).toEqual([
        ['a', false],
        ['b', true],
      ]);
      const items = await rows('dim__items', ['value']);
      const parentOf = (value: number) =>
        versions.find((row) => row._dlt_id === items.find((item) => item.value === value)?._dlt_parent_id)?.c;
      expect(items.map((item) => item.value)).toEqual([1, 2, 3]);
      expect([parentOf(1), parentOf(2), parentOf(3)]).toEqual(['a', 'a', 'b']);
    });

    it('schema evolution: new columns are added, type conflicts go to variant columns', async () => {
      const { pipe, pick } = await fresh('evolution');
      await pipe.run(resource([{ id: 1, n: 5 }], { name: 'evolving' }));
      await pipe.run(resource([{ id: 2, n: 'five', extra: true }], { name: 'evolving' }));
      expect(await pick('evolving', ['id', 'n', 'n__v_text', 'extra'])).toEqual([
        { id: 1, n: 5, n__v_text: null, extra: null },
        { id: 2, n: null, n__v_text: 'five', extra: true },
      ]);
    });

    it('incremental state survives runs and is restored from the destination into a new working dir', async () => {
      const { pipe, pick, datasetName } = await fresh('state_restore');
      let served: number[] = [];
      const events = (upTo: number) =>
        resource(
          async function* ({ incremental: cursor }) {
            const start = Number(cursor.startValue ?? 0);
            const rows = Array.from({ length: upTo }, (_, index) => ({
              id: index + 1,
              seq: index + 1,
            })).filter((row) => row.seq >= start);
            served = rows.map((row) => row.id);
            yield rows;
          },
          { name: 'events', primaryKey: 'id', incremental: incremental('seq', { initialValue: 0 }) },
        );
      await pipe.run(events(3));
      expect(served).toEqual([1, 2, 3]);
      await pipe.run(events(5));
      expect(served).toEqual([3, 4, 5]);
      expect(await pick('events', ['id'])).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }, { id: 4 }, { id: 5 }]);

      const moved = await fresh('state_restore', datasetName);
      await moved.pipe.run(events(6));
      expect(served).toEqual([5, 6]);
      expect(await moved.pick('events', ['id'])).toEqual([
        { id: 1 },
        { id: 2 },
        { id: 3 },
        { id: 4 },
        { id: 5 },
        { id: 6 },
      ]);
      const state = moved.pipe.state.sources?.state_restore as {
        resources: { events: { incremental: { seq: { last_value: number } } } };
      };
      expect(state.resources.events.incremental.seq.last_value).toBe(6);
    });
  });
}
