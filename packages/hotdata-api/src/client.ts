import type { Table } from 'apache-arrow';
import { tableFromIPC } from 'apache-arrow';
import { type HotdataClientOptions, resolveClientConfig } from './config.ts';
import { HotdataApiError } from './errors.ts';
import { type ReplayPolicy, Transport } from './internal/transport.ts';
import { Uploader, type UploadOptions, type UploadResult, type UploadSource } from './internal/uploads.ts';
import {
  type AddSchemaRequest,
  type AddTableRequest,
  type CreateDatabaseRequest,
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
import { type LoadRequest, type LoadResponse, LoadResponseSchema } from './wire/loads.ts';
import {
  AsyncQueryResponseSchema,
  type GetResultResponse,
  GetResultResponseSchema,
  ListResultsResponseSchema,
  type QueryRequest,
  type QueryResponse,
  QueryResponseSchema,
  type QueryRunInfo,
  QueryRunInfoSchema,
  ResultPendingResponseSchema,
} from './wire/query.ts';
import {
  ListLegacyUploadsResponseSchema,
  type UploadSessionResponse,
  UploadSessionResponseSchema,
} from './wire/uploads.ts';
import { ListWorkspacesResponseSchema, type Workspace } from './wire/workspaces.ts';

/** Where a load goes: the database route (current) or the connection route (original). */
export type LoadTarget =
  | { databaseId: string; schema: string; table: string }
  | {
      /** The database's `default_connection_id`. */
      connectionId: string;
      schema: string;
      table: string;
      /** Sent as `X-Database-Id` (needed to resolve a `result_id`). */
      databaseId?: string;
    };

export interface LoadOptions {
  /** Wait for an async (202) load job and return its result. Default `true`. */
  waitForJob?: boolean;
}

/** A load answered 202: the job to poll. */
export interface SubmittedLoad {
  jobId: string;
  status: string;
}

export interface QueryOptions {
  databaseId: string;
  /** Send the database as the `X-Database-Id` header (default) or as `database_id` in the body. */
  scope?: 'header' | 'body';
  async?: boolean;
  asyncAfterMs?: number;
  defaultCatalog?: string;
  defaultSchema?: string;
  dialect?: QueryRequest['dialect'];
}

/** A whole query result as rows (the preview followed through `result_id` when truncated). */
export interface QueryRows {
  columns: string[];
  rows: unknown[][];
  resultId: string | undefined;
  truncated: boolean;
}

const JSON_PAGE_SIZE = 10_000;

function segment(value: string): string {
  return encodeURIComponent(value);
}

/** Replay policy of a load: only appends that could be applied twice are unsafe. */
function loadReplay(request: LoadRequest): ReplayPolicy {
  if (request.mode !== 'append') return 'safe';
  if (request.upload_id !== undefined) return 'safe';
  if (request.data !== undefined && request.idempotency_key !== undefined) return 'safe';
  return 'unsafe';
}

/**
 * A typed client of the Hotdata REST API: workspaces, databases, schemas and tables,
 * information_schema, uploads (presigned single/multipart, legacy fallback), loads in every mode with
 * job polling, queries and results as rows, Arrow, Parquet or CSV. Transient failures are retried
 * (429/503 after `Retry-After`, otherwise exponential backoff with jitter up to 30 s); a request that
 * might have been applied is never replayed blindly.
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

  async function waitForJob(jobId: string): Promise<JobStatusResponse> {
    const deadline = Date.now() + config.jobTimeoutMs;
    let interval = config.pollIntervalMs;
    while (true) {
      const job = await jobs.get(jobId);
      if (TERMINAL_JOB_STATUSES.has(job.status)) {
        if (job.status !== 'succeeded') {
          throw new HotdataApiError(
            `Job ${jobId} (${job.job_type}) ended ${job.status}: ${transport.redact(job.error_message ?? 'no error message')}.`,
            { kind: 'job_failed', method: 'GET', path: `/v1/jobs/${jobId}` },
          );
        }
        return job;
      }
      if (Date.now() > deadline) {
        throw new HotdataApiError(
          `Job ${jobId} is still ${job.status} after ${config.jobTimeoutMs} ms; poll it later with client.jobs.get('${jobId}').`,
          { kind: 'timeout', method: 'GET', path: `/v1/jobs/${jobId}`, isRetryable: true },
        );
      }
      await transport.sleep(interval);
      interval = Math.min(5_000, Math.round(interval * 1.5));
    }
  }

  const workspaces = {
    /** Workspaces the token can see (no workspace header). */
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
    /** Creates a database (not repeated after an ambiguous failure unless `if_not_exists` is set). */
    async create(request: CreateDatabaseRequest): Promise<CreateDatabaseResponse> {
      const response = await transport.send({
        method: 'POST',
        path: '/v1/databases',
        json: request,
        replay: request.if_not_exists ? 'safe' : 'unsafe',
        schema: CreateDatabaseResponseSchema,
      });
      return response.data;
    },
    async get(databaseId: string): Promise<DatabaseDetail> {
      const response = await transport.send({
        method: 'GET',
        path: `/v1/databases/${segment(databaseId)}`,
        replay: 'safe',
        schema: DatabaseDetailResponseSchema,
      });
      return response.data;
    },
    /** One page of databases, newest first. */
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
    /** Every database, following the cursor across pages. */
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
    async delete(databaseId: string): Promise<void> {
      await transport.send({
        method: 'DELETE',
        path: `/v1/databases/${segment(databaseId)}`,
        replay: 'safe',
      });
    },
    async addSchema(databaseId: string, request: AddSchemaRequest): Promise<ManagedSchemaResponse> {
      const response = await transport.send({
        method: 'POST',
        path: `/v1/databases/${segment(databaseId)}/schemas`,
        json: request,
        replay: 'safe',
        schema: ManagedSchemaResponseSchema,
      });
      return response.data;
    },
    async addTable(
      databaseId: string,
      schema: string,
      request: AddTableRequest,
    ): Promise<ManagedTableResponse> {
      const response = await transport.send({
        method: 'POST',
        path: `/v1/databases/${segment(databaseId)}/schemas/${segment(schema)}/tables`,
        json: request,
        replay: 'safe',
        schema: ManagedTableResponseSchema,
      });
      return response.data;
    },
  };

  const connections = {
    async addSchema(connectionId: string, request: AddSchemaRequest): Promise<ManagedSchemaResponse> {
      const response = await transport.send({
        method: 'POST',
        path: `/v1/connections/${segment(connectionId)}/schemas`,
        json: request,
        replay: 'safe',
        schema: ManagedSchemaResponseSchema,
      });
      return response.data;
    },
    async addTable(
      connectionId: string,
      schema: string,
      request: AddTableRequest,
    ): Promise<ManagedTableResponse> {
      const response = await transport.send({
        method: 'POST',
        path: `/v1/connections/${segment(connectionId)}/schemas/${segment(schema)}/tables`,
        json: request,
        replay: 'safe',
        schema: ManagedTableResponseSchema,
      });
      return response.data;
    },
    /** Deletes (tombstones) a managed table: it cannot be declared or loaded again. */
    async deleteTable(connectionId: string, schema: string, table: string): Promise<void> {
      await transport.send({
        method: 'DELETE',
        path: `/v1/connections/${segment(connectionId)}/schemas/${segment(schema)}/tables/${segment(table)}`,
        replay: 'safe',
      });
    },
  };

  const informationSchema = {
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
    /** Every table (with columns when asked), following the cursor. */
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
     * Uploads a Buffer, a file path or a stream (presigned single or multipart; the legacy
     * `POST /v1/files` when presigning answers 501) and returns the upload id to load from.
     */
    upload(source: UploadSource, uploadOptions: UploadOptions = {}): Promise<UploadResult> {
      return uploader.upload(source, uploadOptions);
    },
    /** Opens an upload session (the low-level first step of `upload`). */
    async createSession(request: {
      declared_size_bytes?: number;
      content_type?: string;
      filename?: string;
      part_size?: number;
    }): Promise<UploadSessionResponse> {
      const response = await transport.send({
        method: 'POST',
        path: '/v1/uploads',
        json: request,
        replay: 'safe',
        schema: UploadSessionResponseSchema,
      });
      return response.data;
    },
    /** Legacy uploads listed by `GET /v1/files`. */
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

  const jobs = {
    async get(jobId: string): Promise<JobStatusResponse> {
      const response = await transport.send({
        method: 'GET',
        path: `/v1/jobs/${segment(jobId)}`,
        replay: 'safe',
        schema: JobStatusResponseSchema,
      });
      return response.data;
    },
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
    /** Polls a job until it ends; a failed job throws with its error message. */
    waitFor: waitForJob,
  };

  const loads = {
    /**
     * Loads into a managed table in one mode (`replace`, `append`, `upsert`, `update`, `delete`). An
     * async load (202) is polled to completion unless `waitForJob` is false.
     */
    async load(
      target: LoadTarget,
      request: LoadRequest,
      loadOptions: LoadOptions = {},
    ): Promise<LoadResponse> {
      const submitted = await loads.submit(target, request);
      if ('row_count' in submitted) return submitted;
      if (loadOptions.waitForJob === false) {
        throw new HotdataApiError(
          `Load into ${target.schema}.${target.table} is running as job ${submitted.jobId}.`,
          {
            kind: 'timeout',
            method: 'POST',
            path: '/loads',
            isRetryable: true,
          },
        );
      }
      const job = await waitForJob(submitted.jobId);
      const parsed = LoadResponseSchema.safeParse(job.result);
      if (!parsed.success) {
        throw new HotdataApiError(`Load job ${submitted.jobId} succeeded without a load result.`, {
          kind: 'invalid_response',
          method: 'GET',
          path: `/v1/jobs/${submitted.jobId}`,
        });
      }
      return parsed.data;
    },
    /** Sends a load and returns the result (200) or the submitted job (202) without waiting. */
    async submit(target: LoadTarget, request: LoadRequest): Promise<LoadResponse | SubmittedLoad> {
      const base =
        'connectionId' in target
          ? `/v1/connections/${segment(target.connectionId)}`
          : `/v1/databases/${segment(target.databaseId)}`;
      const response = await transport.send({
        method: 'POST',
        path: `${base}/schemas/${segment(target.schema)}/tables/${segment(target.table)}/loads`,
        json: request,
        ...('connectionId' in target && target.databaseId ? { databaseId: target.databaseId } : {}),
        replay: loadReplay(request),
        conflictAfterReplayIsAmbiguous: request.upload_id !== undefined,
        passStatuses: [202],
      });
      const json = JSON.parse(response.body.toString('utf8')) as unknown;
      if (response.status === 202) {
        const job = SubmitJobResponseSchema.parse(json);
        return { jobId: job.id, status: job.status };
      }
      const parsed = LoadResponseSchema.safeParse(json);
      if (!parsed.success) {
        throw new HotdataApiError(`The load answered ${response.status} with an unexpected body.`, {
          kind: 'invalid_response',
          method: 'POST',
          path: `${base}/.../loads`,
          cause: parsed.error,
        });
      }
      return parsed.data;
    },
  };

  const queryRuns = {
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
    /** Polls a query run until it ends; returns its result id. */
    async waitFor(queryRunId: string, databaseId: string): Promise<QueryRunInfo> {
      const deadline = Date.now() + config.jobTimeoutMs;
      let interval = config.pollIntervalMs;
      while (true) {
        const run = await queryRuns.get(queryRunId, databaseId);
        if (run.status === 'succeeded') return run;
        if (run.status === 'failed' || run.status === 'cancelled') {
          throw new HotdataApiError(
            `Query run ${queryRunId} ${run.status}: ${run.error_message ?? 'no error message'}.`,
            {
              kind: 'job_failed',
              method: 'GET',
              path: `/v1/query-runs/${queryRunId}`,
            },
          );
        }
        if (Date.now() > deadline) {
          throw new HotdataApiError(
            `Query run ${queryRunId} is still ${run.status} after ${config.jobTimeoutMs} ms.`,
            {
              kind: 'timeout',
              method: 'GET',
              path: `/v1/query-runs/${queryRunId}`,
              isRetryable: true,
            },
          );
        }
        await transport.sleep(interval);
        interval = Math.min(5_000, Math.round(interval * 1.5));
      }
    },
  };

  /** Waits while a result is `pending` / `processing` (202), honouring `Retry-After`. */
  async function fetchResult(
    resultId: string,
    databaseId: string,
    query: { format: string; offset?: number; limit?: number },
  ): Promise<{ body: Buffer; headers: Record<string, string | string[] | undefined> }> {
    const deadline = Date.now() + config.jobTimeoutMs;
    while (true) {
      const response = await transport.send({
        method: 'GET',
        path: `/v1/results/${segment(resultId)}`,
        query,
        databaseId,
        replay: 'safe',
        passStatuses: [202, 409],
      });
      if (response.status === 200) return { body: response.body, headers: response.headers };
      const state = ResultPendingResponseSchema.safeParse(JSON.parse(response.body.toString('utf8')));
      if (response.status === 409) {
        throw new HotdataApiError(
          `Result ${resultId} failed: ${state.success ? (state.data.error_message ?? 'no error message') : 'unknown error'}.`,
          { kind: 'job_failed', method: 'GET', path: `/v1/results/${resultId}`, status: 409 },
        );
      }
      if (Date.now() > deadline) {
        throw new HotdataApiError(`Result ${resultId} is not ready after ${config.jobTimeoutMs} ms.`, {
          kind: 'timeout',
          method: 'GET',
          path: `/v1/results/${resultId}`,
          isRetryable: true,
        });
      }
      const retryAfter = Number(response.headers['retry-after']);
      await transport.sleep(
        Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : config.pollIntervalMs,
      );
    }
  }

  const results = {
    /** One slice of a ready result as JSON rows. */
    async get(
      resultId: string,
      query: { databaseId: string; offset?: number; limit?: number },
    ): Promise<GetResultResponse> {
      const { body } = await fetchResult(resultId, query.databaseId, {
        format: 'json',
        ...(query.offset !== undefined ? { offset: query.offset } : {}),
        ...(query.limit !== undefined ? { limit: query.limit } : {}),
      });
      return GetResultResponseSchema.parse(JSON.parse(body.toString('utf8')));
    },
    /** Every row of a result, read in pages. */
    async rows(
      resultId: string,
      query: { databaseId: string; pageSize?: number },
    ): Promise<{ columns: string[]; rows: unknown[][] }> {
      const pageSize = query.pageSize ?? JSON_PAGE_SIZE;
      const rows: unknown[][] = [];
      let columns: string[] = [];
      for (let offset = 0; ; offset += pageSize) {
        const page = await results.get(resultId, { databaseId: query.databaseId, offset, limit: pageSize });
        columns = page.columns;
        rows.push(...page.rows);
        if (page.rows.length < pageSize) return { columns, rows };
      }
    },
    /** The whole result as an Arrow table. */
    async arrow(resultId: string, query: { databaseId: string }): Promise<Table> {
      const { body } = await fetchResult(resultId, query.databaseId, { format: 'arrow' });
      return tableFromIPC(body);
    },
    /** The whole result as a Parquet file. */
    async parquet(resultId: string, query: { databaseId: string }): Promise<Buffer> {
      return (await fetchResult(resultId, query.databaseId, { format: 'parquet' })).body;
    },
    /** The whole result as CSV text. */
    async csv(resultId: string, query: { databaseId: string }): Promise<string> {
      return (await fetchResult(resultId, query.databaseId, { format: 'csv' })).body.toString('utf8');
    },
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
   * Runs SQL and returns the inline preview (`truncated` with a `result_id` when it was cut). An async
   * query (202) is awaited and returned as its first page.
   */
  async function query(sql: string, queryOptions: QueryOptions): Promise<QueryResponse> {
    const body: QueryRequest = {
      sql,
      ...(queryOptions.scope === 'body' ? { database_id: queryOptions.databaseId } : {}),
      ...(queryOptions.async !== undefined ? { async: queryOptions.async } : {}),
      ...(queryOptions.asyncAfterMs !== undefined ? { async_after_ms: queryOptions.asyncAfterMs } : {}),
      ...(queryOptions.defaultCatalog ? { default_catalog: queryOptions.defaultCatalog } : {}),
      ...(queryOptions.defaultSchema ? { default_schema: queryOptions.defaultSchema } : {}),
      ...(queryOptions.dialect ? { dialect: queryOptions.dialect } : {}),
    };
    const response = await transport.send({
      method: 'POST',
      path: '/v1/query',
      json: body,
      ...(queryOptions.scope === 'body' ? {} : { databaseId: queryOptions.databaseId }),
      replay: 'safe',
      passStatuses: [202],
    });
    const json = JSON.parse(response.body.toString('utf8')) as unknown;
    if (response.status === 202) {
      const pending = AsyncQueryResponseSchema.parse(json);
      const run = await queryRuns.waitFor(pending.query_run_id, queryOptions.databaseId);
      if (!run.result_id) {
        throw new HotdataApiError(`Query run ${run.id} succeeded without a result id.`, {
          kind: 'invalid_response',
          method: 'GET',
          path: `/v1/query-runs/${run.id}`,
        });
      }
      const page = await results.get(run.result_id, {
        databaseId: queryOptions.databaseId,
        limit: JSON_PAGE_SIZE,
      });
      return QueryResponseSchema.parse({
        columns: page.columns,
        nullable: page.nullable,
        rows: page.rows,
        truncated: page.rows.length >= JSON_PAGE_SIZE,
        result_id: run.result_id,
        query_run_id: run.id,
      });
    }
    return QueryResponseSchema.parse(json);
  }

  /** Runs SQL and returns every row, following a truncated preview through its result. */
  async function queryRows(sql: string, queryOptions: QueryOptions): Promise<QueryRows> {
    const preview = await query(sql, queryOptions);
    if (!preview.truncated) {
      return {
        columns: preview.columns,
        rows: preview.rows,
        resultId: preview.result_id ?? undefined,
        truncated: false,
      };
    }
    if (!preview.result_id) {
      throw new HotdataApiError(
        'The query result was truncated but has no result_id to read the rest from.',
        {
          kind: 'invalid_response',
          method: 'POST',
          path: '/v1/query',
        },
      );
    }
    const full = await results.rows(preview.result_id, { databaseId: queryOptions.databaseId });
    return { columns: full.columns, rows: full.rows, resultId: preview.result_id, truncated: true };
  }

  /** Runs SQL and returns the whole result as an Arrow table (typed columns). */
  async function queryArrow(sql: string, queryOptions: QueryOptions): Promise<Table> {
    const preview = await query(sql, queryOptions);
    if (!preview.result_id) {
      throw new HotdataApiError(
        `The query result could not be persisted${preview.warning ? ` (${preview.warning})` : ''}; Arrow results need a result id. Retry the query.`,
        { kind: 'server', method: 'POST', path: '/v1/query', isRetryable: true },
      );
    }
    return results.arrow(preview.result_id, { databaseId: queryOptions.databaseId });
  }

  /** Runs SQL and returns the whole result as a Parquet file. */
  async function queryParquet(sql: string, queryOptions: QueryOptions): Promise<Buffer> {
    const preview = await query(sql, queryOptions);
    if (!preview.result_id) {
      throw new HotdataApiError(
        'The query result could not be persisted; Parquet results need a result id.',
        {
          kind: 'server',
          method: 'POST',
          path: '/v1/query',
          isRetryable: true,
        },
      );
    }
    return results.parquet(preview.result_id, { databaseId: queryOptions.databaseId });
  }

  return {
    /** The resolved API URL (no secrets). */
    apiUrl: config.apiUrl,
    workspaceId: config.workspaceId,
    workspaces,
    databases,
    connections,
    informationSchema,
    uploads,
    loads,
    jobs,
    query,
    queryRows,
    queryArrow,
    queryParquet,
    queryRuns,
    results,
  };
}

/** The client returned by {@link createHotdataClient}. */
export type HotdataClient = ReturnType<typeof createHotdataClient>;
