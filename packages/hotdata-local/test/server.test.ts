// biome-ignore-all lint/suspicious/noExplicitAny: response bodies are checked field by field with expect.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HotdataLocal, startHotdataLocal } from '../src/index.ts';
import { FaultInjector } from '../src/internal/faults.ts';
import { widenType } from '../src/internal/loads.ts';

/** Raw HTTP against the server (the client has its own tests): status, JSON body, headers. */
function api(local: HotdataLocal) {
  return async (
    method: string,
    path: string,
    options: { body?: unknown; headers?: Record<string, string>; auth?: boolean; database?: string } = {},
  ) => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.auth !== false) {
      headers.authorization = `Bearer ${local.token}`;
      headers['x-workspace-id'] = local.workspaceId;
    }
    if (options.database) headers['x-database-id'] = options.database;
    let body: string | Buffer | undefined;
    if (Buffer.isBuffer(options.body) || typeof options.body === 'string') body = options.body;
    else if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] = 'application/json';
    }
    const response = await fetch(`${local.url}${path}`, {
      method,
      headers,
      ...(body !== undefined ? { body } : {}),
    });
    const text = await response.text();
    let json: Record<string, unknown> = {};
    try {
      json = text ? JSON.parse(text) : {};
    } catch {
      json = { text };
    }
    return { status: response.status, json: json as Record<string, any>, headers: response.headers, text };
  };
}

let local: HotdataLocal;
let call: ReturnType<typeof api>;

beforeAll(async () => {
  local = await startHotdataLocal({ previewRowLimit: 5 });
  call = api(local);
});
afterAll(async () => {
  await local.close();
});

async function createDatabase(
  body: Record<string, unknown> = { name: 'test' },
): Promise<Record<string, any>> {
  const created = await call('POST', '/v1/databases', { body });
  expect(created.status).toBe(201);
  return created.json;
}

async function load(databaseId: string, table: string, body: Record<string, unknown>, schema = 'public') {
  return call('POST', `/v1/databases/${databaseId}/schemas/${schema}/tables/${table}/loads`, { body });
}

async function rows(databaseId: string, sql: string): Promise<unknown[][]> {
  const response = await call('POST', '/v1/query', { body: { sql }, database: databaseId });
  expect(response.status, JSON.stringify(response.json)).toBe(200);
  return response.json.rows;
}

describe('auth', () => {
  it('answers 401 without or with a wrong token, 400 without workspace, 403 for an unknown workspace', async () => {
    expect((await call('GET', '/v1/databases', { auth: false })).status).toBe(401);
    const wrong = await call('GET', '/v1/databases', {
      auth: false,
      headers: { authorization: 'Bearer nope' },
    });
    expect(wrong.status).toBe(401);
    expect(wrong.json.error.code).toBe('UNAUTHORIZED');
    const noWorkspace = await call('GET', '/v1/databases', {
      auth: false,
      headers: { authorization: `Bearer ${local.token}` },
    });
    expect(noWorkspace.status).toBe(400);
    const otherWorkspace = await call('GET', '/v1/databases', {
      auth: false,
      headers: { authorization: `Bearer ${local.token}`, 'x-workspace-id': 'ws_other' },
    });
    expect(otherWorkspace.status).toBe(403);
    expect(
      (
        await call('GET', '/v1/workspaces', {
          auth: false,
          headers: { authorization: `Bearer ${local.token}` },
        })
      ).json.workspaces[0].public_id,
    ).toBe(local.workspaceId);
  });
});

