import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConfigurationError,
  type DestinationClient,
  DestinationError,
  DestinationUndefinedEntityError,
  encodeStoredState,
  HotdataDltError,
  noopLogger,
  type Schema,
} from '@hotdata-dlt/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendJob, chainJob, exampleSchema } from './__fixtures__/jobs.ts';
import {
  createReferenceDestination,
  type ReferenceDestination,
  type ReferenceDestinationOptions,
} from './index.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'reference-destination-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let datasets = 0;

async function open(options: ReferenceDestinationOptions = {}, schema: Schema = exampleSchema()) {
  const destination = createReferenceDestination(options);
  datasets += 1;
  const datasetName = `shop_${datasets}`;
  const client = await destination.client({ schema, datasetName, logger: noopLogger });
  return { destination, client, schema, datasetName };
}

async function ready(client: DestinationClient) {
  await client.initializeStorage();
  await client.updateStoredSchema();
}

const order = (id: number, status: string, loadId: string, deleted: boolean | null = null) => ({
  id: BigInt(id),
  status,
  deleted,
  _dlt_load_id: loadId,
  _dlt_id: `order-${id}`,
});
const item = (orderId: number, index: number, sku: string) => ({
  sku,
  _dlt_root_id: `order-${orderId}`,
  _dlt_parent_id: `order-${orderId}`,
  _dlt_list_idx: BigInt(index),
  _dlt_id: `item-${orderId}-${index}`,
});

const pick = (rows: Record<string, unknown>[], columns: string[]) =>
  rows
    .map((row) =>
      columns.map((column) => (typeof row[column] === 'bigint' ? Number(row[column]) : row[column])),
    )
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

