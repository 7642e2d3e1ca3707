import { afterEach, describe, expect, it, vi } from 'vitest';
import { createHotdataClient, HotdataAmbiguousResultError, HotdataApiError } from '../src/index.ts';
import { backoffMs, parseRetryAfter } from '../src/internal/transport.ts';
import { databaseDetail, failure, loadOk, stubClient, TOKEN, target } from './helpers.ts';
import { closedPort, type StubAnswer, type StubServer } from './stub-server.ts';

let server: StubServer | undefined;
afterEach(async () => {
  vi.useRealTimers();
  await server?.close();
  server = undefined;
});

const apiError = (status: number, code: string, headers?: Record<string, string>): StubAnswer => ({
  status,
  body: { error: { code, message: `answered ${status}` } },
  ...(headers ? { headers } : {}),
});

/** The first request gets `first`, every later one succeeds. */
async function onceThenOk(first: StubAnswer, success: StubAnswer) {
  const started = await stubClient((_, index) => (index === 0 ? first : success));
  server = started.server;
  return started;
}

// status, API code, retried when the request is idempotent, retried for an append of inline data,
// kind of the error when it is not retried.
const matrix: Array<[number, string, boolean, boolean | 'ambiguous', string]> = [
  [408, 'REQUEST_TIMEOUT', true, true, 'timeout'],
  [409, 'RESOURCE_LOCKED', true, true, 'locked'],
  [425, 'TOO_EARLY', true, true, 'timeout'],
  [429, 'OVERLOADED', true, true, 'rate_limited'],
  [503, 'SERVICE_UNAVAILABLE', true, true, 'server'],
  [500, 'INTERNAL_SERVER_ERROR', true, 'ambiguous', 'server'],
  [502, 'BAD_GATEWAY', true, 'ambiguous', 'server'],
  [504, 'GATEWAY_TIMEOUT', true, 'ambiguous', 'server'],
  [400, 'BAD_REQUEST', false, false, 'bad_request'],
  [401, 'UNAUTHORIZED', false, false, 'auth'],
  [403, 'ACCESS_DENIED', false, false, 'forbidden'],
  [404, 'NOT_FOUND', false, false, 'not_found'],
  [409, 'CONFLICT', false, false, 'conflict'],
  [413, 'INLINE_DATA_TOO_LARGE', false, false, 'too_large'],
  [501, 'PRESIGN_UNSUPPORTED', false, false, 'unsupported'],
];

describe('retry matrix', () => {
  it.each(matrix)('%i %s on an idempotent GET', async (status, code, retried, _append, kind) => {
    const { client } = await onceThenOk(apiError(status, code), databaseDetail);
    if (retried) {
      await expect(client.databases.get('db1')).resolves.toMatchObject({ id: 'db1' });
      expect(server!.requests).toHaveLength(2);
    } else {
      const error = await failure(client.databases.get('db1'));
      expect(error).toBeInstanceOf(HotdataApiError);
      expect(error).toMatchObject({ kind, status, apiCode: code, method: 'GET', path: '/v1/databases/db1' });
      expect(server!.requests).toHaveLength(1);
    }
  });

  it.each(matrix)('%i %s on an append of inline data', async (status, code, _get, retried, kind) => {
    const { client } = await onceThenOk(apiError(status, code), loadOk);
    const load = client.loads.load(target, { mode: 'append', data: 'id\n1\n' });
    if (retried === true) {
      await expect(load).resolves.toMatchObject({ row_count: 3 });
      expect(server!.requests).toHaveLength(2);
      return;
    }
    const error = await failure(load);
    expect(server!.requests).toHaveLength(1);
    if (retried === 'ambiguous') {
      expect(HotdataAmbiguousResultError.isInstance(error)).toBe(true);
      expect(error).toMatchObject({ kind: 'ambiguous', status, isRetryable: false });
      expect(error.message).toMatch(/may or may not have applied it/);
    } else {
      expect(error).toMatchObject({ kind, status, apiCode: code });
    }
  });

  it('marks transient failures retryable and terminal ones not', async () => {
    const { client } = await onceThenOk(apiError(400, 'BAD_REQUEST'), databaseDetail);
    expect(await failure(client.databases.get('db1'))).toMatchObject({ isRetryable: false });
    await server!.close();
    const again = await stubClient(() => apiError(503, 'SERVICE_UNAVAILABLE'));
    server = again.server;
    const error = await failure(again.client.databases.get('db1'));
    expect(error).toMatchObject({ kind: 'server', isRetryable: true });
    expect(error.message).toMatch(/after 4 attempts/);
    expect(server.requests).toHaveLength(4);
  });

  it('respects maxRetries: 0', async () => {
    const started = await stubClient(() => apiError(429, 'OVERLOADED'), { maxRetries: 0 });
    server = started.server;
    expect(await failure(started.client.databases.get('db1'))).toMatchObject({ kind: 'rate_limited' });
    expect(server.requests).toHaveLength(1);
  });
});

