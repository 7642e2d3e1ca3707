import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import {
  ConfigurationError,
  type Destination,
  type DestinationClient,
  incremental,
  resource,
  resourceState,
  source,
  sourceState,
} from '@hotdata-dlt/core';
import { createReferenceDestination } from '@hotdata-dlt/testing';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { pipeline } from '../src/index.ts';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});
afterEach(() => {
  vi.unstubAllEnvs();
});

async function temp(name: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `pipeline-${name}-`));
  dirs.push(dir);
  return dir;
}

const ids = (rows: Record<string, unknown>[], column = 'id') =>
  rows.map((row) => Number(row[column])).sort((a, b) => a - b);

describe('options', () => {
  it('rejects a bad pipeline name and bad numbers with a ConfigurationError naming the option', () => {
    expect(() => pipeline({ pipelineName: 'has space' })).toThrow(ConfigurationError);
    expect(() => pipeline({ pipelineName: 'has space' })).toThrow(/pipelineName/);
    expect(() => pipeline({ pipelineName: 'ok', normalize: { bufferRows: 0 } })).toThrow(
      /normalize\.bufferRows.*NORMALIZE__DATA_WRITER__BUFFER_MAX_ITEMS/,
    );
  });

  it('takes the working dir root and writer sizes from env vars, explicit options win', async () => {
    const root = await temp('env-root');
    vi.stubEnv('HOTDATA_DLT_PIPELINES_DIR', root);
    expect(pipeline({ pipelineName: 'from_env' }).workingDir).toBe(join(root, 'from_env'));
    expect(pipeline({ pipelineName: 'from_env', workingDir: '/elsewhere' }).workingDir).toBe('/elsewhere');
    vi.stubEnv('NORMALIZE__DATA_WRITER__BUFFER_MAX_ITEMS', 'many');
    expect(() => pipeline({ pipelineName: 'from_env' })).toThrow(/NORMALIZE__DATA_WRITER__BUFFER_MAX_ITEMS/);
    expect(() => pipeline({ pipelineName: 'from_env', normalize: { bufferRows: 10 } })).not.toThrow();
  });
});

describe('load packages on disk', () => {
  it('moves a package extracted -> normalized -> loaded with dlt file names and increasing load ids', async () => {
    const workingDir = await temp('layout');
    const p = pipeline({ pipelineName: 'layout', destination: createReferenceDestination(), workingDir });
    const first = await p.extract(resource([{ id: 1, tags: ['a'] }], { name: 'things' }));
    const [loadId] = first.loadIds;
    expect(loadId).toMatch(/^\d{10}\.\d+$/);
    const extracted = join(workingDir, 'normalize', 'extracted', loadId!);
    expect(readdirSync(extracted).sort()).toEqual(
      expect.arrayContaining(['schema.json', 'load_package_state.json', 'new_jobs']),
    );
    expect(readdirSync(join(extracted, 'new_jobs'))).toEqual(
      expect.arrayContaining([expect.stringMatching(/^things\.[0-9a-f]{10}\.typed-jsonl$/)]),
    );
    const packageState = JSON.parse(readFileSync(join(extracted, 'load_package_state.json'), 'utf8'));
    expect(new Date(packageState.created_at).getTime()).toBe(Math.round(Number(loadId) * 1000));
    expect(packageState.pipeline_state.pipeline_name).toBe('layout');

    await p.normalize();
    const normalized = join(workingDir, 'load', 'normalized', loadId!);
    expect(existsSync(extracted)).toBe(false);
    const jobs = readdirSync(join(normalized, 'new_jobs')).sort();
    expect(jobs.map((job) => job.replace(/\.[0-9a-f]{10}\./, '.<id>.'))).toEqual([
      '_dlt_pipeline_state.<id>.0.parquet',
      'things.<id>.0.parquet',
      'things__tags.<id>.0.parquet',
    ]);

    await p.load();
    const loaded = join(workingDir, 'load', 'loaded', loadId!);
    expect(JSON.parse(readFileSync(join(loaded, 'package_completed.json'), 'utf8'))).toBe('loaded');
    expect(readdirSync(join(loaded, 'completed_jobs'))).toHaveLength(3);
    expect(readdirSync(join(loaded, 'new_jobs'))).toHaveLength(0);

    const second = await p.run(resource([{ id: 2 }], { name: 'things' }));
    expect(second.loadIds[0]! > loadId!).toBe(true);
  });

  it('rotates Parquet job files by size and loads every row', async () => {
    const destination = createReferenceDestination();
    const p = pipeline({
      pipelineName: 'rotate',
      destination,
      workingDir: await temp('rotate'),
      normalize: { bufferRows: 200, maxFileSize: 4096 },
    });
    const rows = Array.from({ length: 3000 }, (_, id) => ({ id, text: `row ${id} `.repeat(5) }));
    const info = await p.extract(resource(rows, { name: 'big' }));
    const normalized = await p.normalize();
    expect(normalized.tables.find((table) => table.table === 'big')).toMatchObject({ rows: 3000 });
    expect(normalized.tables.find((table) => table.table === 'big')!.files).toBeGreaterThan(1);
    await p.load();
    expect(info.loadIds).toHaveLength(1);
    expect(await destination.rows('rotate_dataset', 'big')).toHaveLength(3000);
  });
});

