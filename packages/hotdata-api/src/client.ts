import type { Table } from 'apache-arrow';
import { tableFromIPC } from 'apache-arrow';
import type { z } from 'zod';
import { type HotdataClientOptions, resolveClientConfig } from './config.ts';
import { HotdataApiError } from './errors.ts';
import { type ReplayPolicy, Transport } from './internal/transport.ts';
import { Uploader, type UploadOptions, type UploadResult, type UploadSource } from './internal/uploads.ts';
import {
  type AddSchemaRequest,
  AddSchemaRequestSchema,
  type AddTableRequest,
  AddTableRequestSchema,
  type CreateDatabaseRequest,
  CreateDatabaseRequestSchema,
  type CreateDatabaseResponse,
  CreateDatabaseResponseSchema,
  type DatabaseDetail,
  DatabaseDetailResponseSchema,
  type DatabaseSummary,
  type ListDatabasesResponse,
  ListDatabasesResponseSchema,
  type ManagedSchemaResponse,
  ManagedSchemaResponseSchema,
  type ManagedTableResponse,
  ManagedTableResponseSchema,
} from './wire/databases.ts';
import {
  type InformationSchemaResponse,
  InformationSchemaResponseSchema,
  type TableInfo,
} from './wire/information-schema.ts';
import {
  type JobStatusResponse,
  JobStatusResponseSchema,
  ListJobsResponseSchema,
  SubmitJobResponseSchema,
  TERMINAL_JOB_STATUSES,
} from './wire/jobs.ts';
import { type LoadRequest, LoadRequestSchema, type LoadResponse, LoadResponseSchema } from './wire/loads.ts';
import {
  AsyncQueryResponseSchema,
  type GetResultResponse,
  GetResultResponseSchema,
  ListResultsResponseSchema,
  type QueryRequest,
  QueryRequestSchema,
  type QueryResponse,
  QueryResponseSchema,
  type QueryRunInfo,
  QueryRunInfoSchema,
  ResultPendingResponseSchema,
} from './wire/query.ts';
import { ListLegacyUploadsResponseSchema } from './wire/uploads.ts';
import { ListWorkspacesResponseSchema, type Workspace } from './wire/workspaces.ts';

/** Where a load goes: the database route (current) or the connection route (original). */
export type LoadTarget =
  | {
      databaseId: string;
      /** Schema name; the API lowercases it. */
      schema: string;
      /** Table name; created on the first load when it was not declared. */
      table: string;
    }
  | {
      /** The database's `default_connection_id`. */
      connectionId: string;
      schema: string;
      table: string;
      /** Sent as `X-Database-Id` (needed to resolve a `result_id`). */
      databaseId?: string;
    };

/** Per-call options of a load. */
export interface LoadOptions {
  /** Longest wait for an async (202) load job. Default: the client's `jobTimeoutMs`. */
  jobTimeoutMs?: number;
  /** Aborts this load (the HTTP request or the job polling; a submitted job keeps running). */
  signal?: AbortSignal;
}

/** A load answered 202: the job to poll with `client.jobs.waitFor(jobId)`. */
export interface SubmittedLoad {
  jobId: string;
  status: string;
}

/** True when `client.loads.submit` answered with a running job rather than a load result. */
export function isSubmittedLoad(value: LoadResponse | SubmittedLoad): value is SubmittedLoad {
  return typeof (value as SubmittedLoad).jobId === 'string' && !('row_count' in value);
}

/** Options of `client.query` and its variants. */
export interface QueryOptions {
  /** The database the SQL runs in (its id, never its name). */
  databaseId: string;
  /** Send the database as the `X-Database-Id` header (default) or as `database_id` in the body. */
  scope?: 'header' | 'body';
  /** Run as a query run (202) and poll it. Default `false`. */
  async?: boolean;
  /** With `async`: answer inline when done within this many ms (at least 1000). */
  asyncAfterMs?: number;
  /** Catalog that unqualified names resolve in. Default: the database's. */
  defaultCatalog?: string;
  /** Schema that bare table names resolve in. Default: the database's `default_schema`. */
  defaultSchema?: string;
  /** SQL dialect; non-`hotsql` dialects are transpiled server-side. Default `hotsql`. */
  dialect?: QueryRequest['dialect'];
  /** Aborts this query (and the reads of its result). */
  signal?: AbortSignal;
}