describe('databases', () => {
  it('creates with main pre-declared, the single declared schema as default, and validates identifiers', async () => {
    const plain = await createDatabase({ name: 'plain' });
    expect(plain).toMatchObject({ default_catalog: 'default', default_schema: 'main' });
    expect(plain.id).toMatch(/^dbid[a-z0-9]{26}$/);
    const declared = await createDatabase({
      description: 'legacy name',
      schemas: [{ name: 'Sales', tables: [{ name: 'Orders', key: ['id'] }] }],
    });
    expect(declared).toMatchObject({ name: 'legacy name', default_schema: 'sales' });
    const bad = await call('POST', '/v1/databases', {
      body: { name: 'x', schemas: [{ name: 's', tables: [{ name: 'x; drop table y' }] }] },
    });
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toMatch(/Invalid identifier/);
    expect((await call('POST', '/v1/databases', { body: { default_catalog: 'hotdata' } })).status).toBe(400);
  });

  it('gets by id only, lists newest first with cursor paging and search, deletes', async () => {
    const ids: string[] = [];
    for (let index = 0; index < 7; index++) ids.push((await createDatabase({ name: `paged-${index}` })).id);
    const first = await call('GET', '/v1/databases?limit=3&search=PAGED');
    expect(first.json.databases.map((db: { name: string }) => db.name)).toEqual([
      'paged-6',
      'paged-5',
      'paged-4',
    ]);
    expect(first.json.databases[0]).not.toHaveProperty('default_connection_id');
    expect(first.json).toMatchObject({ count: 3, limit: 3, has_more: true });
    const second = await call('GET', `/v1/databases?limit=3&search=paged&cursor=${first.json.next_cursor}`);
    expect(second.json.databases.map((db: { name: string }) => db.name)).toEqual([
      'paged-3',
      'paged-2',
      'paged-1',
    ]);
    expect((await call('GET', '/v1/databases?limit=500')).json.limit).toBe(100);
    expect((await call('GET', `/v1/databases/${ids[0]}`)).json.default_connection_id).toMatch(/^conn/);
    expect((await call('GET', '/v1/databases/paged-0')).status).toBe(404);
    expect((await call('DELETE', `/v1/databases/${ids[0]}`)).status).toBe(204);
    expect((await call('GET', `/v1/databases/${ids[0]}`)).status).toBe(404);
  });

  it('adds schemas and tables on both routes with 409 on duplicates and 404 on unknown parents', async () => {
    const db = await createDatabase();
    expect(
      (
        await call('POST', `/v1/databases/${db.id}/schemas`, {
          body: { name: 'Raw', tables: [{ name: 'events' }] },
        })
      ).json,
    ).toMatchObject({
      schema: 'raw',
      tables: ['events'],
    });
    expect((await call('POST', `/v1/databases/${db.id}/schemas`, { body: { name: 'raw' } })).status).toBe(
      409,
    );
    expect(
      (
        await call('POST', `/v1/connections/${db.default_connection_id}/schemas/raw/tables`, {
          body: { name: 'Clicks', key: ['id'] },
        })
      ).json,
    ).toMatchObject({
      table: 'clicks',
    });
    expect(
      (await call('POST', `/v1/databases/${db.id}/schemas/raw/tables`, { body: { name: 'clicks' } })).status,
    ).toBe(409);
    expect(
      (await call('POST', `/v1/databases/${db.id}/schemas/nope/tables`, { body: { name: 't' } })).status,
    ).toBe(404);
    expect((await call('POST', '/v1/databases/dbidunknown/schemas', { body: { name: 's' } })).status).toBe(
      404,
    );
  });
});

