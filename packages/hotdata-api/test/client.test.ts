import { tableFromArrays, tableToIPC } from 'apache-arrow';
import { afterEach, describe, expect, it } from 'vitest';
import { isSubmittedLoad } from '../src/index.ts';
import { failure, loadOk, stubClient, target } from './helpers.ts';
import type { StubAnswer, StubRequest, StubServer } from './stub-server.ts';

let server: StubServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(answer: (request: StubRequest, index: number) => StubAnswer) {
  const started = await stubClient(answer);
  server = started.server;
  return started.client;
}

const rowsOf = (from: number, to: number) => Array.from({ length: to - from }, (_, index) => [from + index]);

describe('queries and results', () => {
  it('follows a truncated preview through the result, waiting while it persists (202)', async () => {
    let polls = 0;
    const client = await start((request) => {
      if (request.path === '/v1/query') {
        return {
          status: 200,
          body: {
            columns: ['n'],
            nullable: [false],
            rows: rowsOf(0, 3),
            preview_row_count: 3,
            total_row_count: null,
            truncated: true,
            result_id: 'rslt1',
            query_run_id: 'qrun1',
          },
        };
      }
      if (request.path === '/v1/results/rslt1') {
        expect(request.headers['x-database-id']).toBe('db1');
        if (polls++ < 2)
          return {
            status: 202,
            headers: { 'retry-after': '0' },
            body: { status: 'processing', result_id: 'rslt1' },
          };
        const offset = Number(request.query.get('offset'));
        const limit = Number(request.query.get('limit'));
        expect(request.query.get('format')).toBe('json');
        return {
          status: 200,
          body: {
            result_id: 'rslt1',
            status: 'ready',
            columns: ['n'],
            nullable: [false],
            rows: rowsOf(offset, Math.min(25_000, offset + limit)),
            row_count: Math.min(limit, Math.max(0, 25_000 - offset)),
          },
        };
      }
      return { status: 404 };
    });
    const preview = await client.queryPreview('select n', { databaseId: 'db1' });
    expect(preview).toMatchObject({ truncated: true, result_id: 'rslt1' });
    expect(preview.rows).toHaveLength(3);
    const all = await client.query('select n', { databaseId: 'db1' });
    expect(all).toMatchObject({ truncated: true, resultId: 'rslt1', queryRunId: 'qrun1', columns: ['n'] });
    expect(all.rows).toHaveLength(25_000);
    expect(all.rows[24_999]).toEqual([24_999]);
    const pages = server!.requests.filter((request) => request.path === '/v1/results/rslt1');
    expect(pages.map((request) => request.query.get('offset'))).toEqual(['0', '0', '0', '10000', '20000']);
  });

  it('returns an untruncated preview as is', async () => {
    const client = await start(() => ({
      status: 200,
      body: {
        columns: ['a'],
        nullable: [true],
        rows: [[null]],
        truncated: false,
        result_id: null,
        warning: 'not persisted',
      },
    }));
    expect(await client.query('select null as a', { databaseId: 'db1' })).toEqual({
      columns: ['a'],
      nullable: [true],
      rows: [[null]],
      truncated: false,
      resultId: undefined,
      queryRunId: undefined,
      warning: 'not persisted',
    });
    expect(server!.requests).toHaveLength(1);
  });

  it('polls an async query (202) through its query run, then reads its result', async () => {
    let runPolls = 0;
    const client = await start((request) => {
      if (request.path === '/v1/query')
        return {
          status: 202,
          body: { query_run_id: 'qrun9', status: 'running', status_url: '/v1/query-runs/qrun9' },
        };
      if (request.path === '/v1/query-runs/qrun9') {
        expect(request.headers['x-database-id']).toBe('db1');
        return runPolls++ < 2
          ? { status: 200, body: { id: 'qrun9', status: 'running' } }
          : { status: 200, body: { id: 'qrun9', status: 'succeeded', result_id: 'rslt9' } };
      }
      return {
        status: 200,
        body: {
          result_id: 'rslt9',
          status: 'ready',
          columns: ['x'],
          nullable: [false],
          rows: [[7]],
          row_count: 1,
        },
      };
    });
    const result = await client.query('select 7 as x', {
      databaseId: 'db1',
      async: true,
      asyncAfterMs: 1000,
    });
    expect(result).toMatchObject({ rows: [[7]], resultId: 'rslt9', queryRunId: 'qrun9', truncated: false });
    expect(JSON.parse(server!.requests[0]!.body)).toEqual({
      sql: 'select 7 as x',
      async: true,
      async_after_ms: 1000,
    });
    expect(runPolls).toBe(3);
  });

  it('reports a failed query run as job_failed with its message', async () => {
    const client = await start((request) =>
      request.path === '/v1/query'
        ? { status: 202, body: { query_run_id: 'q', status: 'queued' } }
        : { status: 200, body: { id: 'q', status: 'failed', error_message: 'division by zero' } },
    );
    const error = await failure(client.query('select 1/0', { databaseId: 'db1', async: true }));
    expect(error).toMatchObject({ kind: 'job_failed', isRetryable: false });
    expect(error.message).toMatch(/division by zero/);
  });

  it('reads a result as Arrow, Parquet bytes or CSV through results.get({ format })', async () => {
    const arrow = tableToIPC(tableFromArrays({ id: Int32Array.from([1, 2, 3]) }), 'stream');
    const parquet = Buffer.from('PAR1....PAR1');
    const client = await start((request) => {
      const format = request.query.get('format');
      if (format === 'arrow')
        return {
          status: 200,
          headers: { 'content-type': 'application/vnd.apache.arrow.stream' },
          body: Buffer.from(arrow),
        };
      if (format === 'parquet')
        return { status: 200, headers: { 'content-type': 'application/vnd.apache.parquet' }, body: parquet };
      return { status: 200, headers: { 'content-type': 'text/csv; charset=utf-8' }, body: 'id\n1\n2\n3\n' };
    });
    const table = await client.results.get('rslt1', { databaseId: 'db1', format: 'arrow' });
    expect(table.numRows).toBe(3);
    expect(table.getChild('id')?.toArray()).toEqual(Int32Array.from([1, 2, 3]));
    expect(await client.results.get('rslt1', { databaseId: 'db1', format: 'parquet' })).toEqual(parquet);
    expect(await client.results.get('rslt1', { databaseId: 'db1', format: 'csv', limit: 2 })).toBe(
      'id\n1\n2\n3\n',
    );
    expect(server!.requests[2]!.query.get('limit')).toBe('2');
  });

  it('reports a failed result (409) as job_failed', async () => {
    const client = await start(() => ({
      status: 409,
      body: { status: 'failed', result_id: 'r', error_message: 'disk full' },
    }));
    const error = await failure(client.results.get('r', { databaseId: 'db1' }));
    expect(error).toMatchObject({ kind: 'job_failed', status: 409 });
    expect(error.message).toMatch(/disk full/);
    expect(server!.requests).toHaveLength(1);
  });
});

