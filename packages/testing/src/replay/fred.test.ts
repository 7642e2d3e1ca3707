import { afterEach, describe, expect, it } from 'vitest';
import {
  FRED_ERROR_MESSAGES,
  FRED_REPLAY_API_KEY,
  type FredReplayOptions,
  type FredReplayServer,
  fredErrorResponse,
  startFredReplayServer,
} from './fred.ts';

let server: FredReplayServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const CPI_CSV =
  'observation_date,CPIAUCSL\n2025-08-01,323.364\n2025-09-01,324.245\n2025-10-01,\n2025-11-01,325.063\n';
const UNRATE_JSON = JSON.stringify({
  realtime_start: '2025-11-20',
  realtime_end: '2025-11-20',
  observation_start: '2025-07-01',
  observation_end: '9999-12-31',
  units: 'lin',
  output_type: 1,
  file_type: 'json',
  order_by: 'observation_date',
  sort_order: 'asc',
  count: 3,
  offset: 0,
  limit: 100000,
  observations: [
    { realtime_start: '2025-11-20', realtime_end: '2025-11-20', date: '2025-07-01', value: '4.2' },
    { realtime_start: '2025-11-20', realtime_end: '2025-11-20', date: '2025-08-01', value: '4.3' },
    { realtime_start: '2025-11-20', realtime_end: '2025-11-20', date: '2025-09-01', value: '4.4' },
  ],
});

async function start(options: Partial<FredReplayOptions> = {}): Promise<FredReplayServer> {
  server = await startFredReplayServer({
    series: { CPIAUCSL: { csv: CPI_CSV }, UNRATE: { apiJson: UNRATE_JSON } },
    ...options,
  });
  return server;
}

async function get(path: string, query: Record<string, string>) {
  const response = await fetch(`${server!.url}${path}?${new URLSearchParams(query)}`);
  return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
}

const observations = (query: Record<string, string>) =>
  get('/fred/series/observations', { file_type: 'json', api_key: FRED_REPLAY_API_KEY, ...query });

describe('startFredReplayServer: the API', () => {
  it('answers auth and series errors with FRED’s JSON error bodies', async () => {
    await start({ errorContentType: 'text/xml;charset=utf-8' });
    const missingKey = await get('/fred/series/observations', { series_id: 'CPIAUCSL', file_type: 'json' });
    expect(missingKey.status).toBe(400);
    expect(missingKey.type).toBe('text/xml;charset=utf-8');
    expect(JSON.parse(missingKey.text)).toEqual({
      error_code: 400,
      error_message: FRED_ERROR_MESSAGES.missingKey,
    });
    const badKey = await observations({ series_id: 'CPIAUCSL', api_key: 'x'.repeat(32) });
    expect(JSON.parse(badKey.text).error_message).toContain('api_key is not registered');
    const unknown = await observations({ series_id: 'NOPE' });
    expect([unknown.status, JSON.parse(unknown.text).error_message]).toEqual([
      400,
      FRED_ERROR_MESSAGES.unknownSeries,
    ]);
    expect((await observations({ series_id: 'CPIAUCSL', limit: '0' })).status).toBe(400);
  });

  it('converts CSV data to observations ("." for missing), pages them and echoes the request', async () => {
    await start();
    const page = JSON.parse((await observations({ series_id: 'CPIAUCSL', limit: '2', offset: '2' })).text);
    expect(page).toMatchObject({
      count: 4,
      offset: 2,
      limit: 2,
      sort_order: 'asc',
      observation_start: '1600-01-01',
    });
    expect(page.observations.map((item: { date: string; value: string }) => [item.date, item.value])).toEqual(
      [
        ['2025-10-01', '.'],
        ['2025-11-01', '325.063'],
      ],
    );
    const bounded = JSON.parse(
      (await observations({ series_id: 'CPIAUCSL', observation_start: '2025-09-01', sort_order: 'desc' }))
        .text,
    );
    expect(bounded.count).toBe(3);
    expect(bounded.observations.map((item: { date: string }) => item.date)).toEqual([
      '2025-11-01',
      '2025-10-01',
      '2025-09-01',
    ]);
  });

  it('replays a recorded JSON response byte for byte when asked exactly for it, and re-pages it otherwise', async () => {
    await start();
    expect((await observations({ series_id: 'UNRATE', observation_start: '2025-07-01' })).text).toBe(
      UNRATE_JSON,
    );
    const paged = JSON.parse(
      (await observations({ series_id: 'UNRATE', observation_start: '2025-07-01', limit: '1' })).text,
    );
    expect(paged.observations).toHaveLength(1);
    expect(paged.count).toBe(3);
    expect(paged.realtime_start).toBe('2026-02-16');
  });

  it('serves series metadata derived from the data, with overrides', async () => {
    await start({ series: { CPIAUCSL: { csv: CPI_CSV, metadata: { title: 'CPI', popularity: 94 } } } });
    const body = JSON.parse(
      (await get('/fred/series', { series_id: 'cpiaucsl', api_key: FRED_REPLAY_API_KEY, file_type: 'json' }))
        .text,
    );
    expect(body.seriess).toHaveLength(1);
    expect(body.seriess[0]).toMatchObject({
      id: 'CPIAUCSL',
      title: 'CPI',
      popularity: 94,
      frequency_short: 'M',
      observation_start: '2025-08-01',
      observation_end: '2025-11-01',
    });
  });

  it('injects a rate limit per key and scripted faults', async () => {
    let now = 0;
    await start({ rateLimit: { requests: 2, windowMs: 60_000, now: () => now } });
    expect((await observations({ series_id: 'CPIAUCSL' })).status).toBe(200);
    expect((await observations({ series_id: 'CPIAUCSL' })).status).toBe(200);
    const limited = await observations({ series_id: 'CPIAUCSL' });
    expect([limited.status, JSON.parse(limited.text).error_code]).toEqual([429, 429]);
    now = 60_001;
    expect((await observations({ series_id: 'CPIAUCSL' })).status).toBe(200);

    server!.fail({ response: fredErrorResponse(500, FRED_ERROR_MESSAGES.serverError) });
    expect((await observations({ series_id: 'CPIAUCSL' })).status).toBe(500);
  });
});

