import { inspect } from 'node:util';
import { ConfigurationError, HotdataDltError } from '@hotdata-dlt/core';
import {
  FRED_ERROR_MESSAGES,
  type FredReplayOptions,
  type FredReplayServer,
  fredErrorResponse,
  startFredReplayServer,
} from '@hotdata-dlt/testing';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { expectedMacroWide, upsertInto } from './__fixtures__/expected.ts';
import {
  extract,
  generatedNineSeries,
  memoryLogger,
  ownFixture,
  rowsOf,
  runContext,
  virtualClock,
} from './__fixtures__/support.ts';
import type { FredOptions } from './config.ts';
import { FredError } from './errors.ts';
import { FRED_DEFAULT_SERIES, fred } from './index.ts';

const servers: FredReplayServer[] = [];
async function serve(options: FredReplayOptions): Promise<FredReplayServer> {
  const server = await startFredReplayServer(options);
  servers.push(server);
  return server;
}

beforeEach(() => {
  // A developer's own key or URLs must not switch these tests to another transport or host.
  vi.stubEnv('FRED_API_KEY', '');
  vi.stubEnv('FRED_BASE_URL', '');
  vi.stubEnv('FRED_CSV_BASE_URL', '');
});
afterEach(async () => {
  vi.unstubAllEnvs();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/** API-mode options against a replay server, with a virtual clock so pacing and backoff never wait. */
function apiOptions(server: FredReplayServer, options: FredOptions = {}): FredOptions {
  return { apiKey: server.apiKey, baseUrl: server.url, clock: virtualClock(), ...options };
}

async function failure(promise: Promise<unknown>): Promise<FredError> {
  try {
    await promise;
  } catch (error) {
    if (FredError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected the run to fail');
}

type Row = Record<string, unknown>;

describe('fred() without an API key: the fredgraph.csv download', () => {
  it('reads both header formats and keeps missing values as null rows', async () => {
    const server = await serve({
      series: {
        CPIAUCSL: { csv: ownFixture('fredgraph_CPIAUCSL.csv') },
        T10Y2Y: { csv: ownFixture('fredgraph_T10Y2Y_legacy-DATE-header.csv') },
      },
    });
    const source = fred({
      csvBaseUrl: server.url,
      series: { cpi: 'CPIAUCSL', yield_curve_spread: 'T10Y2Y' },
    });
    expect(source.name).toBe('fred');
    expect(source.resources.map((item) => item.name)).toEqual(['macro_indicators_raw', 'macro_wide']);

    const tables = await extract(source);
    const raw = tables.macro_indicators_raw!;
    expect(raw).toHaveLength(9 + 10);
    expect(raw[0]).toEqual({ date: '2025-05-01', series: 'cpi', value: 320.58 });
    expect(raw).toContainEqual({ date: '2025-10-01', series: 'cpi', value: null });
    expect(raw).toContainEqual({ date: '2022-07-04', series: 'yield_curve_spread', value: null });
    expect(raw).toContainEqual({ date: '2022-07-08', series: 'yield_curve_spread', value: -0.03 });
    // No month is common to a 2025 CPI and a 2022 spread.
    expect(tables.macro_wide).toEqual([]);

    const downloads = server.requestsTo('/graph/fredgraph.csv');
    expect(downloads.map((request) => request.query.get('id')).sort()).toEqual(['CPIAUCSL', 'T10Y2Y']);
    expect(downloads.every((request) => !request.query.has('api_key'))).toBe(true);
    expect(server.requestsTo('/fred/series/observations')).toHaveLength(0);
  });

  it('downloads at most `concurrency` series at once', async () => {
    const server = await serve({ series: generatedNineSeries() });
    let active = 0;
    let peak = 0;
    const counting: typeof fetch = async (input, init) => {
      active += 1;
      peak = Math.max(peak, active);
      try {
        await new Promise((resolve) => setTimeout(resolve, 5));
        const response = await fetch(input, init);
        return new Response(await response.text(), { status: response.status, headers: response.headers });
      } finally {
        active -= 1;
      }
    };
    const source = fred({ csvBaseUrl: server.url, concurrency: 3, fetch: counting });
    expect(await rowsOf(source.resource('macro_wide'))).toHaveLength(23);
    expect(server.requestsTo('/graph/fredgraph.csv')).toHaveLength(9);
    expect(peak).toBe(3);
  });

  it("drops missing values with missingValues: 'drop' and bounds dates with cosd/coed", async () => {
    const server = await serve({ series: { CPIAUCSL: { csv: ownFixture('fredgraph_CPIAUCSL.csv') } } });
    const source = fred({
      csvBaseUrl: server.url,
      series: ['CPIAUCSL'],
      missingValues: 'drop',
      observationStart: '2025-08-01',
      observationEnd: '2025-12-31',
    });
    const rows = await rowsOf<Row>(source.resource('macro_indicators_raw'));
    expect(rows.map((row) => row.date)).toEqual(['2025-08-01', '2025-09-01', '2025-11-01', '2025-12-01']);
    expect(rows.every((row) => row.series === 'cpiaucsl' && typeof row.value === 'number')).toBe(true);
    const request = server.requestsTo('/graph/fredgraph.csv')[0]!;
    expect(request.query.get('cosd')).toBe('2025-08-01');
    expect(request.query.get('coed')).toBe('2025-12-31');
  });

  it('declares the tables: keys, merge/upsert and column types', () => {
    const source = fred({ mode: 'csv' });
    const raw = source.resource('macro_indicators_raw');
    expect(raw.hints.primaryKey).toEqual(['series', 'date']);
    expect(raw.hints.writeDisposition).toEqual({ disposition: 'merge', strategy: 'upsert' });
    expect(raw.hints.columns).toMatchObject({
      date: { dataType: 'date', nullable: false },
      series: { dataType: 'text', nullable: false },
      value: { dataType: 'double', nullable: true },
    });
    const wide = source.resource('macro_wide');
    expect(wide.hints.primaryKey).toBe('date');
    expect(Object.keys(wide.hints.columns ?? {})).toEqual(['date', ...Object.keys(FRED_DEFAULT_SERIES)]);
    expect(wide.hints.columns?.cpi).toEqual({ dataType: 'double', nullable: false });
  });
});

describe('fred() with an API key: series/observations JSON', () => {
  it('loads the nine default series, their metadata and macro_wide in one run, each series downloaded once', async () => {
    const data = generatedNineSeries();
    const server = await serve({ series: data });
    const source = fred(apiOptions(server));
    expect(source.resources.map((item) => item.name)).toEqual([
      'macro_indicators_raw',
      'series',
      'macro_wide',
    ]);

    const tables = await extract(source);
    const raw = tables.macro_indicators_raw!;
    const total = Object.values(data).reduce((sum, item) => sum + item.observations!.length, 0);
    expect(raw).toHaveLength(total);
    expect(raw.filter((row) => row.value === null).map((row) => `${row.series} ${row.date}`)).toEqual([
      'housing_starts 1993-03-01',
      'yield_curve_spread 1990-07-04',
      'yield_curve_spread 1990-12-25',
      'yield_curve_spread 1991-07-04',
      'yield_curve_spread 1991-12-25',
      'yield_curve_spread 1992-12-25',
      'yield_curve_spread 1993-04-30',
    ]);
    expect(raw).toContainEqual({ date: '1992-01-01', series: 'nonfarm_payroll', value: 109000 + 24 * 95 });

    expect(tables.series).toHaveLength(9);
    expect(tables.series![0]).toMatchObject({
      series: 'cpi',
      series_id: 'CPIAUCSL',
      frequency_short: 'M',
      observation_start: '1990-01-01',
      last_updated: '2026-02-16T13:51:02.000Z',
    });

    // macro_wide equals an independent computation over the same observations.
    const byName = Object.entries(FRED_DEFAULT_SERIES).map(([name, id]) => ({
      name,
      observations: data[id]!.observations!.map((item) => ({
        date: item.date,
        value: item.value as number | null,
      })),
    }));
    const wide = tables.macro_wide!;
    expect(wide).toEqual(expectedMacroWide(byName));
    expect(wide[0]!.date).toBe('1992-01-01'); // retail sales start in 1992
    expect(wide.map((row) => row.date)).not.toContain('1993-03-01'); // housing starts have no March 1993
    expect(wide.at(-1)!.date).toBe('1993-12-01');
    // The spread's last value of April 1993 comes from the 29th: the 30th has none.
    const april = raw.find((row) => row.series === 'yield_curve_spread' && row.date === '1993-04-29')!;
    expect(wide.find((row) => row.date === '1993-04-01')!.yield_curve_spread).toBe(april.value);
    expect(Object.keys(wide[0]!)).toEqual(['date', ...Object.keys(FRED_DEFAULT_SERIES)]);

    // Two resources read the observations, but each series was downloaded once in this run ...
    const observationRequests = server.requestsTo('/fred/series/observations');
    expect(observationRequests.map((request) => request.query.get('series_id')).sort()).toEqual(
      Object.values(FRED_DEFAULT_SERIES).sort(),
    );
    expect(server.requestsTo('/fred/series')).toHaveLength(9);
    for (const request of observationRequests) {
      expect(request.query.get('file_type')).toBe('json');
      expect(request.query.get('api_key')).toBe(server.apiKey);
    }
    // ... and a new run downloads again.
    await rowsOf(source.resource('macro_wide'), runContext());
    expect(server.requestsTo('/fred/series/observations')).toHaveLength(18);
  });

  it('turns "." into null and reads a real-shaped API page', async () => {
    const server = await serve({
      series: { UNRATE: { apiJson: ownFixture('api_series_observations_UNRATE.json') } },
    });
    const source = fred(
      apiOptions(server, { series: { unemployment_rate: 'UNRATE' }, observationStart: '2025-06-01' }),
    );
    const rows = await rowsOf<Row>(source.resource('macro_indicators_raw'));
    expect(rows).toHaveLength(8);
    expect(rows.find((row) => row.date === '2025-10-01')).toEqual({
      date: '2025-10-01',
      series: 'unemployment_rate',
      value: null,
    });
    expect(rows.at(-1)).toEqual({ date: '2026-01-01', series: 'unemployment_rate', value: 4.3 });
    const wide = await rowsOf<Row>(source.resource('macro_wide'));
    expect(wide.map((row) => row.date)).not.toContain('2025-10-01');
  });

  it('pages with limit/offset until a short page, without an extra request when count is reached', async () => {
    const data = generatedNineSeries();
    const server = await serve({ series: { CPIAUCSL: data.CPIAUCSL!, RSXFS: data.RSXFS! } });
    const source = fred(apiOptions(server, { series: ['CPIAUCSL', 'RSXFS'], pageSize: 8, concurrency: 1 }));
    const rows = await rowsOf<Row>(source.resource('macro_indicators_raw'));
    expect(rows.filter((row) => row.series === 'cpiaucsl')).toHaveLength(48);
    expect(rows.filter((row) => row.series === 'rsxfs').map((row) => row.date)).toEqual(
      data.RSXFS!.observations!.map((item) => item.date),
    );
    const offsets = (id: string) =>
      server
        .requestsTo('/fred/series/observations')
        .filter((request) => request.query.get('series_id') === id)
        .map((request) => Number(request.query.get('offset')));
    expect(offsets('CPIAUCSL')).toEqual([0, 8, 16, 24, 32, 40]); // 48 rows = 6 full pages, count says done
    expect(offsets('RSXFS')).toEqual([0, 8, 16]); // 24 rows
    expect(server.requestsTo('/fred/series/observations')[0]!.query.get('limit')).toBe('8');
  });

  it('reads series metadata and parses last_updated (Central time, hours-only offset)', async () => {
    const recorded = JSON.parse(ownFixture('api_series_FEDFUNDS.json')).seriess[0];
    const server = await serve({
      series: { FEDFUNDS: { observations: [{ date: '2026-01-01', value: '3.64' }], metadata: recorded } },
    });
    const source = fred(apiOptions(server, { series: { fed_funds_rate: 'FEDFUNDS' } }));
    expect(await rowsOf(source.resource('series'))).toEqual([
      {
        series: 'fed_funds_rate',
        series_id: 'FEDFUNDS',
        title: 'Federal Funds Effective Rate',
        frequency: 'Monthly',
        frequency_short: 'M',
        units: 'Percent',
        units_short: '%',
        seasonal_adjustment: 'Not Seasonally Adjusted',
        seasonal_adjustment_short: 'NSA',
        observation_start: '1954-07-01',
        observation_end: '2026-01-01',
        last_updated: '2026-02-02T21:18:02.000Z',
        popularity: 97,
        notes: 'Averages of daily figures.',
      },
    ]);
  });
});

describe('fred() under faults', () => {
  const smallSeries = () => {
    const data = generatedNineSeries();
    return { UNRATE: data.UNRATE!, CPIAUCSL: data.CPIAUCSL! };
  };
  const isObservations = (request: { path: string }) => request.path === '/fred/series/observations';

  it('retries 429 (honouring Retry-After), 5xx and dropped connections, then loads everything', async () => {
    const server = await serve({ series: smallSeries() });
    server.fail(
      { match: isObservations, response: fredErrorResponse(429, FRED_ERROR_MESSAGES.rateLimited) },
      {
        match: isObservations,
        response: fredErrorResponse(429, FRED_ERROR_MESSAGES.rateLimited, {
          headers: { 'retry-after': '7' },
        }),
      },
      { match: isObservations, response: fredErrorResponse(500, FRED_ERROR_MESSAGES.serverError) },
      { match: isObservations, response: { drop: true } },
    );
    const clock = virtualClock();
    const logger = memoryLogger();
    const source = fred(
      apiOptions(server, { series: ['UNRATE', 'CPIAUCSL'], clock, logger, concurrency: 1 }),
    );
    const rows = await rowsOf<Row>(source.resource('macro_indicators_raw'));
    expect(rows).toHaveLength(96);
    expect(server.requestsTo('/fred/series/observations')).toHaveLength(2 + 4);
    expect(clock.sleeps).toContain(7_000);
    const retries = logger.lines.filter((line) => line.level === 'warn');
    expect(retries.map((line) => line.fields?.status)).toEqual([429, 429, 500, undefined]);
    expect(retries.map((line) => line.fields?.kind)).toEqual([
      'rate_limited',
      'rate_limited',
      'server',
      'network',
    ]);
    expect(JSON.stringify(logger.lines)).not.toContain(server.apiKey);
  });

  it('gives up after maxRetries with a retryable rate-limit error', async () => {
    const server = await serve({ series: smallSeries() });
    const limited = {
      match: isObservations,
      response: fredErrorResponse(429, FRED_ERROR_MESSAGES.rateLimited),
    };
    server.fail(limited, limited, limited);
    const source = fred(apiOptions(server, { series: ['UNRATE'], maxRetries: 2 }));
    const error = await failure(rowsOf(source.resource('macro_indicators_raw')));
    expect(error.kind).toBe('rate_limited');
    expect(error.code).toBe('FRED_RATE_LIMITED');
    expect(error.isRetryable).toBe(true);
    expect(error.seriesId).toBe('UNRATE');
    expect(error.message).toMatch(
      /^Gave up after 2 retries: FRED rate-limited .*HTTP 429.*120 requests a minute/,
    );
    expect(server.requestsTo('/fred/series/observations')).toHaveLength(3);
  });

  it('paces requests under 120 a minute, and survives a server enforcing its own limit', async () => {
    const data = generatedNineSeries();
    const series: Record<string, (typeof data)[string]> = {};
    for (let index = 0; index < 70; index++)
      series[`S${index}`] = { observations: data.UNRATE!.observations!.slice(0, 3) };
    const clock = virtualClock();
    const server = await serve({ series, rateLimit: { requests: 120, windowMs: 60_000, now: clock.now } });
    const sentAt: number[] = [];
    const source = fred(
      apiOptions(server, {
        series: Object.keys(series),
        concurrency: 4,
        clock,
        fetch: (input, init) => {
          sentAt.push(clock.now());
          return fetch(input, init);
        },
      }),
    );
    const tables = await extract(source);
    expect(tables.macro_indicators_raw).toHaveLength(70 * 3);
    expect(tables.series).toHaveLength(70);
    expect(sentAt).toHaveLength(140);
    for (const start of sentAt) {
      expect(sentAt.filter((time) => time >= start && time < start + 60_000).length).toBeLessThanOrEqual(112);
    }
    expect(clock.elapsed()).toBeGreaterThanOrEqual(((140 - 2) / 110) * 60_000 - 1);
    expect(server.requests.filter((request) => request.path.startsWith('/fred/'))).toHaveLength(140); // no 429

    // A server allowing fewer requests than the pacing sends answers 429; the source backs off and finishes.
    const strictClock = virtualClock();
    const strict = await serve({
      series,
      rateLimit: { requests: 30, windowMs: 60_000, now: strictClock.now },
    });
    const logger = memoryLogger();
    const paced = fred(
      apiOptions(strict, {
        series: Object.keys(series).slice(0, 40),
        clock: strictClock,
        logger,
        maxRetries: 10,
        retryBackoffMs: 5_000,
      }),
    );
    expect(await rowsOf(paced.resource('macro_indicators_raw'))).toHaveLength(40 * 3);
    expect(logger.lines.some((line) => line.level === 'warn' && line.fields?.status === 429)).toBe(true);
  });

  it('reports a refused key as an auth error, without retrying and without the key', async () => {
    const server = await serve({ series: smallSeries(), errorContentType: 'text/xml;charset=utf-8' });
    const wrongKey = 'wrongkey0123456789abcdefghijklmn';
    const logger = memoryLogger();
    const source = fred(apiOptions(server, { apiKey: wrongKey, series: ['UNRATE'], logger }));
    const error = await failure(rowsOf(source.resource('macro_indicators_raw')));
    expect(error.kind).toBe('auth');
    expect(error.code).toBe('FRED_AUTH_FAILED');
    expect(error.isRetryable).toBe(false);
    expect(error.status).toBe(400);
    expect(error.message).toContain('The value for variable api_key is not registered');
    expect(error.message).toContain('FRED_API_KEY');
    expect(server.requestsTo('/fred/series/observations')).toHaveLength(1);
    for (const text of [error.message, inspect(error, { depth: 10 }), JSON.stringify(logger.lines)]) {
      expect(text).not.toContain(wrongKey);
    }

    // The XML error form, and 401/403, are auth errors too.
    server.fail(
      {
        match: isObservations,
        response: {
          status: 400,
          headers: { 'content-type': 'text/xml' },
          body: '<?xml version="1.0"?>\n<error code="400" message="Bad Request.  Variable api_key has not been set."/>',
        },
      },
      { match: isObservations, response: { status: 403, body: 'Forbidden' } },
    );
    const xml = await failure(
      rowsOf(fred(apiOptions(server, { series: ['UNRATE'] })).resource('macro_indicators_raw')),
    );
    expect(xml.kind).toBe('auth');
    expect(xml.message).toContain('Variable api_key has not been set');
    const forbidden = await failure(
      rowsOf(fred(apiOptions(server, { series: ['UNRATE'] })).resource('macro_indicators_raw')),
    );
    expect(forbidden.kind).toBe('auth');
    expect(forbidden.status).toBe(403);
  });

  it('never puts the key in a network error, its cause or a log line', async () => {
    const closed = await startFredReplayServer({ series: {} });
    await closed.close();
    const key = 'secretkey0123456789abcdefghijklm';
    const logger = memoryLogger();
    const source = fred({
      apiKey: key,
      baseUrl: closed.url,
      series: ['UNRATE'],
      maxRetries: 1,
      clock: virtualClock(),
      logger,
    });
    const error = await failure(rowsOf(source.resource('macro_indicators_raw')));
    expect(error.kind).toBe('network');
    expect(error.isRetryable).toBe(true);
    expect(error.message).toMatch(/series UNRATE \(unrate\).*failed before a response/);
    for (const text of [error.message, inspect(error, { depth: 10 }), JSON.stringify(logger.lines)]) {
      expect(text).not.toContain(key);
      expect(text).not.toContain('api_key=');
    }
  });

  it('times out a stalled request, retries it, then reports a timeout', async () => {
    let calls = 0;
    const stalled: typeof fetch = (_input, init) =>
      new Promise((_resolve, reject) => {
        calls += 1;
        init?.signal?.addEventListener('abort', () => reject(init.signal?.reason), { once: true });
      });
    const source = fred({
      apiKey: 'k'.repeat(32),
      series: ['UNRATE'],
      fetch: stalled,
      requestTimeoutMs: 20,
      maxRetries: 1,
      clock: virtualClock(),
    });
    const error = await failure(rowsOf(source.resource('macro_indicators_raw')));
    expect(error.kind).toBe('network');
    expect(error.message).toMatch(/timed out after 20 ms/);
    expect(calls).toBe(2);
  });

  it('stops when the run is aborted and rethrows the abort reason', async () => {
    const controller = new AbortController();
    const source = fred({
      apiKey: 'k'.repeat(32),
      series: ['UNRATE'],
      clock: virtualClock(),
      fetch: (_input, init) =>
        new Promise((_resolve, reject) => {
          init?.signal?.addEventListener('abort', () => reject(init.signal?.reason), { once: true });
          controller.abort(new Error('run cancelled'));
        }),
    });
    await expect(
      rowsOf(source.resource('macro_indicators_raw'), runContext({ signal: controller.signal })),
    ).rejects.toThrow('run cancelled');
  });

  it('fails on an unknown series by default and starts no further downloads', async () => {
    const data = generatedNineSeries();
    const server = await serve({
      series: { UNRATE: data.UNRATE!, CPIAUCSL: data.CPIAUCSL!, HOUST: data.HOUST! },
    });
    const source = fred(
      apiOptions(server, {
        series: { unemployment_rate: 'UNRATE', typo: 'UNRAT', cpi: 'CPIAUCSL', housing_starts: 'HOUST' },
        concurrency: 1,
      }),
    );
    const error = await failure(rowsOf(source.resource('macro_indicators_raw')));
    expect(error.kind).toBe('bad_request');
    expect(error.code).toBe('FRED_BAD_REQUEST');
    expect(error.seriesId).toBe('UNRAT');
    expect(error.message).toContain("FRED has no series 'UNRAT' (the 'typo' entry of the series option)");
    expect(error.message).toContain('The series does not exist. Check the id');
    expect(
      server.requestsTo('/fred/series/observations').map((request) => request.query.get('series_id')),
    ).toEqual(['UNRATE', 'UNRAT']);

    // The metadata table fails the same way, and the downloads it never awaits reject quietly.
    const metadata = await failure(rowsOf(source.resource('series')));
    expect(metadata.seriesId).toBe('UNRAT');
    expect(server.requestsTo('/fred/series').map((request) => request.query.get('series_id'))).toEqual([
      'UNRATE',
      'UNRAT',
    ]);
  });

  it("loads the other series with onSeriesError: 'skip', and leaves macro_wide out", async () => {
    const data = generatedNineSeries();
    const server = await serve({ series: { UNRATE: data.UNRATE!, CPIAUCSL: data.CPIAUCSL! } });
    const logger = memoryLogger();
    const source = fred(
      apiOptions(server, {
        series: { unemployment_rate: 'UNRATE', typo: 'UNRAT', cpi: 'CPIAUCSL' },
        onSeriesError: 'skip',
        logger,
      }),
    );
    const tables = await extract(source);
    expect(new Set(tables.macro_indicators_raw!.map((row) => row.series))).toEqual(
      new Set(['unemployment_rate', 'cpi']),
    );
    expect(tables.series!.map((row) => row.series)).toEqual(['unemployment_rate', 'cpi']);
    expect(tables.macro_wide).toEqual([]);
    const warnings = logger.lines.filter((line) => line.level === 'warn');
    expect(warnings.map((line) => line.message)).toEqual([
      'FRED series skipped after an error',
      'FRED series skipped after an error',
      'macro_wide not produced in this run: a series failed and would drop out of the join',
    ]);
    expect(warnings[0]!.fields).toMatchObject({ series: 'typo', seriesId: 'UNRAT', data: 'observations' });
    expect(warnings[0]!.fields?.error).toContain("FRED has no series 'UNRAT'");
    expect(warnings[1]!.fields).toMatchObject({ series: 'typo', seriesId: 'UNRAT', data: 'metadata' });
    expect(warnings[2]!.fields).toEqual({ failed: ['typo'] });
    // The failed series was asked for once per endpoint, not once per resource.
    expect(
      server
        .requestsTo('/fred/series/observations')
        .filter((request) => request.query.get('series_id') === 'UNRAT'),
    ).toHaveLength(1);
  });
});

describe('revisions', () => {
  it('a second run upserts revised values over the same (series, date) keys', async () => {
    const server = await serve({
      series: {
        UNRATE: {
          observations: [
            { date: '2021-10-01', value: '4.5' },
            { date: '2021-11-01', value: '4.2' },
            { date: '2021-12-01', value: '3.9' },
          ],
        },
      },
    });
    const raw = () =>
      fred(apiOptions(server, { series: { unemployment_rate: 'UNRATE' } })).resource('macro_indicators_raw');
    const table = new Map<string, Row>();
    upsertInto(table, await rowsOf<Row>(raw()), raw().hints.primaryKey);

    server.setSeries('UNRATE', {
      observations: [
        { date: '2021-10-01', value: '4.5' },
        { date: '2021-11-01', value: '4.1' },
        { date: '2021-12-01', value: '.' },
        { date: '2022-01-01', value: '4.0' },
      ],
    });
    upsertInto(table, await rowsOf<Row>(raw()), raw().hints.primaryKey);
    expect([...table.values()]).toEqual([
      { date: '2021-10-01', series: 'unemployment_rate', value: 4.5 },
      { date: '2021-11-01', series: 'unemployment_rate', value: 4.1 },
      { date: '2021-12-01', series: 'unemployment_rate', value: null },
      { date: '2022-01-01', series: 'unemployment_rate', value: 4 },
    ]);
  });
});

describe('configuration', () => {
  it('turns bad options into readable ConfigurationErrors', () => {
    const bad = (options: FredOptions) => () => fred(options);
    expect(bad({ observationStart: '2024-13-01' })).toThrow(
      "fred(): option 'observationStart' must be a date written YYYY-MM-DD.",
    );
    expect(bad({ observationStart: '2024-02-01', observationEnd: '2024-01-01' })).toThrow(
      /'observationStart' must not be after observationEnd/,
    );
    expect(bad({ concurrency: 0 })).toThrow(/option 'concurrency'/);
    expect(bad({ requestsPerMinute: 500 })).toThrow(/at most 120/);
    expect(bad({ baseUrl: 'not a url' })).toThrow(
      /option 'baseUrl' \(env FRED_BASE_URL\) must be an http\(s\) URL/,
    );
    expect(bad({ mode: 'api' })).toThrow(
      /mode 'api' needs an API key: pass the apiKey option or set FRED_API_KEY/,
    );
    expect(bad({ series: {} })).toThrow(/series option is empty/);
    expect(bad({ series: { CPI: 'CPIAUCSL' } })).toThrow(/series name 'CPI' must be snake_case/);
    expect(bad({ series: { date: 'CPIAUCSL' } })).toThrow(/cannot be named 'date'/);
    expect(bad({ series: ['UNRATE', 'unrate'] })).toThrow(/'unrate' is used twice/);
    expect(bad({ series: { cpi: 'CPI AUCSL' } })).toThrow(/not a FRED series id/);
    expect(bad({ series: { cpi: 'CPIAUCSL' }, missingValues: 'zero' as 'keep' })).toThrow(ConfigurationError);
    try {
      fred({ concurrency: -1 });
    } catch (error) {
      expect(HotdataDltError.isInstance(error) && error.code).toBe('CONFIGURATION_ERROR');
    }
  });

  it('reads FRED_API_KEY and the URLs from the environment; explicit options win', async () => {
    const server = await serve({
      series: { UNRATE: { observations: [{ date: '2020-01-01', value: '3.5' }] } },
    });
    vi.stubEnv('FRED_API_KEY', server.apiKey);
    vi.stubEnv('FRED_BASE_URL', `${server.url}/fred/`);
    const fromEnv = fred({ series: ['UNRATE'], clock: virtualClock() });
    expect(fromEnv.resources.map((item) => item.name)).toContain('series');
    expect(await rowsOf(fromEnv.resource('macro_indicators_raw'))).toEqual([
      { date: '2020-01-01', series: 'unrate', value: 3.5 },
    ]);
    expect(server.requestsTo('/fred/series/observations')).toHaveLength(1);

    // mode 'csv' ignores the key; an explicit csvBaseUrl wins over FRED_CSV_BASE_URL.
    vi.stubEnv('FRED_CSV_BASE_URL', 'http://127.0.0.1:9');
    const csv = fred({ series: ['UNRATE'], mode: 'csv', csvBaseUrl: server.url });
    expect(csv.resources.map((item) => item.name)).toEqual(['macro_indicators_raw', 'macro_wide']);
    expect(await rowsOf(csv.resource('macro_indicators_raw'))).toHaveLength(1);
    expect(server.requestsTo('/graph/fredgraph.csv')).toHaveLength(1);
  });
});
