import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { LogFields, Logger } from '@hotdata-dlt/core';
import {
  createHotdataClient,
  HotdataAmbiguousResultError,
  type HotdataApiError,
  type HotdataClient,
  type HotdataClientOptions,
  isSubmittedLoad,
  type LoadTarget,
} from '@hotdata-dlt/hotdata-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HotdataLocal, type HotdataLocalOptions, startHotdataLocal } from '../../src/index.ts';

// Every client method over HTTP against a real hotdata-local (issue 2, the acceptance of §2). Every log
// line and every error message of this file is kept and scanned for the token at the end.
const TOKEN = 'hd_contract_token_0123456789abcdef';
const logLines: string[] = [];
const errorTexts: string[] = [];
const logger: Logger = {
  debug: (message: string, fields?: LogFields) => logLines.push(`${message} ${JSON.stringify(fields)}`),
  info: (message: string, fields?: LogFields) => logLines.push(`${message} ${JSON.stringify(fields)}`),
  warn: (message: string, fields?: LogFields) => logLines.push(`${message} ${JSON.stringify(fields)}`),
  error: (message: string, fields?: LogFields) => logLines.push(`${message} ${JSON.stringify(fields)}`),
};

const servers: HotdataLocal[] = [];
let workDir: string;
let duck: DuckDBInstance;

async function server(options: HotdataLocalOptions = {}): Promise<HotdataLocal> {
  const local = await startHotdataLocal({ token: TOKEN, ...options });
  servers.push(local);
  return local;
}

function clientOf(local: HotdataLocal, options: HotdataClientOptions = {}): HotdataClient {
  return createHotdataClient({
    apiUrl: local.url,
    apiKey: local.token,
    workspaceId: local.workspaceId,
    retryBackoffSeconds: 0.01,
    pollIntervalMs: 20,
    logger,
    ...options,
  });
}

async function failure(promise: Promise<unknown>): Promise<HotdataApiError> {
  try {
    await promise;
  } catch (error) {
    errorTexts.push(`${(error as Error).message}\n${(error as Error).stack}\n${JSON.stringify(error)}`);
    return error as HotdataApiError;
  }
  throw new Error('expected the call to fail');
}

/** Writes a Parquet file with DuckDB (an independent writer) and returns its path. */
async function parquetFile(name: string, sql: string): Promise<string> {
  const path = join(workDir, name);
  const connection = await duck.connect();
  await connection.run(`COPY (${sql}) TO '${path}' (FORMAT parquet, COMPRESSION uncompressed)`);
  connection.closeSync();
  return path;
}

/** Reads Parquet bytes with DuckDB (an independent reader) and returns `sql` over them as rows. */
async function readParquet(bytes: Buffer, sql: (file: string) => string): Promise<unknown[][]> {
  const path = join(workDir, `read-${Math.random().toString(36).slice(2)}.parquet`);
  await writeFile(path, bytes);
  const connection = await duck.connect();
  const reader = await connection.runAndReadAll(sql(`read_parquet('${path}')`));
  connection.closeSync();
  return reader.getRowsJson() as unknown[][];
}

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'hotdata-contract-'));
  duck = await DuckDBInstance.create(':memory:');
});

afterAll(async () => {
  for (const local of servers) await local.close();
  duck.closeSync();
  await rm(workDir, { recursive: true, force: true });
  const texts = [...logLines, ...errorTexts];
  expect(texts.length).toBeGreaterThan(0);
  for (const text of texts) expect(text).not.toContain(TOKEN);
});