describe('loads', () => {
  it('creates tables on first load and applies every mode with the declared or given key', async () => {
    const db = await createDatabase({
      name: 'modes',
      schemas: [{ name: 'public', tables: [{ name: 'people', key: ['id'] }] }],
    });
    expect(
      (await load(db.id, 'people', { mode: 'append', data: 'id,name\n1,ann\n2,bob\n3,cy\n' })).json.row_count,
    ).toBe(3);
    expect(
      (await load(db.id, 'people', { mode: 'upsert', data: 'id,name\n2,BOB\n4,dee\n' })).json.row_count,
    ).toBe(4);
    expect(
      (await load(db.id, 'people', { mode: 'update', data: 'id,name\n3,CY\n9,nobody\n' })).json.row_count,
    ).toBe(4);
    expect((await load(db.id, 'people', { mode: 'delete', data: 'id\n1\n' })).json.row_count).toBe(3);
    expect(await rows(db.id, 'select id, name from public.people order by id')).toEqual([
      [2, 'BOB'],
      [3, 'CY'],
      [4, 'dee'],
    ]);
    const replaced = await load(db.id, 'people', { mode: 'replace', data: 'id,name\n7,zed\n' });
    expect(replaced.json).toMatchObject({
      row_count: 1,
      schema_name: 'public',
      table_name: 'people',
      connection_id: db.default_connection_id,
    });
    expect(
      JSON.parse(replaced.json.arrow_schema_json).fields.map((field: { name: string }) => field.name),
    ).toEqual(['id', 'name']);
  });

  it('refuses key modes without a key, duplicate keys in an upsert batch, and never matches NULL keys', async () => {
    const db = await createDatabase();
    await load(db.id, 't', { mode: 'append', data: 'id,v\n1,a\n,b\n' });
    const noKey = await load(db.id, 't', { mode: 'upsert', data: 'id,v\n1,x\n' });
    expect(noKey.status).toBe(400);
    expect(noKey.json.error.message).toMatch(/no declared key/);
    const duplicate = await load(db.id, 't', { mode: 'upsert', key: ['id'], data: 'id,v\n1,x\n1,y\n' });
    expect(duplicate.status).toBe(400);
    expect(duplicate.json.error.message).toMatch(/Duplicate key in batch/);
    expect((await load(db.id, 't', { mode: 'upsert', key: ['id'], data: 'id,v\n,c\n' })).status).toBe(200);
    expect(await rows(db.id, 'select id, v from public.t order by v')).toEqual([
      [1, 'a'],
      [null, 'b'],
      [null, 'c'],
    ]);
  });

  it('adds new columns, widens compatible types and refuses incompatible changes with 409', async () => {
    const db = await createDatabase();
    await load(db.id, 'w', {
      mode: 'append',
      data: 'id,v\n1,10\n',
      columns: { id: 'INTEGER', v: 'INTEGER' },
    });
    await load(db.id, 'w', {
      mode: 'append',
      data: 'id,v,extra\n2,3000000000,x\n',
      columns: { id: 'INTEGER', v: 'BIGINT', extra: 'VARCHAR' },
    });
    await load(db.id, 'w', {
      mode: 'append',
      data: 'id,v\n3,1.5\n',
      columns: { id: 'INTEGER', v: 'DOUBLE' },
    });
    expect(await rows(db.id, 'select id, v, extra from public.w order by id')).toEqual([
      [1, 10, null],
      [2, 3000000000, 'x'],
      [3, 1.5, null],
    ]);
    const incompatible = await load(db.id, 'w', {
      mode: 'append',
      data: 'id,v\nabc,1\n',
      columns: { id: 'VARCHAR', v: 'DOUBLE' },
    });
    expect(incompatible.status).toBe(409);
    expect(incompatible.json.error.message).toMatch(/incompatible type change/);
    expect(widenType('DECIMAL(10,2)', 'INTEGER')).toEqual({ fits: true, widenTo: 'DECIMAL(12,2)' });
    expect(widenType('DATE', 'TIMESTAMP WITH TIME ZONE')).toEqual({
      fits: true,
      widenTo: 'TIMESTAMP WITH TIME ZONE',
    });
    expect(widenType('BIGINT', 'VARCHAR')).toBeUndefined();
  });

  it('consumes an upload once (409 on reuse) and releases it when the load fails', async () => {
    const db = await createDatabase();
    const session = await call('POST', '/v1/uploads', {
      body: { declared_size_bytes: 9, content_type: 'text/csv' },
    });
    expect(session.json.mode).toBe('single');
    expect((await fetch(session.json.url, { method: 'PUT', body: 'id\n1\n2\n3\n' })).status).toBe(200);
    const finalized = await call('POST', `/v1/uploads/${session.json.upload_id}/finalize`, {
      headers: { 'x-upload-finalize-token': session.json.finalize_token },
    });
    expect(finalized.json).toMatchObject({ status: 'finalized', size_bytes: 9 });
    const again = await call('POST', `/v1/uploads/${session.json.upload_id}/finalize`, {
      headers: { 'x-upload-finalize-token': session.json.finalize_token },
    });
    expect(again.status).toBe(400);
    const failed = await load(db.id, 'u', {
      mode: 'upsert',
      upload_id: session.json.upload_id,
      key: ['nope'],
    });
    expect(failed.status).toBe(400);
    expect(
      (await load(db.id, 'u', { mode: 'append', upload_id: session.json.upload_id })).json.row_count,
    ).toBe(3);
    const reused = await load(db.id, 'u', { mode: 'append', upload_id: session.json.upload_id });
    expect(reused.status).toBe(409);
    expect(reused.json.error.message).toMatch(/already consumed/);
    // An async replay is refused before a job is accepted: the same 409, not a failed job.
    for (const asyncOptions of [{ async: true }, { async: true, async_after_ms: 1000 }]) {
      const replayed = await load(db.id, 'u', {
        mode: 'append',
        upload_id: session.json.upload_id,
        ...asyncOptions,
      });
      expect(replayed.status).toBe(409);
      expect(replayed.json.error.message).toMatch(/already consumed/);
    }
  });

  it('answers 413 for inline data over 2 MiB and 404 for unknown databases', async () => {
    const db = await createDatabase();
    const big = `v\n${'x'.repeat(2 * 1024 * 1024)}\n`;
    const tooLarge = await load(db.id, 't', { mode: 'append', data: big });
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.json.error.code).toBe('INLINE_DATA_TOO_LARGE');
    expect((await load('dbidnope', 't', { mode: 'append', data: 'a\n1\n' })).status).toBe(404);
    const badName = await call(
      'POST',
      `/v1/databases/${db.id}/schemas/public/tables/${encodeURIComponent('x; drop table y')}/loads`,
      {
        body: { mode: 'append', data: 'a\n1\n' },
      },
    );
    expect(badName.status).toBe(400);
    expect(badName.json.error.message).toMatch(/Invalid identifier/);
  });

  it('honours idempotency keys for inline data', async () => {
    const db = await createDatabase();
    const body = { mode: 'append', data: 'a\n1\n', idempotency_key: 'k1' };
    expect((await load(db.id, 'i', body)).json.row_count).toBe(1);
    expect((await load(db.id, 'i', body)).json.row_count).toBe(1);
    expect((await load(db.id, 'i', { ...body, data: 'a\n2\n' })).status).toBe(409);
    expect(await rows(db.id, 'select count(*) from public.i')).toEqual([[1]]);
  });

  it('runs async loads as jobs', async () => {
    const db = await createDatabase();
    const submitted = await load(db.id, 'a', { mode: 'append', data: 'x\n1\n2\n', async: true });
    expect(submitted.status).toBe(202);
    let job = (await call('GET', `/v1/jobs/${submitted.json.id}`)).json;
    for (let attempt = 0; attempt < 100 && job.status !== 'succeeded'; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      job = (await call('GET', `/v1/jobs/${submitted.json.id}`)).json;
    }
    expect(job).toMatchObject({ status: 'succeeded', job_type: 'managed_load', result: { row_count: 2 } });
    expect(
      (await call('GET', '/v1/jobs?job_type=managed_load&status=succeeded')).json.jobs.some(
        (item: { id: string }) => item.id === job.id,
      ),
    ).toBe(true);
  });

  it('tombstones deleted tables', async () => {
    const db = await createDatabase();
    await load(db.id, 'gone', { mode: 'append', data: 'a\n1\n' });
    expect(
      (await call('DELETE', `/v1/connections/${db.default_connection_id}/schemas/public/tables/gone`)).status,
    ).toBe(204);
    expect((await load(db.id, 'gone', { mode: 'append', data: 'a\n1\n' })).status).toBe(404);
    expect(
      (await call('POST', `/v1/databases/${db.id}/schemas/public/tables`, { body: { name: 'gone' } })).status,
    ).toBe(409);
  });
});

