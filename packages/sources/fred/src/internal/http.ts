import { type Logger, redactSecrets } from '@hotdata-dlt/core';
import type { ResolvedFredConfig, SeriesSpec } from '../config.ts';
import { FredError } from '../errors.ts';
import type { RateLimiter } from './rate-limiter.ts';

/** What every request of one run shares. */
export interface HttpContext {
  readonly config: ResolvedFredConfig;
  readonly logger: Logger;
  readonly signal: AbortSignal;
  /** Pacing (API mode only). */
  readonly limiter: RateLimiter | undefined;
}

/** Names a request in logs and errors without its URL (the URL carries the API key). */
export interface RequestLabel {
  spec: SeriesSpec;
  /** Path only, e.g. `/fred/series/observations`. */
  endpoint: string;
  /** Extra context for log lines, e.g. `{ offset: 0 }`. */
  fields?: Record<string, unknown>;
}

/** Turns a non-2xx response into the error to throw (it decides the message, not retryability). */
export type ErrorClassifier = (status: number, body: string, label: RequestLabel) => FredError;

const RETRYABLE_STATUS = new Set([408, 425, 429, 500, 502, 503, 504]);
const MAX_BACKOFF_MS = 60_000;
const MAX_RETRY_AFTER_MS = 300_000;

function retryAfterMs(header: string | null, now: number): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header.trim());
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds * 1000, MAX_RETRY_AFTER_MS);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.min(Math.max(0, at - now), MAX_RETRY_AFTER_MS);
}

function backoffMs(config: ResolvedFredConfig, attempt: number): number {
  const ceiling = Math.min(config.retryBackoffMs * 2 ** attempt, MAX_BACKOFF_MS);
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
}

/** A copy of a fetch failure that keeps its name, code and (redacted) message, never a URL. */
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

function describe(label: RequestLabel): string {
  return `series ${label.spec.id} (${label.spec.name})`;
}

/**
 * GETs `url` and returns the body of a 2xx response. Paces through the limiter, retries 408/425/429/5xx,
 * timeouts and dropped connections with exponential backoff and jitter (honouring `Retry-After`), and
 * turns other statuses into the classifier's error. Logs and errors name the series and endpoint, never
 * the URL; the run's abort reason is rethrown as is.
 */
export async function getText(
  http: HttpContext,
  url: URL,
  label: RequestLabel,
  classify: ErrorClassifier,
): Promise<string> {
  const { config, logger, signal } = http;
  const secrets = config.apiKey ? [config.apiKey] : [];
  for (let attempt = 0; ; attempt++) {
    signal.throwIfAborted();
    await http.limiter?.acquire(signal);
    const requestSignal = AbortSignal.any([signal, AbortSignal.timeout(config.requestTimeoutMs)]);
    let failure: FredError;
    let waitMs: number | undefined;
    try {
      logger.debug('FRED request', {
        series: label.spec.name,
        seriesId: label.spec.id,
        endpoint: label.endpoint,
        attempt,
        ...label.fields,
      });
      const response = await config.fetch(url, {
        signal: requestSignal,
        headers: { accept: 'application/json, text/csv;q=0.9, */*;q=0.1' },
      });
      const body = await response.text();
      if (response.ok) return body;
      failure = classify(response.status, body, label);
      if (!RETRYABLE_STATUS.has(response.status) && response.status < 500) throw failure;
      waitMs = retryAfterMs(response.headers.get('retry-after'), Date.now());
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      if (FredError.isInstance(error)) throw error;
      const timedOut = (error as { name?: unknown })?.name === 'TimeoutError';
      const cause = sanitizedCause(error, secrets);
      failure = new FredError(
        timedOut
          ? `The FRED request for ${describe(label)} (${label.endpoint}) timed out after ${config.requestTimeoutMs} ms. Check the network, or raise requestTimeoutMs.`
          : `The FRED request for ${describe(label)} (${label.endpoint}) failed before a response (${cause.message}). Check the network and the base URL.`,
        { kind: 'network', seriesId: label.spec.id, seriesName: label.spec.name, isRetryable: true, cause },
      );
    }
    if (attempt >= config.maxRetries) {
      throw new FredError(
        config.maxRetries > 0
          ? `Gave up after ${config.maxRetries} ${config.maxRetries === 1 ? 'retry' : 'retries'}: ${failure.message}`
          : failure.message,
        {
          kind: failure.kind,
          seriesId: label.spec.id,
          seriesName: label.spec.name,
          ...(failure.status === undefined ? {} : { status: failure.status }),
          isRetryable: true,
          cause: failure.cause ?? failure,
        },
      );
    }
    const delay = waitMs ?? backoffMs(config, attempt);
    logger.warn('FRED request failed; retrying', {
      series: label.spec.name,
      seriesId: label.spec.id,
      endpoint: label.endpoint,
      status: failure.status,
      kind: failure.kind,
      attempt: attempt + 1,
      maxRetries: config.maxRetries,
      delayMs: delay,
    });
    await config.clock.sleep(delay, signal);
  }
}
