import { type RecordedRequest, type ReplayResponse, type ReplayServer, startReplayServer } from './server.ts';

/** The API key the FRED replay server accepts by default (32 lower-case letters and digits, like a real one). */
export const FRED_REPLAY_API_KEY = 'replaykey0123456789abcdefghijklm';

/** FRED's own error messages (two spaces after each sentence, as FRED writes them). */
export const FRED_ERROR_MESSAGES = Object.freeze({
  missingKey: 'Bad Request.  Variable api_key has not been set.',
  unregisteredKey:
    'Bad Request.  The value for variable api_key is not registered.  Read https://fred.stlouisfed.org/docs/api/api_key.html for more information.',
  unknownSeries: 'Bad Request.  The series does not exist.',
  missingSeriesId: 'Bad Request.  Variable series_id is not set.',
  rateLimited: 'Too Many Requests.  Exceeded Rate Limit',
  serverError: 'Internal Server Error.',
});

/** One series the replay server knows, given in any of the shapes FRED serves. */
export interface FredReplaySeries {
  /** Observations as published: value text (`'4.0'`), a number, or `null` / `''` / `'.'` for no value. */
  observations?: ReadonlyArray<{ date: string; value: string | number | null }>;
  /**
   * A recorded fredgraph CSV (either header format): served byte for byte on `/graph/fredgraph.csv`
   * when no date bounds are asked, and converted to API observations (missing → `"."`).
   */
  csv?: string;
  /**
   * A recorded `/fred/series/observations` JSON response: served byte for byte when a request asks for
   * exactly what it holds, re-paged from its observations otherwise. Takes precedence over `csv` for
   * the API.
   */
  apiJson?: string;
  /** Fields of the `/fred/series` entry; missing ones are derived from the observations. */
  metadata?: Record<string, unknown>;
}

/** Options of {@link startFredReplayServer}. */
export interface FredReplayOptions {
  /** Series by FRED id. */
  series: Record<string, FredReplaySeries>;
  /** Keys the API accepts. Default `[FRED_REPLAY_API_KEY]`. */
  apiKeys?: readonly string[];
  /** Generated CSV: `current` (`observation_date` header, empty missing values) or `legacy` (`DATE`, `.`). Default `current`. */
  csvFormat?: 'current' | 'legacy';
  /** Line ending of generated CSV. Default `\n`. */
  csvLineEnding?: '\n' | '\r\n';
  /** Content type of API error bodies (always JSON). FRED's docs show `text/xml;charset=utf-8`. Default `application/json; charset=UTF-8`. */
  errorContentType?: string;
  /** Inject a rate limit on the API: more than `requests` per key within `windowMs` answer 429. */
  rateLimit?: { requests: number; windowMs: number; now?: () => number };
  /** `realtime_start` / `realtime_end` of generated API responses. Default `2026-02-16`. */
  realtime?: string;
}

/** A running FRED replay server: the API and the fredgraph.csv download on one loopback port. */
export interface FredReplayServer extends ReplayServer {
  /** A key the API accepts. */
  readonly apiKey: string;
  /** Adds or replaces a series (e.g. revised values before a second run). */
  setSeries(id: string, series: FredReplaySeries): void;
  /** Removes a series: later requests for it answer "does not exist". */
  removeSeries(id: string): void;
  /** Recorded requests to one path, e.g. `/fred/series/observations`. */
  requestsTo(path: string): RecordedRequest[];
}

interface StoredObservation {
  date: string;
  /** FRED's value text; `undefined` = no value. */
  text: string | undefined;
}

interface StoredSeries {
  observations: StoredObservation[];
  apiObservations: StoredObservation[];
  csv: string | undefined;
  apiJson: { raw: string; parsed: Record<string, unknown> } | undefined;
  metadata: Record<string, unknown>;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

function missing(text: string): boolean {
  const trimmed = text.trim();
  return trimmed === '' || trimmed === '.';
}

/** Parses a fredgraph CSV of one series (either header format) into dated value texts. */
export function parseFredgraphCsvForReplay(text: string): Array<{ date: string; value: string | null }> {
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/);
  const rows: Array<{ date: string; value: string | null }> = [];
  for (const line of lines.slice(1)) {
    if (line.trim() === '') continue;
    const [date = '', value = ''] = line.split(',');
    rows.push({ date: date.trim(), value: missing(value) ? null : value.trim() });
  }
  return rows;
}