describe('load-mode semantics', () => {
  const tableExists = async (databaseId: string, table: string) =>
    (
      await call('POST', '/v1/query', {
        body: { sql: `select 1 from public.${table}` },
        database: databaseId,
      })
    ).status === 200;

  it('refuses a duplicate key in an upsert or update batch, even for a new table, applying nothing', async () => {
    const db = await createDatabase();
    const fresh = await load(db.id, 'n', { mode: 'upsert', key: ['id'], data: 'id,v\n1,a\n1,b\n' });
    expect(fresh.status).toBe(400);
    expect(fresh.json.error).toMatchObject({ code: 'BAD_REQUEST' });
    expect(fresh.json.error.message).toMatch(/duplicate key in batch/i);
    expect(await tableExists(db.id, 'n')).toBe(false);

    await load(db.id, 'n', { mode: 'append', data: 'id,v\n1,a\n2,b\n' });
    const update = await load(db.id, 'n', { mode: 'update', key: ['id'], data: 'id,v\n2,x\n2,y\n1,z\n' });
    expect(update.status).toBe(400);
    expect(update.json.error.message).toMatch(/duplicate key in batch/i);
    expect(await rows(db.id, 'select id, v from public.n order by id')).toEqual([
      [1, 'a'],
      [2, 'b'],
    ]);
  });

  it('update and delete never create a table; upsert and append do', async () => {
    const db = await createDatabase();
    for (const mode of ['update', 'delete']) {
      const missing = await load(db.id, `m_${mode}`, { mode, key: ['id'], data: 'id,v\n1,a\n' });
      expect(missing.status, mode).toBe(200);
      expect(missing.json.row_count, mode).toBe(0);
      expect(await tableExists(db.id, `m_${mode}`), mode).toBe(false);
    }
    expect(
      (await load(db.id, 'm_upsert', { mode: 'upsert', key: ['id'], data: 'id\n1\n' })).json.row_count,
    ).toBe(1);
    expect(await tableExists(db.id, 'm_upsert')).toBe(true);
  });

  it('upsert sets only the batch columns on matched rows, fills NULL on new rows and adds new columns', async () => {
    const db = await createDatabase();
    await load(db.id, 'p', { mode: 'append', data: 'id,name,score\n1,ann,10\n2,bob,20\n3,cy,30\n' });
    const upserted = await load(db.id, 'p', {
      mode: 'upsert',
      key: ['id'],
      data: 'id,score,tier\n2,25,gold\n4,40,\n',
    });
    expect(upserted.json.row_count).toBe(4);
    expect(
      JSON.parse(upserted.json.arrow_schema_json).fields.map((field: { name: string }) => field.name),
    ).toEqual(['id', 'name', 'score', 'tier']);
    expect(await rows(db.id, 'select id, name, score, tier from public.p order by id')).toEqual([
      [1, 'ann', 10, null],
      [2, 'bob', 25, 'gold'],
      [3, 'cy', 30, null],
      [4, null, 40, null],
    ]);
    const updated = await load(db.id, 'p', { mode: 'update', key: ['id'], data: 'id,name\n3,CY\n5,eve\n' });
    expect(updated.json.row_count).toBe(4);
    expect(await rows(db.id, 'select id, name, score from public.p where id >= 3 order by id')).toEqual([
      [3, 'CY', 30],
      [4, null, 40],
    ]);
  });

  it('matches composite keys with SQL equality: a NULL key part never matches', async () => {
    const db = await createDatabase();
    await load(db.id, 'c', { mode: 'append', data: 'a,b,v\n1,1,x\n1,2,y\n1,,z\n' });
    await load(db.id, 'c', { mode: 'upsert', key: ['a', 'b'], data: 'a,b,v\n1,2,Y\n1,,Z\n' });
    expect(await rows(db.id, 'select a, b, v from public.c order by v')).toEqual([
      [1, 2, 'Y'],
      [1, null, 'Z'],
      [1, 1, 'x'],
      [1, null, 'z'],
    ]);
    const deleted = await load(db.id, 'c', { mode: 'delete', key: ['a', 'b'], data: 'a,b\n1,1\n1,\n' });
    expect(deleted.json.row_count).toBe(3);
    expect(await rows(db.id, 'select v from public.c order by v')).toEqual([['Y'], ['Z'], ['z']]);
  });

  it('replace with zero rows empties the table and takes the batch columns', async () => {
    const db = await createDatabase();
    await load(db.id, 'r', { mode: 'append', data: 'id,old\n1,a\n2,b\n' });
    const replaced = await load(db.id, 'r', {
      mode: 'replace',
      data: 'id,fresh\n',
      columns: { id: 'BIGINT', fresh: 'VARCHAR' },
    });
    expect(replaced.status).toBe(200);
    expect(replaced.json.row_count).toBe(0);
    expect(JSON.parse(replaced.json.arrow_schema_json).fields).toEqual([
      { name: 'id', data_type: 'Int64', nullable: true },
      { name: 'fresh', data_type: 'Utf8', nullable: true },
    ]);
    expect(await rows(db.id, 'select count(*) from public.r')).toEqual([[0]]);
  });
});