describe('startFredReplayServer: fredgraph.csv', () => {
  it('serves a recorded CSV verbatim, and generated ones in the current or legacy format', async () => {
    await start({
      series: { CPIAUCSL: { csv: CPI_CSV }, UNRATE: { observations: [{ date: '2025-09-01', value: 4.4 }] } },
    });
    const verbatim = await get('/graph/fredgraph.csv', { id: 'CPIAUCSL' });
    expect([verbatim.status, verbatim.type, verbatim.text]).toEqual([200, 'text/csv', CPI_CSV]);
    const joined = await get('/graph/fredgraph.csv', {
      id: 'CPIAUCSL,UNRATE',
      cosd: '2025-09-01',
      coed: '2025-10-31',
    });
    expect(joined.text).toBe('observation_date,CPIAUCSL,UNRATE\n2025-09-01,324.245,4.4\n2025-10-01,,\n');
    const unknown = await get('/graph/fredgraph.csv', { id: 'NOPE' });
    expect([unknown.status, unknown.type]).toEqual([404, 'text/html; charset=UTF-8']);
    await server!.close();

    await start({ series: { CPIAUCSL: { csv: CPI_CSV } }, csvFormat: 'legacy', csvLineEnding: '\r\n' });
    const legacy = await get('/graph/fredgraph.csv', { id: 'CPIAUCSL', cosd: '2025-10-01' });
    expect(legacy.text).toBe('DATE,CPIAUCSL\r\n2025-10-01,.\r\n2025-11-01,325.063\r\n');
  });

  it('replaces and removes series between runs', async () => {
    await start();
    server!.setSeries('cpiaucsl', { observations: [{ date: '2025-08-01', value: '323.5' }] });
    expect((await get('/graph/fredgraph.csv', { id: 'CPIAUCSL' })).text).toBe(
      'observation_date,CPIAUCSL\n2025-08-01,323.5\n',
    );
    server!.removeSeries('CPIAUCSL');
    expect((await observations({ series_id: 'CPIAUCSL' })).status).toBe(400);
    expect(server!.requestsTo('/graph/fredgraph.csv')).toHaveLength(1);
  });
});
