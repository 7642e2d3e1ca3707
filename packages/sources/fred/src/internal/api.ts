import { redactSecrets } from '@hotdata-dlt/core';
import { z } from 'zod';
import type { SeriesSpec } from '../config.ts';
import { FredError } from '../errors.ts';
import { type ErrorClassifier, getText, type HttpContext, type RequestLabel } from './http.ts';
import { isIsoDate, type Observation, parseFredValue } from './observation.ts';

const ObservationsPageSchema = z.looseObject({
  count: z.number().int().nonnegative().optional(),
  offset: z.number().int().nonnegative().optional(),
  limit: z.number().int().positive().optional(),
  observations: z.array(z.looseObject({ date: z.string(), value: z.string() })),
});

const SeriesMetadataSchema = z.looseObject({
  id: z.string(),
  title: z.string().optional(),
  observation_start: z.string().optional(),
  observation_end: z.string().optional(),
  frequency: z.string().optional(),
  frequency_short: z.string().optional(),
  units: z.string().optional(),
  units_short: z.string().optional(),
  seasonal_adjustment: z.string().optional(),
  seasonal_adjustment_short: z.string().optional(),
  last_updated: z.string().optional(),
  popularity: z.number().optional(),
  notes: z.string().optional(),
});

const SeriesResponseSchema = z.looseObject({ seriess: z.array(SeriesMetadataSchema) });

const ErrorBodySchema = z.looseObject({
  error_code: z.union([z.number(), z.string()]).optional(),
  error_message: z.string().optional(),
});

/** A row of the `series` table. */
export interface SeriesMetadataRow {
  series: string;
  series_id: string;
  title: string | null;
  frequency: string | null;
  frequency_short: string | null;
  units: string | null;
  units_short: string | null;
  seasonal_adjustment: string | null;
  seasonal_adjustment_short: string | null;
  observation_start: string | null;
  observation_end: string | null;
  last_updated: string | null;
  popularity: number | null;
  notes: string | null;
}

/**
 * FRED's error message from a body: JSON `{"error_code", "error_message"}` whatever the content type
 * (FRED's own docs label it text/xml), or the XML form `<error code=".." message=".."/>`.
 */
export function fredErrorMessage(body: string): string | undefined {
  const trimmed = body.trim();
  if (trimmed.startsWith('{')) {
    try {
      const parsed = ErrorBodySchema.safeParse(JSON.parse(trimmed));
      if (parsed.success && parsed.data.error_message) return parsed.data.error_message;
    } catch {
      return undefined;
    }
  }
  const xml = /<error\b[^>]*\bmessage="([^"]*)"/i.exec(trimmed);
  return xml?.[1]
    ?.replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/**
 * Classifies an API error as PostHog's FRED source does: 401/403, or a 400 whose message mentions
 * `api_key`, is an authentication failure; another 400 a bad request (unknown series, bad parameter);
 * the rest API errors (429 and 5xx are retried by the caller).
 */
export function classifyApiError(apiKey: string | undefined): ErrorClassifier {
  return (status, body, label) => {
    const secrets = apiKey ? [apiKey] : [];
    const raw = fredErrorMessage(body);
    const message = raw === undefined ? undefined : redactSecrets(raw.replace(/\s+/g, ' ').trim(), secrets);
    const said = message ? `: ${message.replace(/\.+$/, '')}` : '';
    const series = `series ${label.spec.id} (${label.spec.name})`;
    const common = { seriesId: label.spec.id, seriesName: label.spec.name, status };
    if (status === 401 || status === 403 || (status === 400 && /api_key/i.test(message ?? ''))) {
      return new FredError(
        `FRED refused the API key (HTTP ${status}${said}). Check the apiKey option or FRED_API_KEY: a key is 32 lower-case letters and digits (free at https://fred.stlouisfed.org/docs/api/api_key.html), or drop it to use the no-key CSV download.`,
        { kind: 'auth', ...common },
      );
    }
    if (status === 400) {
      const unknownSeries = /series does not exist/i.test(message ?? '');
      return new FredError(
        unknownSeries
          ? `FRED has no series '${label.spec.id}' (the '${label.spec.name}' entry of the series option)${said}. Check the id on https://fred.stlouisfed.org (ids look like 'UNRATE').`
          : `FRED rejected the request for ${series} (HTTP 400${said}). Check the series id and the observationStart / observationEnd options.`,
        { kind: 'bad_request', ...common },
      );
    }
    if (status === 404) {
      return new FredError(
        `FRED answered 404 for ${series} on ${label.endpoint}${said}. Check the series id and the baseUrl option.`,
        { kind: 'not_found', ...common },
      );
    }
    if (status === 429) {
      return new FredError(
        `FRED rate-limited the requests for ${series} (HTTP 429${said}). FRED allows 120 requests a minute per key: lower requestsPerMinute or concurrency, or run again later.`,
        { kind: 'rate_limited', ...common, isRetryable: true },
      );
    }
    return new FredError(`FRED failed to answer for ${series} (HTTP ${status}${said}). Run again later.`, {
      kind: 'server',
      ...common,
      isRetryable: status >= 500,
    });
  };
}

