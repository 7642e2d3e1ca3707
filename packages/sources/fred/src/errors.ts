import { HotdataDltError } from '@hotdata-dlt/core';

/** What went wrong, for branching without parsing messages. */
export type FredErrorKind =
  /** FRED refused the API key (missing, unregistered, HTTP 401/403). */
  | 'auth'
  /** FRED refused the request: unknown series id, bad parameter (HTTP 400). */
  | 'bad_request'
  /** No such series: HTTP 404, or no file for it in `fromDirectory`. */
  | 'not_found'
  /** HTTP 429 after every retry. */
  | 'rate_limited'
  /** HTTP 5xx (or another unexpected status) after every retry. */
  | 'server'
  /** The connection failed or timed out after every retry. */
  | 'network'
  /** The response (or file) is not the JSON / CSV FRED sends. */
  | 'invalid_response';

const CODE_BY_KIND: Record<FredErrorKind, string> = {
  auth: 'FRED_AUTH_FAILED',
  bad_request: 'FRED_BAD_REQUEST',
  not_found: 'FRED_SERIES_NOT_FOUND',
  rate_limited: 'FRED_RATE_LIMITED',
  server: 'FRED_SERVER_ERROR',
  network: 'FRED_NETWORK_ERROR',
  invalid_response: 'FRED_INVALID_RESPONSE',
};

/** Details of a {@link FredError}. */
export interface FredErrorDetails {
  kind: FredErrorKind;
  /** The FRED series id the request was for, when it was for one. */
  seriesId?: string;
  /** The friendly name of that series (the `series` column value). */
  seriesName?: string;
  /** HTTP status, when there was a response. */
  status?: number;
  isRetryable?: boolean;
  cause?: unknown;
}

/**
 * Every failure of the FRED source: a refused API key, an unknown series, a rate limit that outlasted
 * the retries, an unreadable response or file. Messages name the series and say what to do next; they
 * never contain the API key or a request URL (which carries it).
 *
 * @example
 * ```ts
 * try { await p.run(fred()) } catch (error) {
 *   const cause = error instanceof Error ? error.cause : undefined;
 *   if (FredError.isInstance(cause) && cause.kind === 'auth') console.error('Check FRED_API_KEY');
 * }
 * ```
 */
export class FredError extends HotdataDltError {
  readonly kind: FredErrorKind;
  readonly seriesId: string | undefined;
  readonly seriesName: string | undefined;
  readonly status: number | undefined;

  constructor(message: string, details: FredErrorDetails) {
    super(message, {
      code: CODE_BY_KIND[details.kind],
      cause: details.cause,
      isRetryable: details.isRetryable ?? false,
    });
    this.name = 'FredError';
    this.kind = details.kind;
    this.seriesId = details.seriesId;
    this.seriesName = details.seriesName;
    this.status = details.status;
  }

  /** True for a {@link FredError}, also one created by a second copy of this package. */
  static override isInstance(error: unknown): error is FredError {
    return HotdataDltError.isInstance(error) && (error as { name?: unknown }).name === 'FredError';
  }
}
