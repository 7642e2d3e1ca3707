import {
  ConfigurationError,
  envBoolean,
  envNumber,
  envString,
  type WriteDisposition,
} from '@hotdata-dlt/core';
import { identifierProblem, normalizeApiUrl } from '@hotdata-dlt/hotdata-api';
import { z } from 'zod';

/** How merges and other keyed dispositions are applied. */
export type MergeExecution = 'auto' | 'server' | 'client';

/**
 * Options of {@link hotdata}. An explicit option wins over its environment variable, which wins over the
 * default. Secrets are read when a client is opened, never earlier, and never logged.
 */
export interface HotdataDestinationOptions {
  /** API token (`hd_...`). Env `HOTDATA_API_KEY`. Required. */
  apiKey?: string;
  /** Workspace public id, sent as `X-Workspace-Id`. Env `HOTDATA_WORKSPACE`. Required. */
  workspaceId?: string;
  /** API base URL (a trailing `/v1` is stripped). Env `HOTDATA_API_URL`, default `https://api.hotdata.dev`. */
  apiUrl?: string;
  /** Name of the Hotdata database, found by exact name (created when missing). Env `HOTDATA_DATABASE`, default `dlt`. */
  databaseName?: string;
  /** Hotdata schema that holds the tables. Env `HOTDATA_SCHEMA`, default `public`. */
  schema?: string;
  /**
   * Use the pipeline's dataset name as the Hotdata schema instead of `schema`, as dlt's SQL destinations
   * do; lets several pipelines share one database. Env `HOTDATA_SCHEMA_FROM_DATASET`, default `false`.
   */
  schemaFromDataset?: boolean;
  /**
   * Write disposition of resources that set none; a resource's own `writeDisposition` and `primaryKey`
   * always win. Env `HOTDATA_WRITE_DISPOSITION`, default `append`.
   */
  writeDisposition?: 'append' | 'replace' | 'merge';
  /**
   * Tables declared when the database is created (with their primary keys when the schema knows them),
   * so that legacy servers accept loads into them. Env `HOTDATA_DECLARED_TABLES` (comma list), default none.
   */
  declaredTables?: string[];
  /** Create the database when no database has `databaseName`. Env `HOTDATA_CREATE_DATABASE_IF_MISSING`, default `true`. */
  createDatabaseIfMissing?: boolean;
  /** Retries of a transient API failure (429, 5xx, 409 lock, timeouts). Env `HOTDATA_MAX_RETRIES`, default 5. */
  maxRetries?: number;
  /** Base of the exponential retry backoff in seconds. Env `HOTDATA_RETRY_BACKOFF_SECONDS`, default 1.0. */
  retryBackoffSeconds?: number;
  /**
   * Deepest nesting level unpacked into child tables; deeper values stay JSON. No env var; default: the
   * source's own setting, else dlt's 1000.
   */
  maxTableNesting?: number;
  /**
   * `server`: merges run as Hotdata load modes (upsert, update, delete, append) planned from read-only
   * lookups, so a load costs what its batch costs. `client`: read the whole tables, merge in memory, replace
   * them (servers without key-based modes). `auto`: server, falling back to client when the server refuses
   * the key-based modes. Env `HOTDATA_MERGE_EXECUTION`, default `auto`.
   */
  mergeExecution?: MergeExecution;
  /**
   * Adds `_hotdata_batch_key` (hash of table and batch content) and `_hotdata_row_key` (hash of table and
   * row content without dlt's bookkeeping columns) to every loaded row. Env `HOTDATA_IDEMPOTENCY_COLUMNS`,
   * default `false`.
   */
  idempotencyColumns?: boolean;
  /**
   * Run loads as server jobs (`async` with `async_after_ms` 10 s, then polling), so a proxy cutting a long
   * request cannot strand the database lock. Env `HOTDATA_ASYNC_LOADS`, default `true`.
   */
  asyncLoads?: boolean;
  /** Most key values in one lookup query (the SQL stays small). No env var; default 1000. */
  lookupBatchSize?: number;
}

/** The options after env fallbacks and defaults; secrets stay lazy. */
export interface ResolvedDestinationConfiguration {
  apiUrl: string;
  databaseName: string;
  schema: string;
  schemaFromDataset: boolean;
  writeDisposition: Extract<WriteDisposition, 'append' | 'replace' | 'merge'>;
  declaredTables: string[];
  createDatabaseIfMissing: boolean;
  maxRetries: number;
  retryBackoffSeconds: number;
  maxTableNesting: number | undefined;
  mergeExecution: MergeExecution;
  idempotencyColumns: boolean;
  asyncLoads: boolean;
  lookupBatchSize: number;
  /** Reads the API key and workspace; throws a `ConfigurationError` naming the option and env var. */
  credentials(): { apiKey: string; workspaceId: string };
}