describe('state', () => {
  const counter = () =>
    source('counting', () => [
      resource(
        function* () {
          const state = resourceState<{ runs?: number }>();
          state.runs = (state.runs ?? 0) + 1;
          const shared = sourceState<{ seen?: string[] }>();
          shared.seen = [...(shared.seen ?? []), `run-${state.runs}`];
          yield [{ run: state.runs }];
        },
        { name: 'runs' },
      ),
    ])();

  it('keeps resource and source state across runs and restores it from the destination into an empty working dir', async () => {
    const destination = createReferenceDestination();
    const workingDir = await temp('state');
    await pipeline({ pipelineName: 'stateful', destination, workingDir }).run(counter());
    const second = pipeline({ pipelineName: 'stateful', destination, workingDir });
    await second.run(counter());
    expect(second.state.sources?.counting).toMatchObject({
      seen: ['run-1', 'run-2'],
      resources: { runs: { runs: 2 } },
    });

    await rm(workingDir, { recursive: true, force: true });
    const fresh = pipeline({ pipelineName: 'stateful', destination, workingDir });
    await fresh.run(counter());
    expect(fresh.state.sources?.counting).toMatchObject({
      seen: ['run-1', 'run-2', 'run-3'],
      resources: { runs: { runs: 3 } },
    });
    expect(fresh.defaultSchema?.hasTable('runs')).toBe(true);
    expect(ids(await destination.rows('stateful_dataset', 'runs'), 'run')).toEqual([1, 2, 3]);
  });

  it('starts fresh when the destination dataset is gone, so incremental rows are loaded again', async () => {
    const workingDir = await temp('dropped');
    const feed = () =>
      resource(
        [
          { id: 1, at: 1 },
          { id: 2, at: 2 },
        ],
        { name: 'feed', primaryKey: 'id', incremental: incremental('at', { initialValue: 0 }) },
      );
    await pipeline({ pipelineName: 'dropped', destination: createReferenceDestination(), workingDir }).run(
      feed(),
    );
    const empty = createReferenceDestination();
    const p = pipeline({ pipelineName: 'dropped', destination: empty, workingDir });
    await p.run(feed());
    expect(ids(await empty.rows('dropped_dataset', 'feed'))).toEqual([1, 2]);
  });

  it('sends the state row only when the state changed; an idle run creates no package', async () => {
    const destination = createReferenceDestination();
    const p = pipeline({ pipelineName: 'idle', destination, workingDir: await temp('idle') });
    const data = () => resource([{ id: 1 }], { name: 'fixed' });
    await p.run(data());
    await p.run(data());
    const stateRows = await destination.rows('idle_dataset', '_dlt_pipeline_state');
    expect(stateRows).toHaveLength(1);
    expect(await destination.rows('idle_dataset', '_dlt_loads')).toHaveLength(2);
    const nothing = await p.run(resource([], { name: 'fixed' }));
    expect(nothing.loadIds).toEqual([]);
    expect(await destination.rows('idle_dataset', '_dlt_loads')).toHaveLength(2);
  });

  it('rolls back state changes of a failed extract and leaves no package behind', async () => {
    const p = pipeline({
      pipelineName: 'rollback',
      destination: createReferenceDestination(),
      workingDir: await temp('rollback'),
    });
    const failing = resource(
      function* () {
        resourceState<{ touched?: boolean }>().touched = true;
        yield [{ id: 1 }];
        throw new Error('source went away');
      },
      { name: 'flaky' },
    );
    await expect(p.run(failing)).rejects.toThrow(/Extract of pipeline 'rollback' failed: source went away/);
    expect(p.state.sources).toEqual({});
    expect(p.hasPendingPackages).toBe(false);
  });

  it('wipes the state of a replace resource before it runs', async () => {
    const seen: Array<number | undefined> = [];
    const p = pipeline({
      pipelineName: 'replace_state',
      destination: createReferenceDestination(),
      workingDir: await temp('replace-state'),
    });
    const snapshot = () =>
      resource(
        function* () {
          const state = resourceState<{ runs?: number }>();
          seen.push(state.runs);
          state.runs = (state.runs ?? 0) + 1;
          yield [{ id: 1 }];
        },
        { name: 'snapshot', writeDisposition: 'replace' },
      );
    await p.run(snapshot());
    await p.run(snapshot());
    expect(seen).toEqual([undefined, undefined]);
  });
});

