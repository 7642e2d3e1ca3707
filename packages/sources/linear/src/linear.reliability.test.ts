// Rate limits, retries and errors of the Linear source against the replay server, on a virtual clock:
// waits are asserted from the clock's recorded sleeps, nothing really sleeps.
import {
  LINEAR_REPLAY_ACCESS_TOKEN,
  type LinearReplayOptions,
  type LinearReplayServer,
  startLinearReplayServer,
} from '@hotdata-dlt/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { memoryLogger, rowsOf, runContext, virtualClock } from './__fixtures__/support.ts';
import { generatedWorkspace } from './__fixtures__/workspace.ts';
import { LinearError, type LinearOptions, linear } from './index.ts';

let server: LinearReplayServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
  vi.unstubAllEnvs();
});

async function setup(options: Pick<LinearReplayOptions, 'rateLimit'> = {}) {
  const clock = virtualClock();
  server = await startLinearReplayServer({ data: generatedWorkspace(), now: clock.now, ...options });
  const logger = memoryLogger();
  const issues = (extra: LinearOptions = {}) =>
    linear({
      apiKey: server!.apiKey,
      apiUrl: server!.graphqlUrl,
      pageSize: 3,
      clock,
      logger,
      ...extra,
    }).resource('issues');
  return { server, clock, logger, issues };
}

async function failure(promise: Promise<unknown>): Promise<LinearError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!LinearError.isInstance(error)) throw new Error(`expected a LinearError, got ${String(error)}`);
  return error;
}

