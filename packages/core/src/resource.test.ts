import { describe, expect, it } from 'vitest';
import { resourceState } from './context.ts';
import { ConfigurationError, HotdataDltError } from './errors.ts';
import { incremental } from './incremental.ts';
import { createIncrementalHandle } from './incremental-runtime.ts';
import { noopLogger } from './logger.ts';
import { type ResourceBatch, type ResourceRunContext, resource, transformer } from './resource.ts';
import { source } from './source.ts';

function runContext(states: Record<string, Record<string, unknown>> = {}): ResourceRunContext {
  return {
    resourceState(name) {
      states[name] ??= {};
      return states[name];
    },
    sourceState: {},
    signal: new AbortController().signal,
    logger: noopLogger,
    bindIncremental: () => undefined,
  };
}

async function rowsOf(batches: AsyncIterable<ResourceBatch>): Promise<unknown[]> {
  const rows: unknown[] = [];
  for await (const batch of batches) if (batch.kind === 'rows') rows.push(...batch.rows);
  return rows;
}

describe('resource', () => {
  it('accepts arrays, iterables, async generators and functions returning rows', async () => {
    const fromArray = resource([{ id: 1 }, { id: 2 }], { name: 'a' });
    const fromGenerator = resource(
      function* () {
        yield { id: 1 };
        yield [{ id: 2 }, { id: 3 }];
      },
      { name: 'b' },
    );
    const fromAsync = resource(
      async function* () {
        yield [{ id: 1 }];
      },
      { name: 'c' },
    );
    const fromFunction = resource(async () => [{ id: 9 }], { name: 'd' });
    expect(await rowsOf(fromArray.iterate(runContext()))).toEqual([{ id: 1 }, { id: 2 }]);
    expect(await rowsOf(fromGenerator.iterate(runContext()))).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
    expect(await rowsOf(fromAsync.iterate(runContext()))).toEqual([{ id: 1 }]);
    expect(await rowsOf(fromFunction.iterate(runContext()))).toEqual([{ id: 9 }]);
  });

  it('takes its name from a named function and refuses an unnamed resource', () => {
    expect(resource(function* orders() {}).name).toBe('orders');
    expect(() => resource([{ id: 1 }])).toThrow(ConfigurationError);
  });

  it('exposes resource state to the generator through resourceState() and the context', async () => {
    const states: Record<string, Record<string, unknown>> = {};
    const counter = resource(
      function* (context) {
        const state = resourceState<{ runs?: number }>();
        state.runs = (state.runs ?? 0) + 1;
        yield { runs: state.runs, same: context.state === state };
      },
      { name: 'counter' },
    );
    await rowsOf(counter.iterate(runContext(states)));
    expect(await rowsOf(counter.iterate(runContext(states)))).toEqual([{ runs: 2, same: true }]);
    expect(states.counter).toEqual({ runs: 2 });
  });

  it('runs a typed incremental: the generator sees the start value, the filter runs before maps', async () => {
    const states: Record<string, Record<string, unknown>> = {};
    const seen: unknown[] = [];
    const events = resource(
      async function* ({ incremental: cursor }) {
        seen.push(cursor.startValue);
        yield [
          { id: 1, updated_at: '2024-01-01' },
          { id: 2, updated_at: '2024-01-03' },
        ];
        yield { id: 3, updated_at: '2024-01-02' };
      },
      {
        name: 'events',
        primaryKey: 'id',
        incremental: incremental('updated_at', { initialValue: '2024-01-02' }),
      },
    ).addMap((row) => row.id);
    const context: ResourceRunContext = {
      ...runContext(states),
      bindIncremental: (bound) =>
        bound.incremental &&
        createIncrementalHandle(bound.incremental, context.resourceState(bound.name), {
          resourceName: bound.name,
          resourcePrimaryKey: bound.hints.primaryKey,
        }),
    };
    expect(await rowsOf(events.iterate(context))).toEqual([2, 3]);
    expect(await rowsOf(events.iterate(context))).toEqual([]);
    expect(seen).toEqual(['2024-01-02', '2024-01-03']);
  });

  it('applies maps, filters and limits, and closes the generator at the limit', async () => {
    let closed = false;
    const numbers = resource(
      function* () {
        try {
          for (let i = 0; ; i++) yield { i };
        } finally {
          closed = true;
        }
      },
      { name: 'numbers' },
    )
      .addFilter((row) => row.i % 2 === 0)
      .addMap((row) => ({ double: row.i * 2 }))
      .addLimit(6);
    expect(await rowsOf(numbers.iterate(runContext()))).toEqual([
      { double: 0 },
      { double: 4 },
      { double: 8 },
    ]);
    expect(closed).toBe(true);
  });

  it('feeds a transformer with the pages of its parent', async () => {
    const ids = resource(
      function* () {
        yield [{ id: 1 }, { id: 2 }];
        yield [{ id: 3 }];
      },
      { name: 'ids' },
    );
    const details = transformer(
      ids,
      async function* (page) {
        for (const row of page) yield { id: row.id, detail: `#${row.id}` };
      },
      { name: 'details' },
    );
    expect(await rowsOf(details.iterate(runContext()))).toEqual([
      { id: 1, detail: '#1' },
      { id: 2, detail: '#2' },
      { id: 3, detail: '#3' },
    ]);
  });

  it('runs a transformer from pushed parent batches without its parent, its limit spanning pages', async () => {
    let parentRuns = 0;
    const ids = resource(
      function* () {
        parentRuns += 1;
        yield [{ id: 0 }];
      },
      { name: 'ids' },
    );
    const details = transformer(
      ids,
      function* (page) {
        for (const row of page) yield { id: row.id, detail: `#${row.id}` };
      },
      { name: 'details' },
    )
      .addMap((row) => row.detail)
      .addLimit(3);
    const opened = details.openTransformer(runContext());
    expect(await rowsOf(opened.push({ kind: 'rows', rows: [{ id: 1 }, { id: 2 }] }))).toEqual(['#1', '#2']);
    expect(opened.done).toBe(false);
    expect(await rowsOf(opened.push({ kind: 'rows', rows: [{ id: 3 }, { id: 4 }] }))).toEqual(['#3']);
    expect(opened.done).toBe(true);
    expect(await rowsOf(opened.push({ kind: 'rows', rows: [{ id: 5 }] }))).toEqual([]);
    expect(parentRuns).toBe(0);
    expect(() => ids.openTransformer(runContext())).toThrow(/'ids' is not a transformer/);
  });

  it('applyHints returns a copy and merges column hints', () => {
    const base = resource([], { name: 'r', columns: { a: { dataType: 'text' } } });
    const next = base.applyHints({ primaryKey: 'id', columns: { b: { hardDelete: true } } });
    expect(base.hints.primaryKey).toBeUndefined();
    expect(next.hints).toMatchObject({
      primaryKey: 'id',
      columns: { a: { dataType: 'text' }, b: { hardDelete: true } },
    });
  });
});

describe('source', () => {
  it('selects resources and explains unknown names', () => {
    const shop = source('shop', () => [resource([], { name: 'orders' }), resource([], { name: 'events' })]);
    const instance = shop();
    expect(instance.selectedResources.map((item) => item.name)).toEqual(['orders', 'events']);
    expect(instance.withResources('events').selectedResources.map((item) => item.name)).toEqual(['events']);
    expect(() => instance.resource('nope')).toThrow(/has no resource 'nope'. It has: orders, events/);
  });

  it('refuses duplicate resource names and bad source names', () => {
    expect(() => source('dup', () => [resource([], { name: 'x' }), resource([], { name: 'x' })])()).toThrow(
      /two resources named 'x'/,
    );
    expect(() => source('1bad', () => [])).toThrow(ConfigurationError);
  });
});

describe('HotdataDltError', () => {
  it('recognises errors across copies by marker, not prototype', () => {
    const error = new ConfigurationError('bad');
    expect(HotdataDltError.isInstance(error)).toBe(true);
    expect(HotdataDltError.isInstance(new Error('x'))).toBe(false);
    expect(error.code).toBe('CONFIGURATION_ERROR');
    expect(error.isRetryable).toBe(false);
  });
});
