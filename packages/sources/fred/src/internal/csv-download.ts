import type { SeriesSpec } from '../config.ts';
import { FredError } from '../errors.ts';
import { parseFredgraphCsv } from './csv.ts';
import { type ErrorClassifier, getText, type HttpContext } from './http.ts';
import { type Observation, withinRange } from './observation.ts';

const classifyCsvError: ErrorClassifier = (status, _body, label) => {
  const series = `series ${label.spec.id} (${label.spec.name})`;
  const common = { seriesId: label.spec.id, seriesName: label.spec.name, status };
  if (status === 404 || status === 400) {
    return new FredError(
      `The FRED download (fredgraph.csv) has no ${series} (HTTP ${status}). Check the id on https://fred.stlouisfed.org (ids look like 'UNRATE').`,
      { kind: status === 404 ? 'not_found' : 'bad_request', ...common },
    );
  }
  if (status === 429) {
    return new FredError(
      `FRED rate-limited the CSV download of ${series} (HTTP 429). Lower concurrency, or run again later.`,
      { kind: 'rate_limited', ...common, isRetryable: true },
    );
  }
  return new FredError(`The FRED CSV download of ${series} failed (HTTP ${status}). Run again later.`, {
    kind: 'server',
    ...common,
    isRetryable: status >= 500,
  });
};

/**
 * A series through the no-key `GET /graph/fredgraph.csv?id=<ID>` download (with `cosd` / `coed` for
 * the date bounds, which are applied again locally).
 */
export async function fetchCsvObservations(http: HttpContext, spec: SeriesSpec): Promise<Observation[]> {
  const { config } = http;
  const endpoint = '/graph/fredgraph.csv';
  const url = new URL(`${config.csvBaseUrl}${endpoint}`);
  url.searchParams.set('id', spec.id);
  if (config.observationStart) url.searchParams.set('cosd', config.observationStart);
  if (config.observationEnd) url.searchParams.set('coed', config.observationEnd);
  const body = await getText(http, url, { spec, endpoint }, classifyCsvError);
  const observations = parseFredgraphCsv(body, { ...spec, origin: 'the fredgraph.csv download' });
  return withinRange(observations, config.observationStart, config.observationEnd);
}