describe('incremental through the pipeline', () => {
  it('does not load boundary rows twice, and an end value leaves the state untouched', async () => {
    const destination = createReferenceDestination();
    const p = pipeline({ pipelineName: 'incr', destination, workingDir: await temp('incr') });
    const feed = (rows: Array<{ id: number; at: number }>, options: { endValue?: number } = {}) =>
      resource(rows, {
        name: 'feed',
        primaryKey: 'id',
        incremental: incremental('at', { initialValue: 0, ...options }),
      });
    await p.run(
      feed([
        { id: 1, at: 1 },
        { id: 2, at: 2 },
      ]),
    );
    await p.run(
      feed([
        { id: 2, at: 2 },
        { id: 3, at: 2 },
        { id: 4, at: 3 },
      ]),
    );
    expect(ids(await destination.rows('incr_dataset', 'feed'))).toEqual([1, 2, 3, 4]);
    const stored = () =>
      (
        p.state.sources!.incr as unknown as {
          resources: { feed: { incremental: { at: Record<string, unknown> } } };
        }
      ).resources.feed.incremental.at;
    expect(stored()).toMatchObject({ last_value: 3, initial_value: 0 });

    await p.run(
      feed(
        [
          { id: 10, at: 1 },
          { id: 11, at: 5 },
        ],
        { endValue: 2 },
      ),
    );
    expect(ids(await destination.rows('incr_dataset', 'feed'))).toEqual([1, 2, 3, 4, 10]);
    expect(stored()).toMatchObject({ last_value: 3 });
  });
});

describe('normalize errors name table and column', () => {
  it('fails when a primary key column never appears in the data', async () => {
    const p = pipeline({
      pipelineName: 'unbound',
      destination: createReferenceDestination(),
      workingDir: await temp('unbound'),
    });
    const error = await p
      .run(resource([{ name: 'no id' }], { name: 'people', writeDisposition: 'merge', primaryKey: 'id' }))
      .catch((caught: unknown) => caught as Error);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/Column 'id' of table 'people'/);
  });

  it('fails when a primary key value is null', async () => {
    const p = pipeline({
      pipelineName: 'null_key',
      destination: createReferenceDestination(),
      workingDir: await temp('null-key'),
    });
    await p.run(resource([{ id: 1 }], { name: 'people', writeDisposition: 'merge', primaryKey: 'id' }));
    await expect(
      p.run(resource([{ id: null }], { name: 'people', writeDisposition: 'merge', primaryKey: 'id' })),
    ).rejects.toThrow(/'id' of table 'people' is not nullable/);
  });
});