describe('query and results', () => {
  it('resolves "default".schema.table, default.schema.table, schema.table and bare names', async () => {
    const db = await createDatabase({ name: 'names', default_schema: 'sales', default_catalog: 'shop' });
    await load(db.id, 'orders', { mode: 'append', data: 'id\n1\n2\n' }, 'sales');
    for (const sql of [
      'select count(*) from "default"."sales"."orders"',
      'select count(*) from default.sales.orders',
      'select count(*) from shop.sales.orders',
      'select count(*) from sales.orders',
      'select count(*) from orders',
      "select count(*) from orders where 'default.sales' <> 'x'",
    ]) {
      expect(await rows(db.id, sql), sql).toEqual([[2]]);
    }
    const missing = await call('POST', '/v1/query', { body: { sql: 'select * from nope' }, database: db.id });
    expect(missing.status).toBe(400);
  });

  it('is read-only and needs exactly one database scope', async () => {
    const db = await createDatabase();
    await load(db.id, 't', { mode: 'append', data: 'a\n1\n' });
    for (const sql of [
      'drop table public.t',
      'create table x (a int)',
      'insert into t values (1)',
      "copy t to 'out.csv'",
      "attach 'other.duckdb' as other",
      'explain select 1',
    ]) {
      const refused = await call('POST', '/v1/query', { body: { sql }, database: db.id });
      expect(refused.status, sql).toBe(400);
      expect(refused.json.error.message, sql).toMatch(/read-only/);
    }
    const twice = await call('POST', '/v1/query', { body: { sql: 'select 1; select 2' }, database: db.id });
    expect(twice.json.error.message).toMatch(/exactly one SQL statement/);
    expect(await rows(db.id, 'select count(*) from public.t')).toEqual([[1]]);
    const none = await call('POST', '/v1/query', { body: { sql: 'select 1' } });
    expect(none.json.error.message).toMatch(/a database is required/);
    expect((await call('POST', '/v1/query', { body: { sql: 'select 1', database_id: db.id } })).status).toBe(
      200,
    );
    const both = await call('POST', '/v1/query', {
      body: { sql: 'select 1', database_id: 'other' },
      database: db.id,
    });
    expect(both.status).toBe(400);
    expect(
      (await call('POST', '/v1/query', { body: { sql: 'select 1' }, database: 'dbidnope' })).status,
    ).toBe(404);
  });

  it("reads only the database's own tables: no other catalog, system schema, file or query()", async () => {
    const mine = await createDatabase();
    const other = await createDatabase();
    await load(other.id, 'secret', { mode: 'append', data: 'v\nhidden\n' });
    await load(mine.id, 't', { mode: 'append', data: 'a\n1\n' });
    const refusals: Array<[string, RegExp]> = [
      [`select * from db_${other.id}.public.secret`, /not this database/],
      [`select * from "db_${other.id}".public.secret`, /not this database/],
      [`select * from public.t, (select * from db_${other.id}.public.secret)`, /not this database/],
      [`select * from results.main.x`, /not this database/],
      [`select * from db_${other.id}.secret`, /does not exist in this database/],
      ['select * from information_schema.tables', /GET \/v1\/information_schema/],
      [`select * from read_csv('${local.dataDir}/metadata.json')`, /Table function 'read_csv'/],
      [`select * from '${local.dataDir}/metadata.json'`, /cannot read files/],
      ["select * from query('select 1')", /Table function 'query'/],
      ['select * from duckdb_tables()', /Table function 'duckdb_tables'/],
      ['show all tables', /information_schema/],
    ];
    for (const [sql, message] of refusals) {
      const refused = await call('POST', '/v1/query', { body: { sql }, database: mine.id });
      expect(refused.status, sql).toBe(400);
      expect(refused.json.error.message, sql).toMatch(message);
      expect(refused.text, sql).not.toMatch(/hidden/);
    }
    expect(await rows(mine.id, 'select count(*) from public.t, range(3), generate_series(1, 2)')).toEqual([
      [6],
    ]);
    expect(await rows(mine.id, 'with x as (select a from "default".public.t) select a from x')).toEqual([
      [1],
    ]);
  });

  it('caps the preview, persists the result, and serves it as JSON slices, Arrow, Parquet, CSV and Markdown', async () => {
    const db = await createDatabase();
    const preview = await call('POST', '/v1/query', {
      body: { sql: 'select range as n from range(12)' },
      database: db.id,
    });
    expect(preview.json).toMatchObject({ truncated: true, preview_row_count: 5, total_row_count: 12 });
    const id = preview.json.result_id;
    const slice = await call('GET', `/v1/results/${id}?offset=10&limit=5`, { database: db.id });
    expect(slice.json).toMatchObject({ status: 'ready', rows: [[10], [11]], row_count: 2 });
    const first = await call('GET', `/v1/results/${id}?limit=5`, { database: db.id });
    expect(first.headers.get('x-total-row-count')).toBe('12');
    expect(first.headers.get('link')).toMatch(/offset=5&limit=5.*rel="next"/);
    const arrow = await fetch(`${local.url}/v1/results/${id}?format=arrow`, {
      headers: {
        authorization: `Bearer ${local.token}`,
        'x-workspace-id': local.workspaceId,
        'x-database-id': db.id,
      },
    });
    expect(arrow.headers.get('content-type')).toBe('application/vnd.apache.arrow.stream');
    const table = tableFromIPC(new Uint8Array(await arrow.arrayBuffer()));
    expect(table.numRows).toBe(12);
    const parquet = await fetch(`${local.url}/v1/results/${id}`, {
      headers: {
        authorization: `Bearer ${local.token}`,
        'x-workspace-id': local.workspaceId,
        'x-database-id': db.id,
        accept: 'application/vnd.apache.parquet',
      },
    });
    expect(
      Buffer.from(await parquet.arrayBuffer())
        .subarray(0, 4)
        .toString(),
    ).toBe('PAR1');
    expect((await call('GET', `/v1/results/${id}?format=csv&limit=2`, { database: db.id })).text).toBe(
      'n\n0\n1\n',
    );
    expect((await call('GET', `/v1/results/${id}?format=md&limit=1`, { database: db.id })).text).toBe(
      '| n |\n| --- |\n| 0 |\n',
    );
    expect((await call('GET', `/v1/results/${id}`)).status).toBe(400);
    expect((await call('GET', `/v1/results/${id}?format=xml`, { database: db.id })).status).toBe(400);
    expect((await call('GET', '/v1/results', { database: db.id })).json.results[0].id).toBe(id);
  });

  it('converts every column type to Arrow and JSON faithfully', async () => {
    const db = await createDatabase();
    const sql = `select 1::tinyint i8, 300::smallint i16, 70000::integer i32, 9007199254740993::bigint i64, 1.5::float f32, 2.25::double f64,
      true b, 'héllo' s, '2024-02-29'::date d, '12:34:56.789'::time t, '2024-01-02 03:04:05.123456'::timestamp ts,
      '2024-01-02 03:04:05.123456+00'::timestamptz tstz, -123.45::decimal(10,2) amount, '\\xCA\\xFE'::blob bin, null::varchar n`;
    const json = await call('POST', '/v1/query', { body: { sql }, database: db.id });
    expect(json.json.rows[0]).toEqual([
      1,
      300,
      70000,
      '9007199254740993',
      1.5,
      2.25,
      true,
      'héllo',
      '2024-02-29',
      '12:34:56.789',
      '2024-01-02T03:04:05.123456',
      '2024-01-02T03:04:05.123456Z',
      -123.45,
      'yv4=',
      null,
    ]);
    const arrow = await fetch(`${local.url}/v1/results/${json.json.result_id}?format=arrow`, {
      headers: {
        authorization: `Bearer ${local.token}`,
        'x-workspace-id': local.workspaceId,
        'x-database-id': db.id,
      },
    });
    const table = tableFromIPC(new Uint8Array(await arrow.arrayBuffer()));
    const types = Object.fromEntries(table.schema.fields.map((field) => [field.name, field.type.toString()]));
    expect(types).toMatchObject({
      i64: 'Int64',
      f64: 'Float64',
      s: 'Utf8',
      d: 'Date32<DAY>',
      tstz: 'Timestamp<MICROSECOND, UTC>',
      amount: 'Decimal[10e+2]',
      bin: 'Binary',
    });
    const row = table.get(0)!.toJSON();
    expect(row.i64).toBe(9007199254740993n);
    // Arrow keeps the microseconds as a fractional millisecond.
    expect(row.tstz).toBe(Date.UTC(2024, 0, 2, 3, 4, 5, 123) + 0.456);
    expect(String(table.getChild('amount')!.get(0))).toBe('-12345');
    expect(row.n).toBeNull();
  });

  it('answers async queries with 202 and query runs', async () => {
    const db = await createDatabase();
    const submitted = await call('POST', '/v1/query', {
      body: { sql: 'select 42 as x', async: true },
      database: db.id,
    });
    expect(submitted.status).toBe(202);
    let run = (await call('GET', `/v1/query-runs/${submitted.json.query_run_id}`, { database: db.id })).json;
    for (let attempt = 0; attempt < 100 && run.status !== 'succeeded'; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      run = (await call('GET', `/v1/query-runs/${submitted.json.query_run_id}`, { database: db.id })).json;
    }
    expect(run).toMatchObject({ status: 'succeeded', row_count: 1 });
    expect((await call('GET', `/v1/results/${run.result_id}`, { database: db.id })).json.rows).toEqual([
      [42],
    ]);
    expect((await call('GET', `/v1/query-runs/${run.id}`)).status).toBe(400);
  });

  it('reports Arrow type strings in information_schema', async () => {
    const db = await createDatabase();
    await load(db.id, 'typed', {
      mode: 'append',
      data: 'id,amount,label,at,day,ok,price\n1,1.5,x,2024-01-01T00:00:00Z,2024-01-01,true,1.25\n',
      columns: {
        id: 'BIGINT',
        amount: 'DOUBLE',
        label: 'VARCHAR',
        at: 'TIMESTAMPTZ',
        day: 'DATE',
        ok: 'BOOLEAN',
        price: 'DECIMAL(10,2)',
      },
    });
    await call('POST', `/v1/databases/${db.id}/schemas/public/tables`, {
      body: { name: 'declared_only', key: ['id'] },
    });
    const listing = await call(
      'GET',
      `/v1/information_schema?connection_id=${db.default_connection_id}&include_columns=true&table=%25`,
    );
    const typed = listing.json.tables.find((table: { table: string }) => table.table === 'typed');
    expect(typed).toMatchObject({ schema: 'public', synced: true, partition_by: [], sorted_by: [] });
    expect(
      Object.fromEntries(
        typed.columns.map((column: { name: string; data_type: string }) => [column.name, column.data_type]),
      ),
    ).toEqual({
      id: 'Int64',
      amount: 'Float64',
      label: 'Utf8',
      at: 'Timestamp(Microsecond, Some("UTC"))',
      day: 'Date32',
      ok: 'Boolean',
      price: 'Decimal128(10, 2)',
    });
    expect(
      listing.json.tables.find((table: { table: string }) => table.table === 'declared_only'),
    ).toMatchObject({ synced: false });
    expect((await call('GET', '/v1/information_schema')).json.tables).toEqual([]);
    expect(
      (
        await call(
          'GET',
          `/v1/information_schema?connection_id=${db.default_connection_id}&include_columns=True`,
        )
      ).status,
    ).toBe(400);
  });
});

