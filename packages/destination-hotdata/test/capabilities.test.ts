// One end-to-end test per capability row of docs/capabilities.md that the conformance suite does not
// already cover; every test loads through pipeline().run into hotdata-local and reads the rows back.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { resource } from '@hotdata-dlt/core';
import { useHotdataLocal } from '@hotdata-dlt/testing';
import { describe, expect, it } from 'vitest';
import { freshPipeline, localDestination, sqlRows, uniqueName, useTempDirs } from './helpers.ts';

const local = useHotdataLocal();
const temp = useTempDirs();

async function filesUnder(dir: string): Promise<string[]> {
  const result: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) result.push(...(await filesUnder(path)));
    else result.push(path);
  }
  return result;
}

async function setup(name: string, options: Parameters<typeof localDestination>[1] = {}) {
  const database = uniqueName(name);
  const workingDir = await temp(name);
  const p = await freshPipeline(
    temp,
    name,
    localDestination(local(), { databaseName: database, ...options }),
    {
      workingDir,
    },
  );
  return { p, database, workingDir, rows: (sql: string) => sqlRows(local(), database, sql) };
}

describe('capabilities', () => {
  it('file formats: Parquet job files of a plain append are uploaded unchanged', async () => {
    const { p, workingDir } = await setup('parquet');
    local().clearRequestLog();
    await p.run(
      resource(
        [
          { id: 1, name: 'a' },
          { id: 2, name: 'b' },
        ],
        { name: 'plain' },
      ),
    );
    const jobFiles = (await filesUnder(workingDir)).filter((file) =>
      /[/\\]plain\.[^/\\]*\.parquet$/.test(file),
    );
    expect(jobFiles).toHaveLength(1);
    const size = (await stat(jobFiles[0]!)).size;
    const puts = local()
      .requestLog.filter((entry) => entry.method === 'PUT')
      .map((entry) => entry.requestBytes);
    expect(puts).toContain(size);
  });

  it('data types: every dlt type round-trips exactly', async () => {
    const { p, rows } = await setup('types');
    const wei = '115792089237316195423570985008687907853269984665640564039457584007913129639935';
    await p.run(
      resource(
        [
          {
            t: 'tekst ✓',
            d: 1.5,
            b: true,
            ts: '2024-01-02T03:04:05.123456Z',
            naive: '2024-01-02T03:04:05.5',
            i: 42,
            big: 2n ** 62n,
            bin: Uint8Array.from([1, 2, 255]),
            j: { a: [1, { b: null }] },
            dec: '12345678901234567890.123456789',
            w: wei,
            day: '2024-02-29',
            clock: '03:04:05.123456',
          },
        ],
        {
          name: 'all_types',
          columns: {
            ts: { dataType: 'timestamp' },
            naive: { dataType: 'timestamp', timezone: false },
            bin: { dataType: 'binary' },
            j: { dataType: 'json' },
            dec: { dataType: 'decimal', precision: 38, scale: 9 },
            w: { dataType: 'wei' },
            day: { dataType: 'date' },
            clock: { dataType: 'time' },
          },
        },
      ),
    );
    const [row] = await rows(
      'select t, d, b, ts, naive, i, big, hex(bin) as bin, j, cast(dec as varchar) as dec, w, day, clock from public.all_types',
    );
    expect(row).toEqual({
      t: 'tekst ✓',
      d: 1.5,
      b: true,
      ts: '2024-01-02T03:04:05.123456Z',
      naive: '2024-01-02T03:04:05.500000',
      i: 42,
      big: String(2n ** 62n),
      bin: '0102FF',
      j: JSON.stringify({ a: [1, { b: null }] }),
      dec: '12345678901234567890.123456789',
      w: wei,
      day: '2024-02-29',
      clock: '03:04:05.123456',
    });
    expect(
      await rows('select typeof(j) as j, typeof(dec) as dec, typeof(day) as day from public.all_types'),
    ).toEqual([{ j: 'JSON', dec: 'DECIMAL(38,9)', day: 'DATE' }]);
    const arrow = await p.dataset().table('all_types').toArrow();
    expect(arrow.getChild('big')?.get(0)).toBe(2n ** 62n);
    expect(String(arrow.schema.fields.find((field) => field.name === 'ts')?.type)).toBe(
      'Timestamp<MICROSECOND, UTC>',
    );
    expect(String(arrow.schema.fields.find((field) => field.name === 'naive')?.type)).toBe(
      'Timestamp<MICROSECOND>',
    );
  });

  it('identifiers: snake_case naming, lowercase names, names over 128 characters are shortened', async () => {
    const { p, rows } = await setup('names', { schema: 'Raw_Data' });
    const longTable = `Orders${'X'.repeat(200)}`;
    const longColumn = `Amount${'y'.repeat(150)}`;
    await p.run(resource([{ CustomerName: 'ann', [longColumn]: 5 }], { name: longTable }));
    const table = p.defaultSchema!.dataTableNames()[0]!;
    expect(table.length).toBeLessThanOrEqual(128);
    expect(table.startsWith('orders_xxx')).toBe(true);
    const columns = Object.keys(p.defaultSchema!.getTable(table)!.columns);
    expect(columns).toContain('customer_name');
    const column = columns.find((name) => name.startsWith('amountyyy'))!;
    expect(column.length).toBeLessThanOrEqual(128);
    expect(await rows(`select customer_name, "${column}" as amount from raw_data."${table}"`)).toEqual([
      { customer_name: 'ann', amount: 5 },
    ]);
  });

  it('nesting: maxTableNesting keeps deeper data as JSON instead of child tables', async () => {
    const { p, rows } = await setup('nesting', { maxTableNesting: 1 });
    await p.run(
      resource([{ id: 1, lines: [{ sku: 'a', parts: [{ n: 1 }, { n: 2 }] }] }], { name: 'orders' }),
    );
    expect(p.defaultSchema!.hasTable('orders__lines')).toBe(true);
    expect(p.defaultSchema!.hasTable('orders__lines__parts')).toBe(false);
    const [line] = await rows('select sku, parts from public.orders__lines');
    expect(line?.sku).toBe('a');
    // A JSON column holds the deeper list; query results carry JSON values as their text.
    expect(JSON.parse(String(line?.parts))).toEqual([{ n: 1 }, { n: 2 }]);
  });

  it('parallelism: load requests never overlap (loads lock the whole database)', async () => {
    const { p } = await setup('sequential');
    local().clearRequestLog();
    await p.run([
      resource([{ id: 1, tags: ['a'] }], { name: 'first' }),
      resource([{ id: 2 }], { name: 'second', writeDisposition: 'replace' }),
      resource([{ id: 3, tags: ['b'] }], { name: 'third', writeDisposition: 'merge', primaryKey: 'id' }),
    ]);
    const loads = local()
      .requestLog.filter((entry) => entry.path.endsWith('/loads'))
      .map((entry) => ({
        start: Date.parse(entry.startedAt),
        end: Date.parse(entry.startedAt) + entry.durationMs,
      }))
      .sort((a, b) => a.start - b.start);
    expect(loads.length).toBeGreaterThanOrEqual(5);
    for (let index = 1; index < loads.length; index++) {
      expect(loads[index]!.start).toBeGreaterThanOrEqual(Math.floor(loads[index - 1]!.end) - 1);
    }
  });

  it('dataset access: SQL through the query endpoint, tables as Arrow', async () => {
    const { p } = await setup('dataset');
    await p.run(
      resource(
        [
          { id: 1, v: 10 },
          { id: 2, v: 32 },
        ],
        { name: 'numbers' },
      ),
    );
    expect(await p.dataset().sql('select cast(sum(v) as bigint) as total from numbers').toRows()).toEqual([
      { total: 42 },
    ]);
    const table = await p.dataset().table('numbers').toArrow();
    expect(table.numRows).toBe(2);
    await expect(p.dataset().table('missing_table').toArrow()).rejects.toThrow(/does not exist/);
  });

  it('dispositions can switch: merge, then append, then replace (SEMANTICS §7.9)', async () => {
    const { p, rows } = await setup('switch');
    const data = (values: number[]) => values.map((id) => ({ id, v: `v${id}`, tags: [`t${id}`] }));
    await p.run(resource(data([1, 2]), { name: 'things', writeDisposition: 'merge', primaryKey: 'id' }));
    await p.run(resource(data([2, 3]), { name: 'things', writeDisposition: 'merge', primaryKey: 'id' }));
    expect(await rows('select id from public.things order by id')).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
    await p.run(resource(data([3]), { name: 'things', writeDisposition: 'append', primaryKey: 'id' }));
    expect(await rows('select id from public.things order by id')).toEqual([
      { id: 1 },
      { id: 2 },
      { id: 3 },
      { id: 3 },
    ]);
    await p.run(resource(data([9]), { name: 'things', writeDisposition: 'replace', primaryKey: 'id' }));
    expect(await rows('select id from public.things')).toEqual([{ id: 9 }]);
    expect(await rows('select value from public.things__tags')).toEqual([{ value: 't9' }]);
  });

  it('state sync: a new working dir restores state and the schema from Hotdata', async () => {
    const { p, database } = await setup('restore');
    await p.run(
      resource([{ id: 1, note: 'x' }], { name: 'notes', writeDisposition: 'merge', primaryKey: 'id' }),
    );
    const moved = await freshPipeline(temp, 'restore', localDestination(local(), { databaseName: database }));
    await moved.syncDestination();
    expect(moved.defaultSchema?.getTable('notes')?.columns.id?.primary_key).toBe(true);
    expect(moved.defaultSchema?.versionHash).toBe(p.defaultSchema?.versionHash);
    expect(moved.state._state_version).toBe(p.state._state_version);
  });

  it('idempotency columns: a batch key per batch and a content row key per row', async () => {
    const { p, rows } = await setup('idempotency', { idempotencyColumns: true });
    const batch = [
      { id: 1, v: 'a' },
      { id: 2, v: 'b' },
    ];
    await p.run(resource(batch, { name: 'facts' }));
    await p.run(resource(batch, { name: 'facts' }));
    const loaded = await rows(
      'select id, _hotdata_batch_key as batch, _hotdata_row_key as row_key from public.facts',
    );
    expect(loaded).toHaveLength(4);
    // The same content loaded twice has the same keys: duplicates are easy to find.
    expect(new Set(loaded.map((row) => row.row_key)).size).toBe(2);
    expect(new Set(loaded.map((row) => row.batch)).size).toBe(1);
    const duplicates = await rows(
      'select _hotdata_row_key, count(*) as n from public.facts group by 1 having count(*) > 1',
    );
    expect(duplicates).toHaveLength(2);
  });

  it('query length: lookups are chunked to lookupBatchSize keys per query', async () => {
    const { p, rows } = await setup('chunks', { lookupBatchSize: 2 });
    const orders = (ids: number[], label: string) =>
      resource(
        ids.map((id) => ({ id, label, lines: [`${label}${id}`] })),
        { name: 'orders', writeDisposition: 'merge', primaryKey: 'id' },
      );
    await p.run(orders([1, 2, 3, 4, 5, 6], 'a'));
    local().clearRequestLog();
    await p.run(orders([1, 2, 3, 4, 5], 'b'));
    const lookups = local().requestLog.filter((entry) => entry.path === '/v1/query');
    // 5 keys in chunks of 2: 3 lookups of the matching root rows, plus the system-table checks.
    expect(lookups.length).toBeGreaterThanOrEqual(3 + 2);
    expect(await rows('select id, label from public.orders order by id')).toEqual([
      ...[1, 2, 3, 4, 5].map((id) => ({ id, label: 'b' })),
      { id: 6, label: 'a' },
    ]);
    expect(await rows('select value from public.orders__lines order by value')).toEqual(
      ['a6', 'b1', 'b2', 'b3', 'b4', 'b5'].map((value) => ({ value })),
    );
  });

  it('synchronous loads (asyncLoads: false) load the same rows', async () => {
    const { p, rows } = await setup('sync_loads', { asyncLoads: false });
    await p.run(
      resource([{ id: 1, tags: ['a', 'b'] }], { name: 'docs', writeDisposition: 'merge', primaryKey: 'id' }),
    );
    await p.run(
      resource([{ id: 1, tags: ['c'] }], { name: 'docs', writeDisposition: 'merge', primaryKey: 'id' }),
    );
    expect(await rows('select value from public.docs__tags')).toEqual([{ value: 'c' }]);
  });
});