describe('extract', () => {
  it('routes rows to tables named by a function of the raw item', async () => {
    const destination = createReferenceDestination();
    const p = pipeline({ pipelineName: 'routing', destination, workingDir: await temp('routing') });
    await p.run(
      resource(
        [
          { kind: 'Click Event', id: 1 },
          { kind: 'View', id: 2 },
          { kind: 'Click Event', id: 3 },
        ],
        { name: 'events', tableName: (row: { kind: string; id: number }) => row.kind },
      ),
    );
    expect(ids(await destination.rows('routing_dataset', 'click_event'))).toEqual([1, 3]);
    expect(ids(await destination.rows('routing_dataset', 'view'))).toEqual([2]);
  });
});

describe('destination defaults', () => {
  it("uses the destination's default write disposition only for resources that set none", async () => {
    const inner = createReferenceDestination();
    const destination: Destination = { ...inner, defaultWriteDisposition: 'replace' };
    const p = pipeline({ pipelineName: 'defaults', destination, workingDir: await temp('defaults') });
    const run = (id: number) =>
      p.run(
        source('defaults', () => [
          resource([{ id }], { name: 'snapshots' }),
          resource([{ id }], { name: 'history', writeDisposition: 'append' }),
        ])(),
      );
    await run(1);
    await run(2);
    expect(ids(await inner.rows('defaults_dataset', 'snapshots'))).toEqual([2]);
    expect(ids(await inner.rows('defaults_dataset', 'history'))).toEqual([1, 2]);
    expect(p.defaultSchema?.requireTable('snapshots').write_disposition).toBe('replace');
  });
});

describe('load parallelism', () => {
  /** The reference destination with other parallelism capabilities, counting chains in flight. */
  function counting(strategy: 'parallel' | 'sequential') {
    const inner = createReferenceDestination();
    const stats = { active: 0, peak: 0 };
    let queue = Promise.resolve();
    const destination: Destination = {
      ...inner,
      capabilities: { ...inner.capabilities, loaderParallelismStrategy: strategy, maxParallelLoadJobs: 4 },
      async client(options) {
        const client = await inner.client(options);
        const runTableChain: DestinationClient['runTableChain'] = async (job) => {
          stats.active += 1;
          stats.peak = Math.max(stats.peak, stats.active);
          await delay(40);
          stats.active -= 1;
          // The reference storage is not built for concurrent writers: apply chains one by one.
          const result = queue.then(() => client.runTableChain(job));
          queue = result.then(
            () => undefined,
            () => undefined,
          );
          return result;
        };
        return new Proxy(client, {
          get(target, property) {
            if (property === 'runTableChain') return runTableChain;
            const value: unknown = Reflect.get(target, property);
            return typeof value === 'function' ? value.bind(target) : value;
          },
        });
      },
    };
    return { destination, stats, inner };
  }

  const three = () =>
    source('many', () => [
      resource([{ id: 1 }], { name: 'a' }),
      resource([{ id: 2 }], { name: 'b' }),
      resource([{ id: 3 }], { name: 'c' }),
    ])();

  it('loads table chains in parallel when the destination allows it', async () => {
    const { destination, stats, inner } = counting('parallel');
    const p = pipeline({ pipelineName: 'many', destination, workingDir: await temp('parallel') });
    await p.run(three());
    expect(stats.peak).toBe(3);
    expect(ids(await inner.rows('many_dataset', 'c'))).toEqual([3]);
  });

  it('loads one chain at a time for sequential destinations or one worker', async () => {
    const sequential = counting('sequential');
    await pipeline({
      pipelineName: 'many',
      destination: sequential.destination,
      workingDir: await temp('sequential'),
    }).run(three());
    expect(sequential.stats.peak).toBe(1);
    const oneWorker = counting('parallel');
    await pipeline({
      pipelineName: 'many',
      destination: oneWorker.destination,
      workingDir: await temp('one-worker'),
      load: { workers: 1 },
    }).run(three());
    expect(oneWorker.stats.peak).toBe(1);
  });
});