function toStored(observations: ReadonlyArray<{ date: string; value: string | number | null }>) {
  return observations.map((item) => ({
    date: item.date,
    text:
      item.value === null || (typeof item.value === 'string' && missing(item.value))
        ? undefined
        : String(item.value),
  }));
}

function store(series: FredReplaySeries): StoredSeries {
  let apiJson: StoredSeries['apiJson'];
  let fromJson: StoredObservation[] | undefined;
  if (series.apiJson !== undefined) {
    const parsed = JSON.parse(series.apiJson) as Record<string, unknown>;
    apiJson = { raw: series.apiJson, parsed };
    fromJson = toStored((parsed.observations as Array<{ date: string; value: string }>) ?? []);
  }
  const fromCsv = series.csv === undefined ? undefined : toStored(parseFredgraphCsvForReplay(series.csv));
  const observations = series.observations ? toStored(series.observations) : (fromCsv ?? fromJson ?? []);
  return {
    observations: fromCsv ?? observations,
    apiObservations: fromJson ?? observations,
    csv: series.csv,
    apiJson,
    metadata: series.metadata ?? {},
  };
}

function frequencyOf(observations: StoredObservation[]): { frequency: string; frequency_short: string } {
  const gaps: number[] = [];
  for (let index = 1; index < Math.min(observations.length, 60); index++) {
    gaps.push(
      (Date.parse(observations[index]!.date) - Date.parse(observations[index - 1]!.date)) / 86_400_000,
    );
  }
  gaps.sort((a, b) => a - b);
  const median = gaps[Math.floor(gaps.length / 2)] ?? 30;
  if (median <= 3) return { frequency: 'Daily', frequency_short: 'D' };
  if (median <= 8) return { frequency: 'Weekly', frequency_short: 'W' };
  if (median <= 31) return { frequency: 'Monthly', frequency_short: 'M' };
  if (median <= 92) return { frequency: 'Quarterly', frequency_short: 'Q' };
  return { frequency: 'Annual', frequency_short: 'A' };
}

/**
 * Starts a loopback server speaking FRED: `GET /fred/series/observations` (api_key, series_id,
 * file_type=json, observation_start/end, sort_order, limit/offset paging; `"."` for missing values;
 * `count` after date filtering), `GET /fred/series` (`seriess`), and the no-key
 * `GET /graph/fredgraph.csv?id=A[,B]` (outer join, `cosd`/`coed`, current or legacy format). Errors use
 * FRED's JSON body. `fail()` scripts 429s, 5xx and dropped connections; `rateLimit` injects a limit.
 *
 * @example
 * ```ts
 * const server = await startFredReplayServer({ series: { UNRATE: { csv: readFileSync(path, 'utf8') } } });
 * const source = fred({ apiKey: server.apiKey, baseUrl: server.url, series: ['UNRATE'] });
 * ```
 */
