import { ConfigurationError, envNumber, envString, type Logger, noopLogger } from '@hotdata-dlt/core';
import { z } from 'zod';

/** Options of {@link createHotdataClient}. Explicit option > environment variable > default. */
export interface HotdataClientOptions {
  /** API base URL; a trailing `/v1` is stripped. Env `HOTDATA_API_URL`, default `https://api.hotdata.dev`. */
  apiUrl?: string;
  /** API token (`hd_...`), read lazily at the first request. Env `HOTDATA_API_KEY`. Required. */
  apiKey?: string;
  /** Workspace public id, sent as `X-Workspace-Id`. Env `HOTDATA_WORKSPACE`. Required for workspace calls. */
  workspaceId?: string;
  /** Retries of a transient failure. Env `HOTDATA_MAX_RETRIES`, default 5. */
  maxRetries?: number;
  /** Base of the exponential backoff in seconds (with jitter, capped at 30 s). Env `HOTDATA_RETRY_BACKOFF_SECONDS`, default 1.0. */
  retryBackoffSeconds?: number;
  /** Receives request (debug) and retry (warn) lines, never a token. No env var; default: drops every line. */
  logger?: Logger;
  /** Aborts every request and wait of this client (an `aborted` error). No env var; default: none. */
  signal?: AbortSignal;
  /** Timeout of one HTTP request in milliseconds (a timeout is retried like a reset). No env var; default 120000. */
  requestTimeoutMs?: number;
  /** Longest wait for an async load job, a query run or a result to become ready, in ms. No env var; default 3600000 (1 h). */
  jobTimeoutMs?: number;
  /** First poll interval for jobs and query runs in ms (grows to 5 s). No env var; default 250. */
  pollIntervalMs?: number;
  /** `User-Agent` header. No env var; default `hotdata-dlt`. */
  userAgent?: string;
}

export interface ResolvedClientConfig {
  apiUrl: string;
  workspaceId: string | undefined;
  maxRetries: number;
  retryBackoffSeconds: number;
  logger: Logger;
  signal: AbortSignal | undefined;
  requestTimeoutMs: number;
  jobTimeoutMs: number;
  pollIntervalMs: number;
  userAgent: string;
  /** Reads the token lazily; throws a ConfigurationError naming the option and env var. */
  apiKey(): string;
  /** The token if it can be read, for redaction. */
  knownSecrets(): string[];
}

const OptionsSchema = z.object({
  apiUrl: z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }),
  workspaceId: z.string().min(1).optional(),
  maxRetries: z.number().int().min(0).max(50),
  retryBackoffSeconds: z.number().min(0).max(600),
  requestTimeoutMs: z.number().int().positive(),
  jobTimeoutMs: z.number().int().positive(),
  pollIntervalMs: z.number().int().positive(),
});

/** Strips a trailing `/v1` and `/`, as the SDKs do. */
export function normalizeApiUrl(url: string): string {
  return url.replace(/\/+$/, '').replace(/\/v1$/, '').replace(/\/+$/, '');
}

export function resolveClientConfig(options: HotdataClientOptions): ResolvedClientConfig {
  const candidate = {
    apiUrl: normalizeApiUrl(options.apiUrl ?? envString('HOTDATA_API_URL') ?? 'https://api.hotdata.dev'),
    workspaceId: options.workspaceId ?? envString('HOTDATA_WORKSPACE'),
    maxRetries: options.maxRetries ?? envNumber('HOTDATA_MAX_RETRIES') ?? 5,
    retryBackoffSeconds: options.retryBackoffSeconds ?? envNumber('HOTDATA_RETRY_BACKOFF_SECONDS') ?? 1,
    requestTimeoutMs: options.requestTimeoutMs ?? 120_000,
    jobTimeoutMs: options.jobTimeoutMs ?? 3_600_000,
    pollIntervalMs: options.pollIntervalMs ?? 250,
  };
  const parsed = OptionsSchema.safeParse(candidate);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const option = String(issue.path[0]);
    const env: Record<string, string> = {
      apiUrl: 'HOTDATA_API_URL',
      workspaceId: 'HOTDATA_WORKSPACE',
      maxRetries: 'HOTDATA_MAX_RETRIES',
      retryBackoffSeconds: 'HOTDATA_RETRY_BACKOFF_SECONDS',
    };
    throw new ConfigurationError(
      `Hotdata client option '${option}'${env[option] ? ` (env ${env[option]})` : ''} ${issue.message}.`,
      { cause: parsed.error },
    );
  }
  let cachedKey: string | undefined;
  const readKey = (): string | undefined => {
    cachedKey ??= options.apiKey ?? envString('HOTDATA_API_KEY');
    return cachedKey;
  };
  return {
    ...parsed.data,
    workspaceId: parsed.data.workspaceId,
    logger: options.logger ?? noopLogger,
    signal: options.signal,
    userAgent: options.userAgent ?? 'hotdata-dlt',
    apiKey() {
      const key = readKey();
      if (!key) {
        throw new ConfigurationError(
          'No Hotdata API key: pass the apiKey option or set HOTDATA_API_KEY (a token starting with hd_).',
        );
      }
      return key;
    },
    knownSecrets() {
      const key = readKey();
      return key ? [key] : [];
    },
  };
}
