import { createHash } from 'node:crypto';
import { noopLogger, resource, Schema } from '@hotdata-dlt/core';
import type { HotdataLocal } from '@hotdata-dlt/hotdata-local';
import { useHotdataLocal } from '@hotdata-dlt/testing';
import { describe, expect, it } from 'vitest';
import {
  apiClient,
  databaseId,
  freshPipeline,
  localDestination,
  sqlRows,
  uniqueName,
  useTempDirs,
} from './helpers.ts';

const current = useHotdataLocal();
const legacy = useHotdataLocal({ legacyDeclaredTables: true });
const temp = useTempDirs();

async function checksum(local: HotdataLocal, database: string, table: string) {
  // Load ids and insert times differ between loads by design; everything else must survive a migration.
  const rows = (await sqlRows(local, database, `select * from public.${table}`))
    .map(({ _dlt_load_id: _load, inserted_at: _inserted, ...row }) => JSON.stringify(row))
    .sort();
  return { rows: rows.length, sha: createHash('sha256').update(rows.join('\n')).digest('hex') };
}

async function databaseIds(local: HotdataLocal, name: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const database of apiClient(local).databases.list({ search: name })) {
    if (database.name === name) ids.push(database.id);
  }
  return ids;
}

const items = (prefix: string, count: number) =>
  Array.from({ length: count }, (_, index) => ({
    id: index,
    label: `${prefix}${index}`,
    tags: [`t${index}`],
  }));

for (const [kind, local] of [
  ['current', current],
  ['legacy', legacy],
] as const) {
  describe(`${kind} server`, () => {
    it('three declared tables, then a fourth resource: the new table is added and earlier rows stay intact', async () => {
      const database = uniqueName(`declared_${kind}`);
      const destination = localDestination(local(), {
        databaseName: database,
        declaredTables: ['alpha', 'beta', 'gamma'],
      });
      const p = await freshPipeline(temp, `declared_${kind}`, destination);
      await p.run([
        resource(items('a', 30), { name: 'alpha' }),
        resource(items('b', 20), { name: 'beta', writeDisposition: 'merge', primaryKey: 'id' }),
        resource(items('g', 10), { name: 'gamma', writeDisposition: 'replace' }),
      ]);
      const before = await databaseId(local(), database);
      const tables = [
        'alpha',
        'alpha__tags',
        'beta',
        'beta__tags',
        'gamma',
        'gamma__tags',
        '_dlt_loads',
        '_dlt_version',
      ];
      const sums = Object.fromEntries(
        await Promise.all(
          tables.map(async (table) => [table, await checksum(local(), database, table)] as const),
        ),
      );
      expect(sums.alpha?.rows).toBe(30);

      await p.run([resource(items('d', 5), { name: 'delta' })]);
      const ids = await databaseIds(local(), database);
      expect(ids).toHaveLength(1);
      if (kind === 'legacy') {
        expect(ids[0]).not.toBe(before);
        const marker = await sqlRows(
          local(),
          database,
          'select source_database_id, rows from main._hotdata_dlt_migrations',
        );
        expect(marker).toHaveLength(1);
        expect(marker[0]!.source_database_id).toBe(before);
      } else {
        expect(ids[0]).toBe(before);
      }
      for (const table of tables.filter((name) => !name.startsWith('_dlt'))) {
        expect(await checksum(local(), database, table), table).toEqual(sums[table]);
      }
      expect((await checksum(local(), database, '_dlt_loads')).rows).toBe(2);
      expect(await sqlRows(local(), database, 'select label from public.delta order by id')).toEqual(
        items('d', 5).map((item) => ({ label: item.label })),
      );
      expect((await checksum(local(), database, 'delta__tags')).rows).toBe(5);
      // Later loads into the migrated database keep working, for every disposition.
      await p.run([
        resource(items('a2', 2), { name: 'alpha' }),
        resource([{ id: 0, label: 'b-new', tags: [] }], {
          name: 'beta',
          writeDisposition: 'merge',
          primaryKey: 'id',
        }),
        resource(items('d', 3), { name: 'delta' }),
      ]);
      expect((await checksum(local(), database, 'alpha')).rows).toBe(32);
      expect(await sqlRows(local(), database, 'select label from public.beta where id = 0')).toEqual([
        { label: 'b-new' },
      ]);
      expect((await checksum(local(), database, 'beta')).rows).toBe(20);
      expect((await checksum(local(), database, 'delta')).rows).toBe(8);
    });
  });
}

