import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DataValidationError,
  type PipelineEvent,
  resource,
  type SchemaContract,
  source,
} from '@hotdata-dlt/core';
import { createReferenceDestination, workspaceRootDir } from '@hotdata-dlt/testing';
import { tableFromArrays } from 'apache-arrow';
import { afterAll, describe, expect, it } from 'vitest';
import { pipeline } from '../src/index.ts';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function freshPipeline(name = 'norm', events?: PipelineEvent[]) {
  const workingDir = await mkdtemp(join(tmpdir(), 'pipeline-test-'));
  dirs.push(workingDir);
  const destination = createReferenceDestination();
  const p = pipeline({
    pipelineName: name,
    destination,
    workingDir,
    ...(events ? { onEvent: (event: PipelineEvent) => events.push(event) } : {}),
  });
  const rows = (table: string) => destination.rows(`${name}_dataset`, table);
  const columns = (table: string) => Object.keys(p.defaultSchema!.requireTable(table).columns);
  return { p, destination, rows, columns, workingDir };
}

const casesDir = join(workspaceRootDir(), '..', 'shared', 'dlt', 'cases');
const casesReason = existsSync(casesDir) ? undefined : `dlt cases folder ${casesDir} is absent`;

describe.skipIf(casesReason)(`dlt cases${casesReason ? ` (skipped: ${casesReason})` : ''}`, () => {
  it('simple_row.json normalizes into the table and columns dlt produces', async () => {
    const { p, rows, columns } = await freshPipeline('simple');
    const data = JSON.parse(readFileSync(join(casesDir, 'simple_row.json'), 'utf8'));
    await p.run(data, { tableName: 'simple_row' });
    expect(columns('simple_row')).toEqual([
      'f_int',
      'f_float',
      'f_timestamp',
      'f_bool',
      'f_bool_2',
      'f_str',
      '_dlt_load_id',
      '_dlt_id',
    ]);
    const table = p.defaultSchema!.requireTable('simple_row');
    expect(
      Object.fromEntries(Object.values(table.columns).map((column) => [column.name, column.data_type])),
    ).toEqual({
      f_int: 'bigint',
      f_float: 'double',
      f_timestamp: 'timestamp',
      f_bool: 'bool',
      f_bool_2: 'bool',
      f_str: 'text',
      _dlt_load_id: 'text',
      _dlt_id: 'text',
    });
    expect(table.columns._dlt_id).toMatchObject({ nullable: false, unique: true, row_key: true });
    const loaded = await rows('simple_row');
    expect(loaded.map((row) => [row.f_int, row.f_timestamp, row.f_str ?? null])).toEqual([
      [7817289712n, 1634132972901899n, 'some string'],
      [7817289713n, 1634132972901899n, null],
    ]);
  });

  it('weird_rows.json keeps every odd string intact', async () => {
    const { p, rows, columns } = await freshPipeline('weird');
    const data = JSON.parse(readFileSync(join(casesDir, 'weird_rows.json'), 'utf8')) as Array<{
      idx: number;
      str: string;
    }>;
    await p.run(data, { tableName: 'weird_rows' });
    expect(columns('weird_rows')).toEqual(['idx', 'str', '_dlt_load_id', '_dlt_id']);
    const loaded = (await rows('weird_rows')).sort((a, b) => Number(a.idx) - Number(b.idx));
    expect(loaded.map((row) => row.str)).toEqual(data.map((row) => row.str));
  });
});