describe('lost responses, resets and timeouts', () => {
  it('retries an idempotent request after a reset connection', async () => {
    const { client } = await onceThenOk('drop-after-read', databaseDetail);
    await expect(client.databases.get('db1')).resolves.toMatchObject({ id: 'db1' });
    expect(server!.requests).toHaveLength(2);
  });

  it('never replays an append of inline data whose response was lost', async () => {
    const { client } = await onceThenOk('drop-after-read', loadOk);
    const error = await failure(client.loads.load(target, { mode: 'append', data: 'id\n1\n' }));
    expect(HotdataAmbiguousResultError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({
      method: 'POST',
      path: '/v1/databases/db1/schemas/public/tables/orders/loads',
    });
    expect(server!.requests).toHaveLength(1);
  });

  it('never replays an append of a result whose response was lost', async () => {
    const { client } = await onceThenOk('drop-after-read', loadOk);
    const error = await failure(client.loads.load(target, { mode: 'append', result_id: 'r1' }));
    expect(HotdataAmbiguousResultError.isInstance(error)).toBe(true);
    expect(server!.requests).toHaveLength(1);
  });

  it('never replays a database create whose response was lost', async () => {
    const { client } = await onceThenOk('drop-after-read', databaseDetail);
    expect(
      HotdataAmbiguousResultError.isInstance(await failure(client.databases.create({ name: 'x' }))),
    ).toBe(true);
    expect(server!.requests).toHaveLength(1);
  });

  it('replays an append with an idempotency key, and upserts', async () => {
    const { client } = await onceThenOk('drop-after-read', loadOk);
    await client.loads.load(target, { mode: 'append', data: 'id\n1\n', idempotency_key: 'batch-1' });
    expect(server!.requests).toHaveLength(2);
    expect(JSON.parse(server!.requests[1]!.body)).toEqual(JSON.parse(server!.requests[0]!.body));
  });

  it('replays a load of an upload; a 409 on the replay means the lost attempt claimed it (ambiguous)', async () => {
    const { client } = await onceThenOk('drop-after-read', apiError(409, 'CONFLICT'));
    const error = await failure(client.loads.load(target, { mode: 'append', upload_id: 'upld1' }));
    expect(HotdataAmbiguousResultError.isInstance(error)).toBe(true);
    expect(error.message).toMatch(/first attempt may have been applied/);
    expect(server!.requests).toHaveLength(2);
  });

  it('a replayed load of an upload that succeeds is returned once', async () => {
    const { client } = await onceThenOk('drop-after-read', loadOk);
    await expect(client.loads.load(target, { mode: 'append', upload_id: 'upld1' })).resolves.toMatchObject({
      row_count: 3,
    });
    expect(server!.requests).toHaveLength(2);
  });

  it('treats a 404 on a repeated DELETE as done', async () => {
    const { client } = await onceThenOk('drop-after-read', apiError(404, 'NOT_FOUND'));
    await expect(client.databases.delete('db1')).resolves.toBeUndefined();
    expect(server!.requests.map((request) => request.method)).toEqual(['DELETE', 'DELETE']);
  });

  it('retries a timed-out idempotent request but reports a timed-out append as ambiguous', async () => {
    const started = await stubClient((_, index) => (index === 0 ? 'hang' : databaseDetail), {
      requestTimeoutMs: 150,
    });
    server = started.server;
    await expect(started.client.databases.get('db1')).resolves.toMatchObject({ id: 'db1' });
    await server.close();
    const append = await stubClient(() => 'hang', { requestTimeoutMs: 150 });
    server = append.server;
    const error = await failure(append.client.loads.load(target, { mode: 'append', data: 'id\n1\n' }));
    expect(HotdataAmbiguousResultError.isInstance(error)).toBe(true);
    expect(error.message).toMatch(/ETIMEDOUT/);
    expect(server.requests).toHaveLength(1);
  });

  it('retries even an append when the connection was refused (nothing was sent)', async () => {
    const port = await closedPort();
    const client = createHotdataClient({
      apiUrl: `http://127.0.0.1:${port}`,
      apiKey: TOKEN,
      workspaceId: 'ws_1',
      maxRetries: 2,
      retryBackoffSeconds: 0.001,
    });
    const error = await failure(client.loads.load(target, { mode: 'append', data: 'id\n1\n' }));
    expect(HotdataAmbiguousResultError.isInstance(error)).toBe(false);
    expect(error).toMatchObject({ kind: 'network', isRetryable: true });
    expect(error.message).toMatch(/ECONNREFUSED after 3 attempt/);
  });
});

describe('waiting', () => {
  it('honours Retry-After on 429 instead of the backoff (fake timers)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { client } = await onceThenOk(apiError(429, 'OVERLOADED', { 'retry-after': '7' }), {
      status: 200,
      body: { workspaces: [] },
    });
    const pending = client.workspaces.list();
    await vi.waitFor(() => expect(server!.requests).toHaveLength(1), { timeout: 5000, interval: 5 });
    await vi.advanceTimersByTimeAsync(6_900);
    expect(server!.requests).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(300);
    await vi.waitFor(() => expect(server!.requests).toHaveLength(2), { timeout: 5000, interval: 5 });
    await expect(pending).resolves.toEqual([]);
  });

  it('honours Retry-After on 503, also for a non-idempotent request (fake timers)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { client } = await onceThenOk(
      apiError(503, 'PERSISTENCE_UNAVAILABLE', { 'retry-after': '3' }),
      databaseDetail,
    );
    const pending = client.databases.create({ name: 'x' });
    await vi.waitFor(() => expect(server!.requests).toHaveLength(1), { timeout: 5000, interval: 5 });
    await vi.advanceTimersByTimeAsync(2_950);
    expect(server!.requests).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(200);
    await vi.waitFor(() => expect(server!.requests).toHaveLength(2), { timeout: 5000, interval: 5 });
    await expect(pending).resolves.toMatchObject({ id: 'db1' });
  });

  it('backs off exponentially with jitter when there is no Retry-After (fake timers)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const started = await stubClient(
      (_, index) => (index < 2 ? apiError(502, 'BAD_GATEWAY') : databaseDetail),
      {
        retryBackoffSeconds: 2,
      },
    );
    server = started.server;
    const pending = started.client.databases.get('db1');
    await vi.waitFor(() => expect(server!.requests).toHaveLength(1), { timeout: 5000, interval: 5 });
    // first wait: 2 s * 2^0, jittered into [1 s, 2 s]
    await vi.advanceTimersByTimeAsync(990);
    expect(server.requests).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1_020);
    await vi.waitFor(() => expect(server!.requests).toHaveLength(2), { timeout: 5000, interval: 5 });
    // second wait: 2 s * 2^1, jittered into [2 s, 4 s]
    await vi.advanceTimersByTimeAsync(1_990);
    expect(server.requests).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(2_020);
    await vi.waitFor(() => expect(server!.requests).toHaveLength(3), { timeout: 5000, interval: 5 });
    await expect(pending).resolves.toMatchObject({ id: 'db1' });
  });

  it('computes backoff with jitter, capped at 30 s, and parses Retry-After', () => {
    expect(backoffMs(0, 1, () => 0)).toBe(500);
    expect(backoffMs(0, 1, () => 1)).toBe(1000);
    expect(backoffMs(3, 1, () => 1)).toBe(8000);
    expect(backoffMs(10, 1, () => 1)).toBe(30_000);
    expect(backoffMs(40, 5, () => 0.5)).toBe(22_500);
    expect(parseRetryAfter('12')).toBe(12);
    expect(parseRetryAfter(new Date(Date.now() + 5000).toUTCString())).toBeGreaterThan(3);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });

  it('an aborted signal ends a Retry-After wait at once with an aborted error', async () => {
    const controller = new AbortController();
    const started = await stubClient(() => apiError(429, 'OVERLOADED', { 'retry-after': '60' }), {
      signal: controller.signal,
    });
    server = started.server;
    const pending = failure(started.client.databases.get('db1'));
    await vi.waitFor(() => expect(server!.requests).toHaveLength(1), { timeout: 5000, interval: 5 });
    controller.abort();
    const error = await pending;
    expect(error).toMatchObject({ kind: 'aborted', isRetryable: false });
    expect(server.requests).toHaveLength(1);
  });

  it('a per-call signal aborts a hanging request', async () => {
    const started = await stubClient(() => 'hang');
    server = started.server;
    const controller = new AbortController();
    const pending = failure(
      started.client.query('select 1', { databaseId: 'db1', signal: controller.signal }),
    );
    await vi.waitFor(() => expect(server!.requests).toHaveLength(1), { timeout: 5000, interval: 5 });
    controller.abort();
    expect(await pending).toMatchObject({ kind: 'aborted', method: 'POST', path: '/v1/query' });
  });
});
