import { HotdataDltError } from '@hotdata-dlt/core';

/** What went wrong, for branching without parsing messages. */
export type LinearErrorKind =
  /** Linear refused the credential (`AUTHENTICATION_ERROR`, HTTP 401). */
  | 'auth'
  /** The credential is valid but may not read this data (`FORBIDDEN`, HTTP 403). */
  | 'forbidden'
  /** `RATELIMITED` or HTTP 429 after every retry, or a reset further away than `maxRateLimitWaitMs`. */
  | 'rate_limited'
  /** Linear rejected the query: invalid field or argument, feature not enabled, query too complex (HTTP 400). */
  | 'graphql'
  /** HTTP 200 with `data` and `errors`: the page is incomplete, so nothing of it is loaded. */
  | 'partial'
  /** HTTP 5xx after every retry. */
  | 'server'
  /** The connection failed or timed out after every retry. */
  | 'network'
  /** The body is not the JSON connection Linear sends (unparsable, no `data`, a cursor that repeats). */
  | 'invalid_response';

const CODE_BY_KIND: Record<LinearErrorKind, string> = {
  auth: 'LINEAR_AUTH_FAILED',
  forbidden: 'LINEAR_FORBIDDEN',
  rate_limited: 'LINEAR_RATE_LIMITED',
  graphql: 'LINEAR_GRAPHQL_ERROR',
  partial: 'LINEAR_PARTIAL_RESPONSE',
  server: 'LINEAR_SERVER_ERROR',
  network: 'LINEAR_NETWORK_ERROR',
  invalid_response: 'LINEAR_INVALID_RESPONSE',
};

/** Details of a {@link LinearError}. */
export interface LinearErrorDetails {
  kind: LinearErrorKind;
  /** The resource (table) whose query failed, e.g. `issues`. */
  resource?: string;
  /** 1-based page of that resource's walk. */
  page?: number;
  /** HTTP status, when there was a response. */
  status?: number;
  /** `extensions.code` of Linear's first GraphQL error, e.g. `AUTHENTICATION_ERROR`. */
  graphqlCode?: string;
  isRetryable?: boolean;
  cause?: unknown;
}

/**
 * Every failure of the Linear source: a refused credential, a rate limit that outlasted the retries, a
 * query Linear rejected, a page answered with errors. Messages name the resource, the page and the
 * credential's origin (e.g. `LINEAR_API_KEY`) and say what to do next; they never contain the credential.
 *
 * @example
 * ```ts
 * try { await p.run(linear()) } catch (error) {
 *   const cause = error instanceof Error ? error.cause : undefined;
 *   if (LinearError.isInstance(cause) && cause.kind === 'auth') console.error('Check LINEAR_API_KEY');
 * }
 * ```
 */
export class LinearError extends HotdataDltError {
  readonly kind: LinearErrorKind;
  readonly resource: string | undefined;
  readonly page: number | undefined;
  readonly status: number | undefined;
  readonly graphqlCode: string | undefined;

  constructor(message: string, details: LinearErrorDetails) {
    super(message, {
      code: CODE_BY_KIND[details.kind],
      cause: details.cause,
      isRetryable: details.isRetryable ?? false,
    });
    this.name = 'LinearError';
    this.kind = details.kind;
    this.resource = details.resource;
    this.page = details.page;
    this.status = details.status;
    this.graphqlCode = details.graphqlCode;
  }

  /** True for a {@link LinearError}, also one created by a second copy of this package. */
  static override isInstance(error: unknown): error is LinearError {
    return HotdataDltError.isInstance(error) && (error as { name?: unknown }).name === 'LinearError';
  }
}