/** A whole query result as JSON rows. */
export interface QueryRows {
  columns: string[];
  /** Per column: may it hold nulls. Empty when the server did not say. */
  nullable: boolean[];
  /** Every row; values are JSON scalars (timestamps as strings). */
  rows: unknown[][];
  /** The persisted result (read it as Arrow/Parquet/CSV with `client.results`), if any. */
  resultId: string | undefined;
  queryRunId: string | undefined;
  /** The server's inline preview was cut, and the remaining rows were read from `resultId`. */
  truncated: boolean;
  /** A server warning, e.g. that the result could not be persisted. */
  warning: string | undefined;
}

/** Result formats of `client.results.get`. */
export type ResultReadFormat = 'json' | 'arrow' | 'parquet' | 'csv';

/** Which result, and which slice of it. */
export interface ResultQuery {
  /** The database the result belongs to (sent as `X-Database-Id`). */
  databaseId: string;
  /** First row of the slice (ignored for Parquet). Default 0. */
  offset?: number;
  /** Rows in the slice (ignored for Parquet). Default: all. */
  limit?: number;
  /** Aborts the read, including the wait while the result is still persisting. */
  signal?: AbortSignal;
}

const JSON_PAGE_SIZE = 10_000;
const MAX_POLL_INTERVAL_MS = 5_000;

function segment(value: string): string {
  return encodeURIComponent(value);
}

/**
 * Replay policy of a load. Appends are the only mode that is not idempotent; an append of an upload is
 * still safe to repeat (the server claims an upload once) and so is inline data with an
 * `idempotency_key`. An append of a `result_id` or of plain inline data could be applied twice.
 */
function loadReplay(request: LoadRequest): ReplayPolicy {
  if (request.mode !== 'append') return 'safe';
  if (request.upload_id !== undefined) return 'safe';
  if (request.data !== undefined && request.idempotency_key !== undefined) return 'safe';
  return 'unsafe';
}

function loadPath(target: LoadTarget): string {
  const base =
    'connectionId' in target
      ? `/v1/connections/${segment(target.connectionId)}`
      : `/v1/databases/${segment(target.databaseId)}`;
  return `${base}/schemas/${segment(target.schema)}/tables/${segment(target.table)}/loads`;
}

/**
 * Creates a typed client of the Hotdata REST API: workspaces, databases, schemas and tables,
 * information_schema, uploads (presigned single/multipart, legacy fallback), loads in every mode with
 * job polling, jobs, queries, and results as rows, Arrow, Parquet or CSV.
 *
 * Transient failures are retried (429 and 503 after `Retry-After`, 408/425/409-lock/5xx/timeouts/resets
 * with exponential backoff and jitter capped at 30 s). A request that may already have been applied
 * (an append of inline data or of a result, a finalize, a database create) is never replayed after an
 * ambiguous failure: it fails with `HotdataAmbiguousResultError`.
 *
 * @example
 * ```ts
 * const client = createHotdataClient({ apiUrl: local.url, apiKey: local.token, workspaceId: local.workspaceId });
 * const db = await client.databases.create({ name: 'sales' });
 * const upload = await client.uploads.upload('./orders.parquet');
 * await client.loads.load({ databaseId: db.id, schema: 'public', table: 'orders' }, { mode: 'replace', upload_id: upload.uploadId });
 * const orders = await client.queryArrow('select * from public.orders', { databaseId: db.id });
 * ```
 */
