import type { Readable } from 'node:stream';
import { ConfigurationError, redactSecrets } from '@hotdata-dlt/core';
import got from 'got';
import type { z } from 'zod';
import type { ResolvedClientConfig } from '../config.ts';
import { HotdataAmbiguousResultError, HotdataApiError, type HotdataApiErrorKind } from '../errors.ts';
import { ApiErrorBodySchema, DetailErrorBodySchema, WorkspaceErrorBodySchema } from '../wire/common.ts';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/**
 * How a request may be repeated after a failure whose outcome is unknown (lost response, reset
 * connection, 5xx): `safe` requests are idempotent (reads, replace/upsert loads, part PUTs); `unsafe`
 * ones (append loads without an upload, finalize, create database) are only repeated after failures
 * where the server certainly did nothing (429, 503, 409 lock, connection refused).
 */
export type ReplayPolicy = 'safe' | 'unsafe';

export interface RequestSpec<T> {
  method: HttpMethod;
  /** `/v1/...` relative to the API URL, or an absolute URL (presigned uploads). */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  json?: unknown;
  /** A raw body; a function is called once per attempt (streams cannot be replayed). */
  body?: Buffer | (() => Readable | Buffer);
  headers?: Record<string, string>;
  /** `workspace`: bearer + `X-Workspace-Id` (default); `token`: bearer only; `none`: no auth (presigned). */
  auth?: 'workspace' | 'token' | 'none';
  /** Sent as `X-Database-Id`. */
  databaseId?: string;
  replay: ReplayPolicy;
  /** Statuses handed back instead of thrown (e.g. 202 while polling). */
  passStatuses?: readonly number[];
  schema?: z.ZodType<T>;
  /**
   * A 409 (other than a lock) answered to a repeated attempt means the first attempt may have been
   * applied (e.g. an upload already claimed by the lost first request): report it as ambiguous.
   */
  conflictAfterReplayIsAmbiguous?: boolean;
  /**
   * A 404 answered to a repeated attempt means the lost first attempt already did the work (a DELETE):
   * report success.
   */
  notFoundAfterReplayIsDone?: boolean;
  /** Aborts this request (in addition to the client's signal). */
  signal?: AbortSignal;
}

export interface TransportResponse<T> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** The JSON body validated by `schema` (when given and the status is 2xx). */
  data: T;
}