function invalidResponse(spec: SeriesSpec, endpoint: string, detail: string, cause?: unknown): FredError {
  return new FredError(
    `FRED sent an unexpected response for series ${spec.id} (${spec.name}) on ${endpoint}: ${detail}. Check the baseUrl option (it should point at the FRED API root).`,
    { kind: 'invalid_response', seriesId: spec.id, seriesName: spec.name, cause },
  );
}

function parseJson(text: string, spec: SeriesSpec, endpoint: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw invalidResponse(spec, endpoint, 'the body is not JSON', error);
  }
}

function apiUrl(http: HttpContext, path: string, params: Record<string, string | undefined>): URL {
  const url = new URL(`${http.config.baseUrl}${path}`);
  for (const [name, value] of Object.entries(params))
    if (value !== undefined) url.searchParams.set(name, value);
  return url;
}

/**
 * Every observation of a series through `GET /fred/series/observations`, paged with limit/offset until a
 * page comes back short (or `count` is reached). `"."` becomes null.
 */
export async function fetchApiObservations(http: HttpContext, spec: SeriesSpec): Promise<Observation[]> {
  const { config } = http;
  const endpoint = '/fred/series/observations';
  const classify = classifyApiError(config.apiKey);
  const observations: Observation[] = [];
  for (let offset = 0; ; ) {
    const url = apiUrl(http, endpoint, {
      series_id: spec.id,
      api_key: config.apiKey,
      file_type: 'json',
      observation_start: config.observationStart,
      observation_end: config.observationEnd,
      sort_order: 'asc',
      limit: String(config.pageSize),
      offset: String(offset),
    });
    const label: RequestLabel = { spec, endpoint, fields: { offset } };
    const body = await getText(http, url, label, classify);
    const parsed = ObservationsPageSchema.safeParse(parseJson(body, spec, endpoint));
    if (!parsed.success) {
      throw invalidResponse(spec, endpoint, `no observations list (${parsed.error.issues[0]?.message})`);
    }
    const page = parsed.data.observations;
    for (const [position, item] of page.entries()) {
      const value = parseFredValue(item.value);
      if (!isIsoDate(item.date) || value === undefined) {
        throw invalidResponse(
          spec,
          endpoint,
          `observation ${offset + position} is ${JSON.stringify({ date: item.date, value: item.value }).slice(0, 120)}`,
        );
      }
      observations.push({ date: item.date, value });
    }
    offset += page.length;
    const count = parsed.data.count;
    if (page.length < config.pageSize || page.length === 0 || (count !== undefined && offset >= count)) break;
  }
  return observations;
}

/** `YYYY-MM-DD HH:MM:SS±HH` (Central time, no minutes) as an ISO-8601 UTC timestamp, or null. */
export function parseLastUpdated(text: string | undefined): string | null {
  if (!text) return null;
  const match = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:([+-])(\d{2})(?::?(\d{2}))?|Z)?$/.exec(
    text.trim(),
  );
  if (!match) return null;
  const [, date, time, sign, hours, minutes] = match;
  const offset = sign ? `${sign}${hours}:${minutes ?? '00'}` : 'Z';
  const parsed = new Date(`${date}T${time}${offset}`);
  return Number.isNaN(parsed.getTime()) ? null : parsed.toISOString();
}

/** The series' metadata through `GET /fred/series`, as a row of the `series` table. */
export async function fetchApiSeriesMetadata(
  http: HttpContext,
  spec: SeriesSpec,
): Promise<SeriesMetadataRow> {
  const endpoint = '/fred/series';
  const url = apiUrl(http, endpoint, { series_id: spec.id, api_key: http.config.apiKey, file_type: 'json' });
  const body = await getText(http, url, { spec, endpoint }, classifyApiError(http.config.apiKey));
  const parsed = SeriesResponseSchema.safeParse(parseJson(body, spec, endpoint));
  if (!parsed.success) {
    throw invalidResponse(spec, endpoint, `no 'seriess' list (${parsed.error.issues[0]?.message})`);
  }
  const item = parsed.data.seriess.find((candidate) => candidate.id.toUpperCase() === spec.id);
  if (!item) throw invalidResponse(spec, endpoint, `the 'seriess' list has no entry ${spec.id}`);
  const dateOrNull = (value: string | undefined) => (isIsoDate(value) ? value : null);
  return {
    series: spec.name,
    series_id: spec.id,
    title: item.title ?? null,
    frequency: item.frequency ?? null,
    frequency_short: item.frequency_short ?? null,
    units: item.units ?? null,
    units_short: item.units_short ?? null,
    seasonal_adjustment: item.seasonal_adjustment ?? null,
    seasonal_adjustment_short: item.seasonal_adjustment_short ?? null,
    observation_start: dateOrNull(item.observation_start),
    observation_end: dateOrNull(item.observation_end),
    last_updated: parseLastUpdated(item.last_updated),
    popularity: item.popularity ?? null,
    notes: item.notes ?? null,
  };
}
