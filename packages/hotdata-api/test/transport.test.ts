import { afterEach, describe, expect, it } from 'vitest';
import { HotdataApiError } from '../src/index.ts';
import { databaseDetail, failure, stubClient, TOKEN } from './helpers.ts';
import type { StubServer } from './stub-server.ts';

let server: StubServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('requests', () => {
  it('sends the bearer token, workspace and database headers, and strips /v1 from the URL', async () => {
    const started = await stubClient(() => ({
      status: 200,
      body: { columns: ['n'], nullable: [false], rows: [[1]], truncated: false },
    }));
    server = started.server;
    await started.client.query('select 1 as n', { databaseId: 'db1' });
    const request = server.requests[0]!;
    expect(request.url).toBe('/v1/query');
    expect(request.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(request.headers['x-workspace-id']).toBe('ws_1');
    expect(request.headers['x-database-id']).toBe('db1');
    expect(request.headers['content-type']).toBe('application/json');
    expect(JSON.parse(request.body)).toEqual({ sql: 'select 1 as n' });
  });

  it('sends the database in the body instead of the header when asked', async () => {
    const started = await stubClient(() => ({
      status: 200,
      body: { columns: ['n'], rows: [[1]], truncated: false },
    }));
    server = started.server;
    await started.client.query('select 1 as n', { databaseId: 'db1', scope: 'body', dialect: 'duckdb' });
    const request = server.requests[0]!;
    expect(request.headers['x-database-id']).toBeUndefined();
    expect(JSON.parse(request.body)).toEqual({ sql: 'select 1 as n', database_id: 'db1', dialect: 'duckdb' });
  });

  it('lists workspaces with the bearer token only (no workspace header)', async () => {
    const started = await stubClient(() => ({
      status: 200,
      body: { ok: true, workspaces: [{ public_id: 'ws_1', name: 'Main', active: true }] },
    }));
    server = started.server;
    expect(await started.client.workspaces.list()).toEqual([
      { public_id: 'ws_1', name: 'Main', active: true },
    ]);
    expect(server.requests[0]!.headers['x-workspace-id']).toBeUndefined();
  });

  it('escapes ids and names in paths', async () => {
    const started = await stubClient(() => databaseDetail);
    server = started.server;
    await started.client.databases.get('a/b?c');
    expect(server.requests[0]!.url).toBe('/v1/databases/a%2Fb%3Fc');
  });

  it('logs one debug line per request with method, path, status and attempt', async () => {
    const started = await stubClient(() => databaseDetail);
    server = started.server;
    await started.client.databases.get('db1');
    expect(started.logger.lines).toHaveLength(1);
    expect(started.logger.lines[0]).toMatch(
      /^debug hotdata request \{"method":"GET","path":"\/v1\/databases\/db1","status":200,"attempt":1,"ms":\d+\}$/,
    );
  });
});

describe('error bodies', () => {
  it('parses {"error": {"code", "message"}} and hints the fix', async () => {
    const started = await stubClient(() => ({
      status: 401,
      body: { error: { code: 'UNAUTHORIZED', message: 'bad token' } },
    }));
    server = started.server;
    const error = await failure(started.client.databases.get('db1'));
    expect(error).toBeInstanceOf(HotdataApiError);
    expect(error).toMatchObject({
      kind: 'auth',
      status: 401,
      apiCode: 'UNAUTHORIZED',
      isRetryable: false,
      code: 'HOTDATA_UNAUTHORIZED',
      method: 'GET',
      path: '/v1/databases/db1',
    });
    expect(error.message).toMatch(
      /^GET \/v1\/databases\/db1 failed with 401 UNAUTHORIZED: bad token\. Check the API key/,
    );
  });

  it('parses {"error": "code"} of workspace endpoints', async () => {
    const started = await stubClient(() => ({ status: 403, body: { error: 'access_denied' } }));
    server = started.server;
    expect(await failure(started.client.workspaces.list())).toMatchObject({
      kind: 'forbidden',
      status: 403,
      apiCode: 'ACCESS_DENIED',
    });
  });

  it('parses {"detail": [...]} and {"detail": "..."}', async () => {
    const started = await stubClient((_, index) =>
      index === 0
        ? { status: 422, body: { detail: [{ loc: ['body', 'sql'], msg: 'field required' }] } }
        : { status: 400, body: { detail: 'malformed request' } },
    );
    server = started.server;
    const list = await failure(started.client.query('select 1', { databaseId: 'd' }));
    expect(list).toMatchObject({ kind: 'bad_request', status: 422, apiCode: undefined });
    expect(list.message).toMatch(/body\.sql: field required/);
    expect((await failure(started.client.query('select 1', { databaseId: 'd' }))).message).toMatch(
      /400: malformed request\./,
    );
  });

  it('keeps a short plain-text body and falls back to the status', async () => {
    const started = await stubClient((_, index) =>
      index === 0 ? { status: 404, body: 'no such route' } : { status: 404 },
    );
    server = started.server;
    expect((await failure(started.client.databases.get('x'))).message).toMatch(/404: no such route\./);
    expect((await failure(started.client.databases.get('x'))).message).toMatch(/404: HTTP 404\./);
  });

  it('reports a 2xx body that does not match the wire schema as invalid_response', async () => {
    const started = await stubClient(() => ({ status: 200, body: { id: 'db1' } }));
    server = started.server;
    const error = await failure(started.client.databases.get('db1'));
    expect(error).toMatchObject({ kind: 'invalid_response', status: 200 });
    expect(error.message).toMatch(/unexpected body at 'default_catalog'/);
  });

  it('reports a 2xx body that is not JSON as invalid_response', async () => {
    const started = await stubClient(() => ({ status: 200, body: '<html>' }));
    server = started.server;
    expect(await failure(started.client.databases.get('db1'))).toMatchObject({ kind: 'invalid_response' });
  });
});