/** Codes of failures that happen before the server received anything. */
const NOTHING_SENT_CODES = new Set(['ECONNREFUSED', 'EAI_AGAIN', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH']);
const MAX_BACKOFF_SECONDS = 30;
const MAX_RETRY_AFTER_SECONDS = 300;

/** Resolves after `ms`, or resolves `false` at once when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) {
      resolve(false);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function combineSignals(...signals: Array<AbortSignal | undefined>): AbortSignal | undefined {
  const present = signals.filter((signal): signal is AbortSignal => signal !== undefined);
  if (present.length <= 1) return present[0];
  return AbortSignal.any(present);
}

/** Parses `Retry-After` (integer seconds or an HTTP date) into seconds. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (!text) return undefined;
  if (/^\d+(\.\d+)?$/.test(text.trim())) return Number(text.trim());
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - now) / 1000);
}

/** Exponential backoff with jitter: base * 2^attempt, between 50% and 100%, capped at 30 s. */
export function backoffMs(attempt: number, baseSeconds: number, random = Math.random): number {
  const ceiling = Math.min(MAX_BACKOFF_SECONDS, baseSeconds * 2 ** attempt);
  return Math.round(ceiling * (0.5 + random() * 0.5) * 1000);
}

interface ParsedErrorBody {
  apiCode: string | undefined;
  message: string | undefined;
}

function parseErrorBody(body: Buffer): ParsedErrorBody {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    const text = body.toString('utf8').trim();
    return { apiCode: undefined, message: text ? text.slice(0, 500) : undefined };
  }
  const api = ApiErrorBodySchema.safeParse(json);
  if (api.success) return { apiCode: api.data.error.code, message: api.data.error.message };
  const workspace = WorkspaceErrorBodySchema.safeParse(json);
  if (workspace.success)
    return { apiCode: workspace.data.error.toUpperCase(), message: workspace.data.error };
  const detail = DetailErrorBodySchema.safeParse(json);
  if (detail.success) {
    const text =
      typeof detail.data.detail === 'string'
        ? detail.data.detail
        : detail.data.detail.map((item) => `${item.loc?.join('.') ?? ''}: ${item.msg}`).join('; ');
    return { apiCode: undefined, message: text };
  }
  return { apiCode: undefined, message: undefined };
}

interface Classification {
  kind: HotdataApiErrorKind;
  /** Retrying cannot duplicate an effect: the server certainly did not apply the request. */
  safeToRetry: boolean;
  /** Retrying may help at all. */
  transient: boolean;
}

function classifyStatus(status: number, apiCode: string | undefined): Classification {
  if (status === 429) return { kind: 'rate_limited', safeToRetry: true, transient: true };
  if (status === 503) return { kind: 'server', safeToRetry: true, transient: true };
  if (status === 408 || status === 425) return { kind: 'timeout', safeToRetry: true, transient: true };
  if (status === 409 && apiCode === 'RESOURCE_LOCKED')
    return { kind: 'locked', safeToRetry: true, transient: true };
  if (status === 501) return { kind: 'unsupported', safeToRetry: false, transient: false };
  if (status >= 500) return { kind: 'server', safeToRetry: false, transient: true };
  if (status === 401) return { kind: 'auth', safeToRetry: false, transient: false };
  if (status === 403) return { kind: 'forbidden', safeToRetry: false, transient: false };
  if (status === 404) return { kind: 'not_found', safeToRetry: false, transient: false };
  if (status === 409) return { kind: 'conflict', safeToRetry: false, transient: false };
  if (status === 413) return { kind: 'too_large', safeToRetry: false, transient: false };
  return { kind: 'bad_request', safeToRetry: false, transient: false };
}

const HINTS: Partial<Record<HotdataApiErrorKind, string>> = {
  auth: 'Check the API key (apiKey option or HOTDATA_API_KEY).',
  forbidden:
    'Check the workspace id (workspaceId option or HOTDATA_WORKSPACE) and what the token may access.',
  too_large: 'Upload the data and load it by upload_id instead of inline data.',
  locked: 'Another load holds the database lock; loads into one database must run one at a time.',
  rate_limited: 'The server is shedding load; retry later or lower the concurrency.',
};

function pathOf(path: string): string {
  try {
    return new URL(path, 'http://relative.invalid').pathname;
  } catch {
    return path.split('?')[0] ?? path;
  }
}

/** Sends HTTP requests with auth, retries, classification and redaction. One per client. */
export class Transport {
  readonly #config: ResolvedClientConfig;
  /** Short-lived secrets seen in responses (upload finalize tokens), redacted like the API key. */
  readonly #extraSecrets = new Set<string>();

  constructor(config: ResolvedClientConfig) {
    this.#config = config;
  }

  get config(): ResolvedClientConfig {
    return this.#config;
  }

  /** Registers a secret (e.g. a finalize token) to be redacted from messages. */
  addSecret(secret: string): void {
    if (this.#extraSecrets.size > 1_000) this.#extraSecrets.clear();
    this.#extraSecrets.add(secret);
  }

  redact(text: string): string {
    return redactSecrets(text, [...this.#config.knownSecrets(), ...this.#extraSecrets]);
  }

  /**
   * The error kept as `cause`: got's errors carry the request options (headers with the bearer
   * token), so only a redacted copy of the name, code and message is kept.
   */
  #safeCause(error: unknown): Error {
    const source = error as { name?: string; code?: string; message?: string };
    const copy = new Error(this.redact(source.message ?? String(error)));
    copy.name = source.name ?? 'Error';
    if (source.code) (copy as Error & { code?: string }).code = source.code;
    return copy;
  }

  #aborted(spec: { method: string }, path: string, signal: AbortSignal | undefined): HotdataApiError {
    const reason = signal?.reason;
    return new HotdataApiError(`${spec.method} ${path} was aborted.`, {
      kind: 'aborted',
      method: spec.method,
      path,
      ...(reason !== undefined ? { cause: this.#safeCause(reason) } : {}),
    });
  }

  async send<T = unknown>(spec: RequestSpec<T>): Promise<TransportResponse<T>> {
    const { logger, maxRetries, retryBackoffSeconds } = this.#config;
    const signal = combineSignals(this.#config.signal, spec.signal);
    const absolute = /^https?:\/\//.test(spec.path);
    const url = new URL(absolute ? spec.path : `${this.#config.apiUrl}${spec.path}`);
    for (const [name, value] of Object.entries(spec.query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    const path = pathOf(spec.path);
    const headers: Record<string, string> = { 'user-agent': this.#config.userAgent, ...spec.headers };
    const auth = spec.auth ?? 'workspace';
    if (auth !== 'none') headers.authorization = `Bearer ${this.#config.apiKey()}`;
    if (auth === 'workspace') {
      if (!this.#config.workspaceId) {
        throw new ConfigurationError(
          'No Hotdata workspace: pass the workspaceId option or set HOTDATA_WORKSPACE (a workspace public id).',
        );
      }
      headers['x-workspace-id'] = this.#config.workspaceId;
    }
    if (spec.databaseId) headers['x-database-id'] = spec.databaseId;

    const pause = async (ms: number) => {
      if (!(await sleep(ms, signal))) throw this.#aborted(spec, path, signal);
    };

    for (let attempt = 0; ; attempt++) {
      if (signal?.aborted) throw this.#aborted(spec, path, signal);
      const started = performance.now();
      let response: {
        statusCode: number;
        headers: Record<string, string | string[] | undefined>;
        body: Buffer;
      };
      try {
        const raw = await got(url, {
          method: spec.method,
          headers,
          ...(spec.json !== undefined ? { json: spec.json } : {}),
          ...(spec.body !== undefined
            ? { body: typeof spec.body === 'function' ? spec.body() : spec.body }
            : {}),
          responseType: 'buffer',
          throwHttpErrors: false,
          followRedirect: false,
          retry: { limit: 0 },
          timeout: { request: this.#config.requestTimeoutMs },
          ...(signal ? { signal } : {}),
        });
        const bytes = raw.body as Uint8Array;
        response = {
          statusCode: raw.statusCode,
          headers: raw.headers,
          body: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
        };
      } catch (error) {
        if (signal?.aborted) throw this.#aborted(spec, path, signal);
        const code = (error as { code?: string }).code ?? 'UNKNOWN';
        const nothingSent = NOTHING_SENT_CODES.has(code);
        const kind: HotdataApiErrorKind = code === 'ETIMEDOUT' ? 'timeout' : 'network';
        const description = this.redact((error as Error).message ?? code);
        if (!nothingSent && spec.replay === 'unsafe') {
          throw new HotdataAmbiguousResultError(
            `${spec.method} ${path} failed with ${code} before a response arrived; the server may or may not have applied it, so it is not repeated. (${description})`,
            { method: spec.method, path, cause: this.#safeCause(error) },
          );
        }
        if (attempt < maxRetries) {
          const wait = backoffMs(attempt, retryBackoffSeconds);
          logger.warn('hotdata request failed, retrying', {
            method: spec.method,
            path,
            code,
            attempt: attempt + 1,
            waitMs: wait,
          });
          await pause(wait);
          continue;
        }
        throw new HotdataApiError(
          `${spec.method} ${path} failed with ${code} after ${attempt + 1} attempt(s): ${description}. Check that the API URL (${this.#config.apiUrl}) is reachable.`,
          { kind, method: spec.method, path, isRetryable: true, cause: this.#safeCause(error) },
        );
      }

      const status = response.statusCode;
      const elapsedMs = Math.round(performance.now() - started);
      logger.debug('hotdata request', {
        method: spec.method,
        path,
        status,
        attempt: attempt + 1,
        ms: elapsedMs,
      });
      if (spec.notFoundAfterReplayIsDone && attempt > 0 && status === 404) {
        logger.info('hotdata request answered 404 to a repeat: the first attempt did the work', {
          method: spec.method,
          path,
        });
        return { status: 204, headers: response.headers, body: Buffer.alloc(0), data: undefined as T };
      }
      if ((status >= 200 && status < 300) || spec.passStatuses?.includes(status)) {
        return {
          status,
          headers: response.headers,
          body: response.body,
          data: this.#parse(spec, path, status, response.body),
        };
      }

      const parsed = parseErrorBody(response.body);
      const classification = classifyStatus(status, parsed.apiCode);
      const retryAfter = parseRetryAfter(response.headers['retry-after']);
      const rawMessage = parsed.message ? this.redact(parsed.message) : `HTTP ${status}`;
      const serverMessage = /[.!?]$/.test(rawMessage) ? rawMessage : `${rawMessage}.`;
      const mayRetry = classification.transient && (classification.safeToRetry || spec.replay === 'safe');
      if (mayRetry && attempt < maxRetries) {
        const wait =
          retryAfter !== undefined && (status === 429 || status === 503)
            ? Math.min(retryAfter, MAX_RETRY_AFTER_SECONDS) * 1000 + Math.round(Math.random() * 100)
            : backoffMs(attempt, retryBackoffSeconds);
        logger.warn('hotdata request failed, retrying', {
          method: spec.method,
          path,
          status,
          apiCode: parsed.apiCode,
          attempt: attempt + 1,
          waitMs: wait,
        });
        await pause(wait);
        continue;
      }
      if (spec.conflictAfterReplayIsAmbiguous && attempt > 0 && classification.kind === 'conflict') {
        throw new HotdataAmbiguousResultError(
          `${spec.method} ${path} answered 409 to a repeated attempt: ${serverMessage} The first attempt may have been applied before its response was lost.`,
          { method: spec.method, path, status, apiCode: parsed.apiCode },
        );
      }
      if (classification.transient && !classification.safeToRetry && spec.replay === 'unsafe') {
        throw new HotdataAmbiguousResultError(
          `${spec.method} ${path} failed with ${status}${parsed.apiCode ? ` ${parsed.apiCode}` : ''}: ${serverMessage} The server may or may not have applied it, so it is not repeated.`,
          { method: spec.method, path, status, apiCode: parsed.apiCode },
        );
      }
      const hint = HINTS[classification.kind];
      const attempts = mayRetry ? ` after ${attempt + 1} attempts` : '';
      throw new HotdataApiError(
        `${spec.method} ${path} failed with ${status}${parsed.apiCode ? ` ${parsed.apiCode}` : ''}${attempts}: ${serverMessage}${hint ? ` ${hint}` : ''}`,
        {
          kind: classification.kind,
          method: spec.method,
          path,
          status,
          apiCode: parsed.apiCode,
          isRetryable: classification.transient,
          ...(retryAfter !== undefined ? { retryAfterSeconds: retryAfter } : {}),
        },
      );
    }
  }

  /** Decodes a JSON body with `schema`; a mismatch is an `invalid_response` error naming the field. */
  decode<T>(
    request: { method: string; path: string },
    status: number,
    body: Buffer,
    schema: z.ZodType<T>,
  ): T {
    return this.#parse({ method: request.method, schema }, pathOf(request.path), status, body);
  }

  #parse<T>(spec: { method: string; schema?: z.ZodType<T> }, path: string, status: number, body: Buffer): T {
    if (!spec.schema) return undefined as T;
    let json: unknown;
    try {
      json = body.length === 0 ? undefined : JSON.parse(body.toString('utf8'));
    } catch (error) {
      throw new HotdataApiError(`${spec.method} ${path} answered ${status} with a body that is not JSON.`, {
        kind: 'invalid_response',
        method: spec.method,
        path,
        status,
        cause: error,
      });
    }
    const result = spec.schema.safeParse(json);
    if (!result.success) {
      const issue = result.error.issues[0];
      throw new HotdataApiError(
        `${spec.method} ${path} answered ${status} with an unexpected body at '${issue?.path.join('.')}': ${issue?.message}.`,
        { kind: 'invalid_response', method: spec.method, path, status, cause: result.error },
      );
    }
    return result.data;
  }

  /** Waits `ms` between polls; an abort of the client's signal ends the wait with an `aborted` error. */
  async sleep(ms: number, what: { method: string; path: string }, signal?: AbortSignal): Promise<void> {
    const combined = combineSignals(this.#config.signal, signal);
    if (!(await sleep(ms, combined))) throw this.#aborted(what, pathOf(what.path), combined);
  }
}