describe('relational normalizer', () => {
  it('flattens objects in dlt order, unnests lists, and links child rows', async () => {
    const { p, rows, columns } = await freshPipeline('flatten');
    await p.run(
      [{ a: { x: 1 }, b: { y: 2 }, c: 3, list: [[1, 2], [3]], items: [{ n: 1, deep: [{ m: 'q' }] }] }],
      { tableName: 'nest' },
    );
    expect(columns('nest')).toEqual(['c', 'b__y', 'a__x', '_dlt_load_id', '_dlt_id']);
    const [root] = await rows('nest');
    const lists = await rows('nest__list');
    expect(lists.every((row) => row._dlt_parent_id === root!._dlt_id)).toBe(true);
    expect((await rows('nest__list__list')).map((row) => Number(row.value)).sort()).toEqual([1, 2, 3]);
    const deep = await rows('nest__items__deep');
    expect(deep.map((row) => row.m)).toEqual(['q']);
    expect(deep[0]).not.toHaveProperty('_dlt_load_id');
  });

  it('honours maxTableNesting by keeping deeper values as JSON', async () => {
    const { p, rows } = await freshPipeline('nesting');
    const data = resource([{ one: [{ two: [{ three: 'x' }] }], obj: { a: { b: 1 } } }], {
      name: 'base',
      maxTableNesting: 1,
    });
    await p.run(data);
    const schema = p.defaultSchema!;
    expect(schema.hasTable('base__one')).toBe(true);
    expect(schema.hasTable('base__one__two')).toBe(false);
    expect(schema.requireTable('base__one').columns.two?.data_type).toBe('json');
    expect(schema.requireTable('base').columns.obj__a?.data_type).toBe('json');
    expect(JSON.parse(String((await rows('base__one'))[0]!.two))).toEqual([{ three: 'x' }]);
  });
});

describe('bad input never crashes the process', () => {
  it('wraps non-object rows as a value column', async () => {
    const { p, rows } = await freshPipeline('scalars');
    await p.run([1, 2, 3], { tableName: 'numbers' });
    expect((await rows('numbers')).map((row) => Number(row.value)).sort()).toEqual([1, 2, 3]);
  });

  it('refuses circular objects with an error that says what to do', async () => {
    const { p } = await freshPipeline('circular');
    const item: Record<string, unknown> = { id: 1 };
    item.self = item;
    await expect(p.run([item], { tableName: 'loops' })).rejects.toThrow(/without cycles/);
    expect(p.hasPendingPackages).toBe(false);
  });

  it('stores BigInt, Date, NaN/Infinity and skips undefined', async () => {
    const { p, rows } = await freshPipeline('types');
    await p.run(
      [
        {
          big: 2n ** 62n,
          huge: 2n ** 70n,
          when: new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 6)),
          nan: Number.NaN,
          inf: Number.POSITIVE_INFINITY,
          gone: undefined,
          n: 1.5,
        },
      ],
      { tableName: 'types' },
    );
    const table = p.defaultSchema!.requireTable('types');
    expect(table.columns.big?.data_type).toBe('bigint');
    expect(table.columns.huge?.data_type).toBe('decimal');
    expect(table.columns.when?.data_type).toBe('timestamp');
    expect(table.columns).not.toHaveProperty('gone');
    const [row] = await rows('types');
    expect(row!.big).toBe(2n ** 62n);
    expect(row!.when).toBe(1704164645006000n);
    expect(row!.n).toBe(1.5);
  });

  it('shortens 10,000-character keys to the identifier limit with dlt tags', async () => {
    const { p, columns, destination } = await freshPipeline('long_keys');
    await p.run([{ ['k'.repeat(10_000)]: 1, [`${'k'.repeat(9_999)}x`]: 2 }], { tableName: 'long_keys' });
    const names = columns('long_keys').filter((name) => !name.startsWith('_dlt'));
    const limit = Math.min(
      destination.capabilities.maxIdentifierLength,
      destination.capabilities.maxColumnIdentifierLength,
    );
    expect(names).toHaveLength(2);
    for (const name of names) expect(name.length).toBe(limit);
    expect(new Set(names).size).toBe(2);
  });

  it('explains keys that normalize to the same column', async () => {
    const { p } = await freshPipeline('collide');
    await expect(p.run([{ 'A B': 1, a_b: 2 }], { tableName: 'collide' })).rejects.toThrow(
      /both normalize to the column 'a_b'/,
    );
  });

  it('normalizes unicode and emoji keys', async () => {
    const { p, columns } = await freshPipeline('unicode');
    await p.run([{ Größe: 1, '📆 Schedule': 'x', 名前: 'n' }], { tableName: 'unicode' });
    expect(columns('unicode').slice(0, 3)).toEqual(['gr_e', '_schedule', 'x']);
  });

  it('puts mixed types across batches into variant columns', async () => {
    const { p, rows, columns } = await freshPipeline('mixed');
    const mixed = resource<{ v: unknown }>(
      function* () {
        yield [{ v: 1 }, { v: 2 }];
        yield [{ v: 'three' }, { v: true }];
      },
      { name: 'mixed' },
    );
    await p.run(mixed);
    expect(columns('mixed')).toEqual(['v', '_dlt_load_id', '_dlt_id', 'v__v_text', 'v__v_bool']);
    const values = (await rows('mixed')).map((row) => [row.v ?? null, row.v__v_text ?? null]);
    expect(values).toContainEqual([1n, null]);
    expect(values).toContainEqual([null, 'three']);
    expect(values).toContainEqual([2n, null]);
  });
});