describe('databases, schemas, tables, information_schema', () => {
  let local: HotdataLocal;
  let client: HotdataClient;
  beforeAll(async () => {
    local = await server();
    client = clientOf(local);
  });

  it('lists workspaces and pages through more than one page of databases', async () => {
    expect((await client.workspaces.list()).map((workspace) => workspace.public_id)).toEqual([
      local.workspaceId,
    ]);
    const created = new Set<string>();
    for (let index = 0; index < 23; index++)
      created.add((await client.databases.create({ name: `page-${index}` })).id);
    const firstPage = await client.databases.listPage({ limit: 10 });
    expect(firstPage.databases).toHaveLength(10);
    expect(firstPage.has_more).toBe(true);
    expect(firstPage.databases[0]!.name).toBe('page-22');
    const seen: string[] = [];
    for await (const database of client.databases.list({ limit: 10, search: 'page-' }))
      seen.push(database.id);
    expect(seen).toHaveLength(23);
    expect(new Set(seen)).toEqual(created);
  });

  it('creates with declared tables, gets, adds schemas and tables on both routes, deletes', async () => {
    const db = await client.databases.create({
      name: 'shop',
      schemas: [{ name: 'public', tables: [{ name: 'orders', key: ['id'] }] }],
    });
    expect(db.default_schema).toBe('public');
    const detail = await client.databases.get(db.id);
    expect(detail).toMatchObject({
      id: db.id,
      name: 'shop',
      default_connection_id: db.default_connection_id,
    });
    expect(
      await client.databases.addSchema(db.id, { name: 'Raw', tables: [{ name: 'events' }] }),
    ).toMatchObject({ schema: 'raw', tables: ['events'] });
    expect(await client.databases.addTable(db.id, 'raw', { name: 'clicks', key: ['id'] })).toMatchObject({
      table: 'clicks',
    });
    expect((await failure(client.databases.addTable(db.id, 'raw', { name: 'clicks' }))).kind).toBe(
      'conflict',
    );
    expect(await client.connections.addSchema(db.default_connection_id, { name: 'staging' })).toMatchObject({
      schema: 'staging',
    });
    expect(
      await client.connections.addTable(db.default_connection_id, 'staging', { name: 'tmp' }),
    ).toMatchObject({ table: 'tmp' });
    await client.connections.deleteTable(db.default_connection_id, 'staging', 'tmp');
    const tables: string[] = [];
    for await (const table of client.informationSchema.list({
      connectionId: db.default_connection_id,
      limit: 2,
    })) {
      tables.push(`${table.schema}.${table.table}:${table.synced}`);
    }
    expect(tables).toEqual(['public.orders:false', 'raw.clicks:false', 'raw.events:false']);
    const page = await client.informationSchema.listPage({
      connectionId: db.default_connection_id,
      limit: 2,
    });
    expect(page).toMatchObject({ count: 2, has_more: true });
    await client.databases.delete(db.id);
    expect((await failure(client.databases.get(db.id))).kind).toBe('not_found');
  });

  it('reports column types in information_schema', async () => {
    const db = await client.databases.create({ name: 'types' });
    const file = await parquetFile(
      'types.parquet',
      `select 1::bigint id, 1.5::double amount, 'x' tag, '2024-01-01 00:00:00+00'::timestamptz "at", '2024-01-01'::date "day", true ok, 12.5::decimal(12,3) price`,
    );
    const upload = await client.uploads.upload(file);
    await client.loads.load(
      { databaseId: db.id, schema: 'public', table: 'typed' },
      { mode: 'replace', upload_id: upload.uploadId },
    );
    const [table] = await Array.fromAsync(
      client.informationSchema.list({
        connectionId: db.default_connection_id,
        table: 'typed',
        includeColumns: true,
      }),
    );
    expect(table?.synced).toBe(true);
    expect(table?.columns?.map((column) => [column.name, column.data_type])).toEqual([
      ['id', 'Int64'],
      ['amount', 'Float64'],
      ['tag', 'Utf8'],
      ['at', 'Timestamp(Microsecond, Some("UTC"))'],
      ['day', 'Date32'],
      ['ok', 'Boolean'],
      ['price', 'Decimal128(12, 3)'],
    ]);
  });
});

