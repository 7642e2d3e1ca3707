import {
  ConfigurationError,
  type DestinationClient,
  DestinationUndefinedEntityError,
  noopLogger,
  Schema,
  SchemaError,
} from '@hotdata-dlt/core';
import { useHotdataLocal } from '@hotdata-dlt/testing';
import { describe, expect, it } from 'vitest';
import type { HotdataDestinationOptions } from '../src/index.ts';
import { apiClient, databaseId, localDestination, sqlRows, uniqueName } from './helpers.ts';

const local = useHotdataLocal();

function shopSchema(): Schema {
  const schema = Schema.create('shop');
  schema.updateTable({
    name: 'orders',
    write_disposition: 'merge',
    columns: {
      id: { data_type: 'bigint', nullable: false, primary_key: true },
      customer: { data_type: 'text' },
    },
  });
  schema.updateTable({ name: 'orders__items', parent: 'orders', columns: { sku: { data_type: 'text' } } });
  schema.bumpVersion();
  return schema;
}

async function open(
  schema: Schema,
  options: HotdataDestinationOptions = {},
  datasetName = 'shop_dataset',
): Promise<DestinationClient> {
  return localDestination(local(), options).client({ schema, datasetName, logger: noopLogger });
}

async function declared(name: string): Promise<Map<string, { synced: boolean }>> {
  const api = apiClient(local());
  const { default_connection_id: connectionId } = await api.databases.get(await databaseId(local(), name));
  const tables = new Map<string, { synced: boolean }>();
  for await (const table of api.informationSchema.list({ connectionId })) {
    tables.set(`${table.schema}.${table.table}`, { synced: table.synced });
  }
  return tables;
}

describe('storage', () => {
  it('creates the database once, with declared tables, the schema tables and the dlt system tables', async () => {
    const name = uniqueName('storage');
    const client = await open(shopSchema(), { databaseName: name, declaredTables: ['events'] });
    expect(await client.isStorageInitialized()).toBe(false);
    await client.initializeStorage();
    await client.initializeStorage();
    expect(await client.isStorageInitialized()).toBe(true);
    expect([...(await declared(name)).keys()].sort()).toEqual([
      'public._dlt_loads',
      'public._dlt_pipeline_state',
      'public._dlt_version',
      'public.events',
      'public.orders',
      'public.orders__items',
    ]);
    // The primary key is declared: a keyed load without `key` uses it.
    const api = apiClient(local());
    await api.loads.load(
      { databaseId: await databaseId(local(), name), schema: 'public', table: 'orders' },
      { mode: 'upsert', data: 'id,customer\n1,ann\n' },
    );
    await api.loads.load(
      { databaseId: await databaseId(local(), name), schema: 'public', table: 'orders' },
      { mode: 'upsert', data: 'id,customer\n1,bob\n' },
    );
    expect(await sqlRows(local(), name, 'select id, customer from public.orders')).toEqual([
      { id: 1, customer: 'bob' },
    ]);
  });

  it('adds tables the schema gained in place, and refuses names Hotdata cannot hold', async () => {
    const name = uniqueName('grow');
    const schema = shopSchema();
    const client = await open(schema, { databaseName: name });
    await client.initializeStorage();
    schema.updateTable({ name: 'refunds', columns: { id: { data_type: 'bigint' } } });
    schema.bumpVersion();
    const update = await (await open(schema, { databaseName: name })).updateStoredSchema({
      onlyTables: ['refunds'],
    });
    expect(update.createdTables).toEqual(['refunds']);
    expect((await declared(name)).has('public.refunds')).toBe(true);
    schema.updateTable({ name: 'select', columns: { id: { data_type: 'bigint' } } });
    await expect(
      (await open(schema, { databaseName: name })).updateStoredSchema({ onlyTables: ['select'] }),
    ).rejects.toThrow(SchemaError);
  });

  it('without createDatabaseIfMissing a missing database is an undefined entity', async () => {
    const client = await open(shopSchema(), {
      databaseName: uniqueName('absent'),
      createDatabaseIfMissing: false,
    });
    await expect(client.initializeStorage()).rejects.toThrow(DestinationUndefinedEntityError);
    await expect(client.getStoredState('shop')).rejects.toThrow(DestinationUndefinedEntityError);
    await expect(client.readTable('orders')).rejects.toThrow(DestinationUndefinedEntityError);
    expect(await client.getStoredSchema()).toBeUndefined();
  });

  it('refuses to guess between several databases with the same name', async () => {
    const name = uniqueName('twins');
    const api = apiClient(local());
    await api.databases.create({ name });
    await api.databases.create({ name });
    const client = await open(shopSchema(), { databaseName: name });
    const error = await client.initializeStorage().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toMatch(/2 Hotdata databases are named .*unique databaseName/);
  });

  it('puts each dataset in its own schema with schemaFromDataset', async () => {
    const name = uniqueName('datasets');
    for (const dataset of ['first_ds', 'second_ds']) {
      const client = await open(shopSchema(), { databaseName: name, schemaFromDataset: true }, dataset);
      await client.initializeStorage();
      await client.updateStoredSchema();
    }
    const tables = await declared(name);
    expect(tables.has('first_ds.orders')).toBe(true);
    expect(tables.has('second_ds._dlt_version')).toBe(true);
    await expect(
      (await open(shopSchema(), { databaseName: name, schemaFromDataset: true })).dropStorage(),
    ).rejects.toThrow(/every dataset's schema/);
  });
});

describe('system tables and state sync', () => {
  it('writes one _dlt_version row per schema hash and reads the newest back', async () => {
    const name = uniqueName('versions');
    const schema = shopSchema();
    const client = await open(schema, { databaseName: name });
    await client.initializeStorage();
    expect((await client.updateStoredSchema()).schemaStored).toBe(true);
    expect((await client.updateStoredSchema()).schemaStored).toBe(false);
    const first = await client.getStoredSchema();
    expect(first?.versionHash).toBe(schema.versionHash);
    expect(first?.schema.tables.orders?.columns.id?.primary_key).toBe(true);

    await new Promise((resolve) => setTimeout(resolve, 5));
    schema.updateTable({ name: 'orders', columns: { total: { data_type: 'double' } } });
    schema.bumpVersion();
    const next = await open(schema, { databaseName: name });
    expect((await next.updateStoredSchema()).schemaStored).toBe(true);
    expect((await next.getStoredSchema())?.versionHash).toBe(schema.versionHash);
    expect((await next.getStoredSchemaByHash(first!.versionHash))?.version).toBe(first!.version);
    expect(await next.getStoredSchema('unknown_schema')).toBeUndefined();
    const rows = await sqlRows(local(), name, 'select version_hash, engine_version from public._dlt_version');
    expect(rows).toHaveLength(2);
    expect(rows.every((row) => row.engine_version === 11)).toBe(true);
  });

  it('writes the _dlt_loads row once per load id, and a state without a completed load is not restored', async () => {
    const name = uniqueName('loads');
    const client = await open(shopSchema(), { databaseName: name });
    await client.initializeStorage();
    await client.updateStoredSchema();
    expect(await client.getStoredState('shop')).toBeUndefined();
    await client.completeLoad('1700000000.1');
    await client.completeLoad('1700000000.1');
    const rows = await sqlRows(
      local(),
      name,
      'select load_id, schema_name, status, schema_version_hash from public._dlt_loads',
    );
    expect(rows).toEqual([
      {
        load_id: '1700000000.1',
        schema_name: 'shop',
        status: 0,
        schema_version_hash: shopSchema().versionHash,
      },
    ]);
  });
});
