import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
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
} from '@hotdata-dlt/hotdata-api';
import { tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HotdataLocal, type HotdataLocalOptions, startHotdataLocal } from '../../src/index.ts';

// Every client method over HTTP against a real hotdata-local (issue 2, acceptance 2–4). Every log line
// and every error message of this file is kept and scanned for the token at the end.
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
    const seen: string[] = [];
    for await (const database of client.databases.list({ limit: 10, search: 'page-' }))
      seen.push(database.id);
    expect(new Set(seen)).toEqual(created);
  });

  it('creates with declared tables, gets, adds schemas and tables on both routes, deletes', async () => {
    const db = await client.databases.create({
      name: 'shop',
      schemas: [{ name: 'public', tables: [{ name: 'orders', key: ['id'] }] }],
    });
    expect(db.default_schema).toBe('public');
    const detail = await client.databases.get(db.id);
    expect(detail.default_connection_id).toBe(db.default_connection_id);
    expect(
      await client.databases.addSchema(db.id, { name: 'raw', tables: [{ name: 'events' }] }),
    ).toMatchObject({
      schema: 'raw',
      tables: ['events'],
    });
    expect(await client.databases.addTable(db.id, 'raw', { name: 'clicks', key: ['id'] })).toMatchObject({
      table: 'clicks',
    });
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
    const loaded = await client.loads.load(
      { databaseId, schema: 'public', table: 'big' },
      { mode: 'replace', upload_id: upload.uploadId },
    );
    expect(loaded.row_count).toBe(250_000);
    const sums = await client.queryRows('select count(distinct id), sum(length(payload)) from public.big', {
      databaseId,
    });
    expect(sums.rows).toEqual([[250_000, 250_000 * 96]]);
  });

  it('uploads from a Buffer (single part) and from a stream of unknown length (multipart)', async () => {
    const file = await parquetFile('small.parquet', 'select range as id from range(100)');
    const fromBuffer = await client.uploads.upload(
      await import('node:fs/promises').then((fs) => fs.readFile(file)),
    );
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
    expect((await legacyClient.uploads.listLegacy()).map((item) => item.id)).toContain(upload.uploadId);
    const loaded = await legacyClient.loads.load(
      { connectionId: db.default_connection_id, schema: 'public', table: 'legacy' },
      { mode: 'replace', upload_id: upload.uploadId },
    );
    expect(loaded.row_count).toBe(7);
  });
});

describe('loads and queries', () => {
  let local: HotdataLocal;
  let client: HotdataClient;
  let databaseId: string;
  const target = () => ({ databaseId, schema: 'public', table: 'people' });
  const people = async () =>
    (await client.queryRows('select id, name from public.people order by id', { databaseId })).rows;

  beforeAll(async () => {
    local = await server({ previewRowLimit: 100 });
    client = clientOf(local);
    databaseId = (await client.databases.create({ name: 'loads' })).id;
  });

  it('applies every load mode with key columns (checked by querying back)', async () => {
    const csv = async (text: string) =>
      (await client.uploads.upload(Buffer.from(text), { contentType: 'text/csv' })).uploadId;
    await client.loads.load(target(), { mode: 'replace', upload_id: await csv('id,name\n1,ann\n2,bob\n') });
    expect(await people()).toEqual([
      [1, 'ann'],
      [2, 'bob'],
    ]);
    await client.loads.load(target(), { mode: 'append', upload_id: await csv('id,name\n3,cy\n') });
    expect(await people()).toEqual([
      [1, 'ann'],
      [2, 'bob'],
      [3, 'cy'],
    ]);
    await client.loads.load(target(), {
      mode: 'upsert',
      key: ['id'],
      upload_id: await csv('id,name\n2,BOB\n4,dee\n'),
    });
    expect(await people()).toEqual([
      [1, 'ann'],
      [2, 'BOB'],
      [3, 'cy'],
      [4, 'dee'],
    ]);
    await client.loads.load(target(), {
      mode: 'update',
      key: ['id'],
      upload_id: await csv('id,name\n1,ANN\n9,nobody\n'),
    });
    expect(await people()).toEqual([
      [1, 'ANN'],
      [2, 'BOB'],
      [3, 'cy'],
      [4, 'dee'],
    ]);
    await client.loads.load(target(), { mode: 'delete', key: ['id'], data: 'id\n3\n4\n' });
    expect(await people()).toEqual([
      [1, 'ANN'],
      [2, 'BOB'],
    ]);
    const fromResult = await client.query('select id + 10 as id, name from public.people', { databaseId });
    await client.loads.load(
      {
        connectionId: (await client.databases.get(databaseId)).default_connection_id,
        databaseId,
        schema: 'public',
        table: 'people',
      },
      { mode: 'append', result_id: fromResult.result_id! },
    );
    expect(await people()).toEqual([
      [1, 'ANN'],
      [2, 'BOB'],
      [11, 'ANN'],
      [12, 'BOB'],
    ]);
  });

  it('polls an async load job to completion, and lists jobs', async () => {
    const submitted = await client.loads.submit(target(), {
      mode: 'append',
      data: 'id,name\n20,async\n',
      async: true,
    });
    expect(submitted).toHaveProperty('jobId');
    const job = await client.jobs.waitFor((submitted as { jobId: string }).jobId);
    expect(job.status).toBe('succeeded');
    expect((await client.jobs.list({ jobType: 'managed_load' })).map((item) => item.id)).toContain(job.id);
    const waited = await client.loads.load(target(), {
      mode: 'append',
      data: 'id,name\n21,async2\n',
      async: true,
    });
    expect(waited.row_count).toBe(6);
  });

  it('follows a query over the preview cap to the full result as rows, Arrow and Parquet', async () => {
    const sql = 'select range as n, range * 2 as twice from range(1000) order by n';
    const preview = await client.query(sql, { databaseId });
    expect(preview).toMatchObject({ truncated: true, total_row_count: 1000 });
    expect(preview.rows).toHaveLength(100);
    const all = await client.queryRows(sql, { databaseId, scope: 'body' });
    expect(all.rows).toHaveLength(1000);
    expect(all.rows[999]).toEqual([999, 1998]);
    const arrow = await client.queryArrow(sql, { databaseId });
    expect(arrow.numRows).toBe(1000);
    expect(arrow.getChild('twice')?.get(999)).toBe(1998n);
    const parquet = await client.queryParquet(sql, { databaseId });
    const upload = await client.uploads.upload(parquet);
    const reloaded = await client.loads.load(
      { databaseId, schema: 'public', table: 'numbers' },
      { mode: 'replace', upload_id: upload.uploadId },
    );
    expect(reloaded.row_count).toBe(1000);
    const csv = await client.results.csv(preview.result_id!, { databaseId });
    expect(csv.split('\n')[1]).toBe('0,0');
    const page = await client.results.get(preview.result_id!, { databaseId, offset: 998, limit: 10 });
    expect(page.rows).toEqual([
      [998, 1996],
      [999, 1998],
    ]);
    expect((await client.results.list({ databaseId })).results.length).toBeGreaterThan(0);
  });

  it('waits for async queries through query runs', async () => {
    const response = await client.query('select 7 as seven', { databaseId, async: true });
    expect(response.rows).toEqual([[7]]);
    const run = await client.queryRuns.get(response.query_run_id!, databaseId);
    expect(run.status).toBe('succeeded');
  });

  it('reads Arrow through results.arrow with exact types', async () => {
    const preview = await client.query("select 1::bigint id, 'x' s, '2024-05-01'::date d", { databaseId });
    const table = await client.results.arrow(preview.result_id!, { databaseId });
    expect(table.schema.fields.map((field) => field.type.toString())).toEqual([
      'Int64',
      'Utf8',
      'Date32<DAY>',
    ]);
    expect(tableFromIPC).toBeTypeOf('function');
  });
});