export async function startFredReplayServer(options: FredReplayOptions): Promise<FredReplayServer> {
  const series = new Map<string, StoredSeries>();
  for (const [id, input] of Object.entries(options.series)) series.set(id.toUpperCase(), store(input));
  const apiKeys = new Set(options.apiKeys ?? [FRED_REPLAY_API_KEY]);
  const realtime = options.realtime ?? '2026-02-16';
  const errorContentType = options.errorContentType ?? 'application/json; charset=UTF-8';
  const lineEnding = options.csvLineEnding ?? '\n';
  const legacy = options.csvFormat === 'legacy';
  const hits = new Map<string, number[]>();

  const error = (status: number, message: string): ReplayResponse => ({
    status,
    headers: { 'content-type': errorContentType },
    body: JSON.stringify({ error_code: status, error_message: message }, null, 4),
  });

  const authorize = (request: RecordedRequest): ReplayResponse | undefined => {
    const key = request.query.get('api_key');
    if (!key) return error(400, FRED_ERROR_MESSAGES.missingKey);
    if (!apiKeys.has(key)) return error(400, FRED_ERROR_MESSAGES.unregisteredKey);
    if (options.rateLimit) {
      const now = (options.rateLimit.now ?? Date.now)();
      const recent = (hits.get(key) ?? []).filter((at) => at > now - options.rateLimit!.windowMs);
      if (recent.length >= options.rateLimit.requests) {
        hits.set(key, recent);
        return error(429, FRED_ERROR_MESSAGES.rateLimited);
      }
      recent.push(now);
      hits.set(key, recent);
    }
    if ((request.query.get('file_type') ?? 'xml') !== 'json') {
      return error(400, 'Bad Request.  This replay server only serves file_type=json.');
    }
    return undefined;
  };

  const lookup = (request: RecordedRequest): StoredSeries | ReplayResponse => {
    const id = request.query.get('series_id');
    if (!id) return error(400, FRED_ERROR_MESSAGES.missingSeriesId);
    return series.get(id.toUpperCase()) ?? error(400, FRED_ERROR_MESSAGES.unknownSeries);
  };

  const observationsRoute = (request: RecordedRequest): ReplayResponse => {
    const denied = authorize(request);
    if (denied) return denied;
    const found = lookup(request);
    if (!('observations' in found)) return found;
    const query = request.query;
    const start = query.get('observation_start') ?? '1600-01-01';
    const end = query.get('observation_end') ?? '9999-12-31';
    for (const [name, value] of [
      ['observation_start', start],
      ['observation_end', end],
    ] as const) {
      if (!ISO_DATE.test(value)) {
        return error(400, `Bad Request.  Variable ${name} is not a valid date in YYYY-MM-DD format.`);
      }
    }
    const sortOrder = query.get('sort_order') ?? 'asc';
    if (sortOrder !== 'asc' && sortOrder !== 'desc') {
      return error(400, "Bad Request.  Variable sort_order is not one of the values: 'asc', 'desc'.");
    }
    const limit = Number(query.get('limit') ?? '100000');
    if (!Number.isInteger(limit) || limit < 1 || limit > 100_000) {
      return error(400, 'Bad Request.  Variable limit is not between 1 and 100000.');
    }
    const offset = Number(query.get('offset') ?? '0');
    if (!Number.isInteger(offset) || offset < 0) {
      return error(400, 'Bad Request.  Variable offset is not a non-negative integer.');
    }
    const matching = found.apiObservations.filter((item) => item.date >= start && item.date <= end);
    if (sortOrder === 'desc') matching.reverse();
    const recorded = found.apiJson?.parsed;
    if (
      recorded &&
      offset === 0 &&
      sortOrder === (recorded.sort_order ?? 'asc') &&
      start === recorded.observation_start &&
      end === recorded.observation_end &&
      limit >= matching.length
    ) {
      return {
        headers: { 'content-type': 'application/json; charset=UTF-8' },
        body: found.apiJson!.raw,
      };
    }
    return {
      body: {
        realtime_start: realtime,
        realtime_end: realtime,
        observation_start: start,
        observation_end: end,
        units: 'lin',
        output_type: 1,
        file_type: 'json',
        order_by: 'observation_date',
        sort_order: sortOrder,
        count: matching.length,
        offset,
        limit,
        observations: matching.slice(offset, offset + limit).map((item) => ({
          realtime_start: realtime,
          realtime_end: realtime,
          date: item.date,
          value: item.text ?? '.',
        })),
      },
    };
  };

  const seriesRoute = (request: RecordedRequest): ReplayResponse => {
    const denied = authorize(request);
    if (denied) return denied;
    const found = lookup(request);
    if (!('observations' in found)) return found;
    const id = request.query.get('series_id')!.toUpperCase();
    const observations = found.apiObservations;
    return {
      body: {
        realtime_start: realtime,
        realtime_end: realtime,
        seriess: [
          {
            id,
            realtime_start: realtime,
            realtime_end: realtime,
            title: `Replayed series ${id}`,
            observation_start: observations[0]?.date ?? '1776-07-04',
            observation_end: observations.at(-1)?.date ?? '9999-12-31',
            ...frequencyOf(observations),
            units: 'Index',
            units_short: 'Index',
            seasonal_adjustment: 'Not Seasonally Adjusted',
            seasonal_adjustment_short: 'NSA',
            last_updated: `${realtime} 07:51:02-06`,
            popularity: 50,
            notes: '',
            ...found.metadata,
          },
        ],
      },
    };
  };

  const csvRoute = (request: RecordedRequest): ReplayResponse => {
    const ids = (request.query.get('id') ?? '')
      .split(',')
      .map((id) => id.trim().toUpperCase())
      .filter(Boolean);
    if (ids.length === 0) {
      return { status: 400, headers: { 'content-type': 'text/plain' }, body: 'Missing id parameter.' };
    }
    const selected: StoredSeries[] = [];
    for (const id of ids) {
      const found = series.get(id);
      if (!found) {
        return {
          status: 404,
          headers: { 'content-type': 'text/html; charset=UTF-8' },
          body: `<!DOCTYPE html><html><head><title>FRED | Error</title></head><body><h1>Series ${id} not found</h1></body></html>`,
        };
      }
      selected.push(found);
    }
    const start = request.query.get('cosd') ?? undefined;
    const end = request.query.get('coed') ?? undefined;
    if (selected.length === 1 && selected[0]!.csv !== undefined && !start && !end) {
      return { headers: { 'content-type': 'text/csv' }, body: selected[0]!.csv };
    }
    const byDate = new Map<string, Array<string | undefined>>();
    selected.forEach((item, column) => {
      for (const observation of item.observations) {
        if ((start && observation.date < start) || (end && observation.date > end)) continue;
        const row = byDate.get(observation.date) ?? new Array<string | undefined>(selected.length);
        row[column] = observation.text;
        byDate.set(observation.date, row);
      }
    });
    const empty = legacy ? '.' : '';
    const lines = [[legacy ? 'DATE' : 'observation_date', ...ids].join(',')];
    for (const date of [...byDate.keys()].sort()) {
      const row = byDate.get(date)!;
      lines.push([date, ...ids.map((_, column) => row[column] ?? empty)].join(','));
    }
    return { headers: { 'content-type': 'text/csv' }, body: lines.join(lineEnding) + lineEnding };
  };

  const server = await startReplayServer((request) => {
    if (request.method !== 'GET') return { status: 405, body: 'Method not allowed' };
    if (request.path === '/fred/series/observations') return observationsRoute(request);
    if (request.path === '/fred/series') return seriesRoute(request);
    if (request.path === '/graph/fredgraph.csv') return csvRoute(request);
    return {
      status: 404,
      headers: { 'content-type': 'text/html' },
      body: '<html><body>Not Found</body></html>',
    };
  });

  return {
    get url() {
      return server.url;
    },
    get requests() {
      return server.requests;
    },
    apiKey: [...apiKeys][0] ?? FRED_REPLAY_API_KEY,
    fail: (...faults) => server.fail(...faults),
    close: () => server.close(),
    setSeries(id, input) {
      series.set(id.toUpperCase(), store(input));
    },
    removeSeries(id) {
      series.delete(id.toUpperCase());
    },
    requestsTo(path) {
      return server.requests.filter((request) => request.path === path);
    },
  };
}

/** A FRED JSON error response (for `fail()`), e.g. `fredErrorResponse(429, FRED_ERROR_MESSAGES.rateLimited)`. */
export function fredErrorResponse(
  status: number,
  message: string,
  options: { contentType?: string; headers?: Record<string, string> } = {},
): ReplayResponse {
  return {
    status,
    headers: { 'content-type': options.contentType ?? 'application/json; charset=UTF-8', ...options.headers },
    body: JSON.stringify({ error_code: status, error_message: message }),
  };
}