const ENV_OF: Record<string, string> = {
  apiKey: 'HOTDATA_API_KEY',
  workspaceId: 'HOTDATA_WORKSPACE',
  apiUrl: 'HOTDATA_API_URL',
  databaseName: 'HOTDATA_DATABASE',
  schema: 'HOTDATA_SCHEMA',
  schemaFromDataset: 'HOTDATA_SCHEMA_FROM_DATASET',
  writeDisposition: 'HOTDATA_WRITE_DISPOSITION',
  declaredTables: 'HOTDATA_DECLARED_TABLES',
  createDatabaseIfMissing: 'HOTDATA_CREATE_DATABASE_IF_MISSING',
  maxRetries: 'HOTDATA_MAX_RETRIES',
  retryBackoffSeconds: 'HOTDATA_RETRY_BACKOFF_SECONDS',
  mergeExecution: 'HOTDATA_MERGE_EXECUTION',
  idempotencyColumns: 'HOTDATA_IDEMPOTENCY_COLUMNS',
  asyncLoads: 'HOTDATA_ASYNC_LOADS',
};

const identifier = (kind: 'schema' | 'table') =>
  z.string().superRefine((value, context) => {
    const problem = identifierProblem(value, kind);
    if (problem)
      context.addIssue({ code: 'custom', message: `is not a valid Hotdata ${kind} name: ${problem}` });
  });

const ConfigurationSchema = z.object({
  apiUrl: z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }),
  databaseName: z.string().trim().min(1, 'must not be empty'),
  schema: identifier('schema'),
  schemaFromDataset: z.boolean(),
  writeDisposition: z.enum(['append', 'replace', 'merge']),
  declaredTables: z.array(identifier('table')),
  createDatabaseIfMissing: z.boolean(),
  maxRetries: z.number().int().min(0).max(50),
  retryBackoffSeconds: z.number().min(0).max(600),
  maxTableNesting: z.number().int().min(0).optional(),
  mergeExecution: z.enum(['auto', 'server', 'client']),
  idempotencyColumns: z.boolean(),
  asyncLoads: z.boolean(),
  lookupBatchSize: z.number().int().min(1).max(100_000),
});

function envList(name: string): string[] | undefined {
  return envString(name)
    ?.split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

/**
 * Applies option > environment variable > default and validates the result. A problem is a readable
 * `ConfigurationError` naming the option and its environment variable. The API key and workspace are
 * only read by `credentials()`.
 */
export function resolveConfiguration(
  options: HotdataDestinationOptions = {},
): ResolvedDestinationConfiguration {
  const candidate = {
    apiUrl: normalizeApiUrl(options.apiUrl ?? envString('HOTDATA_API_URL') ?? 'https://api.hotdata.dev'),
    databaseName: options.databaseName ?? envString('HOTDATA_DATABASE') ?? 'dlt',
    schema: (options.schema ?? envString('HOTDATA_SCHEMA') ?? 'public').toLowerCase(),
    schemaFromDataset: options.schemaFromDataset ?? envBoolean('HOTDATA_SCHEMA_FROM_DATASET') ?? false,
    writeDisposition: options.writeDisposition ?? envString('HOTDATA_WRITE_DISPOSITION') ?? 'append',
    declaredTables: (options.declaredTables ?? envList('HOTDATA_DECLARED_TABLES') ?? []).map((name) =>
      name.toLowerCase(),
    ),
    createDatabaseIfMissing:
      options.createDatabaseIfMissing ?? envBoolean('HOTDATA_CREATE_DATABASE_IF_MISSING') ?? true,
    maxRetries: options.maxRetries ?? envNumber('HOTDATA_MAX_RETRIES') ?? 5,
    retryBackoffSeconds: options.retryBackoffSeconds ?? envNumber('HOTDATA_RETRY_BACKOFF_SECONDS') ?? 1,
    maxTableNesting: options.maxTableNesting,
    mergeExecution: options.mergeExecution ?? envString('HOTDATA_MERGE_EXECUTION') ?? 'auto',
    idempotencyColumns: options.idempotencyColumns ?? envBoolean('HOTDATA_IDEMPOTENCY_COLUMNS') ?? false,
    asyncLoads: options.asyncLoads ?? envBoolean('HOTDATA_ASYNC_LOADS') ?? true,
    lookupBatchSize: options.lookupBatchSize ?? 1000,
  };
  const parsed = ConfigurationSchema.safeParse(candidate);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const option = String(issue.path[0]);
    const variable = ENV_OF[option];
    const where = issue.path.length > 1 ? ` (item ${issue.path.slice(1).join('.')})` : '';
    throw new ConfigurationError(
      `hotdata() option '${option}'${variable ? ` (env ${variable})` : ''}${where} ${issue.message}.`,
      { cause: parsed.error },
    );
  }
  return {
    ...parsed.data,
    maxTableNesting: parsed.data.maxTableNesting,
    credentials() {
      const apiKey = options.apiKey ?? envString('HOTDATA_API_KEY');
      if (!apiKey) {
        throw new ConfigurationError(
          'hotdata() has no API key: pass the apiKey option or set HOTDATA_API_KEY (a token starting with hd_).',
        );
      }
      const workspaceId = options.workspaceId ?? envString('HOTDATA_WORKSPACE');
      if (!workspaceId) {
        throw new ConfigurationError(
          'hotdata() has no workspace: pass the workspaceId option or set HOTDATA_WORKSPACE (the workspace public id).',
        );
      }
      return { apiKey, workspaceId };
    },
  };
}
