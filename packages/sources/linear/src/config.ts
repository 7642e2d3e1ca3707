import { ConfigurationError, envString, type Logger } from '@hotdata-dlt/core';
import { z } from 'zod';

/** The resources of the Linear source, in the order they run. */
export const LINEAR_RESOURCES = [
  'teams',
  'users',
  'workflow_states',
  'projects',
  'cycles',
  'issues',
  'comments',
] as const;

/** The name of one resource (= table) of the Linear source. */
export type LinearResourceName = (typeof LINEAR_RESOURCES)[number];

/** The default GraphQL endpoint. */
export const LINEAR_DEFAULT_API_URL = 'https://api.linear.app/graphql';

/**
 * Time as the source sees it: rate-limit waits and retry backoff go through it. `now()` is compared with
 * Linear's reset headers, which are epoch milliseconds. The default uses `Date.now` and `setTimeout`;
 * tests pass a virtual clock so nothing really waits.
 */
export interface LinearClock {
  /** Epoch milliseconds. */
  now(): number;
  /** Resolves after `ms` milliseconds; rejects with the signal's reason when it is aborted. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** Options of {@link linear}. An explicit option wins over the environment variable, which wins over the default. */
export interface LinearOptions {
  /**
   * Linear credential. A personal API key (`lin_api_…`) is sent raw in `Authorization`, as Linear
   * requires; anything else is taken for an OAuth access token and sent as `Bearer <token>`. Read when a
   * resource first runs; never logged. Env `LINEAR_API_KEY`. Default: none (a run without any credential
   * fails with a `ConfigurationError`).
   */
  apiKey?: string;
  /**
   * OAuth access token, always sent as `Bearer <token>`. Use instead of `apiKey` (not both). Env
   * `LINEAR_ACCESS_TOKEN` (used only when no API key is set). Default: none.
   */
  accessToken?: string;
  /**
   * Team keys (e.g. `['ENG', 'OPS']`) to restrict `teams`, `issues`, `workflow_states`, `cycles`,
   * `comments` (of those teams' issues) and `projects` (accessible to those teams). `users` is
   * workspace-wide either way. No env var. Default: every team the credential can see.
   */
  teams?: readonly string[];
  /**
   * The resources (tables) to load, a subset of `teams`, `users`, `workflow_states`, `projects`,
   * `cycles`, `issues`, `comments`. No env var. Default: all seven.
   */
  resources?: readonly LinearResourceName[];
  /**
   * Rows per GraphQL page (`first`), 1–250. Larger pages cost more complexity points per query (Linear
   * rejects a single query above 10,000 points). No env var. Default 50 (Linear's own default).
   */
  pageSize?: number;
  /**
   * Also read archived rows (they carry `archived_at`). Keep it on for incremental `issues`: an issue
   * that is archived after it was loaded is otherwise never updated again. No env var. Default `true`.
   */
  includeArchived?: boolean;
  /**
   * First run only: load `issues` and `comments` updated at or after this ISO 8601 timestamp (or date).
   * Later runs continue from the stored cursor. No env var. Default: the whole history.
   */
  updatedSince?: string;
  /** GraphQL endpoint. Env `LINEAR_API_URL`. Default `https://api.linear.app/graphql`. */
  apiUrl?: string;
  /**
   * Retries of one request after `RATELIMITED`, HTTP 429, 5xx, an unreadable body, a timeout or a dropped
   * connection. No env var. Default 5.
   */
  maxRetries?: number;
  /** First retry backoff in milliseconds (doubles per attempt with jitter, capped at 60 s). No env var. Default 1000. */
  retryBackoffMs?: number;
  /** Timeout of one HTTP request in milliseconds. No env var. Default 30000. */
  requestTimeoutMs?: number;
  /**
   * Wait for the rate-limit reset before a request when `X-RateLimit-Requests-Remaining` is at or below
   * this number. (The complexity budget is watched too: the source waits when fewer points remain than
   * twice the cost of its last query.) No env var. Default 5.
   */
  minRemainingRequests?: number;
  /**
   * Longest wait for a rate-limit reset, in milliseconds; a reset further away fails the run with a
   * retryable `LinearError` (kind `rate_limited`) instead. No env var. Default 900000 (15 minutes).
   */
  maxRateLimitWaitMs?: number;
  /** Gets progress, rate-limit and retry lines (never the credential). Default: the logger of the pipeline run. */
  logger?: Logger;
  /** The `fetch` implementation. Default: the global `fetch`. */
  fetch?: typeof globalThis.fetch;
  /** Time source for rate-limit waits and backoff. Default: the system clock. */
  clock?: LinearClock;
}

/** How the credential is sent, and where it came from (named in auth errors, never its value). */
export interface LinearCredential {
  /** `apiKey`: raw `Authorization: <key>`; `oauth`: `Authorization: Bearer <token>`. */
  kind: 'apiKey' | 'oauth';
  /** The secret itself. Never log it. */
  value: string;
  /** Where it was read: `the apiKey option`, `LINEAR_API_KEY`, `the accessToken option`, `LINEAR_ACCESS_TOKEN`. */
  origin: string;
}

export interface ResolvedLinearConfig {
  apiUrl: string;
  teams: readonly string[] | undefined;
  resources: readonly LinearResourceName[];
  pageSize: number;
  includeArchived: boolean;
  updatedSince: string | undefined;
  maxRetries: number;
  retryBackoffMs: number;
  requestTimeoutMs: number;
  minRemainingRequests: number;
  maxRateLimitWaitMs: number;
  logger: Logger | undefined;
  fetch: typeof globalThis.fetch;
  clock: LinearClock;
  /** Resolves the credential from the options or the environment (lazily, when a resource first runs). */
  credential: () => LinearCredential;
}

function isTimestamp(value: string): boolean {
  return (
    /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(value) &&
    !Number.isNaN(Date.parse(value))
  );
}

/** A timestamp without an offset is read as UTC (as Linear would), never as the machine's local time. */
function toUtcIso(value: string): string {
  const hasOffset = /(Z|[+-]\d{2}:?\d{2})$/.test(value);
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(value);
  return new Date(hasOffset || dateOnly ? value : `${value.replace(' ', 'T')}Z`).toISOString();
}

const OptionsSchema = z.object({
  apiUrl: z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }),
  teams: z
    .array(
      z
        .string()
        .trim()
        .regex(/^[A-Za-z0-9_-]{1,32}$/, {
          message: "must be team keys such as 'ENG' (letters, digits, '_', '-')",
        }),
    )
    .min(1, { message: 'must name at least one team key (or leave it out for every team)' })
    .optional(),
  resources: z
    .array(z.enum(LINEAR_RESOURCES, { message: `must list resources among ${LINEAR_RESOURCES.join(', ')}` }))
    .min(1, { message: 'must name at least one resource (or leave it out for all)' }),
  pageSize: z.number().int().min(1).max(250, { message: 'must be at most 250' }),
  includeArchived: z.boolean(),
  updatedSince: z
    .string()
    .refine(isTimestamp, { message: "must be an ISO 8601 timestamp or date, e.g. '2024-01-01T00:00:00Z'" })
    .optional(),
  maxRetries: z.number().int().min(0).max(20),
  retryBackoffMs: z.number().int().min(0).max(600_000),
  requestTimeoutMs: z.number().int().positive(),
  minRemainingRequests: z.number().int().min(0),
  maxRateLimitWaitMs: z.number().int().min(0),
});