describe('restart', () => {
  it('keeps databases, rows and uploads in a data dir across restarts', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'hotdata-local-restart-'));
    try {
      const first = await startHotdataLocal({ dataDir, token: 'hd_restart' });
      const firstCall = api(first);
      const db = (await firstCall('POST', '/v1/databases', { body: { name: 'durable' } })).json;
      await firstCall('POST', `/v1/databases/${db.id}/schemas/public/tables/kept/loads`, {
        body: { mode: 'append', data: 'a\n1\n2\n3\n' },
      });
      const pending = (await firstCall('POST', '/v1/files', { body: 'a\n10\n' })).json.id;
      const consumed = (await firstCall('POST', '/v1/files', { body: 'a\n20\n' })).json.id;
      expect(
        (
          await firstCall('POST', `/v1/databases/${db.id}/schemas/public/tables/other/loads`, {
            body: { mode: 'append', upload_id: consumed },
          })
        ).status,
      ).toBe(200);
      await first.close();

      const second = await startHotdataLocal({ dataDir, token: 'hd_restart' });
      try {
        const secondCall = api(second);
        expect((await secondCall('GET', `/v1/databases/${db.id}`)).json.name).toBe('durable');
        const count = await secondCall('POST', '/v1/query', {
          body: { sql: 'select sum(a) from public.kept' },
          database: db.id,
        });
        expect(count.json.rows).toEqual([[6]]);
        await secondCall('POST', `/v1/databases/${db.id}/schemas/public/tables/kept/loads`, {
          body: { mode: 'append', data: 'a\n4\n' },
        });
        expect(
          (
            await secondCall('POST', '/v1/query', {
              body: { sql: 'select count(*) from public.kept' },
              database: db.id,
            })
          ).json.rows,
        ).toEqual([[4]]);
        const reuse = await secondCall('POST', `/v1/databases/${db.id}/schemas/public/tables/other/loads`, {
          body: { mode: 'append', upload_id: consumed },
        });
        expect(reuse.status).toBe(409);
        const later = await secondCall('POST', `/v1/databases/${db.id}/schemas/public/tables/other/loads`, {
          body: { mode: 'append', upload_id: pending },
        });
        expect(later.json.row_count).toBe(2);
      } finally {
        await second.close();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('legacy declared tables', () => {
  it('loads only tables declared at creation and has no add endpoints', async () => {
    const legacy = await startHotdataLocal({ legacyDeclaredTables: true });
    try {
      const legacyCall = api(legacy);
      const db = (
        await legacyCall('POST', '/v1/databases', {
          body: { name: 'old', schemas: [{ name: 'public', tables: [{ name: 'known' }] }] },
        })
      ).json;
      expect(
        (
          await legacyCall('POST', `/v1/databases/${db.id}/schemas/public/tables/known/loads`, {
            body: { mode: 'append', data: 'a\n1\n' },
          })
        ).status,
      ).toBe(200);
      const refused = await legacyCall('POST', `/v1/databases/${db.id}/schemas/public/tables/unknown/loads`, {
        body: { mode: 'append', data: 'a\n1\n' },
      });
      expect(refused.status).toBe(400);
      expect(refused.json.error.message).toContain('not declared');
      const otherSchema = await legacyCall(
        'POST',
        `/v1/connections/${db.default_connection_id}/schemas/raw/tables/known/loads`,
        { body: { mode: 'append', data: 'a\n1\n' } },
      );
      expect(otherSchema.json.error.message).toContain("Schema 'raw' is not declared");
      expect(
        (
          await legacyCall('POST', `/v1/databases/${db.id}/schemas/public/tables`, {
            body: { name: 'later' },
          })
        ).status,
      ).toBe(404);
    } finally {
      await legacy.close();
    }
  });
});

describe('servers before the key-based load modes', () => {
  it('refuses upsert, update and delete as an unknown mode and still replaces and appends', async () => {
    const old = await startHotdataLocal({ keyLoadModes: false });
    try {
      const oldCall = api(old);
      const db = (
        await oldCall('POST', '/v1/databases', {
          body: { name: 'old', schemas: [{ name: 'public', tables: [{ name: 't' }] }] },
        })
      ).json;
      const path = `/v1/databases/${db.id}/schemas/public/tables/t/loads`;
      expect((await oldCall('POST', path, { body: { mode: 'replace', data: 'id,v\n1,a\n' } })).status).toBe(
        200,
      );
      expect((await oldCall('POST', path, { body: { mode: 'append', data: 'id,v\n2,b\n' } })).status).toBe(
        200,
      );
      for (const mode of ['upsert', 'update', 'delete']) {
        const refused = await oldCall('POST', path, { body: { mode, key: ['id'], data: 'id,v\n1,c\n' } });
        expect(refused.status).toBe(400);
        expect(refused.json.error.message).toContain(`Unknown mode '${mode}'`);
      }
      const rows = await oldCall('POST', '/v1/query', {
        headers: { 'x-database-id': db.id },
        body: { sql: 'select id, v from t order by id' },
      });
      expect(rows.json.rows).toEqual([
        [1, 'a'],
        [2, 'b'],
      ]);
    } finally {
      await old.close();
    }
  });
});

describe('faults', () => {
  it('injects the same faults for the same seed', () => {
    const sequence = (seed: number) => {
      const injector = new FaultInjector({ seed, rate: 0.3, statuses: [429, 503, 500] });
      return Array.from({ length: 50 }, () => {
        const decision = injector.decide('GET', '/v1/databases');
        return decision.kind === 'status' ? decision.status : 0;
      });
    };
    expect(sequence(7)).toEqual(sequence(7));
    expect(sequence(7)).not.toEqual(sequence(8));
    const statuses = sequence(7).filter(Boolean);
    expect(statuses.length).toBeGreaterThan(5);
    expect(statuses.length).toBeLessThan(30);
  });

  it('answers 409 RESOURCE_LOCKED while another load holds the database lock', async () => {
    const slow = await startHotdataLocal({ faults: { slowLoadMs: 400 } });
    try {
      const slowCall = api(slow);
      const db = (await slowCall('POST', '/v1/databases', { body: { name: 'lock' } })).json;
      const path = `/v1/databases/${db.id}/schemas/public`;
      const first = slowCall('POST', `${path}/tables/a/loads`, { body: { mode: 'append', data: 'x\n1\n' } });
      await new Promise((resolve) => setTimeout(resolve, 100));
      const second = await slowCall('POST', `${path}/tables/b/loads`, {
        body: { mode: 'append', data: 'x\n1\n' },
      });
      expect(second.status).toBe(409);
      expect(second.json.error.code).toBe('RESOURCE_LOCKED');
      expect((await first).status).toBe(200);
    } finally {
      await slow.close();
    }
  });

  it('logs requests without headers and marks injected faults', async () => {
    const faulty = await startHotdataLocal({ faults: { rate: 1, statuses: [503] } });
    try {
      const response = await api(faulty)('GET', '/v1/databases');
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('1');
      expect(faulty.requestLog.at(-1)).toMatchObject({
        method: 'GET',
        path: '/v1/databases',
        status: 503,
        fault: 'status 503',
      });
      expect(JSON.stringify(faulty.requestLog)).not.toContain(faulty.token);
    } finally {
      await faulty.close();
    }
  });
});