describe('destination default write disposition', () => {
  it("applies to resources that set none; a resource's own disposition and primary key win", async () => {
    const { p, rows } = await setup('default_merge', { writeDisposition: 'merge' });
    const run = (id: number, v: string) =>
      p.run([
        resource([{ id, v }], { name: 'merged', primaryKey: 'id' }),
        resource([{ id, v }], { name: 'appended', primaryKey: 'id', writeDisposition: 'append' }),
        resource([{ id, v }], { name: 'unkeyed' }),
      ]);
    await run(1, 'first');
    await run(1, 'second');
    expect(await rows('select id, v from public.merged')).toEqual([{ id: 1, v: 'second' }]);
    expect(await rows('select v from public.appended order by v')).toEqual([{ v: 'first' }, { v: 'second' }]);
    // merge without any key falls back to append, as in dlt.
    expect(await rows('select v from public.unkeyed order by v')).toEqual([{ v: 'first' }, { v: 'second' }]);
  });

  it('replace as the default replaces the table chain on every run', async () => {
    const { p, rows } = await setup('default_replace', { writeDisposition: 'replace' });
    await p.run(
      resource(
        [
          { id: 1, tags: ['a'] },
          { id: 2, tags: ['b'] },
        ],
        { name: 'snapshot' },
      ),
    );
    await p.run(resource([{ id: 3, tags: ['c'] }], { name: 'snapshot' }));
    expect(await rows('select id from public.snapshot')).toEqual([{ id: 3 }]);
    expect(await rows('select value from public.snapshot__tags')).toEqual([{ value: 'c' }]);
  });
});