describe('schema contracts', () => {
  const run = async (contract: SchemaContract, second: unknown[]) => {
    const { p, rows } = await freshPipeline('contracts');
    await p.run(resource([{ id: 1, some_int: 1 }], { name: 'items' }));
    const error = await p
      .run(
        source(
          'contracts',
          () => [resource(second, { name: 'items' }), resource([{ id: 9 }], { name: 'other' })],
          { schemaContract: contract },
        )(),
      )
      .then(
        () => undefined,
        (caught: unknown) => caught,
      );
    return { p, rows, error };
  };

  it('columns: freeze fails naming the table and column; discard_row drops rows; discard_value drops values; evolve adds', async () => {
    const frozen = await run({ columns: 'freeze' }, [{ id: 2, extra: 'x' }]);
    const cause = (frozen.error as Error & { cause?: unknown }).cause as DataValidationError;
    expect(cause).toBeInstanceOf(DataValidationError);
    expect(cause).toMatchObject({
      table: 'items',
      column: 'extra',
      contractEntity: 'columns',
      contractMode: 'freeze',
    });
    expect(cause.message).toMatch(/table 'items' has the new column 'extra'/);

    const discardRow = await run({ columns: 'discard_row' }, [{ id: 2, extra: 'x' }, { id: 3 }]);
    expect(discardRow.error).toBeUndefined();
    expect((await discardRow.rows('items')).map((row) => Number(row.id)).sort()).toEqual([1, 3]);

    const discardValue = await run({ columns: 'discard_value' }, [{ id: 2, extra: 'x' }]);
    expect((await discardValue.rows('items')).map((row) => Number(row.id)).sort()).toEqual([1, 2]);
    expect(discardValue.p.defaultSchema!.requireTable('items').columns).not.toHaveProperty('extra');

    const evolve = await run({ columns: 'evolve' }, [{ id: 2, extra: 'x' }]);
    expect(evolve.p.defaultSchema!.requireTable('items').columns.extra?.data_type).toBe('text');
  });

  it('data_type: freeze fails; discard_row drops the row; discard_value drops the value; evolve makes a variant', async () => {
    const frozen = await run({ data_type: 'freeze' }, [{ id: 2, some_int: 'text' }]);
    expect(((frozen.error as { cause?: unknown }).cause as DataValidationError).column).toBe('some_int');
    const discardRow = await run({ data_type: 'discard_row' }, [{ id: 2, some_int: 'text' }]);
    expect((await discardRow.rows('items')).map((row) => Number(row.id))).toEqual([1]);
    const discardValue = await run({ data_type: 'discard_value' }, [{ id: 2, some_int: 'text' }]);
    expect((await discardValue.rows('items')).map((row) => Number(row.id)).sort()).toEqual([1, 2]);
    const evolve = await run({ data_type: 'evolve' }, [{ id: 2, some_int: 'text' }]);
    expect(evolve.p.defaultSchema!.requireTable('items').columns.some_int__v_text?.data_type).toBe('text');
  });

  it('tables: freeze fails on a new table; discard modes drop its rows and load the others', async () => {
    const frozen = await run({ tables: 'freeze' }, [{ id: 2 }]);
    expect((frozen.error as { cause?: unknown }).cause as DataValidationError).toMatchObject({
      table: 'other',
      contractEntity: 'tables',
    });
    for (const mode of ['discard_row', 'discard_value'] as const) {
      const discarded = await run({ tables: mode }, [{ id: 2 }]);
      expect(discarded.error).toBeUndefined();
      expect(await discarded.rows('other')).toEqual([]);
      expect((await discarded.rows('items')).map((row) => Number(row.id)).sort()).toEqual([1, 2]);
    }
  });
});