const ENV_BY_OPTION: Record<string, string> = { apiUrl: 'LINEAR_API_URL' };

/** The system clock. */
export const systemClock: LinearClock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

/** `lin_api_…` keys go raw; anything else is an OAuth token (a `Bearer ` prefix the user wrote is dropped). */
function credentialFromKey(value: string, origin: string): LinearCredential {
  const trimmed = value.trim().replace(/^bearer\s+/i, '');
  return { kind: trimmed.startsWith('lin_api_') ? 'apiKey' : 'oauth', value: trimmed, origin };
}

function resolveCredential(options: LinearOptions): () => LinearCredential {
  const explicitKey = options.apiKey;
  const explicitToken = options.accessToken;
  for (const [name, value] of [
    ['apiKey', explicitKey],
    ['accessToken', explicitToken],
  ] as const) {
    if (value !== undefined && (typeof value !== 'string' || value.trim() === '')) {
      throw new ConfigurationError(
        `linear(): option '${name}' is empty; pass a Linear credential or leave the option out to use the environment.`,
      );
    }
  }
  if (explicitKey !== undefined && explicitToken !== undefined) {
    throw new ConfigurationError(
      'linear(): pass either apiKey (a personal API key, lin_api_…) or accessToken (an OAuth token), not both.',
    );
  }
  return () => {
    if (explicitKey !== undefined) return credentialFromKey(explicitKey, 'the apiKey option');
    if (explicitToken !== undefined) {
      return {
        kind: 'oauth',
        value: explicitToken.trim().replace(/^bearer\s+/i, ''),
        origin: 'the accessToken option',
      };
    }
    const envKey = envString('LINEAR_API_KEY');
    if (envKey !== undefined) return credentialFromKey(envKey, 'LINEAR_API_KEY');
    const envToken = envString('LINEAR_ACCESS_TOKEN');
    if (envToken !== undefined) {
      return { kind: 'oauth', value: envToken.replace(/^bearer\s+/i, ''), origin: 'LINEAR_ACCESS_TOKEN' };
    }
    throw new ConfigurationError(
      'linear(): no Linear credential. Set LINEAR_API_KEY (a personal API key from Settings → Account → Security & access) or pass the apiKey option; for an OAuth app pass accessToken (or set LINEAR_ACCESS_TOKEN).',
    );
  };
}

