import type { LogFields, Logger } from '@hotdata-dlt/core';
import { ConfigurationError } from '@hotdata-dlt/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createHotdataClient, HotdataAmbiguousResultError, HotdataApiError } from '../src/index.ts';
import { backoffMs, parseRetryAfter } from '../src/internal/transport.ts';
import { type StubAnswer, type StubRequest, startStubServer } from './stub-server.ts';

const TOKEN = 'hd_test_secret_token_123456';
const lines: string[] = [];
const logger: Logger = {
  debug: (message: string, fields?: LogFields) => lines.push(`${message} ${JSON.stringify(fields)}`),
  info: (message: string, fields?: LogFields) => lines.push(`${message} ${JSON.stringify(fields)}`),
  warn: (message: string, fields?: LogFields) => lines.push(`${message} ${JSON.stringify(fields)}`),
  error: (message: string, fields?: LogFields) => lines.push(`${message} ${JSON.stringify(fields)}`),
};

let server: Awaited<ReturnType<typeof startStubServer>> | undefined;
const errors: unknown[] = [];
async function stub(answer: (request: StubRequest, index: number) => StubAnswer) {
  server = await startStubServer(answer);
  return createHotdataClient({
    apiUrl: `${server.url}/v1/`,
    apiKey: TOKEN,
    workspaceId: 'ws_1',
    retryBackoffSeconds: 0.001,
    maxRetries: 3,
    logger,
  });
}
async function capture<T>(promise: Promise<T>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    errors.push(error);
    return error;
  }
  throw new Error('expected a failure');
}

const loadOk = {
  status: 200,
  body: { connection_id: 'c', schema_name: 's', table_name: 't', row_count: 3, arrow_schema_json: '{}' },
};
const target = { databaseId: 'db1', schema: 'public', table: 'orders' };

afterEach(async () => {
  vi.useRealTimers();
  await server?.close();
  server = undefined;
});

describe('requests', () => {
  it('sends the bearer token, workspace and database headers, and strips /v1 from the URL', async () => {
    const client = await stub(() => ({
      status: 200,
      body: { columns: ['n'], nullable: [false], rows: [[1]], truncated: false },
    }));
    await client.query('select 1 as n', { databaseId: 'db1' });
    const request = server!.requests[0]!;
    expect(request.url).toBe('/v1/query');
    expect(request.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(request.headers['x-workspace-id']).toBe('ws_1');
    expect(request.headers['x-database-id']).toBe('db1');
  });

  it('lists databases across pages and stops when the cursor does not advance', async () => {
    const client = await stub((request) => {
      const cursor = new URL(request.url, 'http://x').searchParams.get('cursor');
      const db = (id: string) => ({ id, name: id, default_catalog: 'default', default_schema: 'main' });
      if (!cursor)
        return { status: 200, body: { databases: [db('a'), db('b')], has_more: true, next_cursor: 'c1' } };
      return { status: 200, body: { databases: [db('c')], has_more: true, next_cursor: 'c1' } };
    });
    const ids: string[] = [];
    for await (const database of client.databases.list({ limit: 2 })) ids.push(database.id);
    expect(ids).toEqual(['a', 'b', 'c']);
  });
});

describe('retries', () => {
  it('retries 429, 503, 408 and lock conflicts, then succeeds', async () => {
    const script: StubAnswer[] = [
      { status: 429, body: { error: { code: 'OVERLOADED', message: 'busy' } } },
      { status: 503, body: { error: { code: 'SERVICE_UNAVAILABLE', message: 'x' } } },
      { status: 409, body: { error: { code: 'RESOURCE_LOCKED', message: 'locked' } } },
      loadOk,
    ];
    const client = await stub((_, index) => script[index]!);
    const result = await client.loads.load(target, { mode: 'append', data: 'a\n1\n' });
    expect(result.row_count).toBe(3);
    expect(server!.requests).toHaveLength(4);
  });

  it('honours Retry-After on 429 (fake timers)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const client = await stub((_, index) =>
      index === 0
        ? {
            status: 429,
            headers: { 'retry-after': '7' },
            body: { error: { code: 'OVERLOADED', message: 'slow down' } },
          }
        : { status: 200, body: { workspaces: [] } },
    );
    const pending = client.workspaces.list();
    await vi.waitFor(() => expect(server!.requests).toHaveLength(1), { timeout: 5000, interval: 5 });
    await vi.advanceTimersByTimeAsync(6_900);
    expect(server!.requests).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(400);
    await vi.waitFor(() => expect(server!.requests).toHaveLength(2), { timeout: 5000, interval: 5 });
    await expect(pending).resolves.toEqual([]);
  });

  it('gives up after maxRetries with a retryable error', async () => {
    const client = await stub(() => ({
      status: 503,
      body: { error: { code: 'SERVICE_UNAVAILABLE', message: 'down' } },
    }));
    const error = await capture(client.databases.get('db1'));
    expect(error).toBeInstanceOf(HotdataApiError);
    expect(error).toMatchObject({ status: 503, isRetryable: true, method: 'GET', path: '/v1/databases/db1' });
    expect(server!.requests).toHaveLength(4);
  });

  it('never replays an append of inline data after a lost response', async () => {
    const client = await stub(() => 'drop-after-read');
    const error = await capture(client.loads.load(target, { mode: 'append', data: 'a\n1\n' }));
    expect(HotdataAmbiguousResultError.isInstance(error)).toBe(true);
    expect(server!.requests).toHaveLength(1);
  });

  it('replays an append of an upload, and reports a conflict on the replay as ambiguous', async () => {
    const client = await stub((_, index) =>
      index === 0
        ? 'drop-after-read'
        : { status: 409, body: { error: { code: 'CONFLICT', message: 'upload already consumed' } } },
    );
    const error = await capture(client.loads.load(target, { mode: 'append', upload_id: 'up1' }));
    expect(HotdataAmbiguousResultError.isInstance(error)).toBe(true);
    expect(server!.requests).toHaveLength(2);
  });

  it('replays idempotent loads after a 502 but not appends', async () => {
    const client = await stub((request, index) =>
      index === 0 ? { status: 502, body: 'bad gateway' } : loadOk,
    );
    await expect(
      client.loads.load(target, { mode: 'upsert', upload_id: 'u', key: ['id'] }),
    ).resolves.toMatchObject({ row_count: 3 });
    await server!.close();
    const append = await stub(() => ({ status: 502, body: 'bad gateway' }));
    expect(
      HotdataAmbiguousResultError.isInstance(
        await capture(append.loads.load(target, { mode: 'append', data: 'a\n1\n' })),
      ),
    ).toBe(true);
    expect(server!.requests).toHaveLength(1);
  });

  it('computes backoff with jitter, capped at 30 s, and parses Retry-After', () => {
    expect(backoffMs(0, 1, () => 0)).toBe(500);
    expect(backoffMs(0, 1, () => 1)).toBe(1000);
    expect(backoffMs(10, 1, () => 1)).toBe(30_000);
    expect(parseRetryAfter('12')).toBe(12);
    expect(parseRetryAfter(new Date(Date.now() + 5000).toUTCString())).toBeGreaterThan(3);
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });
});

