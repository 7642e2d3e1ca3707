import { type Logger, redactSecrets } from '@hotdata-dlt/core';
import type { LinearCredential, ResolvedLinearConfig } from '../config.ts';
import { LinearError } from '../errors.ts';
import type { RateLimitTracker, RateLimitWait } from './rate-limit.ts';

/** One page request of one resource. */
export interface GraphqlCall {
  resource: string;
  /** Root field whose connection the answer must hold. */
  root: string;
  query: string;
  variables: Record<string, unknown>;
  /** 1-based page number within the resource's walk (for messages). */
  page: number;
}

/** A connection as Linear returns it. */
export interface Connection {
  nodes: Array<Record<string, unknown>>;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

/** What one run of a resource shares with the client. */
export interface CallContext {
  credential: LinearCredential;
  logger: Logger;
  signal: AbortSignal;
}

interface GraphqlErrorEntry {
  message?: unknown;
  extensions?: { code?: unknown; userPresentableMessage?: unknown };
}

const MAX_BACKOFF_MS = 60_000;
const MAX_RETRY_AFTER_MS = 300_000;
const RATE_LIMIT_JITTER_MS = 1000;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describeCredential(credential: LinearCredential): string {
  return credential.kind === 'apiKey'
    ? `personal API key from ${credential.origin}`
    : `OAuth access token from ${credential.origin}`;
}

function credentialHint(credential: LinearCredential): string {
  return credential.kind === 'apiKey'
    ? `Check ${credential.origin}: it must be a current personal API key (lin_api_…, Linear → Settings → Account → Security & access); it is sent without 'Bearer'.`
    : `Check ${credential.origin}: the OAuth token may have expired or been revoked (get a new one), and a personal API key (lin_api_…) belongs in apiKey / LINEAR_API_KEY instead.`;
}

/** `"message" (CODE)` of the first errors, redacted and bounded for an error message. */
function summarize(errors: GraphqlErrorEntry[], secrets: string[]): string {
  const parts = errors.slice(0, 3).map((error) => {
    const code = typeof error.extensions?.code === 'string' ? ` (${error.extensions.code})` : '';
    const message =
      typeof error.message === 'string'
        ? error.message
        : typeof error.extensions?.userPresentableMessage === 'string'
          ? error.extensions.userPresentableMessage
          : 'no message';
    return `"${message}"${code}`;
  });
  const more = errors.length > 3 ? ` and ${errors.length - 3} more` : '';
  const text = `${parts.join('; ')}${more}`;
  return redactSecrets(text.length > 600 ? `${text.slice(0, 600)}…` : text, secrets);
}

function retryAfterMs(headers: Headers): number | undefined {
  const header = headers.get('retry-after');
  if (!header) return undefined;
  const seconds = Number(header.trim());
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds * 1000, MAX_RETRY_AFTER_MS);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.min(Math.max(0, at - Date.now()), MAX_RETRY_AFTER_MS);
}

/** A copy of a fetch failure that keeps its name, code and (redacted) message. */
function sanitizedCause(error: unknown, secrets: string[]): Error {
  const source = error as { name?: unknown; message?: unknown; code?: unknown; cause?: unknown };
  const inner = source?.cause as { message?: unknown; code?: unknown } | undefined;
  const detail = [source?.message, inner?.message].filter((part) => typeof part === 'string').join(': ');
  const copy = new Error(redactSecrets(detail || String(error), secrets));
  copy.name = typeof source?.name === 'string' ? source.name : 'Error';
  const code = inner?.code ?? source?.code;
  if (typeof code === 'string') Object.assign(copy, { code });
  return copy;
}

type Outcome = { connection: Connection } | { error: LinearError };

/**
 * Linear's GraphQL endpoint: one POST per page, the credential in `Authorization`, errors classified by
 * `extensions.code` first and the HTTP status second (SDK and Linear docs). `RATELIMITED` / 429 wait for
 * the reset in the rate-limit headers; 5xx, unreadable bodies, timeouts and dropped connections back off
 * exponentially; everything else is terminal. A 200 that carries `errors` is an error, never partial data.
 */
export class LinearGraphqlClient {
  readonly #config: ResolvedLinearConfig;
  readonly #tracker: RateLimitTracker;

  constructor(config: ResolvedLinearConfig, tracker: RateLimitTracker) {
    this.#config = config;
    this.#tracker = tracker;
  }