describe('uploads', () => {
  let local: HotdataLocal;
  let client: HotdataClient;
  let databaseId: string;
  beforeAll(async () => {
    local = await server();
    client = clientOf(local);
    databaseId = (await client.databases.create({ name: 'uploads' })).id;
  });

  it('uploads a Parquet file of more than 20 MiB in three or more parts and loads it', async () => {
    const file = await parquetFile(
      'big.parquet',
      `select range as id, md5(range::varchar) || md5((range * 7)::varchar) || md5((range * 13)::varchar) as payload from range(250000)`,
    );
    const size = (await stat(file)).size;
    expect(size).toBeGreaterThan(20 * 1024 * 1024);
    const upload = await client.uploads.upload(file);
    expect(upload.mode).toBe('multipart');
    expect(upload.parts).toBeGreaterThanOrEqual(3);
    expect(upload.sizeBytes).toBe(size);
    const puts = local.requestLog.filter((entry) => entry.method === 'PUT');
    expect(puts.length).toBe(upload.parts);
    const loaded = await client.loads.load(
      { databaseId, schema: 'public', table: 'big' },
      { mode: 'replace', upload_id: upload.uploadId },
    );
    expect(loaded.row_count).toBe(250_000);
    const sums = await client.query('select count(distinct id), sum(length(payload)) from public.big', {
      databaseId,
    });
    expect(sums.rows).toEqual([[250_000, 250_000 * 96]]);
  });

  it('uploads from a Buffer (single part) and from a stream of unknown length (multipart)', async () => {
    const file = await parquetFile('small.parquet', 'select range as id from range(100)');
    const fromBuffer = await client.uploads.upload(await readFile(file));
    expect(fromBuffer.mode).toBe('single');
    const fromStream = await client.uploads.upload(createReadStream(file));
    expect(fromStream.mode).toBe('multipart');
    for (const upload of [fromBuffer, fromStream]) {
      const loaded = await client.loads.load(
        { databaseId, schema: 'public', table: 'small' },
        { mode: 'replace', upload_id: upload.uploadId },
      );
      expect(loaded.row_count).toBe(100);
    }
  });

  it('falls back to the legacy POST /v1/files when presigning answers 501', async () => {
    const legacy = await server({ presign: false });
    const legacyClient = clientOf(legacy);
    const db = await legacyClient.databases.create({ name: 'legacy-upload' });
    const file = await parquetFile('legacy.parquet', 'select range as id from range(7)');
    const upload = await legacyClient.uploads.upload(file);
    expect(upload.mode).toBe('legacy');
    expect(legacy.requestLog.map((entry) => `${entry.method} ${entry.path} ${entry.status}`)).toContain(
      'POST /v1/uploads 501',
    );
    expect((await legacyClient.uploads.listLegacy()).map((item) => item.id)).toContain(upload.uploadId);
    const loaded = await legacyClient.connections.load(db.default_connection_id, 'public', 'legacy', {
      mode: 'replace',
      upload_id: upload.uploadId,
    });
    expect(loaded.row_count).toBe(7);
  });
});