describe('errors', () => {
  it('types terminal errors with status, API code, method and path, and hints the fix', async () => {
    const client = await stub(() => ({
      status: 401,
      body: { error: { code: 'UNAUTHORIZED', message: 'bad token' } },
    }));
    const error = (await capture(client.databases.get('db1'))) as HotdataApiError;
    expect(error).toMatchObject({
      kind: 'auth',
      status: 401,
      apiCode: 'UNAUTHORIZED',
      isRetryable: false,
      code: 'HOTDATA_UNAUTHORIZED',
    });
    expect(error.message).toMatch(
      /GET \/v1\/databases\/db1 failed with 401 UNAUTHORIZED: bad token\. Check the API key/,
    );
    expect(server!.requests).toHaveLength(1);
  });

  it('parses the workspace and detail error bodies too', async () => {
    const client = await stub((_, index) =>
      index === 0
        ? { status: 403, body: { error: 'access_denied' } }
        : { status: 400, body: { detail: [{ loc: ['body', 'sql'], msg: 'field required' }] } },
    );
    expect(await capture(client.workspaces.list())).toMatchObject({
      kind: 'forbidden',
      apiCode: 'ACCESS_DENIED',
    });
    expect(((await capture(client.query('', { databaseId: 'd' }))) as Error).message).toMatch(
      /body\.sql: field required/,
    );
  });

  it('names the option and env var when credentials are missing', async () => {
    const previous = { key: process.env.HOTDATA_API_KEY, ws: process.env.HOTDATA_WORKSPACE };
    delete process.env.HOTDATA_API_KEY;
    delete process.env.HOTDATA_WORKSPACE;
    try {
      const noKey = createHotdataClient({ apiUrl: 'http://127.0.0.1:9' });
      await expect(noKey.databases.get('x')).rejects.toThrow(/apiKey option or set HOTDATA_API_KEY/);
      const noWorkspace = createHotdataClient({ apiUrl: 'http://127.0.0.1:9', apiKey: TOKEN });
      await expect(noWorkspace.databases.get('x')).rejects.toThrow(ConfigurationError);
      await expect(noWorkspace.databases.get('x')).rejects.toThrow(/HOTDATA_WORKSPACE/);
      expect(() => createHotdataClient({ maxRetries: -1 })).toThrow(/maxRetries.*HOTDATA_MAX_RETRIES/);
    } finally {
      if (previous.key !== undefined) process.env.HOTDATA_API_KEY = previous.key;
      if (previous.ws !== undefined) process.env.HOTDATA_WORKSPACE = previous.ws;
    }
  });

  it('reads options from the environment', async () => {
    server = await startStubServer(() => ({ status: 200, body: { workspaces: [] } }));
    vi.stubEnv('HOTDATA_API_URL', server.url);
    vi.stubEnv('HOTDATA_API_KEY', TOKEN);
    vi.stubEnv('HOTDATA_MAX_RETRIES', '2');
    try {
      const client = createHotdataClient();
      expect(client.apiUrl).toBe(server.url);
      await client.workspaces.list();
      expect(server.requests[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    } finally {
      vi.unstubAllEnvs();
    }
  });
});

describe('secrets', () => {
  beforeEach(() => {
    lines.length = 0;
  });

  it('never writes the token into a log line or an error message, even when the server echoes it', async () => {
    const client = await stub(() => ({
      status: 400,
      body: { error: { code: 'BAD_REQUEST', message: `token ${TOKEN} is not valid here` } },
    }));
    const error = (await capture(client.databases.create({ name: 'x' }))) as Error;
    expect(error.message).toContain('[REDACTED]');
    await capture(client.loads.load(target, { mode: 'replace', upload_id: 'u' }));
    const everything = [
      ...lines,
      ...errors.map((item) => `${(item as Error).message} ${JSON.stringify(item)} ${(item as Error).stack}`),
    ];
    expect(everything.length).toBeGreaterThan(0);
    for (const text of everything) expect(text).not.toContain(TOKEN);
  });
});