  /** Runs one page query and returns its connection (`data.<root>`). */
  async connection(call: GraphqlCall, context: CallContext): Promise<Connection> {
    const config = this.#config;
    const { credential, logger, signal } = context;
    const secrets = [credential.value];
    const body = JSON.stringify({ query: call.query, variables: call.variables });
    const authorization = credential.kind === 'apiKey' ? credential.value : `Bearer ${credential.value}`;
    const where = `${call.resource} (page ${call.page})`;
    for (let attempt = 0; ; attempt++) {
      signal.throwIfAborted();
      await this.#waitForBudget(call, context);
      let failure: LinearError;
      let waitMs: number | undefined;
      try {
        logger.debug('Linear request', { resource: call.resource, page: call.page, attempt });
        const response = await config.fetch(config.apiUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json', authorization },
          body,
          signal: AbortSignal.any([signal, AbortSignal.timeout(config.requestTimeoutMs)]),
        });
        const text = await response.text();
        this.#tracker.update(response.headers);
        const outcome = this.#classify(response.status, text, call, credential);
        if ('connection' in outcome) return outcome.connection;
        failure = outcome.error;
        if (!failure.isRetryable) throw failure;
        if (failure.kind === 'rate_limited') {
          const wait = this.#tracker.afterRateLimited(config.clock.now());
          if (wait) {
            this.#checkWait(wait, call);
            waitMs = wait.waitMs + Math.round(Math.random() * RATE_LIMIT_JITTER_MS);
            this.#tracker.resetWaited();
          } else {
            waitMs = retryAfterMs(response.headers);
          }
        } else {
          waitMs = retryAfterMs(response.headers);
        }
      } catch (error) {
        if (signal.aborted) throw signal.reason;
        if (LinearError.isInstance(error)) throw error;
        const timedOut = (error as { name?: unknown })?.name === 'TimeoutError';
        const cause = sanitizedCause(error, secrets);
        failure = new LinearError(
          timedOut
            ? `The Linear request for ${where} timed out after ${config.requestTimeoutMs} ms. Check the network, or raise requestTimeoutMs.`
            : `The Linear request for ${where} failed before a response (${cause.message}). Check the network and apiUrl (${config.apiUrl}).`,
          { kind: 'network', resource: call.resource, page: call.page, isRetryable: true, cause },
        );
      }
      if (attempt >= config.maxRetries) {
        throw new LinearError(
          config.maxRetries > 0
            ? `Gave up after ${config.maxRetries} ${config.maxRetries === 1 ? 'retry' : 'retries'}: ${failure.message}`
            : failure.message,
          {
            kind: failure.kind,
            resource: call.resource,
            page: call.page,
            ...(failure.status === undefined ? {} : { status: failure.status }),
            ...(failure.graphqlCode === undefined ? {} : { graphqlCode: failure.graphqlCode }),
            isRetryable: true,
            cause: failure.cause ?? failure,
          },
        );
      }
      const delay = waitMs ?? this.#backoffMs(attempt);
      logger.warn('Linear request failed; retrying', {
        resource: call.resource,
        page: call.page,
        kind: failure.kind,
        status: failure.status,
        graphqlCode: failure.graphqlCode,
        attempt: attempt + 1,
        maxRetries: config.maxRetries,
        delayMs: delay,
      });
      await config.clock.sleep(delay, signal);
    }
  }

  #backoffMs(attempt: number): number {
    const ceiling = Math.min(this.#config.retryBackoffMs * 2 ** attempt, MAX_BACKOFF_MS);
    return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
  }

  #checkWait(wait: RateLimitWait, call: GraphqlCall): void {
    if (wait.waitMs <= this.#config.maxRateLimitWaitMs) return;
    const minutes = Math.ceil(wait.waitMs / 60_000);
    throw new LinearError(
      `Linear's ${wait.budget} rate limit is exhausted (${wait.remaining} left) and resets in about ${minutes} min, longer than maxRateLimitWaitMs (${this.#config.maxRateLimitWaitMs} ms); ${call.resource} stopped at page ${call.page}. Run again after the reset, or raise maxRateLimitWaitMs.`,
      { kind: 'rate_limited', resource: call.resource, page: call.page, isRetryable: true },
    );
  }

  /** Waits for the reset when the last response left the budget nearly empty. */
  async #waitForBudget(call: GraphqlCall, context: CallContext): Promise<void> {
    const wait = this.#tracker.beforeRequest(this.#config.clock.now());
    if (!wait) return;
    this.#checkWait(wait, call);
    const delay = wait.waitMs + Math.round(Math.random() * RATE_LIMIT_JITTER_MS);
    context.logger.info('Linear rate limit nearly used up; waiting for the reset', {
      resource: call.resource,
      page: call.page,
      budget: wait.budget,
      remaining: wait.remaining,
      delayMs: delay,
    });
    await this.#config.clock.sleep(delay, context.signal);
    this.#tracker.resetWaited();
  }

  #classify(status: number, text: string, call: GraphqlCall, credential: LinearCredential): Outcome {
    const secrets = [credential.value];
    const where = `${call.resource} (page ${call.page})`;
    const base = { resource: call.resource, page: call.page, status };
    let body: unknown;
    let readable = true;
    try {
      body = JSON.parse(text);
    } catch {
      readable = false;
    }
    const errors =
      isObject(body) && Array.isArray(body.errors) && body.errors.length > 0
        ? (body.errors as GraphqlErrorEntry[])
        : undefined;
    const rawCode = errors?.find((error) => typeof error?.extensions?.code === 'string')?.extensions?.code;
    const code = typeof rawCode === 'string' ? rawCode.toUpperCase() : undefined;
    const detail = errors ? summarize(errors, secrets) : `HTTP ${status}`;
    const withCode = code === undefined ? base : { ...base, graphqlCode: code };

    if (code === 'RATELIMITED' || status === 429) {
      return {
        error: new LinearError(
          `Linear rate-limited the request for ${where} (${detail}). The source waits for the reset in the X-RateLimit-* headers; lower pageSize or run less often if this repeats.`,
          { kind: 'rate_limited', ...withCode, isRetryable: true },
        ),
      };
    }
    if (code === 'AUTHENTICATION_ERROR' || status === 401) {
      return {
        error: new LinearError(
          `Linear rejected the ${describeCredential(credential)} while reading ${call.resource} (${detail}). ${credentialHint(credential)}`,
          { kind: 'auth', ...withCode },
        ),
      };
    }
    if (code === 'FORBIDDEN' || status === 403) {
      return {
        error: new LinearError(
          `The ${describeCredential(credential)} may not read ${call.resource} (${detail}). Check that credential's permissions and team access in Linear, or leave '${call.resource}' out with the resources option.`,
          { kind: 'forbidden', ...withCode },
        ),
      };
    }
    if (status >= 500) {
      return {
        error: new LinearError(`Linear answered ${where} with a server error (${detail}).`, {
          kind: 'server',
          ...withCode,
          isRetryable: true,
        }),
      };
    }
    if (!readable || !isObject(body)) {
      const ok = status >= 200 && status < 300;
      return {
        error: new LinearError(
          ok
            ? `Linear answered ${where} with a body that is not JSON (truncated?).`
            : `Linear answered ${where} with HTTP ${status} and a body that is not JSON. Check apiUrl (${this.#config.apiUrl}): it must be the GraphQL endpoint.`,
          { kind: 'invalid_response', ...base, isRetryable: ok },
        ),
      };
    }
    const data = isObject(body.data) ? body.data : undefined;
    if (errors) {
      if (status >= 200 && status < 300 && data !== undefined && data[call.root] != null) {
        return {
          error: new LinearError(
            `Linear answered ${where} with data and errors: ${detail}. The page is incomplete, so the run stops instead of loading partial rows; run again, or check access to the entities the error names.`,
            { kind: 'partial', ...withCode },
          ),
        };
      }
      const hint =
        code === 'FEATURE_NOT_ACCESSIBLE'
          ? ` The feature is not enabled for this workspace: leave '${call.resource}' out with the resources option.`
          : /complex/i.test(detail)
            ? ' Lower pageSize: a page costs complexity points in proportion to its size.'
            : '';
      return {
        error: new LinearError(`Linear rejected the ${call.resource} query (${detail}).${hint}`, {
          kind: 'graphql',
          ...withCode,
        }),
      };
    }
    if (status < 200 || status >= 300) {
      return {
        error: new LinearError(
          `Linear answered ${where} with HTTP ${status}. Check apiUrl (${this.#config.apiUrl}) and the options.`,
          { kind: 'graphql', ...base },
        ),
      };
    }
    const connection = data?.[call.root];
    const pageInfo = isObject(connection) ? connection.pageInfo : undefined;
    if (
      !isObject(connection) ||
      !Array.isArray(connection.nodes) ||
      !connection.nodes.every(isObject) ||
      !isObject(pageInfo) ||
      typeof pageInfo.hasNextPage !== 'boolean'
    ) {
      return {
        error: new LinearError(
          `Linear answered ${where} without a '${call.root}' connection (nodes and pageInfo). Check apiUrl (${this.#config.apiUrl}).`,
          { kind: 'invalid_response', ...base },
        ),
      };
    }
    return {
      connection: {
        nodes: connection.nodes as Array<Record<string, unknown>>,
        pageInfo: {
          hasNextPage: pageInfo.hasNextPage,
          endCursor: typeof pageInfo.endCursor === 'string' ? pageInfo.endCursor : null,
        },
      },
    };
  }
}