describe('reliability', () => {
  it('completes every call correctly with 30% injected 429/503 faults', async () => {
    const faulty = await server({
      faults: { seed: 42, rate: 0.3, statuses: [429, 503], retryAfterSeconds: 0 },
    });
    const client = clientOf(faulty, { maxRetries: 10 });
    const db = await client.databases.create({ name: 'faulty' });
    await client.databases.addSchema(db.id, { name: 'sales', tables: [{ name: 'orders', key: ['id'] }] });
    const file = await parquetFile(
      'faulty.parquet',
      'select range as id, range * 10 as amount from range(500)',
    );
    const upload = await client.uploads.upload(file);
    await client.loads.load(
      { databaseId: db.id, schema: 'sales', table: 'orders' },
      { mode: 'append', upload_id: upload.uploadId },
    );
    await client.loads.load(
      { databaseId: db.id, schema: 'sales', table: 'orders' },
      { mode: 'upsert', data: 'id,amount\n1,999\n500,5\n' },
    );
    await client.loads.load(
      { databaseId: db.id, schema: 'sales', table: 'orders' },
      { mode: 'delete', data: 'id\n0\n' },
    );
    const result = await client.queryRows('select count(*), sum(amount) from sales.orders', {
      databaseId: db.id,
    });
    expect(result.rows).toEqual([[500, 500 * 499 * 5 - 10 + 999 + 5]]);
    const listed = await Array.fromAsync(client.databases.list({ limit: 1 }));
    expect(listed.map((database) => database.id)).toEqual([db.id]);
    const injected = faulty.requestLog.filter((entry) => entry.fault);
    expect(injected.length).toBeGreaterThan(3);
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
    const count = await client.queryRows('select count(*) from public.events', { databaseId: db.id });
    expect(count.rows).toEqual([[11]]);
    const loadRequests = lossy.requestLog.filter((entry) => entry.path.endsWith('/loads'));
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
  });

  it('404 for an unknown database', async () => {
    expect(await failure(client.databases.get('dbidunknown'))).toMatchObject({
      kind: 'not_found',
      status: 404,
    });
  });

  it('400 for an invalid identifier', async () => {
    const error = await failure(
      client.loads.load(
        { databaseId, schema: 'public', table: 'x; drop table y' },
        { mode: 'append', data: 'a\n1\n' },
      ),
    );
    expect(error).toMatchObject({ kind: 'bad_request', status: 400 });
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

  it('409 RESOURCE_LOCKED while another load holds the database', async () => {
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
  });

  it('413 for inline data over 2 MiB', async () => {
    const error = await failure(
      client.loads.load(
        { databaseId, schema: 'public', table: 'big' },
        { mode: 'append', data: `a\n${'x'.repeat(2 * 1024 * 1024 + 10)}\n` },
      ),
    );
    expect(error).toMatchObject({ kind: 'too_large', status: 413, apiCode: 'INLINE_DATA_TOO_LARGE' });
    expect(error.message).toMatch(/upload it and load by upload_id/);
  });
});