/** Resolves options > env > defaults and validates them. Throws {@link ConfigurationError}. */
export function resolveLinearConfig(options: LinearOptions = {}): ResolvedLinearConfig {
  const candidate = {
    apiUrl: (options.apiUrl ?? envString('LINEAR_API_URL') ?? LINEAR_DEFAULT_API_URL).trim(),
    teams: options.teams === undefined ? undefined : [...options.teams],
    resources: options.resources === undefined ? [...LINEAR_RESOURCES] : [...options.resources],
    pageSize: options.pageSize ?? 50,
    includeArchived: options.includeArchived ?? true,
    updatedSince: options.updatedSince,
    maxRetries: options.maxRetries ?? 5,
    retryBackoffMs: options.retryBackoffMs ?? 1000,
    requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
    minRemainingRequests: options.minRemainingRequests ?? 5,
    maxRateLimitWaitMs: options.maxRateLimitWaitMs ?? 900_000,
  };
  const parsed = OptionsSchema.safeParse(candidate);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const option = String(issue.path[0] ?? 'options');
    const env = ENV_BY_OPTION[option];
    throw new ConfigurationError(
      `linear(): option '${option}'${env ? ` (env ${env})` : ''} ${issue.message}.`,
      {
        cause: parsed.error,
      },
    );
  }
  const config = parsed.data;
  if (options.fetch !== undefined && typeof options.fetch !== 'function') {
    throw new ConfigurationError('linear(): option fetch must be a fetch-compatible function.');
  }
  const credential = resolveCredential(options);
  return {
    apiUrl: config.apiUrl,
    teams: config.teams === undefined ? undefined : [...new Set(config.teams)],
    resources: LINEAR_RESOURCES.filter((name) => config.resources.includes(name)),
    pageSize: config.pageSize,
    includeArchived: config.includeArchived,
    // Linear answers with millisecond UTC timestamps; the stored cursor compares as text against them.
    updatedSince: config.updatedSince === undefined ? undefined : toUtcIso(config.updatedSince),
    maxRetries: config.maxRetries,
    retryBackoffMs: config.retryBackoffMs,
    requestTimeoutMs: config.requestTimeoutMs,
    minRemainingRequests: config.minRemainingRequests,
    maxRateLimitWaitMs: config.maxRateLimitWaitMs,
    logger: options.logger,
    fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
    clock: options.clock ?? systemClock,
    credential,
  };
}