describe('loads, jobs, queries and results', () => {
  let local: HotdataLocal;
  let client: HotdataClient;
  let databaseId: string;
  const target = () => ({ databaseId, schema: 'public', table: 'people' });
  const people = async () =>
    (await client.query('select id, name from public.people order by id', { databaseId })).rows;

  beforeAll(async () => {
    local = await server({ previewRowLimit: 100 });
    client = clientOf(local);
    databaseId = (await client.databases.create({ name: 'loads' })).id;
  });

  it('applies every load mode with key columns (checked by querying back)', async () => {
    const csv = async (text: string) =>
      (await client.uploads.upload(Buffer.from(text), { contentType: 'text/csv' })).uploadId;
    let loaded = await client.loads.load(target(), {
      mode: 'replace',
      upload_id: await csv('id,name\n1,ann\n2,bob\n'),
    });
    expect(loaded).toMatchObject({ row_count: 2, schema_name: 'public', table_name: 'people' });
    expect(await people()).toEqual([
      [1, 'ann'],
      [2, 'bob'],
    ]);
    loaded = await client.loads.load(target(), { mode: 'append', upload_id: await csv('id,name\n3,cy\n') });
    expect(loaded.row_count).toBe(3);
    loaded = await client.loads.load(target(), {
      mode: 'upsert',
      key: ['id'],
      upload_id: await csv('id,name\n2,BOB\n4,dee\n'),
    });
    expect(loaded.row_count).toBe(4);
    expect(await people()).toEqual([
      [1, 'ann'],
      [2, 'BOB'],
      [3, 'cy'],
      [4, 'dee'],
    ]);
    loaded = await client.loads.load(target(), {
      mode: 'update',
      key: ['id'],
      upload_id: await csv('id,name\n1,ANN\n9,nobody\n'),
    });
    expect(loaded.row_count).toBe(4);
    expect(await people()).toEqual([
      [1, 'ANN'],
      [2, 'BOB'],
      [3, 'cy'],
      [4, 'dee'],
    ]);
    loaded = await client.loads.load(target(), { mode: 'delete', key: ['id'], data: 'id\n3\n4\n' });
    expect(loaded.row_count).toBe(2);
    expect(await people()).toEqual([
      [1, 'ANN'],
      [2, 'BOB'],
    ]);
    const fromResult = await client.queryPreview('select id + 10 as id, name from public.people', {
      databaseId,
    });
    const connectionId = (await client.databases.get(databaseId)).default_connection_id;
    loaded = await client.connections.load(
      connectionId,
      'public',
      'people',
      { mode: 'append', result_id: fromResult.result_id! },
      { databaseId },
    );
    expect(loaded.row_count).toBe(4);
    expect(await people()).toEqual([
      [1, 'ANN'],
      [2, 'BOB'],
      [11, 'ANN'],
      [12, 'BOB'],
    ]);
  });

  it('loads inline CSV with typed columns, JSON lines by upload, and a composite key', async () => {
    const orders: LoadTarget = { databaseId, schema: 'public', table: 'orders' };
    await client.loads.load(orders, {
      mode: 'replace',
      data: 'region,id,amount\neu,1,1.50\nus,1,2.25\n',
      columns: { region: 'VARCHAR', id: 'INTEGER', amount: 'DECIMAL(10,2)' },
      format: 'csv',
    });
    const [table] = await Array.fromAsync(
      client.informationSchema.list({
        connectionId: (await client.databases.get(databaseId)).default_connection_id,
        table: 'orders',
        includeColumns: true,
      }),
    );
    expect(table?.columns?.map((column) => column.data_type)).toEqual(['Utf8', 'Int32', 'Decimal128(10, 2)']);
    const ndjson = await client.uploads.upload(
      Buffer.from('{"region":"eu","id":1,"amount":9.5}\n{"region":"eu","id":2,"amount":3}\n'),
      { contentType: 'application/x-ndjson' },
    );
    await client.loads.load(orders, {
      mode: 'upsert',
      key: ['region', 'id'],
      upload_id: ndjson.uploadId,
      format: 'json',
    });
    const rows = await client.query('select region, id, amount::double from public.orders order by 1, 2', {
      databaseId,
    });
    expect(rows.rows).toEqual([
      ['eu', 1, 9.5],
      ['eu', 2, 3],
      ['us', 1, 2.25],
    ]);
  });

  it('polls an async load job to completion; gets and lists jobs', async () => {
    const submitted = await client.loads.submit(target(), {
      mode: 'append',
      data: 'id,name\n20,async\n',
      async: true,
    });
    if (!isSubmittedLoad(submitted)) throw new Error('expected a job');
    const job = await client.jobs.waitFor(submitted.jobId);
    expect(job).toMatchObject({ status: 'succeeded', job_type: 'managed_load' });
    expect(job.result).toMatchObject({ row_count: 5, table_name: 'people' });
    expect(await client.jobs.get(submitted.jobId)).toMatchObject({
      id: submitted.jobId,
      status: 'succeeded',
    });
    const listed = await client.jobs.list({ jobType: 'managed_load', status: ['succeeded'] });
    expect(listed.map((item) => item.id)).toContain(job.id);
    const waited = await client.loads.load(target(), {
      mode: 'append',
      upload_id: (
        await client.uploads.upload(Buffer.from('id,name\n21,async2\n'), { contentType: 'text/csv' })
      ).uploadId,
      async: true,
      async_after_ms: 1000,
    });
    expect(waited.row_count).toBe(6);
    expect(await people()).toContainEqual([21, 'async2']);
  });

  it('follows a query over the preview cap to the full result as rows, Arrow, Parquet and CSV', async () => {
    const sql = 'select range as n, range * 2 as twice from range(1000) order by n';
    const preview = await client.queryPreview(sql, { databaseId });
    expect(preview).toMatchObject({ truncated: true, total_row_count: 1000 });
    expect(preview.rows).toHaveLength(100);
    const all = await client.query(sql, { databaseId, scope: 'body' });
    expect(all).toMatchObject({ truncated: true, columns: ['n', 'twice'] });
    expect(all.rows).toHaveLength(1000);
    expect(all.rows[999]).toEqual([999, 1998]);
    const arrow = await client.queryArrow(sql, { databaseId });
    expect(arrow.numRows).toBe(1000);
    expect(arrow.getChild('twice')?.get(999)).toBe(1998n);
    const parquet = await client.queryParquet(sql, { databaseId });
    expect(
      await readParquet(parquet, (file) => `select count(*)::int, sum(twice)::int from ${file}`),
    ).toEqual([[1000, 999_000]]);
    const csv = await client.queryCsv(sql, { databaseId });
    expect(csv.trim().split('\n')).toHaveLength(1001);
    expect(csv.split('\n')[1]).toBe('0,0');
    const resultId = preview.result_id!;
    const page = await client.results.get(resultId, { databaseId, offset: 998, limit: 10 });
    expect(page.rows).toEqual([
      [998, 1996],
      [999, 1998],
    ]);
    const arrowSlice = await client.results.get(resultId, {
      databaseId,
      format: 'arrow',
      offset: 10,
      limit: 5,
    });
    expect(arrowSlice.numRows).toBe(5);
    expect(arrowSlice.getChild('n')?.get(0)).toBe(10n);
    const parquetBytes = await client.results.get(resultId, { databaseId, format: 'parquet' });
    expect(parquetBytes.subarray(0, 4).toString()).toBe('PAR1');
    expect(await client.results.get(resultId, { databaseId, format: 'csv', limit: 2 })).toBe(
      'n,twice\n0,0\n1,2\n',
    );
    const everything = await client.results.rows(resultId, { databaseId, pageSize: 300 });
    expect(everything.rows).toHaveLength(1000);
    expect((await client.results.list({ databaseId })).results.map((result) => result.id)).toContain(
      resultId,
    );
  });

  it('waits for async queries through query runs', async () => {
    const response = await client.query('select 7 as seven', { databaseId, async: true });
    expect(response.rows).toEqual([[7]]);
    const run = await client.queryRuns.get(response.queryRunId!, databaseId);
    expect(run).toMatchObject({ status: 'succeeded', result_id: response.resultId });
    expect(await client.queryRuns.waitFor(response.queryRunId!, databaseId)).toMatchObject({
      status: 'succeeded',
    });
  });

  it('resolves bare names through the default schema and "default", and reads Arrow with exact types', async () => {
    const scoped = await client.databases.create({ name: 'scoped', default_schema: 'sales' });
    await client.loads.load(
      { databaseId: scoped.id, schema: 'sales', table: 'deals' },
      { mode: 'replace', data: 'id\n1\n2\n' },
    );
    expect((await client.query('select count(*) from deals', { databaseId: scoped.id })).rows).toEqual([[2]]);
    expect((await client.query('select count(*) from "default".public.people', { databaseId })).rows).toEqual(
      [[6]],
    );
    const preview = await client.queryPreview("select 1::bigint id, 'x' s, '2024-05-01'::date d", {
      databaseId,
    });
    const table = await client.results.arrow(preview.result_id!, { databaseId });
    expect(table.schema.fields.map((field) => field.type.toString())).toEqual([
      'Int64',
      'Utf8',
      'Date32<DAY>',
    ]);
  });
});