describe('loads and jobs', () => {
  it('polls an async load job to its result', async () => {
    let polls = 0;
    const client = await start((request) => {
      if (request.path.endsWith('/loads'))
        return { status: 202, body: { id: 'job1', status: 'pending', status_url: '/v1/jobs/job1' } };
      return polls++ < 2
        ? {
            status: 200,
            body: { id: 'job1', job_type: 'managed_load', status: 'running', attempts: 1, created_at: 't' },
          }
        : {
            status: 200,
            body: {
              id: 'job1',
              job_type: 'managed_load',
              status: 'succeeded',
              attempts: 1,
              created_at: 't',
              result: loadOk.body,
            },
          };
    });
    const result = await client.loads.load(target, {
      mode: 'upsert',
      upload_id: 'u1',
      key: ['id'],
      async: true,
      async_after_ms: 10_000,
    });
    expect(result.row_count).toBe(3);
    expect(JSON.parse(server!.requests[0]!.body)).toEqual({
      mode: 'upsert',
      upload_id: 'u1',
      key: ['id'],
      async: true,
      async_after_ms: 10_000,
    });
  });

  it('submit returns the job without waiting; a failed job throws its message', async () => {
    const client = await start((request) =>
      request.path.endsWith('/loads')
        ? { status: 202, body: { id: 'job2', status: 'pending' } }
        : {
            status: 200,
            body: {
              id: 'job2',
              job_type: 'managed_load',
              status: 'failed',
              attempts: 1,
              created_at: 't',
              error_message: 'bad parquet',
            },
          },
    );
    const submitted = await client.loads.submit(target, { mode: 'replace', upload_id: 'u', async: true });
    expect(isSubmittedLoad(submitted)).toBe(true);
    expect(submitted).toEqual({ jobId: 'job2', status: 'pending' });
    const error = await failure(client.jobs.waitFor('job2'));
    expect(error).toMatchObject({ kind: 'job_failed', path: '/v1/jobs/job2' });
    expect(error.message).toMatch(/ended failed: bad parquet/);
  });

  it('gives up waiting for a job after its timeout with a retryable timeout error', async () => {
    const client = await start(() => ({
      status: 200,
      body: { id: 'j', job_type: 'managed_load', status: 'running', attempts: 1, created_at: 't' },
    }));
    const error = await failure(client.jobs.waitFor('j', { timeoutMs: 60 }));
    expect(error).toMatchObject({ kind: 'timeout', isRetryable: true });
  });

  it('loads through the connection route with X-Database-Id for a result', async () => {
    const client = await start(() => loadOk);
    await client.connections.load(
      'conn1',
      'public',
      'orders',
      { mode: 'replace', result_id: 'rslt1' },
      { databaseId: 'db1' },
    );
    const request = server!.requests[0]!;
    expect(request.path).toBe('/v1/connections/conn1/schemas/public/tables/orders/loads');
    expect(request.headers['x-database-id']).toBe('db1');
  });

  it('lists jobs with their filters', async () => {
    const client = await start(() => ({ status: 200, body: { jobs: [] } }));
    await client.jobs.list({ jobType: 'managed_load', status: ['failed', 'partially_succeeded'], limit: 5 });
    expect(server!.requests[0]!.url).toBe(
      '/v1/jobs?job_type=managed_load&status=failed%2Cpartially_succeeded&limit=5',
    );
  });
});