describe('rate limits', () => {
  it.each([400, 429] as const)(
    'waits for the reset after RATELIMITED at HTTP %i, then loads every row',
    async (status) => {
      const { server, clock, logger, issues } = await setup();
      server.inject({ kind: 'ratelimited', status, resetInMs: 30_000 }, { root: 'issues', nth: 2 });
      const rows = await rowsOf(issues());
      expect(rows).toHaveLength(11);
      expect(new Set(rows.map((row) => row.id)).size).toBe(11);
      expect(server.callsTo('issues').map((call) => call.status)).toEqual([200, status, 200, 200, 200]);
      // The wait reaches the reset in X-RateLimit-Requests-Reset (plus at most 1 s of jitter).
      expect(clock.sleeps).toHaveLength(1);
      expect(clock.sleeps[0]).toBeGreaterThanOrEqual(30_000);
      expect(clock.sleeps[0]).toBeLessThanOrEqual(31_000);
      expect(logger.lines).toContainEqual(
        expect.objectContaining({
          level: 'warn',
          fields: expect.objectContaining({
            kind: 'rate_limited',
            status,
            graphqlCode: 'RATELIMITED',
            page: 2,
          }),
        }),
      );
    },
  );

  it('backs off on a bare 429 without rate-limit headers, honouring Retry-After', async () => {
    const { server, clock, issues } = await setup();
    server.inject({ kind: 'too-many-requests', retryAfterSeconds: 7 }, { root: 'issues' });
    expect(await rowsOf(issues())).toHaveLength(11);
    expect(clock.sleeps).toEqual([7000]);
  });

  it('waits for the reset before a request when the request budget is nearly used up', async () => {
    // 6 requests per window; with minRemainingRequests 2 the source pauses after the 4th response.
    const { server, clock, logger, issues } = await setup({ rateLimit: { requests: 6, windowMs: 60_000 } });
    const rows = await rowsOf(issues({ pageSize: 2, minRemainingRequests: 2 }));
    expect(rows).toHaveLength(11);
    // Linear never had to refuse a request.
    expect(server.callsTo('issues').map((call) => call.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(clock.sleeps).toHaveLength(1);
    expect(clock.sleeps[0]).toBeGreaterThanOrEqual(60_000);
    expect(logger.lines).toContainEqual(
      expect.objectContaining({
        level: 'info',
        message: 'Linear rate limit nearly used up; waiting for the reset',
        fields: expect.objectContaining({ budget: 'requests', remaining: 2, page: 5 }),
      }),
    );
  });

  it('waits for the complexity budget when fewer points remain than twice the last query cost', async () => {
    const probe = await setup();
    await rowsOf(probe.issues().addLimit(1));
    const cost = probe.server.callsTo('issues')[0]!.complexity;
    expect(cost).toBeGreaterThan(10);
    await probe.server.close();

    // Room for two pages and a half: after the second page fewer than 2 × cost points remain.
    const { server, clock, logger, issues } = await setup({
      rateLimit: { complexity: Math.floor(cost * 3.5), windowMs: 120_000 },
    });
    const rows = await rowsOf(issues());
    expect(rows).toHaveLength(11);
    expect(server.callsTo('issues').map((call) => call.status)).toEqual([200, 200, 200, 200]);
    expect(clock.sleeps).toHaveLength(1);
    expect(clock.sleeps[0]).toBeGreaterThanOrEqual(120_000);
    expect(logger.lines).toContainEqual(
      expect.objectContaining({ fields: expect.objectContaining({ budget: 'complexity', page: 3 }) }),
    );
  });

  it('fails with a retryable rate_limited error when the reset is further away than maxRateLimitWaitMs', async () => {
    const { server, clock, issues } = await setup();
    server.inject({ kind: 'ratelimited', resetInMs: 3_600_000 }, { root: 'issues' });
    const error = await failure(rowsOf(issues({ maxRateLimitWaitMs: 60_000 })));
    expect(error).toMatchObject({
      kind: 'rate_limited',
      code: 'LINEAR_RATE_LIMITED',
      isRetryable: true,
      resource: 'issues',
      page: 1,
    });
    expect(error.message).toMatch(/resets in about 60 min.*raise maxRateLimitWaitMs/);
    expect(clock.sleeps).toEqual([]);
    expect(server.callsTo('issues')).toHaveLength(1);
  });

  it('gives up after maxRetries rate-limited answers', async () => {
    const { server, issues } = await setup();
    for (let index = 0; index < 3; index++)
      server.inject({ kind: 'ratelimited', status: 429 }, { root: 'issues' });
    const error = await failure(rowsOf(issues({ maxRetries: 2 })));
    expect(error).toMatchObject({ kind: 'rate_limited', isRetryable: true, status: 429 });
    expect(error.message).toMatch(
      /^Gave up after 2 retries: Linear rate-limited the request for issues \(page 1\)/,
    );
    expect(server.callsTo('issues')).toHaveLength(3);
  });
});

describe('transient failures', () => {
  it.each([
    ['a 500', { kind: 'server-error' }],
    ['a truncated JSON body', { kind: 'truncated' }],
    ['a dropped connection', { kind: 'drop' }],
  ] as const)('retries %s with backoff and loads each row once', async (_, fault) => {
    const { server, clock, issues } = await setup();
    server.inject(fault, { root: 'issues', nth: 3 });
    const rows = await rowsOf(issues({ retryBackoffMs: 500 }));
    expect(rows).toHaveLength(11);
    expect(new Set(rows.map((row) => row.id)).size).toBe(11);
    expect(server.callsTo('issues')).toHaveLength(5);
    expect(clock.sleeps).toHaveLength(1);
    expect(clock.sleeps[0]).toBeGreaterThanOrEqual(250);
    expect(clock.sleeps[0]).toBeLessThanOrEqual(500);
  });
});

describe('terminal errors', () => {
  it('reports a refused personal API key from LINEAR_API_KEY without retrying or echoing it', async () => {
    const { server, clock, logger } = await setup();
    const wrong = 'lin_api_wrong00000000000000000000000000000000';
    vi.stubEnv('LINEAR_API_KEY', wrong);
    const error = await failure(
      rowsOf(linear({ apiUrl: server.graphqlUrl, clock, logger }).resource('teams')),
    );
    expect(error).toMatchObject({
      kind: 'auth',
      code: 'LINEAR_AUTH_FAILED',
      isRetryable: false,
      status: 401,
    });
    expect(error.graphqlCode).toBe('AUTHENTICATION_ERROR');
    expect(error.message).toContain('Linear rejected the personal API key from LINEAR_API_KEY');
    expect(error.message).toContain('Check LINEAR_API_KEY: it must be a current personal API key (lin_api_…');
    expect(error.message).not.toContain(wrong);
    expect(logger.text()).not.toContain(wrong);
    expect(server.calls).toHaveLength(1);
    expect(clock.sleeps).toEqual([]);
  });

  it('names the accessToken option when an OAuth token is refused', async () => {
    const { server } = await setup();
    server.inject({ kind: 'authentication' });
    const error = await failure(
      rowsOf(
        linear({ accessToken: LINEAR_REPLAY_ACCESS_TOKEN, apiUrl: server.graphqlUrl }).resource('teams'),
      ),
    );
    expect(error.kind).toBe('auth');
    expect(error.message).toContain('OAuth access token from the accessToken option');
    expect(error.message).toContain('may have expired or been revoked');
    expect(error.message).not.toContain(LINEAR_REPLAY_ACCESS_TOKEN);
  });

  it('reports FORBIDDEN as terminal and names the resource to leave out', async () => {
    const { server, issues } = await setup();
    server.inject({ kind: 'forbidden' }, { root: 'issues', nth: 2 });
    const error = await failure(rowsOf(issues()));
    expect(error).toMatchObject({
      kind: 'forbidden',
      code: 'LINEAR_FORBIDDEN',
      isRetryable: false,
      status: 403,
    });
    expect(error.message).toContain('may not read issues ("Forbidden" (FORBIDDEN))');
    expect(error.message).toContain("leave 'issues' out with the resources option");
    expect(server.callsTo('issues')).toHaveLength(2);
  });

  it('treats a 200 with data and errors as an error, never as partial data', async () => {
    const { server, issues } = await setup();
    server.inject({ kind: 'partial' }, { root: 'issues', nth: 2 });
    const seen: unknown[] = [];
    const error = await failure(
      (async () => {
        for await (const batch of issues().iterate(runContext())) {
          if (batch.kind === 'rows') seen.push(...batch.rows);
        }
      })(),
    );
    expect(error).toMatchObject({
      kind: 'partial',
      code: 'LINEAR_PARTIAL_RESPONSE',
      isRetryable: false,
      page: 2,
      status: 200,
    });
    expect(error.message).toContain('"Entity not found or you do not have access to it."');
    expect(error.message).toContain('the run stops instead of loading partial rows');
    // Only the complete first page was handed on; nothing of the page with errors.
    expect(seen).toHaveLength(3);
    expect(server.callsTo('issues')).toHaveLength(2);
  });

  it('reports a query Linear rejects (HTTP 400) as a graphql error with a hint', async () => {
    const { server, issues } = await setup();
    server.inject({ kind: 'error', code: 'GRAPHQL_VALIDATION_FAILED', message: 'Query too complex' });
    const error = await failure(rowsOf(issues()));
    expect(error).toMatchObject({ kind: 'graphql', graphqlCode: 'GRAPHQL_VALIDATION_FAILED', status: 400 });
    expect(error.message).toContain('Lower pageSize');
    server.inject({ kind: 'error', code: 'FEATURE_NOT_ACCESSIBLE', message: 'Cycles are disabled' });
    const feature = await failure(
      rowsOf(linear({ apiKey: server.apiKey, apiUrl: server.graphqlUrl }).resource('cycles')),
    );
    expect(feature.message).toContain("leave 'cycles' out with the resources option");
  });

  it('refuses a page that claims a next page without a new cursor', async () => {
    const { server, issues } = await setup();
    const body = { data: { issues: { nodes: [], pageInfo: { hasNextPage: true, endCursor: null } } } };
    server.fail({ response: { status: 200, body } });
    const error = await failure(rowsOf(issues()));
    expect(error).toMatchObject({ kind: 'invalid_response', page: 1 });
    expect(error.message).toContain('hasNextPage but no endCursor');
  });

  it('points at apiUrl when the endpoint is not Linear', async () => {
    const { server } = await setup();
    const error = await failure(
      rowsOf(
        linear({ apiKey: server.apiKey, apiUrl: `${server.url}/nope`, maxRetries: 0 }).resource('teams'),
      ),
    );
    expect(error).toMatchObject({ kind: 'invalid_response', status: 404, isRetryable: false });
    expect(error.message).toContain(`Check apiUrl (${server.url}/nope)`);
  });

  it('stops waiting when the run is aborted', async () => {
    const { server, issues } = await setup();
    server.inject({ kind: 'ratelimited', resetInMs: 30_000 }, { root: 'issues' });
    const controller = new AbortController();
    const pending = rowsOf(issues(), runContext({ signal: controller.signal }));
    controller.abort(new Error('cancelled by the user'));
    await expect(pending).rejects.toThrow('cancelled by the user');
  });
});
