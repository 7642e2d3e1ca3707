import { DestinationError } from '@hotdata-dlt/core';

/** What went wrong, for branching without parsing messages. */
export type HotdataApiErrorKind =
  | 'bad_request'
  | 'auth'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'locked'
  | 'too_large'
  | 'rate_limited'
  | 'unsupported'
  | 'server'
  | 'network'
  | 'timeout'
  | 'ambiguous'
  | 'job_failed'
  | 'invalid_response'
  | 'aborted';

export interface HotdataApiErrorDetails {
  kind: HotdataApiErrorKind;
  /** HTTP method of the request (never its headers). */
  method: string;
  /** Path of the request, without query string or host. */
  path: string;
  status?: number;
  /** The API's `error.code` (e.g. `RESOURCE_LOCKED`), when the body had one. */
  apiCode?: string;
  isRetryable?: boolean;
  /** Seconds the server asked to wait (`Retry-After`). */
  retryAfterSeconds?: number;
  cause?: unknown;
}

const CODE_BY_KIND: Record<HotdataApiErrorKind, string> = {
  bad_request: 'HOTDATA_BAD_REQUEST',
  auth: 'HOTDATA_UNAUTHORIZED',
  forbidden: 'HOTDATA_FORBIDDEN',
  not_found: 'HOTDATA_NOT_FOUND',
  conflict: 'HOTDATA_CONFLICT',
  locked: 'HOTDATA_RESOURCE_LOCKED',
  too_large: 'HOTDATA_PAYLOAD_TOO_LARGE',
  rate_limited: 'HOTDATA_RATE_LIMITED',
  unsupported: 'HOTDATA_UNSUPPORTED',
  server: 'HOTDATA_SERVER_ERROR',
  network: 'HOTDATA_NETWORK_ERROR',
  timeout: 'HOTDATA_TIMEOUT',
  ambiguous: 'HOTDATA_AMBIGUOUS_RESULT',
  job_failed: 'HOTDATA_JOB_FAILED',
  invalid_response: 'HOTDATA_INVALID_RESPONSE',
  aborted: 'HOTDATA_ABORTED',
};

/**
 * Every failure of a Hotdata API call: HTTP status, the API's `code`, the request's method and path
 * (never its headers or token), and whether retrying can help. `kind` says what went wrong.
 *
 * @example
 * ```ts
 * try { await client.databases.get(id) } catch (error) {
 *   if (HotdataApiError.isInstance(error) && error.kind === 'not_found') createIt();
 * }
 * ```
 */
export class HotdataApiError extends DestinationError {
  readonly kind: HotdataApiErrorKind;
  readonly method: string;
  readonly path: string;
  readonly status: number | undefined;
  readonly apiCode: string | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(message: string, details: HotdataApiErrorDetails) {
    super(message, {
      code: CODE_BY_KIND[details.kind],
      cause: details.cause,
      isRetryable: details.isRetryable ?? false,
    });
    this.name = 'HotdataApiError';
    this.kind = details.kind;
    this.method = details.method;
    this.path = details.path;
    this.status = details.status;
    this.apiCode = details.apiCode;
    this.retryAfterSeconds = details.retryAfterSeconds;
  }

  static override isInstance(error: unknown): error is HotdataApiError {
    return (
      DestinationError.isInstance(error) &&
      typeof (error as { kind?: unknown }).kind === 'string' &&
      typeof (error as { method?: unknown }).method === 'string'
    );
  }
}

/**
 * A non-idempotent request (an append load, a finalize, a database create) failed in a way that leaves
 * it unknown whether the server applied it (a lost response, a reset connection, a gateway error). The
 * client never replays such a request; the caller decides (for example, re-running the load as an
 * idempotent upsert).
 */
export class HotdataAmbiguousResultError extends HotdataApiError {
  constructor(message: string, details: Omit<HotdataApiErrorDetails, 'kind' | 'isRetryable'>) {
    super(message, { ...details, kind: 'ambiguous', isRetryable: false });
    this.name = 'HotdataAmbiguousResultError';
  }

  static override isInstance(error: unknown): error is HotdataAmbiguousResultError {
    return HotdataApiError.isInstance(error) && error.kind === 'ambiguous';
  }
}