describe('request validation', () => {
  it('refuses a load without exactly one source before sending anything', async () => {
    const client = await start(() => loadOk);
    const error = await failure(
      client.loads.load(target, { mode: 'append', upload_id: 'u', data: 'a\n1\n' }),
    );
    expect(error).toMatchObject({ kind: 'bad_request', status: undefined });
    expect(error.message).toMatch(
      /was not sent: the request is invalid: exactly one of upload_id, result_id or data/,
    );
    expect(server!.requests).toHaveLength(0);
  });

  it('refuses unknown fields, unknown modes and async_after_ms without async', async () => {
    const client = await start(() => loadOk);
    const unknownField = { mode: 'append', upload_id: 'u', upload: 'typo' } as never;
    expect((await failure(client.loads.load(target, unknownField))).message).toMatch(/upload/);
    expect(
      await failure(client.loads.load(target, { mode: 'merge', upload_id: 'u' } as never)),
    ).toMatchObject({
      kind: 'bad_request',
    });
    expect(
      (await failure(client.loads.load(target, { mode: 'append', upload_id: 'u', async_after_ms: 5000 })))
        .message,
    ).toMatch(/async_after_ms requires async: true/);
    expect((await failure(client.query('', { databaseId: 'db1' }))).message).toMatch(/at 'sql'/);
    expect(server!.requests).toHaveLength(0);
  });
});

describe('paging', () => {
  const db = (id: string) => ({ id, name: id, default_catalog: 'default', default_schema: 'main' });

  it('lists databases across pages and stops when the cursor does not advance', async () => {
    const client = await start((request) => {
      const cursor = request.query.get('cursor');
      if (!cursor)
        return { status: 200, body: { databases: [db('a'), db('b')], has_more: true, next_cursor: 'c1' } };
      return { status: 200, body: { databases: [db('c')], has_more: true, next_cursor: 'c1' } };
    });
    const ids: string[] = [];
    for await (const database of client.databases.list({ limit: 2, search: 'x' })) ids.push(database.id);
    expect(ids).toEqual(['a', 'b', 'c']);
    expect(server!.requests.map((request) => request.url)).toEqual([
      '/v1/databases?limit=2&search=x',
      '/v1/databases?limit=2&search=x&cursor=c1',
    ]);
  });

  it('accepts an old deployment that answers a single page without paging fields', async () => {
    const client = await start(() => ({ status: 200, body: { databases: [db('a')] } }));
    expect((await Array.fromAsync(client.databases.list())).map((database) => database.id)).toEqual(['a']);
  });

  it('pages information_schema with columns', async () => {
    const client = await start((request) => {
      const table = (name: string) => ({
        connection: 'default',
        schema: 'public',
        table: name,
        synced: true,
        columns: [{ name: 'id', data_type: 'Int64', nullable: false }],
        partition_by: [],
        sorted_by: [],
      });
      return request.query.get('cursor')
        ? { status: 200, body: { tables: [table('b')], count: 1, limit: 1, has_more: false } }
        : {
            status: 200,
            body: { tables: [table('a')], count: 1, limit: 1, has_more: true, next_cursor: 'n' },
          };
    });
    const tables = await Array.fromAsync(
      client.informationSchema.list({ connectionId: 'conn1', includeColumns: true, limit: 1 }),
    );
    expect(tables.map((table) => [table.table, table.columns?.[0]?.data_type])).toEqual([
      ['a', 'Int64'],
      ['b', 'Int64'],
    ]);
    expect(server!.requests[0]!.url).toBe(
      '/v1/information_schema?connection_id=conn1&include_columns=true&limit=1',
    );
  });
});