describe('pipeline behaviour', () => {
  it('emits progress events for every step', async () => {
    const events: PipelineEvent[] = [];
    const { p } = await freshPipeline('events', events);
    await p.run(resource([{ id: 1 }], { name: 'things' }));
    const types = events.map((event) => event.type);
    for (const type of [
      'run-start',
      'extract-start',
      'resource-extract-end',
      'extract-end',
      'normalize-start',
      'normalize-end',
      'load-start',
      'load-job-end',
      'load-end',
      'run-end',
    ]) {
      expect(types).toContain(type);
    }
  });

  it('takes the Arrow fast path: only the dlt columns are added', async () => {
    const { p, rows, columns } = await freshPipeline('arrow');
    const table = tableFromArrays({ Id: Int32Array.from([1, 2]), Amount: Float64Array.from([1.5, 2.5]) });
    await p.run(resource(table, { name: 'amounts' }));
    expect(columns('amounts')).toEqual(['id', 'amount', '_dlt_load_id', '_dlt_id']);
    expect((await rows('amounts')).map((row) => row.amount)).toEqual([1.5, 2.5]);
  });

  it('finishes pending packages before extracting new data, and can drop them', async () => {
    const { p, rows } = await freshPipeline('pending');
    await p.extract(resource([{ id: 1 }], { name: 'queued' }));
    expect(p.hasPendingPackages).toBe(true);
    const info = await p.run(resource([{ id: 2 }], { name: 'queued' }));
    expect(info.finishedPendingPackages).toBe(true);
    expect((await rows('queued')).map((row) => Number(row.id))).toEqual([1]);
    await p.extract(resource([{ id: 3 }], { name: 'queued' }));
    expect((await p.dropPendingPackages()).length).toBe(1);
    expect(p.hasPendingPackages).toBe(false);
  });

  it('retries transient destination errors and aborts the package on terminal ones, naming table and load id', async () => {
    const workingDir = await mkdtemp(join(tmpdir(), 'pipeline-failures-'));
    dirs.push(workingDir);
    const flaky = pipeline({
      pipelineName: 'flaky',
      destination: createReferenceDestination({ failures: { transient: { table: 'things', times: 2 } } }),
      workingDir,
      load: { retryBackoffMs: 1 },
    });
    await expect(flaky.run(resource([{ id: 1 }], { name: 'things' }))).resolves.toMatchObject({
      loadIds: [expect.any(String)],
    });
    const broken = pipeline({
      pipelineName: 'broken',
      destination: createReferenceDestination({ failures: { terminal: { table: 'things' } } }),
      workingDir: join(workingDir, 'broken'),
    });
    await expect(broken.run(resource([{ id: 1 }], { name: 'things' }))).rejects.toThrow(
      /table 'things' failed terminally in load \d+\.\d+/,
    );
    expect(broken.hasPendingPackages).toBe(false);
  });
});