describe('an interrupted legacy migration', () => {
  function schemaWith(...tables: string[]): Schema {
    const schema = Schema.create('shop');
    for (const table of tables) schema.updateTable({ name: table, columns: { id: { data_type: 'bigint' } } });
    schema.bumpVersion();
    return schema;
  }

  async function seeded(name: string) {
    const destination = localDestination(legacy(), { databaseName: name });
    const client = await destination.client({
      schema: schemaWith('orders'),
      datasetName: 'd',
      logger: noopLogger,
    });
    await client.initializeStorage();
    await client.updateStoredSchema();
    const id = await databaseId(legacy(), name);
    await apiClient(legacy()).loads.load(
      { databaseId: id, schema: 'public', table: 'orders' },
      { mode: 'append', data: 'id\n1\n2\n3\n' },
    );
    return { destination, id };
  }

  /** What a crash leaves behind: the new database with the marker declared, maybe with its completion row. */
  async function halfMigrated(name: string, oldId: string, completed: boolean): Promise<string> {
    const api = apiClient(legacy());
    const created = await api.databases.create({
      name,
      schemas: [
        {
          name: 'public',
          tables: ['_dlt_version', '_dlt_loads', '_dlt_pipeline_state', 'orders', 'refunds'].map((table) => ({
            name: table,
          })),
        },
        { name: 'main', tables: [{ name: '_hotdata_dlt_migrations' }] },
      ],
    });
    await api.loads.load(
      { databaseId: created.id, schema: 'public', table: 'orders' },
      { mode: 'replace', data: completed ? 'id\n1\n2\n3\n' : 'id\n1\n' },
    );
    if (completed) {
      await api.loads.load(
        { databaseId: created.id, schema: 'main', table: '_hotdata_dlt_migrations' },
        { mode: 'append', data: `source_database_id,rows\n${oldId},3\n` },
      );
    }
    return created.id;
  }

  it('rolls back when the copy did not complete: the incomplete copy is deleted, no row is lost', async () => {
    const name = uniqueName('rollback');
    const { destination, id } = await seeded(name);
    const copy = await halfMigrated(name, id, false);
    expect(await databaseIds(legacy(), name)).toHaveLength(2);
    const client = await destination.client({
      schema: schemaWith('orders', 'refunds'),
      datasetName: 'd',
      logger: noopLogger,
    });
    await client.initializeStorage();
    const remaining = await databaseIds(legacy(), name);
    expect(remaining).toHaveLength(1);
    expect(remaining[0]).toBe(id);
    expect(remaining).not.toContain(copy);
    // The migration runs again and completes.
    await client.updateStoredSchema();
    expect(await sqlRows(legacy(), name, 'select id from public.orders order by id')).toEqual([
      { id: 1 },
      { id: 2 },
      { id: 3 },
    ]);
    expect(await databaseIds(legacy(), name)).toHaveLength(1);
  });

  it('finishes when the copy completed: the old database is deleted', async () => {
    const name = uniqueName('finish');
    const { destination, id } = await seeded(name);
    const copy = await halfMigrated(name, id, true);
    const client = await destination.client({
      schema: schemaWith('orders', 'refunds'),
      datasetName: 'd',
      logger: noopLogger,
    });
    await client.initializeStorage();
    expect(await databaseIds(legacy(), name)).toEqual([copy]);
    expect((await client.updateStoredSchema()).createdTables).toEqual([]);
    expect(await sqlRows(legacy(), name, 'select id from public.orders order by id')).toEqual([
      { id: 1 },
      { id: 2 },
      { id: 3 },
    ]);
  });
});