export function createHotdataClient(options: HotdataClientOptions = {}) {
  const transport = new Transport(resolveClientConfig(options));
  const uploader = new Uploader(transport);
  const config = transport.config;

  /** Checks a request body against its wire schema before anything is sent. */
  function validated<T>(schema: z.ZodType<T>, request: unknown, method: string, path: string): T {
    const result = schema.safeParse(request);
    if (result.success) return result.data;
    const issue = result.error.issues[0];
    const where = issue?.path.length ? ` at '${issue.path.join('.')}'` : '';
    throw new HotdataApiError(
      `${method} ${path} was not sent: the request is invalid${where}: ${issue?.message ?? 'invalid'}. Fix the request; see the API reference of this field.`,
      { kind: 'bad_request', method, path, cause: result.error },
    );
  }

  /** Polls `check` with a growing interval until it returns a value or the deadline passes. */
  async function poll<T>(
    what: { method: string; path: string; description: string },
    timeoutMs: number,
    signal: AbortSignal | undefined,
    check: () => Promise<T | undefined>,
  ): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let interval = config.pollIntervalMs;
    while (true) {
      const done = await check();
      if (done !== undefined) return done;
      if (Date.now() + interval > deadline) {
        throw new HotdataApiError(
          `${what.description} is still not done after ${timeoutMs} ms; poll it again later.`,
          { kind: 'timeout', method: what.method, path: what.path, isRetryable: true },
        );
      }
      await transport.sleep(interval, what, signal);
      interval = Math.min(MAX_POLL_INTERVAL_MS, Math.round(interval * 1.5));
    }
  }

  const workspaces = {
    /** Workspaces the token can see (sent without `X-Workspace-Id`). */
    async list(query: { organizationPublicId?: string } = {}): Promise<Workspace[]> {
      const response = await transport.send({
        method: 'GET',
        path: '/v1/workspaces',
        auth: 'token',
        query: { organization_public_id: query.organizationPublicId },
        replay: 'safe',
        schema: ListWorkspacesResponseSchema,
      });
      return response.data.workspaces;
    },
  };

  const databases = {
    /**
     * Creates a database, optionally with declared schemas and tables (`key` enables upsert/update/
     * delete loads). Not repeated after an ambiguous failure unless `if_not_exists` is set.
     */
    async create(request: CreateDatabaseRequest): Promise<CreateDatabaseResponse> {
      const response = await transport.send({
        method: 'POST',
        path: '/v1/databases',
        json: validated(CreateDatabaseRequestSchema, request, 'POST', '/v1/databases'),
        replay: request.if_not_exists ? 'safe' : 'unsafe',
        schema: CreateDatabaseResponseSchema,
      });
      return response.data;
    },
    /** A database by id (names are not accepted), with its `default_connection_id`. */
    async get(databaseId: string): Promise<DatabaseDetail> {
      const response = await transport.send({
        method: 'GET',
        path: `/v1/databases/${segment(databaseId)}`,
        replay: 'safe',
        schema: DatabaseDetailResponseSchema,
      });
      return response.data;
    },
    /** One page of databases, newest first (`limit` 1–100). */
    async listPage(
      query: { limit?: number; cursor?: string; search?: string; batch?: string } = {},
    ): Promise<ListDatabasesResponse> {
      const response = await transport.send({
        method: 'GET',
        path: '/v1/databases',
        query,
        replay: 'safe',
        schema: ListDatabasesResponseSchema,
      });
      return response.data;
    },
    /**
     * Every database, newest first, following the cursor across pages (stops if the cursor does not
     * advance). `limit` is the page size.
     *
     * @example
     * ```ts
     * for await (const database of client.databases.list({ search: 'sales' })) console.log(database.id);
     * ```
     */
    async *list(
      query: { limit?: number; search?: string; batch?: string } = {},
    ): AsyncGenerator<DatabaseSummary> {
      let cursor: string | undefined;
      while (true) {
        const page = await databases.listPage({ ...query, ...(cursor ? { cursor } : {}) });
        yield* page.databases;
        const next = page.has_more ? page.next_cursor : undefined;
        if (!next || next === cursor) return;
        cursor = next;
      }
    },
    /** Deletes a database; a repeat answered 404 after a lost first response counts as done. */
    async delete(databaseId: string): Promise<void> {
      await transport.send({
        method: 'DELETE',
        path: `/v1/databases/${segment(databaseId)}`,
        replay: 'safe',
        notFoundAfterReplayIsDone: true,
      });
    },
    /** Declares a schema (and tables) in a database; 409 `conflict` when it exists. */
    async addSchema(databaseId: string, request: AddSchemaRequest): Promise<ManagedSchemaResponse> {
      const path = `/v1/databases/${segment(databaseId)}/schemas`;
      const response = await transport.send({
        method: 'POST',
        path,
        json: validated(AddSchemaRequestSchema, request, 'POST', path),
        replay: 'safe',
        schema: ManagedSchemaResponseSchema,
      });
      return response.data;
    },
    /** Declares a table (with its `key`, partitioning, sort order); 409 `conflict` when it exists. */
    async addTable(
      databaseId: string,
      schema: string,
      request: AddTableRequest,
    ): Promise<ManagedTableResponse> {
      const path = `/v1/databases/${segment(databaseId)}/schemas/${segment(schema)}/tables`;
      const response = await transport.send({
        method: 'POST',
        path,
        json: validated(AddTableRequestSchema, request, 'POST', path),
        replay: 'safe',
        schema: ManagedTableResponseSchema,
      });
      return response.data;
    },
  };

  const jobs = {
    /** A job's status (and its result once it succeeded). */
    async get(jobId: string): Promise<JobStatusResponse> {
      const response = await transport.send({
        method: 'GET',
        path: `/v1/jobs/${segment(jobId)}`,
        replay: 'safe',
        schema: JobStatusResponseSchema,
      });
      return response.data;
    },
    /** Jobs, newest first, filtered by type and statuses. */
    async list(
      query: { jobType?: string; status?: string[]; limit?: number; offset?: number } = {},
    ): Promise<JobStatusResponse[]> {
      const response = await transport.send({
        method: 'GET',
        path: '/v1/jobs',
        query: {
          job_type: query.jobType,
          status: query.status?.join(','),
          limit: query.limit,
          offset: query.offset,
        },
        replay: 'safe',
        schema: ListJobsResponseSchema,
      });
      return response.data.jobs;
    },
    /**
     * Polls a job until it ends (interval from `pollIntervalMs`, growing to 5 s). A `failed` or
     * `partially_succeeded` job throws a `job_failed` error carrying the job's message.
     */
    async waitFor(
      jobId: string,
      waitOptions: { timeoutMs?: number; signal?: AbortSignal } = {},
    ): Promise<JobStatusResponse> {
      const path = `/v1/jobs/${segment(jobId)}`;
      return poll(
        { method: 'GET', path, description: `Job ${jobId}` },
        waitOptions.timeoutMs ?? config.jobTimeoutMs,
        waitOptions.signal,
        async () => {
          const job = await jobs.get(jobId);
          if (!TERMINAL_JOB_STATUSES.has(job.status)) return undefined;
          if (job.status !== 'succeeded') {
            throw new HotdataApiError(
              `Job ${jobId} (${job.job_type}) ended ${job.status}: ${transport.redact(job.error_message ?? 'no error message')}.`,
              { kind: 'job_failed', method: 'GET', path },
            );
          }
          return job;
        },
      );
    },
  };

  const loads = {
    /**
     * Loads into a managed table in one mode: `replace`, `append`, or by key `upsert` / `update` /
     * `delete`, from exactly one of `upload_id`, `result_id` or inline CSV `data`. An async load (202)
     * is polled to completion. Returns the table's row count after the load.
     *
     * @example
     * ```ts
     * await client.loads.load({ databaseId, schema: 'public', table: 'orders' },
     *   { mode: 'upsert', key: ['id'], upload_id: upload.uploadId, async: true, async_after_ms: 10_000 });
     * ```
     */
    async load(
      target: LoadTarget,
      request: LoadRequest,
      loadOptions: LoadOptions = {},
    ): Promise<LoadResponse> {
      const submitted = await loads.submit(target, request, loadOptions);
      if (!isSubmittedLoad(submitted)) return submitted;
      const job = await jobs.waitFor(submitted.jobId, {
        ...(loadOptions.jobTimeoutMs !== undefined ? { timeoutMs: loadOptions.jobTimeoutMs } : {}),
        ...(loadOptions.signal ? { signal: loadOptions.signal } : {}),
      });
      const parsed = LoadResponseSchema.safeParse(job.result);
      if (!parsed.success) {
        throw new HotdataApiError(`Load job ${submitted.jobId} succeeded without a load result.`, {
          kind: 'invalid_response',
          method: 'GET',
          path: `/v1/jobs/${submitted.jobId}`,
          cause: parsed.error,
        });
      }
      return parsed.data;
    },
    /** Sends a load and returns its result (200) or the submitted job (202) without waiting. */
    async submit(
      target: LoadTarget,
      request: LoadRequest,
      loadOptions: Pick<LoadOptions, 'signal'> = {},
    ): Promise<LoadResponse | SubmittedLoad> {
      const path = loadPath(target);
      const response = await transport.send({
        method: 'POST',
        path,
        json: validated(LoadRequestSchema, request, 'POST', path),
        ...('connectionId' in target && target.databaseId ? { databaseId: target.databaseId } : {}),
        replay: loadReplay(request),
        conflictAfterReplayIsAmbiguous: request.upload_id !== undefined,
        passStatuses: [202],
        ...(loadOptions.signal ? { signal: loadOptions.signal } : {}),
      });
      if (response.status === 202) {
        const job = transport.decode({ method: 'POST', path }, 202, response.body, SubmitJobResponseSchema);
        return { jobId: job.id, status: job.status };
      }
      return transport.decode({ method: 'POST', path }, response.status, response.body, LoadResponseSchema);
    },
  };

  const connections = {
    /** Declares a schema through the connection route (`default_connection_id`). */
    async addSchema(connectionId: string, request: AddSchemaRequest): Promise<ManagedSchemaResponse> {
      const path = `/v1/connections/${segment(connectionId)}/schemas`;
      const response = await transport.send({
        method: 'POST',
        path,
        json: validated(AddSchemaRequestSchema, request, 'POST', path),
        replay: 'safe',
        schema: ManagedSchemaResponseSchema,
      });
      return response.data;
    },
    /** Declares a table through the connection route. */
    async addTable(
      connectionId: string,
      schema: string,
      request: AddTableRequest,
    ): Promise<ManagedTableResponse> {
      const path = `/v1/connections/${segment(connectionId)}/schemas/${segment(schema)}/tables`;
      const response = await transport.send({
        method: 'POST',
        path,
        json: validated(AddTableRequestSchema, request, 'POST', path),
        replay: 'safe',
        schema: ManagedTableResponseSchema,
      });
      return response.data;
    },
    /**
     * Deletes a managed table. The API tombstones it: it cannot be declared or loaded again. To empty a
     * table, load zero rows with `mode: 'replace'` instead.
     */
    async deleteTable(connectionId: string, schema: string, table: string): Promise<void> {
      await transport.send({
        method: 'DELETE',
        path: `/v1/connections/${segment(connectionId)}/schemas/${segment(schema)}/tables/${segment(table)}`,
        replay: 'safe',
      });
    },
    /**
     * Loads through the connection route (the original one). Pass `databaseId` when loading from a
     * `result_id`: the result is looked up in that database.
     */
    load(
      connectionId: string,
      schema: string,
      table: string,
      request: LoadRequest,
      loadOptions: LoadOptions & { databaseId?: string } = {},
    ): Promise<LoadResponse> {
      const { databaseId, ...rest } = loadOptions;
      return loads.load(
        { connectionId, schema, table, ...(databaseId ? { databaseId } : {}) },
        request,
        rest,
      );
    },
  };

  const informationSchema = {
    /** One page of tables (with columns when `includeColumns`); `schema`/`table` take `%` wildcards. */
    async listPage(query: {
      connectionId?: string;
      schema?: string;
      table?: string;
      includeColumns?: boolean;
      limit?: number;
      cursor?: string;
    }): Promise<InformationSchemaResponse> {
      const response = await transport.send({
        method: 'GET',
        path: '/v1/information_schema',
        query: {
          connection_id: query.connectionId,
          schema: query.schema,
          table: query.table,
          include_columns: query.includeColumns,
          limit: query.limit,
          cursor: query.cursor,
        },
        replay: 'safe',
        schema: InformationSchemaResponseSchema,
      });
      return response.data;
    },
    /**
     * Every table of a connection (use the database's `default_connection_id`: managed tables are
     * absent from the unscoped listing), following the cursor. Column `data_type`s are Arrow type
     * strings such as `Int64` or `Timestamp(Microsecond, Some("UTC"))`.
     */
    async *list(query: {
      connectionId?: string;
      schema?: string;
      table?: string;
      includeColumns?: boolean;
      limit?: number;
    }): AsyncGenerator<TableInfo> {
      let cursor: string | undefined;
      while (true) {
        const page = await informationSchema.listPage({ ...query, ...(cursor ? { cursor } : {}) });
        yield* page.tables;
        const next = page.has_more ? page.next_cursor : undefined;
        if (!next || next === cursor) return;
        cursor = next;
      }
    },
  };

  const uploads = {
    /**
     * Uploads a Buffer, a file path or a stream and returns the upload id to load from: a presigned
     * single PUT, or multipart with parts sized by the session's `part_size` (ETags kept, finalized
     * exactly once); the legacy `POST /v1/files` when presigning answers 501.
     *
     * @example
     * ```ts
     * const { uploadId } = await client.uploads.upload('./orders.parquet');
     * ```
     */
    upload(source: UploadSource, uploadOptions: UploadOptions = {}): Promise<UploadResult> {
      return uploader.upload(source, uploadOptions);
    },
    /** Legacy uploads listed by `GET /v1/files` (`status`: `pending`, `processing`, `consumed`). */
    async listLegacy(query: { status?: string } = {}) {
      const response = await transport.send({
        method: 'GET',
        path: '/v1/files',
        query,
        replay: 'safe',
        schema: ListLegacyUploadsResponseSchema,
      });
      return response.data.uploads;
    },
  };

  const queryRuns = {
    /** A query run's status (and its `result_id` once it succeeded). */
    async get(queryRunId: string, databaseId: string): Promise<QueryRunInfo> {
      const response = await transport.send({
        method: 'GET',
        path: `/v1/query-runs/${segment(queryRunId)}`,
        databaseId,
        replay: 'safe',
        schema: QueryRunInfoSchema,
      });
      return response.data;
    },
    /** Polls a query run until it succeeds; `failed` / `cancelled` throw `job_failed`. */
    async waitFor(
      queryRunId: string,
      databaseId: string,
      waitOptions: { timeoutMs?: number; signal?: AbortSignal } = {},
    ): Promise<QueryRunInfo> {
      const path = `/v1/query-runs/${segment(queryRunId)}`;
      return poll(
        { method: 'GET', path, description: `Query run ${queryRunId}` },
        waitOptions.timeoutMs ?? config.jobTimeoutMs,
        waitOptions.signal,
        async () => {
          const run = await queryRuns.get(queryRunId, databaseId);
          if (run.status === 'succeeded') return run;
          if (run.status === 'failed' || run.status === 'cancelled') {
            throw new HotdataApiError(
              `Query run ${queryRunId} ${run.status}: ${transport.redact(run.error_message ?? 'no error message')}.`,
              { kind: 'job_failed', method: 'GET', path },
            );
          }
          return undefined;
        },
      );
    },
  };

  /**
   * Reads a ready result in one format; while it is `pending` / `processing` (202) waits for
   * `Retry-After` (or the poll interval) and asks again. A `failed` result (409) throws `job_failed`.
   */
  async function fetchResult(
    resultId: string,
    query: ResultQuery,
    format: ResultReadFormat,
  ): Promise<{ body: Buffer; headers: Record<string, string | string[] | undefined> }> {
    const path = `/v1/results/${segment(resultId)}`;
    const deadline = Date.now() + config.jobTimeoutMs;
    while (true) {
      const response = await transport.send({
        method: 'GET',
        path,
        query: { format, offset: query.offset, limit: query.limit },
        databaseId: query.databaseId,
        replay: 'safe',
        passStatuses: [202, 409],
        ...(query.signal ? { signal: query.signal } : {}),
      });
      if (response.status === 200) return { body: response.body, headers: response.headers };
      const state = transport.decode(
        { method: 'GET', path },
        response.status,
        response.body,
        ResultPendingResponseSchema,
      );
      if (response.status === 409 || state.status === 'failed') {
        throw new HotdataApiError(
          `Result ${resultId} failed: ${transport.redact(state.error_message ?? 'no error message')}. Run the query again.`,
          { kind: 'job_failed', method: 'GET', path, status: response.status },
        );
      }
      const retryAfter = Number(response.headers['retry-after']);
      const waitMs =
        Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : config.pollIntervalMs;
      if (Date.now() + waitMs > deadline) {
        throw new HotdataApiError(`Result ${resultId} is not ready after ${config.jobTimeoutMs} ms.`, {
          kind: 'timeout',
          method: 'GET',
          path,
          isRetryable: true,
        });
      }
      await transport.sleep(waitMs, { method: 'GET', path }, query.signal);
    }
  }

  function getResult(resultId: string, query: ResultQuery & { format?: 'json' }): Promise<GetResultResponse>;
  function getResult(resultId: string, query: ResultQuery & { format: 'arrow' }): Promise<Table>;
  function getResult(resultId: string, query: ResultQuery & { format: 'parquet' }): Promise<Buffer>;
  function getResult(resultId: string, query: ResultQuery & { format: 'csv' }): Promise<string>;
  function getResult(
    resultId: string,
    query: ResultQuery & { format?: ResultReadFormat },
  ): Promise<GetResultResponse | Table | Buffer | string>;
  async function getResult(
    resultId: string,
    query: ResultQuery & { format?: ResultReadFormat },
  ): Promise<GetResultResponse | Table | Buffer | string> {
    const format = query.format ?? 'json';
    const { body } = await fetchResult(resultId, query, format);
    switch (format) {
      case 'json':
        return transport.decode(
          { method: 'GET', path: `/v1/results/${segment(resultId)}` },
          200,
          body,
          GetResultResponseSchema,
        );
      case 'arrow':
        return tableFromIPC(body);
      case 'parquet':
        return body;
      case 'csv':
        return body.toString('utf8');
    }
  }

  const results = {
    /**
     * A ready result (waiting while it persists) as JSON rows (default; one slice with `offset` /
     * `limit`), an Arrow `Table`, Parquet bytes or CSV text.
     *
     * @example
     * ```ts
     * const table = await client.results.get(resultId, { databaseId, format: 'arrow' });
     * ```
     */
    get: getResult,
    /** Every row of a result as JSON, read in pages of `pageSize` (default 10,000). */
    async rows(
      resultId: string,
      query: { databaseId: string; pageSize?: number; signal?: AbortSignal },
    ): Promise<{ columns: string[]; nullable: boolean[]; rows: unknown[][] }> {
      const pageSize = query.pageSize ?? JSON_PAGE_SIZE;
      const rows: unknown[][] = [];
      for (let offset = 0; ; offset += pageSize) {
        const page = await getResult(resultId, {
          databaseId: query.databaseId,
          offset,
          limit: pageSize,
          ...(query.signal ? { signal: query.signal } : {}),
        });
        for (const row of page.rows) rows.push(row);
        if (page.rows.length < pageSize) return { columns: page.columns, nullable: page.nullable, rows };
      }
    },
    /** The whole result as an Arrow table (typed columns). */
    arrow(resultId: string, query: ResultQuery): Promise<Table> {
      return getResult(resultId, { ...query, format: 'arrow' });
    },
    /** The whole result as a Parquet file. */
    parquet(resultId: string, query: ResultQuery): Promise<Buffer> {
      return getResult(resultId, { ...query, format: 'parquet' });
    },
    /** The result as CSV text with a header line. */
    csv(resultId: string, query: ResultQuery): Promise<string> {
      return getResult(resultId, { ...query, format: 'csv' });
    },
    /** Results of a database, newest first. */
    async list(query: { databaseId: string; limit?: number; offset?: number }) {
      const response = await transport.send({
        method: 'GET',
        path: '/v1/results',
        query: { limit: query.limit, offset: query.offset },
        databaseId: query.databaseId,
        replay: 'safe',
        schema: ListResultsResponseSchema,
      });
      return response.data;
    },
  };

  /**
   * Runs SQL and returns the server's inline preview as is: at most ~10,000 rows, `truncated` with a
   * `result_id` when it was cut. An async query (202) is awaited through its query run and returned as
   * its first page.
   */
  async function queryPreview(sql: string, queryOptions: QueryOptions): Promise<QueryResponse> {
    const request = validated(
      QueryRequestSchema,
      {
        sql,
        ...(queryOptions.scope === 'body' ? { database_id: queryOptions.databaseId } : {}),
        ...(queryOptions.async !== undefined ? { async: queryOptions.async } : {}),
        ...(queryOptions.asyncAfterMs !== undefined ? { async_after_ms: queryOptions.asyncAfterMs } : {}),
        ...(queryOptions.defaultCatalog ? { default_catalog: queryOptions.defaultCatalog } : {}),
        ...(queryOptions.defaultSchema ? { default_schema: queryOptions.defaultSchema } : {}),
        ...(queryOptions.dialect ? { dialect: queryOptions.dialect } : {}),
      },
      'POST',
      '/v1/query',
    );
    const signal = queryOptions.signal ? { signal: queryOptions.signal } : {};
    const response = await transport.send({
      method: 'POST',
      path: '/v1/query',
      json: request,
      ...(queryOptions.scope === 'body' ? {} : { databaseId: queryOptions.databaseId }),
      replay: 'safe',
      passStatuses: [202],
      ...signal,
    });
    if (response.status !== 202) {
      return transport.decode({ method: 'POST', path: '/v1/query' }, 200, response.body, QueryResponseSchema);
    }
    const pending = transport.decode(
      { method: 'POST', path: '/v1/query' },
      202,
      response.body,
      AsyncQueryResponseSchema,
    );
    const run = await queryRuns.waitFor(pending.query_run_id, queryOptions.databaseId, signal);
    if (!run.result_id) {
      throw new HotdataApiError(`Query run ${run.id} succeeded without a result id.`, {
        kind: 'invalid_response',
        method: 'GET',
        path: `/v1/query-runs/${run.id}`,
      });
    }
    const page = await getResult(run.result_id, {
      databaseId: queryOptions.databaseId,
      limit: JSON_PAGE_SIZE,
      ...signal,
    });
    return QueryResponseSchema.parse({
      columns: page.columns,
      nullable: page.nullable,
      rows: page.rows,
      preview_row_count: page.rows.length,
      truncated: page.rows.length >= JSON_PAGE_SIZE,
      result_id: run.result_id,
      query_run_id: run.id,
      warning: run.warning_message,
    });
  }

  /**
   * Runs SQL and returns every row: when the inline preview was truncated, the rest is read from the
   * persisted result (`result_id`) in pages.
   *
   * @example
   * ```ts
   * const { columns, rows } = await client.query('select id, name from public.people', { databaseId });
   * ```
   */
  async function query(sql: string, queryOptions: QueryOptions): Promise<QueryRows> {
    const preview = await queryPreview(sql, queryOptions);
    const base = {
      resultId: preview.result_id ?? undefined,
      queryRunId: preview.query_run_id ?? undefined,
      warning: preview.warning ?? undefined,
    };
    if (!preview.truncated) {
      return {
        ...base,
        columns: preview.columns,
        nullable: preview.nullable,
        rows: preview.rows,
        truncated: false,
      };
    }
    if (!preview.result_id) {
      throw new HotdataApiError(
        'The query result was truncated but has no result_id to read the rest from. Run the query again.',
        { kind: 'invalid_response', method: 'POST', path: '/v1/query', isRetryable: true },
      );
    }
    const full = await results.rows(preview.result_id, {
      databaseId: queryOptions.databaseId,
      ...(queryOptions.signal ? { signal: queryOptions.signal } : {}),
    });
    return { ...base, ...full, truncated: true };
  }

  async function persistedResultOf(sql: string, queryOptions: QueryOptions, what: string): Promise<string> {
    const preview = await queryPreview(sql, queryOptions);
    if (!preview.result_id) {
      throw new HotdataApiError(
        `The query result could not be persisted${preview.warning ? ` (${preview.warning})` : ''}; ${what} results need a result id. Run the query again.`,
        { kind: 'server', method: 'POST', path: '/v1/query', isRetryable: true },
      );
    }
    return preview.result_id;
  }

  const readOf = (queryOptions: QueryOptions): ResultQuery => ({
    databaseId: queryOptions.databaseId,
    ...(queryOptions.signal ? { signal: queryOptions.signal } : {}),
  });

  /** Runs SQL and returns the whole result as an Arrow table (typed columns). */
  async function queryArrow(sql: string, queryOptions: QueryOptions): Promise<Table> {
    const resultId = await persistedResultOf(sql, queryOptions, 'Arrow');
    return results.arrow(resultId, readOf(queryOptions));
  }

  /** Runs SQL and returns the whole result as a Parquet file. */
  async function queryParquet(sql: string, queryOptions: QueryOptions): Promise<Buffer> {
    const resultId = await persistedResultOf(sql, queryOptions, 'Parquet');
    return results.parquet(resultId, readOf(queryOptions));
  }

  /** Runs SQL and returns the whole result as CSV text. */
  async function queryCsv(sql: string, queryOptions: QueryOptions): Promise<string> {
    const resultId = await persistedResultOf(sql, queryOptions, 'CSV');
    return results.csv(resultId, readOf(queryOptions));
  }

  return {
    /** The resolved API URL (no secrets). */
    apiUrl: config.apiUrl,
    /** The workspace sent as `X-Workspace-Id`, if configured. */
    workspaceId: config.workspaceId,
    workspaces,
    databases,
    connections,
    informationSchema,
    uploads,
    loads,
    jobs,
    query,
    /** Same as {@link query}: every row, following a truncated preview through its result. */
    queryRows: query,
    queryPreview,
    queryArrow,
    queryParquet,
    queryCsv,
    queryRuns,
    results,
  };
}

/** The client returned by {@link createHotdataClient}. */
export type HotdataClient = ReturnType<typeof createHotdataClient>;