// Exactly the semantics of /tmp/briefs/semantics-loadmodes.md, as a user sees them through the client.
describe('load-mode semantics', () => {
  let client: HotdataClient;
  let databaseId: string;
  const items: LoadTarget = { databaseId: '', schema: 'sem', table: 'items' };
  const rows = async (sql = 'select * from sem.items order by id nulls last, name') =>
    client.query(sql, { databaseId });

  beforeAll(async () => {
    client = clientOf(await server());
    databaseId = (await client.databases.create({ name: 'semantics' })).id;
    items.databaseId = databaseId;
    await client.databases.addSchema(databaseId, { name: 'sem', tables: [{ name: 'items', key: ['id'] }] });
  });

  it('replace sets the table to the batch; upsert uses the declared key and keeps columns the batch lacks', async () => {
    expect(
      (await client.loads.load(items, { mode: 'replace', data: 'id,name,qty\n1,a,10\n2,b,20\n3,c,30\n' }))
        .row_count,
    ).toBe(3);
    const upserted = await client.loads.load(items, { mode: 'upsert', data: 'id,name\n2,B\n4,d\n' });
    expect(upserted.row_count).toBe(4);
    expect((await rows()).rows).toEqual([
      [1, 'a', 10],
      [2, 'B', 20],
      [3, 'c', 30],
      [4, 'd', null],
    ]);
  });

  it('append adds the columns the table lacks (NULL in old rows)', async () => {
    await client.loads.load(items, { mode: 'append', data: 'id,name,qty,color\n5,e,50,red\n' });
    const result = await rows();
    expect(result.columns).toEqual(['id', 'name', 'qty', 'color']);
    expect(result.rows.map((row) => row[3])).toEqual([null, null, null, null, 'red']);
  });

  it('update changes matched rows only and never inserts', async () => {
    const updated = await client.loads.load(items, { mode: 'update', data: 'id,qty\n1,11\n99,990\n' });
    expect(updated.row_count).toBe(5);
    expect((await rows('select id, name, qty from sem.items where id in (1, 99)')).rows).toEqual([
      [1, 'a', 11],
    ]);
  });

  it('upsert refuses a batch with a duplicate key, applying nothing', async () => {
    const before = (await rows()).rows;
    const error = await failure(
      client.loads.load(items, { mode: 'upsert', data: 'id,name\n1,x\n1,y\n7,z\n' }),
    );
    expect(error).toMatchObject({ kind: 'bad_request', status: 400, apiCode: 'BAD_REQUEST' });
    expect(error.message).toMatch(/duplicate key in batch/i);
    expect((await rows()).rows).toEqual(before);
  });

  it('a NULL key never matches: upsert inserts, delete leaves the row', async () => {
    const columns = { id: 'BIGINT', name: 'VARCHAR' };
    await client.loads.load(items, { mode: 'append', data: 'id,name\n,ghost\n', columns });
    await client.loads.load(items, { mode: 'upsert', data: 'id,name\n,ghost2\n', columns });
    await client.loads.load(items, { mode: 'delete', data: 'id,name\n,ghost\n', columns });
    expect((await rows('select name from sem.items where id is null order by name')).rows).toEqual([
      ['ghost'],
      ['ghost2'],
    ]);
  });

  it('delete takes a batch of key columns only', async () => {
    const deleted = await client.loads.load(items, { mode: 'delete', data: 'id\n3\n4\n' });
    expect(deleted.row_count).toBe(5);
    expect((await rows('select id from sem.items where id is not null order by id')).rows).toEqual([
      [1],
      [2],
      [5],
    ]);
  });

  it('a key-based mode on a table without a key fails with "no declared key"; a request key works', async () => {
    const loose: LoadTarget = { databaseId, schema: 'sem', table: 'loose' };
    await client.loads.load(loose, { mode: 'append', data: 'id,v\n1,a\n' });
    const error = await failure(client.loads.load(loose, { mode: 'upsert', data: 'id,v\n1,b\n' }));
    expect(error).toMatchObject({ kind: 'bad_request', status: 400 });
    expect(error.message).toMatch(/no declared key/);
    await client.loads.load(loose, { mode: 'upsert', key: ['id'], data: 'id,v\n1,b\n' });
    expect((await client.query('select id, v from sem.loose', { databaseId })).rows).toEqual([[1, 'b']]);
  });

  it('replace with zero rows empties the table and its columns become the batch columns', async () => {
    const emptied = await client.loads.load(items, {
      mode: 'replace',
      data: 'id,name\n',
      columns: { id: 'BIGINT', name: 'VARCHAR' },
    });
    expect(emptied.row_count).toBe(0);
    const result = await rows();
    expect(result.rows).toEqual([]);
    expect(result.columns).toEqual(['id', 'name']);
  });
});