async function thrown(promise: Promise<unknown>): Promise<HotdataDltError> {
  try {
    await promise;
  } catch (error) {
    if (HotdataDltError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

describe('reference destination: storage and system tables', () => {
  it('creates, reports and drops a dataset with empty _dlt_version and _dlt_loads tables', async () => {
    const { destination, client, datasetName } = await open();
    expect(await client.isStorageInitialized()).toBe(false);
    await client.initializeStorage();
    expect(await client.isStorageInitialized()).toBe(true);
    expect([...(await destination.tables(datasetName)).keys()].sort()).toEqual([
      '_dlt_loads',
      '_dlt_version',
    ]);
    await client.dropStorage();
    expect(await client.isStorageInitialized()).toBe(false);
  });

  it('updateStoredSchema creates tables, adds new columns and writes a _dlt_version row once per hash', async () => {
    const { destination, client, schema, datasetName } = await open();
    await client.initializeStorage();
    const first = await client.updateStoredSchema();
    expect(first.schemaStored).toBe(true);
    expect(first.createdTables.sort()).toEqual([
      '_dlt_pipeline_state',
      'events',
      'notes',
      'orders',
      'orders__items',
    ]);
    expect((await client.updateStoredSchema()).schemaStored).toBe(false);
    expect(await destination.rows(datasetName, '_dlt_version')).toHaveLength(1);

    schema.updateTable({
      name: 'orders',
      columns: { total: { name: 'total', data_type: 'double', nullable: true } },
    });
    schema.bumpVersion();
    const grown = await client.updateStoredSchema({ onlyTables: ['orders'] });
    expect(grown).toEqual({ schemaStored: true, createdTables: [], addedColumns: { orders: ['total'] } });
    const versions = await destination.rows(datasetName, '_dlt_version');
    expect(versions.map((row) => row.version_hash)).toEqual([expect.any(String), schema.versionHash]);

    const stored = await client.getStoredSchema();
    expect(stored?.versionHash).toBe(schema.versionHash);
    expect(stored?.schema.tables.orders?.columns.total?.data_type).toBe('double');
    expect(stored?.insertedAt).toBeInstanceOf(Date);
    expect((await client.getStoredSchemaByHash(String(versions[0]!.version_hash)))?.version).toBe(
      Number(versions[0]!.version),
    );
    expect(await client.getStoredSchema('other_schema')).toBeUndefined();
  });

  it('getStoredState returns the newest state of a completed load only (SEMANTICS §6.7)', async () => {
    const { client, schema } = await open();
    await expect(client.getStoredState('shop')).rejects.toBeInstanceOf(DestinationUndefinedEntityError);
    await ready(client);
    const stateRow = (loadId: string, version: number) => ({
      version: BigInt(version),
      engine_version: 4n,
      pipeline_name: 'shop',
      state: encodeStoredState({
        _state_version: version,
        _state_engine_version: 4,
        pipeline_name: 'shop',
      } as never),
      created_at: BigInt(Date.UTC(2024, 0, version)) * 1000n,
      version_hash: `hash-${version}`,
      _dlt_load_id: loadId,
      _dlt_id: `state-${version}`,
    });
    for (const [loadId, version] of [
      ['1700000001.5', 1],
      ['1700000002.5', 2],
      ['1700000003.5', 3],
    ] as const) {
      await client.runTableChain(
        await chainJob(
          schema,
          dir,
          '_dlt_pipeline_state',
          { _dlt_pipeline_state: [stateRow(loadId, version)] },
          loadId,
        ),
      );
    }
    expect(await client.getStoredState('shop')).toBeUndefined();
    await client.completeLoad('1700000001.5');
    await client.completeLoad('1700000002.5');
    await client.completeLoad('1700000002.5');
    // Load 3 has a state row but no _dlt_loads row: it does not count.
    const state = await client.getStoredState('shop');
    expect(state).toMatchObject({
      version: 2,
      engineVersion: 4,
      pipelineName: 'shop',
      loadId: '1700000002.5',
    });
    expect(state?.createdAt.toISOString()).toBe('2024-01-02T00:00:00.000Z');
    expect(await client.getStoredState('other')).toBeUndefined();
    const loads = (await client.readTable('_dlt_loads')) as unknown as { numRows: number };
    expect(loads.numRows).toBe(2);
  });

  it('memory storage lives in the destination object: new clients see it, a new destination does not', async () => {
    const { destination, client, schema, datasetName } = await open();
    await ready(client);
    await client.runTableChain(await appendJob(schema, dir, 'events', [1], '1700000000.1'));
    const again = await destination.client({ schema, datasetName, logger: noopLogger });
    expect(await again.isStorageInitialized()).toBe(true);
    expect(await destination.rows(datasetName, 'events')).toHaveLength(1);
    const other = await createReferenceDestination().client({ schema, datasetName, logger: noopLogger });
    expect(await other.isStorageInitialized()).toBe(false);
  });

  it('Parquet-dir storage is shared by every destination over the same folder', async () => {
    const storage = { dir: join(dir, 'shared') };
    const { client, schema, datasetName } = await open({ storage });
    await ready(client);
    await client.runTableChain(await appendJob(schema, dir, 'events', [1, 2], '1700000000.1'));
    const other = createReferenceDestination({ storage });
    expect(pick(await other.rows(datasetName, 'events'), ['n'])).toEqual([[1], [2]]);
    const reader = await other.client({ schema, datasetName, logger: noopLogger });
    expect((await reader.getStoredSchema())?.versionHash).toBe(schema.versionHash);
  });

  it('readTable of a missing table is DestinationUndefinedEntityError', async () => {
    const { client } = await open();
    await client.initializeStorage();
    await expect(client.readTable('nope')).rejects.toBeInstanceOf(DestinationUndefinedEntityError);
  });
});

describe.each([
  ['client-side', 'memory'],
  ['planned', 'memory'],
  ['client-side', 'dir'],
] as const)('reference destination: table chains (%s, %s storage)', (mergeExecution, storage) => {
  const options = (): ReferenceDestinationOptions => ({
    mergeExecution,
    ...(storage === 'dir' ? { storage: { dir: join(dir, `chains-${mergeExecution}`) } } : {}),
  });

  it('merges an upsert chain: updates, inserts, hard deletes, nested lists replaced', async () => {
    const { destination, client, schema, datasetName } = await open(options());
    await ready(client);
    await client.runTableChain(
      await chainJob(
        schema,
        dir,
        'orders',
        {
          orders: [order(1, 'new', '1.1'), order(2, 'new', '1.1')],
          orders__items: [item(1, 0, 'a'), item(1, 1, 'b'), item(2, 0, 'c')],
        },
        '1700000001.1',
      ),
    );
    const result = await client.runTableChain(
      await chainJob(
        schema,
        dir,
        'orders',
        {
          orders: [order(1, 'paid', '2.1'), order(2, 'new', '2.1', true), order(3, 'new', '2.1')],
          orders__items: [item(1, 0, 'z')],
        },
        '1700000002.1',
      ),
    );
    expect(result.tables).toEqual([
      { table: 'orders', rows: 3 },
      { table: 'orders__items', rows: 1 },
    ]);
    expect(pick(await destination.rows(datasetName, 'orders'), ['id', 'status'])).toEqual([
      [1, 'paid'],
      [3, 'new'],
    ]);
    expect(pick(await destination.rows(datasetName, 'orders__items'), ['sku'])).toEqual([['z']]);
  });

  it('a restored append chain (lost response) loads its rows once', async () => {
    const { destination, client, schema, datasetName } = await open(options());
    await ready(client);
    const job = await appendJob(schema, dir, 'events', [1, 2, 3], '1700000003.1');
    await client.runTableChain(job);
    await client.runTableChain({ ...job, restore: true });
    expect(pick(await destination.rows(datasetName, 'events'), ['n'])).toEqual([[1], [2], [3]]);
  });

  it('replace empties nested tables that got no file', async () => {
    const { destination, client, schema, datasetName } = await open(options());
    schema.updateTable({ name: 'orders', write_disposition: 'replace', columns: {} });
    schema.bumpVersion();
    await ready(client);
    await client.runTableChain(
      await chainJob(
        schema,
        dir,
        'orders',
        { orders: [order(1, 'a', '1')], orders__items: [item(1, 0, 'x')] },
        '1700000004.1',
      ),
    );
    await client.runTableChain(
      await chainJob(schema, dir, 'orders', { orders: [order(2, 'b', '2')] }, '1700000005.1'),
    );
    expect(pick(await destination.rows(datasetName, 'orders'), ['id'])).toEqual([[2]]);
    expect(await destination.rows(datasetName, 'orders__items')).toEqual([]);
  });
});

describe('reference destination: injected failures', () => {
  it('transient: the first attempts fail with retryable errors, then the chain loads', async () => {
    const { destination, client, schema, datasetName } = await open({
      failures: { transient: { table: 'events', times: 2 } },
    });
    await ready(client);
    const job = await appendJob(schema, dir, 'events', [1], '1700000000.1');
    for (const attempt of [1, 2]) {
      const error = await thrown(client.runTableChain(job));
      expect(error).toBeInstanceOf(DestinationError);
      expect(error.isRetryable).toBe(true);
      expect(error.message).toContain(`failure ${attempt} of 2`);
      expect(await destination.rows(datasetName, 'events')).toEqual([]);
    }
    await client.runTableChain({ ...job, restore: true });
    expect(await destination.rows(datasetName, 'events')).toHaveLength(1);
    // Other tables are not affected.
    await client.runTableChain(await appendJob(schema, dir, 'notes', [1], '1700000000.1'));
  });

  it('terminal: every attempt fails with a non-retryable error naming table and load id; nothing is written', async () => {
    const { destination, client, schema, datasetName } = await open({
      failures: { terminal: { table: 'orders__items' } },
    });
    await ready(client);
    const job = await chainJob(schema, dir, 'orders', { orders: [order(1, 'a', '1')] }, '1700000006.1');
    for (let attempt = 0; attempt < 2; attempt++) {
      const error = await thrown(client.runTableChain(job));
      expect(error.isRetryable).toBe(false);
      expect(error.code).toBe('SIMULATED_TERMINAL');
      expect(error.message).toContain("'orders'");
      expect(error.message).toContain('1700000006.1');
    }
    expect(await destination.rows(datasetName, 'orders')).toEqual([]);
  });

  it('lostResponse: the chain is applied, the call fails retryably, a restore re-run changes nothing', async () => {
    const { destination, client, schema, datasetName } = await open({
      failures: { lostResponse: { table: 'events' } },
    });
    await ready(client);
    const job = await appendJob(schema, dir, 'events', [1, 2], '1700000000.1');
    const error = await thrown(client.runTableChain(job));
    expect(error.isRetryable).toBe(true);
    expect(await destination.rows(datasetName, 'events')).toHaveLength(2);
    await client.runTableChain({ ...job, restore: true });
    expect(await destination.rows(datasetName, 'events')).toHaveLength(2);
    expect(destination.chainsCompleted).toBe(1);
  });

  it.each([
    ['before-chain', 0, 0],
    ['mid-chain', 1, 0],
    ['after-chain', 1, 1],
  ] as const)(
    'crashAfterChains at %s: orders rows %i, items rows %i; the crash is sticky until setFailures',
    async (point, orders, items) => {
      const { destination, client, schema, datasetName } = await open({
        failures: { crashAfterChains: 1, crash: { point } },
      });
      await ready(client);
      await client.runTableChain(await appendJob(schema, dir, 'events', [1], '1700000000.1'));
      const job = await chainJob(
        schema,
        dir,
        'orders',
        { orders: [order(1, 'a', '1')], orders__items: [item(1, 0, 'x')] },
        '1700000007.1',
      );
      const error = await thrown(client.runTableChain(job));
      expect(error.code).toBe('SIMULATED_CRASH');
      expect(error.isRetryable).toBe(false);
      expect((await destination.rows(datasetName, 'orders')).length).toBe(orders);
      expect((await destination.rows(datasetName, 'orders__items')).length).toBe(items);
      expect((await thrown(client.completeLoad('1700000007.1'))).code).toBe('SIMULATED_CRASH');
      const fresh = await destination.client({ schema, datasetName, logger: noopLogger });
      expect((await thrown(fresh.getStoredState('shop'))).code).toBe('SIMULATED_CRASH');

      destination.setFailures({});
      await fresh.runTableChain({ ...job, restore: true });
      expect(pick(await destination.rows(datasetName, 'orders'), ['id'])).toEqual([[1]]);
      expect(pick(await destination.rows(datasetName, 'orders__items'), ['sku'])).toEqual([['x']]);
    },
  );

  it('crash with kill: the process dies by SIGKILL; chains before the crash stay in Parquet-dir storage', async () => {
    const storageDir = join(dir, 'killed');
    const child = spawnSync(
      process.execPath,
      [
        '--conditions=@hotdata-dlt/source',
        join(import.meta.dirname, '__fixtures__', 'crash-child.ts'),
        storageDir,
        dir,
      ],
      { encoding: 'utf8', timeout: 60_000 },
    );
    expect(child.stderr).not.toMatch(/Error/);
    expect(child.signal).toBe('SIGKILL');
    expect(child.stdout).not.toContain('survived');
    const destination = createReferenceDestination({ storage: { dir: storageDir } });
    expect(pick(await destination.rows('crash', 'events'), ['n'])).toEqual([[1], [2]]);
    expect(await destination.rows('crash', 'notes')).toEqual([]);
  });
});

describe('reference destination: options and capabilities', () => {
  it('rejects invalid options with a readable ConfigurationError', () => {
    const attempt = () =>
      createReferenceDestination({
        storage: { folder: 'x' },
        failures: { transient: { table: 'a', times: -1 } },
      } as never);
    expect(attempt).toThrow(ConfigurationError);
    expect(attempt).toThrow(/storage/);
    expect(() =>
      (createReferenceDestination() as ReferenceDestination).setFailures({ crashAfterChains: 'x' } as never),
    ).toThrow(/crashAfterChains/);
  });

  it('declares Parquet loading and every merge and replace strategy', () => {
    const destination = createReferenceDestination({ name: 'ref' });
    expect(destination.destinationName).toBe('ref');
    expect(destination.capabilities.supportedLoaderFileFormats).toEqual(['parquet']);
    expect(destination.capabilities.supportedMergeStrategies).toEqual([
      'delete-insert',
      'upsert',
      'insert-only',
      'scd2',
    ]);
    expect(destination.capabilities.supportedReplaceStrategies).toEqual([
      'truncate-and-insert',
      'insert-from-staging',
      'staging-optimized',
    ]);
    expect(destination.describe?.()).toEqual({ storage: 'memory', mergeExecution: 'client-side' });
  });
});