describe('reliability', () => {
  it('completes every call correctly with 30% injected 429/503 faults (API and storage)', async () => {
    const faulty = await server({
      minPartSizeBytes: 1024,
      faults: {
        seed: 42,
        rate: 0.3,
        statuses: [429, 503],
        retryAfterSeconds: 0,
        pathPattern: /^\/(v1|_storage)\//,
      },
    });
    const client = clientOf(faulty, { maxRetries: 12 });
    expect(await client.workspaces.list()).toHaveLength(1);
    const db = await client.databases.create({ name: 'faulty' });
    expect((await client.databases.get(db.id)).default_connection_id).toBe(db.default_connection_id);
    await client.databases.addSchema(db.id, { name: 'sales', tables: [{ name: 'orders', key: ['id'] }] });
    await client.connections.addTable(db.default_connection_id, 'sales', { name: 'notes' });
    const file = await parquetFile(
      'faulty.parquet',
      'select range as id, range * 10 as amount, md5(range::varchar) as tag from range(2000)',
    );
    const upload = await client.uploads.upload(file, { partSizeBytes: 16 * 1024 });
    expect(upload.mode).toBe('multipart');
    expect(upload.parts).toBeGreaterThanOrEqual(3);
    const orders = { databaseId: db.id, schema: 'sales', table: 'orders' };
    await client.loads.load(orders, { mode: 'append', upload_id: upload.uploadId });
    await client.loads.load(orders, { mode: 'upsert', data: 'id,amount\n1,999\n2000,5\n' });
    await client.loads.load(orders, { mode: 'delete', data: 'id\n0\n' });
    await client.loads.load(orders, { mode: 'update', data: 'id,amount\n2,7\n', async: true });
    const expectedSum = 2000 * 1999 * 5 - 10 + 999 - 20 + 7 + 5;
    const result = await client.query('select count(*), sum(amount) from sales.orders', {
      databaseId: db.id,
    });
    expect(result.rows).toEqual([[2000, expectedSum]]);
    const arrow = await client.queryArrow('select id from sales.orders order by id', { databaseId: db.id });
    expect(arrow.numRows).toBe(2000);
    const parquet = await client.queryParquet('select amount from sales.orders', { databaseId: db.id });
    expect(await readParquet(parquet, (source) => `select sum(amount)::bigint from ${source}`)).toEqual([
      [String(expectedSum)],
    ]);
    const tables = await Array.fromAsync(
      client.informationSchema.list({
        connectionId: db.default_connection_id,
        includeColumns: true,
        limit: 1,
      }),
    );
    expect(tables.map((table) => table.table)).toEqual(['notes', 'orders']);
    expect((await client.jobs.list({ jobType: 'managed_load' })).length).toBeGreaterThan(0);
    const listed = await Array.fromAsync(client.databases.list({ limit: 1 }));
    expect(listed.map((database) => database.id)).toEqual([db.id]);
    await client.databases.delete(db.id);
    expect((await failure(client.databases.get(db.id))).kind).toBe('not_found');
    const injected = faulty.requestLog.filter((entry) => entry.fault);
    expect(injected.length).toBeGreaterThan(8);
    expect(injected.some((entry) => entry.path.startsWith('/_storage/'))).toBe(true);
    expect(injected.every((entry) => entry.status === 429 || entry.status === 503)).toBe(true);
  });

  it('does not duplicate an append whose response was lost', async () => {
    const lossy = await server({ faults: { dropResponseRate: 1 } });
    const client = clientOf(lossy);
    const db = await client.databases.create({ name: 'lossy' });
    const file = await parquetFile('lossy.parquet', 'select range as id from range(10)');
    const upload = await client.uploads.upload(file);
    const byUpload = await failure(
      client.loads.load(
        { databaseId: db.id, schema: 'public', table: 'events' },
        { mode: 'append', upload_id: upload.uploadId },
      ),
    );
    expect(HotdataAmbiguousResultError.isInstance(byUpload)).toBe(true);
    const inline = await failure(
      client.loads.load(
        { databaseId: db.id, schema: 'public', table: 'events' },
        { mode: 'append', data: 'id\n100\n' },
      ),
    );
    expect(HotdataAmbiguousResultError.isInstance(inline)).toBe(true);
    const count = await client.query('select count(*) from public.events', { databaseId: db.id });
    expect(count.rows).toEqual([[11]]);
    const loadRequests = lossy.requestLog.filter((entry) => entry.path.endsWith('/loads'));
    // the upload load was replayed once (409: already claimed by the lost attempt); the inline one never
    expect(loadRequests.map((entry) => entry.status)).toEqual([200, 409, 200]);
  });
});

describe('typed errors', () => {
  let local: HotdataLocal;
  let client: HotdataClient;
  let databaseId: string;
  beforeAll(async () => {
    local = await server({ faults: { slowLoadMs: 300, pathPattern: /^$/ } });
    client = clientOf(local, { maxRetries: 0 });
    databaseId = (await client.databases.create({ name: 'errors' })).id;
  });

  it('401 without a valid token', async () => {
    const anonymous = createHotdataClient({
      apiUrl: local.url,
      apiKey: 'hd_wrong',
      workspaceId: local.workspaceId,
      logger,
    });
    const error = await failure(anonymous.databases.get(databaseId));
    expect(error).toMatchObject({ kind: 'auth', status: 401, apiCode: 'UNAUTHORIZED', isRetryable: false });
    expect(error.message).toMatch(/Check the API key/);
  });

  it('404 for an unknown database', async () => {
    expect(await failure(client.databases.get('dbidunknown'))).toMatchObject({
      kind: 'not_found',
      status: 404,
      apiCode: 'NOT_FOUND',
      method: 'GET',
      path: '/v1/databases/dbidunknown',
    });
  });

  it('400 for an invalid identifier', async () => {
    const error = await failure(
      client.loads.load(
        { databaseId, schema: 'public', table: 'x; drop table y' },
        { mode: 'append', data: 'a\n1\n' },
      ),
    );
    expect(error).toMatchObject({ kind: 'bad_request', status: 400, apiCode: 'BAD_REQUEST' });
    expect(error.message).toMatch(/Invalid identifier/);
  });

  it('409 for a reused upload', async () => {
    const upload = await client.uploads.upload(Buffer.from('a\n1\n'), { contentType: 'text/csv' });
    await client.loads.load(
      { databaseId, schema: 'public', table: 'once' },
      { mode: 'append', upload_id: upload.uploadId },
    );
    const error = await failure(
      client.loads.load(
        { databaseId, schema: 'public', table: 'once' },
        { mode: 'append', upload_id: upload.uploadId },
      ),
    );
    expect(error).toMatchObject({ kind: 'conflict', status: 409, apiCode: 'CONFLICT', isRetryable: false });
  });

  it('409 RESOURCE_LOCKED while another load holds the database (and retries wait for it)', async () => {
    const first = client.loads.load(
      { databaseId, schema: 'public', table: 'slow_a' },
      { mode: 'append', data: 'a\n1\n' },
    );
    await new Promise((resolve) => setTimeout(resolve, 80));
    const error = await failure(
      client.loads.load(
        { databaseId, schema: 'public', table: 'slow_b' },
        { mode: 'append', data: 'a\n1\n' },
      ),
    );
    expect(error).toMatchObject({
      kind: 'locked',
      status: 409,
      apiCode: 'RESOURCE_LOCKED',
      isRetryable: true,
    });
    await first;
    const patient = clientOf(local, { maxRetries: 8 });
    const again = patient.loads.load(
      { databaseId, schema: 'public', table: 'slow_a' },
      { mode: 'append', data: 'a\n2\n' },
    );
    await new Promise((resolve) => setTimeout(resolve, 80));
    await patient.loads.load(
      { databaseId, schema: 'public', table: 'slow_b' },
      { mode: 'append', data: 'a\n2\n' },
    );
    await again;
    expect(
      (
        await patient.query(
          'select (select count(*) from public.slow_a), (select count(*) from public.slow_b)',
          {
            databaseId,
          },
        )
      ).rows,
    ).toEqual([[2, 1]]);
  });

  it('413 for inline data over 2 MiB', async () => {
    const error = await failure(
      client.loads.load(
        { databaseId, schema: 'public', table: 'big' },
        { mode: 'append', data: `a\n${'x'.repeat(2 * 1024 * 1024 + 10)}\n` },
      ),
    );
    expect(error).toMatchObject({ kind: 'too_large', status: 413, apiCode: 'INLINE_DATA_TOO_LARGE' });
    expect(error.message).toMatch(/load by upload_id/);
  });
});
