import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { dirname } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ConfigurationError } from '@hotdata-dlt/core';
import {
  AddSchemaRequestSchema,
  AddTableRequestSchema,
  CreateDatabaseRequestSchema,
  CreateUploadBatchRequestSchema,
  CreateUploadRequestSchema,
  FinalizeUploadRequestSchema,
  LoadRequestSchema,
  type LoadResponse,
  QueryRequestSchema,
  UploadPartsRequestSchema,
} from '@hotdata-dlt/hotdata-api';
import type { z } from 'zod';
import { ApiError, badRequest, conflict, notFound } from './internal/api-error.ts';
import { FaultInjector } from './internal/faults.ts';
import { newId } from './internal/ids.ts';
import { applyLoad, idempotencyOf, type LoadTarget, loadableUpload } from './internal/loads.ts';
import { type HotdataLocalOptions, resolveOptions } from './internal/options.ts';
import { describeTables, executeQuery, prepareReadOnly, readResult } from './internal/query.ts';
import {
  type DatabaseRecord,
  type JobRecord,
  normalizeIdentifier,
  type QueryRunRecord,
  type ResultRecord,
  Store,
  type UploadRecord,
} from './internal/store.ts';

/** One request as hotdata-local saw it (no headers, no token). */
export interface RequestLogEntry {
  method: string;
  path: string;
  status: number;
  requestBytes: number;
  responseBytes: number;
  durationMs: number;
  startedAt: string;
  /** Set when a fault was injected instead of handling the request. */
  fault?: string;
}

/** A running hotdata-local server. */
export interface HotdataLocal {
  /** `http://host:port` (no trailing slash, no `/v1`). */
  readonly url: string;
  /** The first accepted token. */
  readonly token: string;
  /** The first workspace id. */
  readonly workspaceId: string;
  /** Where data lives. */
  readonly dataDir: string;
  /** `true` when `dataDir` is a temporary folder removed on close (no data dir was given). */
  readonly temporary: boolean;
  /** Every request handled so far, oldest first. */
  readonly requestLog: RequestLogEntry[];
  clearRequestLog(): void;
  close(): Promise<void>;
}

interface Context {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  params: string[];
  workspaceId: string;
  requestBytes: number;
}

type Handler = (context: Context) => Promise<Reply | undefined>;
interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}
interface Route {
  method: string;
  pattern: RegExp;
  auth: 'workspace' | 'token' | 'presigned';
  handler: Handler;
}

const MAX_JSON_BODY = 16 * 1024 * 1024;
const DEFAULT_PART_SIZE = 8 * 1024 * 1024;
const MAX_PART_SIZE = 64 * 1024 * 1024;
const MAX_PARTS = 10_000;

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    const path = issue?.path.length ? `${issue.path.join('.')}: ` : '';
    throw badRequest(`Invalid request body: ${path}${issue?.message ?? 'invalid'}`);
  }
  return result.data;
}

async function readJson(context: Context): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of context.req) {
    size += (chunk as Buffer).length;
    if (size > MAX_JSON_BODY)
      throw new ApiError(413, 'PAYLOAD_TOO_LARGE', 'The request body is larger than 16 MiB.');
    chunks.push(chunk as Buffer);
  }
  context.requestBytes = size;
  if (size === 0) return undefined;
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw badRequest('The request body is not valid JSON.');
  }
}

function databaseResponse(database: DatabaseRecord, extra: Record<string, unknown> = {}) {
  return {
    id: database.id,
    name: database.name,
    default_catalog: database.defaultCatalog,
    default_connection_id: database.defaultConnectionId,
    default_schema: database.defaultSchema,
    expires_at: database.expiresAt,
    created_at: database.createdAt,
    ...extra,
  };
}

function jobResponse(job: JobRecord) {
  return {
    id: job.id,
    job_type: job.jobType,
    status: job.status,
    attempts: job.attempts,
    created_at: job.createdAt,
    completed_at: job.completedAt,
    error_message: job.errorMessage,
    result: job.result,
  };
}

function queryRunResponse(run: QueryRunRecord) {
  return {
    id: run.id,
    status: run.status,
    sql_text: run.sqlText,
    created_at: run.createdAt,
    completed_at: run.completedAt,
    execution_time_ms: run.executionTimeMs,
    row_count: run.rowCount,
    result_id: run.resultId,
    error_message: run.errorMessage,
  };
}

function likeToRegExp(pattern: string): RegExp {
  const escaped = pattern
    .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    .replace(/%/g, '.*')
    .replace(/_/g, '.');
  return new RegExp(`^${escaped}$`, 'i');
}

function clamp(value: string | null, fallback: number, min: number, max: number): number {
  if (value === null) return fallback;
  const number = Number(value);
  if (!Number.isInteger(number)) throw badRequest(`'${value}' is not an integer.`);
  return Math.min(max, Math.max(min, number));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Waits for `work` to settle, at most `ms`: true when it settled in time. The timer is cleared either
 * way, so an `async_after_ms` wait never keeps a closed server's process alive.
 */
async function settlesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([
      work.then(
        () => true,
        () => true,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Starts hotdata-local: a Hotdata-compatible HTTP server storing data in embedded DuckDB. It answers
 * the databases, uploads, loads, jobs, query, results and information_schema endpoints with the
 * documented bodies and errors, so clients and the `hotdata()` destination run against it unchanged.
 *
 * @example
 * ```ts
 * const local = await startHotdataLocal({ dataDir: '.hotdata-local' });
 * const client = createHotdataClient({ apiUrl: local.url, apiKey: local.token, workspaceId: local.workspaceId });
 * // ...
 * await local.close();
 * ```
 */
export async function startHotdataLocal(options: HotdataLocalOptions = {}): Promise<HotdataLocal> {
  const resolved = resolveOptions(options);
  const { tokens, workspaces, presign, previewRowLimit, maxUploadBytes, logger } = resolved;
  const legacy = resolved.legacyDeclaredTables;
  const minPartSize = resolved.minPartSizeBytes;
  const store = await Store.open(resolved.dataDir);
  const faults = new FaultInjector(resolved.faults);
  const signingKey = randomBytes(32);
  const requestLog: RequestLogEntry[] = [];
  const background = new Set<Promise<unknown>>();
  let baseUrl = '';

  const sign = (uploadId: string, part: number) =>
    createHmac('sha256', signingKey).update(`${uploadId}/${part}`).digest('hex');
  const partUrl = (uploadId: string, part: number) =>
    `${baseUrl}/_storage/uploads/${uploadId}/${part}?signature=${sign(uploadId, part)}`;

  const track = <T>(promise: Promise<T>) => {
    background.add(promise);
    promise.finally(() => background.delete(promise)).catch(() => {});
    return promise;
  };

  const database = (context: Context, id: string) =>
    store.getDatabase(context.workspaceId, decodeURIComponent(id));
  const connectionDatabase = (context: Context, id: string) =>
    store.databaseByConnection(context.workspaceId, decodeURIComponent(id));

  // ---- handlers ----

  async function createDatabase(context: Context): Promise<Reply> {
    const body = parse(CreateDatabaseRequestSchema, (await readJson(context)) ?? {});
    const name = body.name ?? body.description ?? null;
    if (body.if_not_exists && name) {
      const found = store
        .listDatabases(context.workspaceId, undefined)
        .find((record) => record.name === name);
      if (found) return { status: 200, body: databaseResponse(found, { created: false }) };
    }
    const schemas = (body.schemas ?? []).map((schema) => ({
      name: normalizeIdentifier(schema.name, 'schema'),
      tables: (schema.tables ?? []).map((table) => ({
        ...table,
        name: normalizeIdentifier(table.name, 'table'),
      })),
    }));
    const record = await store.createDatabase({
      workspaceId: context.workspaceId,
      name,
      defaultCatalog: body.default_catalog ? normalizeIdentifier(body.default_catalog, 'catalog') : 'default',
      defaultSchema: body.default_schema ? normalizeIdentifier(body.default_schema, 'schema') : undefined,
      expiresAt: body.expires_at || null,
      schemas,
    });
    return { status: 201, body: databaseResponse(record, { created: true }) };
  }

  async function listDatabases(context: Context): Promise<Reply> {
    const params = context.url.searchParams;
    const limit = clamp(params.get('limit'), 50, 1, 100);
    const cursor = params.get('cursor');
    let all = store.listDatabases(context.workspaceId, params.get('search') ?? undefined);
    if (cursor !== null) {
      const after = Number(Buffer.from(cursor, 'base64url').toString('utf8'));
      if (!Number.isInteger(after)) throw badRequest('Invalid cursor.');
      all = all.filter((record) => record.sequence < after);
    }
    const page = all.slice(0, limit);
    const hasMore = all.length > limit;
    return {
      status: 200,
      body: {
        databases: page.map((record) => {
          const { default_connection_id: _omitted, ...summary } = databaseResponse(record);
          return summary;
        }),
        count: page.length,
        limit,
        has_more: hasMore,
        ...(hasMore ? { next_cursor: Buffer.from(String(page.at(-1)!.sequence)).toString('base64url') } : {}),
      },
    };
  }

  async function addSchema(context: Context, record: DatabaseRecord): Promise<Reply> {
    if (legacy) throw notFound('Not found');
    const body = parse(AddSchemaRequestSchema, await readJson(context));
    const schema = normalizeIdentifier(body.name, 'schema');
    const tables = (body.tables ?? []).map((table) => ({
      ...table,
      name: normalizeIdentifier(table.name, 'table'),
    }));
    await store.addSchema(record.id, schema, tables);
    return {
      status: 201,
      body: { connection_id: record.defaultConnectionId, schema, tables: tables.map((table) => table.name) },
    };
  }

  async function addTable(context: Context, record: DatabaseRecord, schemaParam: string): Promise<Reply> {
    if (legacy) throw notFound('Not found');
    const body = parse(AddTableRequestSchema, await readJson(context));
    const schema = normalizeIdentifier(decodeURIComponent(schemaParam), 'schema');
    const table = normalizeIdentifier(body.name, 'table');
    await store.addTable(record.id, schema, { ...body, name: table });
    return { status: 201, body: { connection_id: record.defaultConnectionId, schema, table } };
  }

  async function runLoad(
    target: LoadTarget,
    request: z.infer<typeof LoadRequestSchema>,
    workspaceId: string,
    wait: boolean,
  ) {
    let release: (() => void) | undefined;
    if (wait) {
      while (!release) {
        try {
          release = store.lock(target.database.id);
        } catch (error) {
          if (error instanceof ApiError && error.code === 'RESOURCE_LOCKED') await sleep(25);
          else throw error;
        }
      }
    } else {
      release = store.lock(target.database.id);
    }
    try {
      const response = await applyLoad(store, target, request, {
        workspaceId,
        legacyDeclaredTables: legacy,
        keyLoadModes: resolved.keyLoadModes,
      });
      if (faults.slowLoadMs > 0) await sleep(faults.slowLoadMs);
      return response;
    } finally {
      release();
    }
  }

  async function load(
    context: Context,
    record: DatabaseRecord,
    schema: string,
    table: string,
  ): Promise<Reply> {
    const request = parse(LoadRequestSchema, await readJson(context));
    const target: LoadTarget = {
      database: record,
      schema: decodeURIComponent(schema),
      table: decodeURIComponent(table),
    };
    const idempotency = idempotencyOf(target, request);
    if (idempotency) {
      const previous = store.idempotency(idempotency.key);
      if (previous) {
        if (previous.dataHash !== idempotency.hash) {
          throw conflict(`idempotency_key '${request.idempotency_key}' was used with different data.`);
        }
        if (previous.state === 'running')
          throw conflict(`A load with idempotency_key '${request.idempotency_key}' is still running.`);
        return { status: 200, body: previous.response };
      }
    }

    if (request.async) {
      if (request.upload_id !== undefined) loadableUpload(store, request.upload_id, context.workspaceId);
      let failure: unknown;
      const job: JobRecord = {
        id: newId('job_'),
        workspaceId: context.workspaceId,
        jobType: 'managed_load',
        status: 'pending',
        attempts: 0,
        createdAt: new Date().toISOString(),
        completedAt: null,
        errorMessage: null,
        result: null,
      };
      await store.putJob(job);
      const work = track(
        (async () => {
          job.status = 'running';
          job.attempts = 1;
          await store.putJob(job);
          try {
            job.result = await runLoad(target, request, context.workspaceId, true);
            job.status = 'succeeded';
          } catch (error) {
            failure = error;
            job.status = 'failed';
            job.errorMessage = (error as Error).message;
          }
          job.completedAt = new Date().toISOString();
          await store.putJob(job);
        })(),
      );
      if (request.async_after_ms !== undefined) {
        await settlesWithin(work, request.async_after_ms);
        if (job.status === 'succeeded') return { status: 200, body: job.result };
        if (job.status === 'failed')
          throw failure instanceof ApiError ? failure : badRequest(job.errorMessage ?? 'The load failed.');
      }
      return { status: 202, body: { id: job.id, status: job.status, status_url: `/v1/jobs/${job.id}` } };
    }

    if (idempotency)
      await store.setIdempotency(idempotency.key, {
        dataHash: idempotency.hash,
        state: 'running',
        response: null,
      });
    try {
      const response: LoadResponse = await runLoad(target, request, context.workspaceId, false);
      if (idempotency)
        await store.setIdempotency(idempotency.key, { dataHash: idempotency.hash, state: 'done', response });
      return { status: 200, body: response };
    } catch (error) {
      if (idempotency) await store.setIdempotency(idempotency.key, undefined);
      throw error;
    }
  }

  async function createUpload(
    context: Context,
    body: z.infer<typeof CreateUploadRequestSchema>,
  ): Promise<Record<string, unknown>> {
    if (body.declared_size_bytes !== undefined && body.declared_size_bytes > maxUploadBytes) {
      throw badRequest(`The upload is larger than the server maximum of ${maxUploadBytes} bytes.`);
    }
    const partSize = Math.min(MAX_PART_SIZE, Math.max(minPartSize, body.part_size ?? DEFAULT_PART_SIZE));
    const size = body.declared_size_bytes;
    const single = size !== undefined && size <= partSize;
    if (size !== undefined && Math.ceil(size / partSize) > MAX_PARTS) {
      throw badRequest(`The upload needs more than ${MAX_PARTS} parts; use a larger part_size.`);
    }
    const record: UploadRecord = {
      id: newId('upld'),
      workspaceId: context.workspaceId,
      mode: single ? 'single' : 'multipart',
      status: 'open',
      declaredSize: size ?? null,
      sizeBytes: 0,
      contentType: body.content_type ?? null,
      filename: body.filename ?? null,
      partSize: single ? null : partSize,
      finalizeToken: randomBytes(24).toString('hex'),
      createdAt: new Date().toISOString(),
      parts: {},
    };
    await store.putUpload(record);
    return {
      upload_id: record.id,
      mode: record.mode,
      ...(single ? { url: partUrl(record.id, 1) } : {}),
      ...(!single && size !== undefined
        ? {
            part_urls: Array.from({ length: Math.max(1, Math.ceil(size / partSize)) }, (_, index) =>
              partUrl(record.id, index + 1),
            ),
          }
        : {}),
      ...(!single ? { part_size: partSize } : {}),
      headers: {},
      finalize_token: record.finalizeToken,
    };
  }

  function checkFinalizeToken(context: Context, record: UploadRecord): void {
    const given = Buffer.from(String(context.req.headers['x-upload-finalize-token'] ?? ''));
    const expected = Buffer.from(record.finalizeToken);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new ApiError(
        403,
        'ACCESS_DENIED',
        'The X-Upload-Finalize-Token header is missing or wrong for this upload.',
      );
    }
  }

  async function writeBody(
    context: Context,
    path: string,
    limit: number,
  ): Promise<{ size: number; md5: string }> {
    await mkdir(dirname(path), { recursive: true });
    const hash = createHash('md5');
    let size = 0;
    const counter = async function* (source: AsyncIterable<Buffer>) {
      for await (const chunk of source) {
        size += chunk.length;
        if (size > limit) throw badRequest(`The body is larger than ${limit} bytes.`);
        hash.update(chunk);
        yield chunk;
      }
    };
    try {
      await pipeline(context.req, counter, createWriteStream(path));
    } catch (error) {
      await rm(path, { force: true });
      throw error;
    }
    context.requestBytes = size;
    return { size, md5: hash.digest('hex') };
  }

  async function finalizeUpload(context: Context, uploadId: string): Promise<Reply> {
    const record = store.getUpload(uploadId);
    if (record.workspaceId !== context.workspaceId) throw notFound(`Upload '${uploadId}' not found`);
    checkFinalizeToken(context, record);
    const raw = await readJson(context);
    if (record.status !== 'open')
      throw badRequest(`Upload '${uploadId}' was already finalized; finalize runs exactly once.`);
    const target = store.uploadPath(record.id);
    if (record.mode === 'single') {
      const part = record.parts[1];
      if (!part) throw badRequest('Nothing was uploaded to this upload session.');
      await rm(target, { force: true });
      await pipeline(createReadStream(store.partPath(record.id, 1)), createWriteStream(target));
      record.sizeBytes = part.size;
    } else {
      const body = parse(FinalizeUploadRequestSchema, raw);
      const parts = [...body.parts].sort((a, b) => a.part_number - b.part_number);
      parts.forEach((part, index) => {
        if (part.part_number !== index + 1)
          throw badRequest(`Parts must be numbered 1..${parts.length} without gaps.`);
        const stored = record.parts[part.part_number];
        if (!stored) throw badRequest(`Part ${part.part_number} was never uploaded.`);
        if (stored.etag !== part.e_tag.replace(/"/g, ''))
          throw badRequest(`The ETag of part ${part.part_number} does not match.`);
        if (index < parts.length - 1 && stored.size < minPartSize) {
          throw badRequest(
            `Part ${part.part_number} is smaller than ${minPartSize} bytes; only the last part may be smaller.`,
          );
        }
      });
      const partPaths = parts.map((part) => store.partPath(record.id, part.part_number));
      await pipeline(async function* () {
        for (const path of partPaths) yield* createReadStream(path);
      }, createWriteStream(target));
      record.sizeBytes = parts.reduce((total, part) => total + record.parts[part.part_number]!.size, 0);
    }
    if (record.sizeBytes === 0) throw badRequest('An upload must not be empty.');
    if (record.declaredSize !== null && record.sizeBytes !== record.declaredSize) {
      throw badRequest(`The upload has ${record.sizeBytes} bytes but ${record.declaredSize} were declared.`);
    }
    await rm(`${store.uploadPath(record.id)}.parts`, { recursive: true, force: true });
    record.status = 'finalized';
    await store.putUpload(record);
    return {
      status: 200,
      body: {
        upload_id: record.id,
        status: record.status,
        size_bytes: record.sizeBytes,
        content_type: record.contentType,
        created_at: record.createdAt,
      },
    };
  }

  async function query(context: Context): Promise<Reply> {
    const body = parse(QueryRequestSchema, await readJson(context));
    const header = context.req.headers['x-database-id'];
    const headerId = Array.isArray(header) ? header[0] : header;
    if (headerId && body.database_id && headerId !== body.database_id) {
      throw badRequest('X-Database-Id and database_id name different databases; send one of them.');
    }
    const databaseId = headerId ?? body.database_id;
    if (!databaseId)
      throw badRequest('a database is required: set the X-Database-Id header or the database_id body field');
    const record = store.getDatabase(context.workspaceId, databaseId);
    const sql = await prepareReadOnly(store, record, body.sql);
    const run: QueryRunRecord = {
      id: newId('qrun'),
      databaseId: record.id,
      status: 'running',
      sqlText: body.sql,
      resultId: null,
      errorMessage: null,
      createdAt: new Date().toISOString(),
      completedAt: null,
      executionTimeMs: null,
      rowCount: null,
    };
    await store.putQueryRun(run);
    const execute = async () => {
      try {
        const executed = await executeQuery(store, record, sql, previewRowLimit);
        run.status = 'succeeded';
        run.resultId = executed.result.id;
        run.rowCount = executed.totalRows;
        run.executionTimeMs = executed.executionTimeMs;
        return executed;
      } catch (error) {
        run.status = 'failed';
        run.errorMessage = (error as Error).message;
        throw error;
      } finally {
        run.completedAt = new Date().toISOString();
        await store.putQueryRun(run);
      }
    };
    const respond = (executed: Awaited<ReturnType<typeof executeQuery>>): Reply => ({
      status: 200,
      body: {
        columns: executed.columns,
        nullable: executed.columns.map(() => true),
        rows: executed.rows,
        preview_row_count: executed.rows.length,
        row_count: executed.rows.length,
        total_row_count: executed.totalRows,
        truncated: executed.truncated,
        result_id: executed.result.id,
        query_run_id: run.id,
        execution_time_ms: Math.round(executed.executionTimeMs),
      },
    });
    if (!body.async) return respond(await execute());
    const work = track(execute());
    work.catch(() => {});
    if (body.async_after_ms !== undefined) {
      const done = await settlesWithin(work, body.async_after_ms);
      if (done && run.status === 'succeeded') return respond(await work);
    }
    return {
      status: 202,
      body: { query_run_id: run.id, status: run.status, status_url: `/v1/query-runs/${run.id}` },
    };
  }

  function requireDatabaseHeader(context: Context): DatabaseRecord {
    const header = context.req.headers['x-database-id'];
    const id = Array.isArray(header) ? header[0] : header;
    if (!id) throw badRequest('The X-Database-Id header is required.');
    return store.getDatabase(context.workspaceId, id);
  }

  async function getResult(context: Context, resultId: string): Promise<Reply | undefined> {
    const record = requireDatabaseHeader(context);
    const result: ResultRecord = store.getResult(record.id, decodeURIComponent(resultId));
    if (result.status === 'pending' || result.status === 'processing') {
      return {
        status: 202,
        body: { status: result.status, result_id: result.id },
        headers: { 'retry-after': '1' },
      };
    }
    if (result.status === 'failed') {
      return {
        status: 409,
        body: { status: 'failed', result_id: result.id, error_message: result.errorMessage },
      };
    }
    const params = context.url.searchParams;
    const accept = String(context.req.headers.accept ?? '');
    const requested =
      params.get('format') ??
      (/arrow/.test(accept)
        ? 'arrow'
        : /parquet/.test(accept)
          ? 'parquet'
          : /csv/.test(accept)
            ? 'csv'
            : /markdown/.test(accept)
              ? 'md'
              : 'json');
    const format = requested === 'markdown' ? 'md' : requested;
    if (!['json', 'arrow', 'parquet', 'csv', 'md'].includes(format))
      throw badRequest(`Unknown result format '${requested}'.`);
    const offset = params.has('offset')
      ? clamp(params.get('offset'), 0, 0, Number.MAX_SAFE_INTEGER)
      : undefined;
    const limit = params.has('limit') ? clamp(params.get('limit'), 0, 0, Number.MAX_SAFE_INTEGER) : undefined;
    const output = await readResult(store, result, format as 'json', offset, limit);
    const headers: Record<string, string> = {
      'content-type': output.contentType,
      'x-total-row-count': String(result.rowCount),
    };
    if (format !== 'parquet' && limit !== undefined && (offset ?? 0) + limit < result.rowCount) {
      headers.link = `</v1/results/${result.id}?offset=${(offset ?? 0) + limit}&limit=${limit}&format=${format}>; rel="next"`;
    }
    context.res.writeHead(200, headers);
    context.res.end(output.body);
    return undefined;
  }

  async function informationSchema(context: Context): Promise<Reply> {
    const params = context.url.searchParams;
    const connectionId = params.get('connection_id');
    const limit = clamp(params.get('limit'), 100, 1, 1000);
    const offset = params.get('cursor')
      ? Number(Buffer.from(params.get('cursor')!, 'base64url').toString())
      : 0;
    if (!Number.isInteger(offset)) throw badRequest('Invalid cursor.');
    if (!connectionId) return { status: 200, body: { tables: [], count: 0, limit, has_more: false } };
    const record = connectionDatabase(context, connectionId);
    const schemaFilter = params.get('schema') ? likeToRegExp(params.get('schema')!) : undefined;
    const tableFilter = params.get('table') ? likeToRegExp(params.get('table')!) : undefined;
    const includeColumns = params.get('include_columns') === 'true';
    if (params.has('include_columns') && !['true', 'false'].includes(params.get('include_columns')!)) {
      throw badRequest('Boolean query parameters must be lowercase true or false.');
    }
    const loaded = new Map(
      (await describeTables(store, record)).map((table) => [`${table.schema}.${table.table}`, table]),
    );
    const rows = new Map<string, Record<string, unknown>>();
    for (const declared of store.liveTables(record.id)) {
      const id = `${declared.schema}.${declared.table}`;
      const found = loaded.get(id);
      rows.set(id, {
        connection: record.defaultConnectionId,
        schema: declared.schema,
        table: declared.table,
        synced: Boolean(found),
        last_sync: declared.lastSync,
        ...(includeColumns
          ? {
              columns: (found?.columns ?? []).map((column) => ({
                name: column.name,
                data_type: column.dataType,
                nullable: column.nullable,
              })),
            }
          : {}),
        partition_by: declared.partitionBy,
        sorted_by: declared.sortedBy,
      });
    }
    const all = [...rows.values()]
      .filter(
        (row) =>
          (!schemaFilter || schemaFilter.test(String(row.schema))) &&
          (!tableFilter || tableFilter.test(String(row.table))),
      )
      .sort((a, b) => `${a.schema}.${a.table}`.localeCompare(`${b.schema}.${b.table}`));
    const page = all.slice(offset, offset + limit);
    const hasMore = offset + limit < all.length;
    return {
      status: 200,
      body: {
        tables: page,
        count: page.length,
        limit,
        has_more: hasMore,
        ...(hasMore ? { next_cursor: Buffer.from(String(offset + limit)).toString('base64url') } : {}),
      },
    };
  }

  const routes: Route[] = [
    {
      method: 'GET',
      pattern: /^\/v1\/workspaces$/,
      auth: 'token',
      handler: async () => ({
        status: 200,
        body: {
          ok: true,
          workspaces: workspaces.map((id) => ({
            public_id: id,
            name: id,
            active: true,
            favorite: false,
            provision_status: 'ready',
          })),
        },
      }),
    },
    { method: 'POST', pattern: /^\/v1\/databases$/, auth: 'workspace', handler: createDatabase },
    { method: 'GET', pattern: /^\/v1\/databases$/, auth: 'workspace', handler: listDatabases },
    {
      method: 'GET',
      pattern: /^\/v1\/databases\/count$/,
      auth: 'workspace',
      handler: async (context) => ({
        status: 200,
        body: {
          total: store.listDatabases(context.workspaceId, context.url.searchParams.get('search') ?? undefined)
            .length,
        },
      }),
    },
    {
      method: 'GET',
      pattern: /^\/v1\/databases\/([^/]+)$/,
      auth: 'workspace',
      handler: async (context) => ({
        status: 200,
        body: databaseResponse(database(context, context.params[0]!), { attachments: [] }),
      }),
    },
    {
      method: 'DELETE',
      pattern: /^\/v1\/databases\/([^/]+)$/,
      auth: 'workspace',
      handler: async (context) => {
        await store.deleteDatabase(context.workspaceId, decodeURIComponent(context.params[0]!));
        return { status: 204 };
      },
    },
    {
      method: 'POST',
      pattern: /^\/v1\/databases\/([^/]+)\/schemas$/,
      auth: 'workspace',
      handler: (context) => addSchema(context, database(context, context.params[0]!)),
    },
    {
      method: 'POST',
      pattern: /^\/v1\/databases\/([^/]+)\/schemas\/([^/]+)\/tables$/,
      auth: 'workspace',
      handler: (context) => addTable(context, database(context, context.params[0]!), context.params[1]!),
    },
    {
      method: 'POST',
      pattern: /^\/v1\/databases\/([^/]+)\/schemas\/([^/]+)\/tables\/([^/]+)\/loads$/,
      auth: 'workspace',
      handler: (context) =>
        load(context, database(context, context.params[0]!), context.params[1]!, context.params[2]!),
    },
    {
      method: 'POST',
      pattern: /^\/v1\/connections\/([^/]+)\/schemas$/,
      auth: 'workspace',
      handler: (context) => addSchema(context, connectionDatabase(context, context.params[0]!)),
    },
    {
      method: 'POST',
      pattern: /^\/v1\/connections\/([^/]+)\/schemas\/([^/]+)\/tables$/,
      auth: 'workspace',
      handler: (context) =>
        addTable(context, connectionDatabase(context, context.params[0]!), context.params[1]!),
    },
    {
      method: 'DELETE',
      pattern: /^\/v1\/connections\/([^/]+)\/schemas\/([^/]+)\/tables\/([^/]+)$/,
      auth: 'workspace',
      handler: async (context) => {
        const record = connectionDatabase(context, context.params[0]!);
        await store.tombstoneTable(
          record.id,
          decodeURIComponent(context.params[1]!),
          decodeURIComponent(context.params[2]!),
        );
        return { status: 204 };
      },
    },
    {
      method: 'POST',
      pattern: /^\/v1\/connections\/([^/]+)\/schemas\/([^/]+)\/tables\/([^/]+)\/loads$/,
      auth: 'workspace',
      handler: (context) =>
        load(
          context,
          connectionDatabase(context, context.params[0]!),
          context.params[1]!,
          context.params[2]!,
        ),
    },
    { method: 'GET', pattern: /^\/v1\/information_schema$/, auth: 'workspace', handler: informationSchema },
    {
      method: 'POST',
      pattern: /^\/v1\/uploads$/,
      auth: 'workspace',
      handler: async (context) => {
        if (!presign)
          throw new ApiError(
            501,
            'PRESIGN_UNSUPPORTED',
            'This deployment cannot presign uploads; use POST /v1/files.',
          );
        const body = parse(CreateUploadRequestSchema, (await readJson(context)) ?? {});
        return { status: 201, body: await createUpload(context, body) };
      },
    },
    {
      method: 'POST',
      pattern: /^\/v1\/uploads\/batch$/,
      auth: 'workspace',
      handler: async (context) => {
        if (!presign)
          throw new ApiError(
            501,
            'PRESIGN_UNSUPPORTED',
            'This deployment cannot presign uploads; use POST /v1/files.',
          );
        const body = parse(CreateUploadBatchRequestSchema, await readJson(context));
        const uploads = [];
        for (const upload of body.uploads) uploads.push(await createUpload(context, upload));
        return { status: 201, body: { uploads } };
      },
    },
    {
      method: 'POST',
      pattern: /^\/v1\/uploads\/([^/]+)\/parts$/,
      auth: 'workspace',
      handler: async (context) => {
        const record = store.getUpload(decodeURIComponent(context.params[0]!));
        if (record.workspaceId !== context.workspaceId) throw notFound(`Upload '${record.id}' not found`);
        checkFinalizeToken(context, record);
        const body = parse(UploadPartsRequestSchema, await readJson(context));
        if (record.status !== 'open') throw badRequest(`Upload '${record.id}' is already finalized.`);
        if (record.mode !== 'multipart') throw badRequest(`Upload '${record.id}' is single-part.`);
        if (body.part_numbers.some((number) => number > MAX_PARTS))
          throw badRequest(`Part numbers go up to ${MAX_PARTS}.`);
        return {
          status: 200,
          body: {
            parts: body.part_numbers.map((number) => ({
              part_number: number,
              url: partUrl(record.id, number),
            })),
          },
        };
      },
    },
    {
      method: 'POST',
      pattern: /^\/v1\/uploads\/([^/]+)\/finalize$/,
      auth: 'workspace',
      handler: (context) => finalizeUpload(context, decodeURIComponent(context.params[0]!)),
    },
    {
      method: 'PUT',
      pattern: /^\/_storage\/uploads\/([^/]+)\/(\d+)$/,
      auth: 'presigned',
      handler: async (context) => {
        const uploadId = context.params[0]!;
        const part = Number(context.params[1]);
        const given = context.url.searchParams.get('signature') ?? '';
        const expected = sign(uploadId, part);
        if (given.length !== expected.length || !timingSafeEqual(Buffer.from(given), Buffer.from(expected))) {
          throw new ApiError(403, 'ACCESS_DENIED', 'The upload URL signature is not valid.');
        }
        const record = store.getUpload(uploadId);
        if (record.status !== 'open') throw badRequest(`Upload '${uploadId}' is already finalized.`);
        const { size, md5 } = await writeBody(
          context,
          store.partPath(uploadId, part),
          record.partSize ?? maxUploadBytes,
        );
        record.parts[part] = { etag: md5, size };
        await store.putUpload(record);
        return { status: 200, headers: { etag: `"${md5}"` } };
      },
    },
    {
      method: 'POST',
      pattern: /^\/v1\/files$/,
      auth: 'workspace',
      handler: async (context) => {
        const id = newId('upld');
        const { size } = await writeBody(context, store.uploadPath(id), maxUploadBytes);
        if (size === 0) {
          await rm(store.uploadPath(id), { force: true });
          throw badRequest('The request body is empty: send the file bytes.');
        }
        const record: UploadRecord = {
          id,
          workspaceId: context.workspaceId,
          mode: 'legacy',
          status: 'pending',
          declaredSize: null,
          sizeBytes: size,
          contentType: String(context.req.headers['content-type'] ?? 'application/octet-stream'),
          filename: null,
          partSize: null,
          finalizeToken: '',
          createdAt: new Date().toISOString(),
          parts: {},
        };
        await store.putUpload(record);
        return {
          status: 201,
          body: {
            id,
            status: record.status,
            size_bytes: size,
            content_type: record.contentType,
            created_at: record.createdAt,
          },
        };
      },
    },
    {
      method: 'GET',
      pattern: /^\/v1\/files$/,
      auth: 'workspace',
      handler: async (context) => {
        const status = context.url.searchParams.get('status');
        const uploads = Object.values(store.metadata.uploads)
          .filter((upload) => upload.workspaceId === context.workspaceId && upload.mode === 'legacy')
          .filter((upload) => !status || upload.status === status)
          .map((upload) => ({
            id: upload.id,
            status: upload.status,
            size_bytes: upload.sizeBytes,
            content_type: upload.contentType,
            created_at: upload.createdAt,
          }));
        return { status: 200, body: { uploads } };
      },
    },
    {
      method: 'GET',
      pattern: /^\/v1\/jobs\/([^/]+)$/,
      auth: 'workspace',
      handler: async (context) => ({
        status: 200,
        body: jobResponse(store.getJob(context.workspaceId, decodeURIComponent(context.params[0]!))),
      }),
    },
    {
      method: 'GET',
      pattern: /^\/v1\/jobs$/,
      auth: 'workspace',
      handler: async (context) => {
        const params = context.url.searchParams;
        const statuses = params.get('status')?.split(',').filter(Boolean);
        const type = params.get('job_type');
        const limit = clamp(params.get('limit'), 50, 1, 1000);
        const offset = clamp(params.get('offset'), 0, 0, Number.MAX_SAFE_INTEGER);
        const jobs = Object.values(store.metadata.jobs)
          .filter((job) => job.workspaceId === context.workspaceId)
          .filter((job) => !type || job.jobType === type)
          .filter((job) => !statuses || statuses.includes(job.status))
          .reverse()
          .slice(offset, offset + limit)
          .map(jobResponse);
        return { status: 200, body: { jobs } };
      },
    },
    { method: 'POST', pattern: /^\/v1\/query$/, auth: 'workspace', handler: query },
    {
      method: 'GET',
      pattern: /^\/v1\/query-runs\/([^/]+)$/,
      auth: 'workspace',
      handler: async (context) => {
        const record = requireDatabaseHeader(context);
        return {
          status: 200,
          body: queryRunResponse(store.getQueryRun(record.id, decodeURIComponent(context.params[0]!))),
        };
      },
    },
    {
      method: 'GET',
      pattern: /^\/v1\/results\/([^/]+)$/,
      auth: 'workspace',
      handler: (context) => getResult(context, context.params[0]!),
    },
    {
      method: 'GET',
      pattern: /^\/v1\/results$/,
      auth: 'workspace',
      handler: async (context) => {
        const record = requireDatabaseHeader(context);
        const params = context.url.searchParams;
        const limit = clamp(params.get('limit'), 100, 1, 1000);
        const offset = clamp(params.get('offset'), 0, 0, Number.MAX_SAFE_INTEGER);
        const all = Object.values(store.metadata.results)
          .filter((result) => result.databaseId === record.id)
          .reverse();
        const page = all.slice(offset, offset + limit);
        return {
          status: 200,
          body: {
            results: page.map((result) => ({
              id: result.id,
              status: result.status,
              created_at: result.createdAt,
              error_message: result.errorMessage,
            })),
            count: page.length,
            limit,
            offset,
            has_more: offset + limit < all.length,
          },
        };
      },
    },
  ];

  function authenticate(context: Context, auth: Route['auth']): void {
    if (auth === 'presigned') return;
    const header = context.req.headers.authorization;
    const match = header ? /^Bearer\s+(.+)$/i.exec(header) : null;
    if (!match)
      throw new ApiError(
        401,
        'UNAUTHORIZED',
        'Missing bearer token: send Authorization: Bearer <api token>.',
      );
    if (!tokens.includes(match[1]!.trim()))
      throw new ApiError(401, 'UNAUTHORIZED', 'The API token is not valid.');
    if (auth === 'token') return;
    const workspace = context.req.headers['x-workspace-id'];
    const workspaceId = Array.isArray(workspace) ? workspace[0] : workspace;
    if (!workspaceId) throw badRequest('The X-Workspace-Id header is required.');
    if (!workspaces.includes(workspaceId)) {
      throw new ApiError(
        403,
        'ACCESS_DENIED',
        `Workspace '${workspaceId}' does not exist or the token cannot access it.`,
      );
    }
    context.workspaceId = workspaceId;
  }

  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    const started = performance.now();
    const url = new URL(req.url ?? '/', 'http://local');
    const entry: RequestLogEntry = {
      method: req.method ?? 'GET',
      path: url.pathname,
      status: 0,
      requestBytes: 0,
      responseBytes: 0,
      durationMs: 0,
      startedAt: new Date().toISOString(),
    };
    const context: Context = { req, res, url, params: [], workspaceId: '', requestBytes: 0 };
    const originalWrite = res.write.bind(res);
    const originalEnd = res.end.bind(res);
    res.write = ((chunk: unknown, ...rest: unknown[]) => {
      if (chunk) entry.responseBytes += Buffer.byteLength(chunk as string);
      return (originalWrite as (...args: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof res.write;
    res.end = ((chunk?: unknown, ...rest: unknown[]) => {
      if (chunk && typeof chunk !== 'function') entry.responseBytes += Buffer.byteLength(chunk as string);
      return (originalEnd as (...args: unknown[]) => ServerResponse)(chunk, ...rest);
    }) as typeof res.end;
    res.on('finish', () => {
      entry.status = res.statusCode;
      entry.requestBytes = context.requestBytes || Number(req.headers['content-length'] ?? 0);
      entry.durationMs = Math.round(performance.now() - started);
      requestLog.push(entry);
      logger.debug('hotdata-local request', { ...entry });
    });

    const send = (reply: Reply) => {
      if (res.headersSent) return;
      const headers: Record<string, string> = { ...reply.headers };
      if (reply.body === undefined) {
        res.writeHead(reply.status, headers);
        res.end();
        return;
      }
      headers['content-type'] ??= 'application/json';
      res.writeHead(reply.status, headers);
      res.end(JSON.stringify(reply.body));
    };
    const fail = (error: unknown) => {
      if (error instanceof ApiError) {
        send({
          status: error.status,
          headers: error.headers,
          body: { error: { code: error.code, message: error.message } },
        });
      } else {
        logger.error('hotdata-local request failed unexpectedly', {
          method: entry.method,
          path: entry.path,
          error: (error as Error).message?.split('\n')[0],
        });
        send({
          status: 500,
          body: {
            error: {
              code: 'INTERNAL_SERVER_ERROR',
              message: (error as Error).message?.split('\n')[0] ?? 'internal error',
            },
          },
        });
      }
    };

    void (async () => {
      try {
        const decision = faults.enabled ? faults.decide(entry.method, url.pathname) : undefined;
        if (decision?.latencyMs) await sleep(decision.latencyMs);
        if (decision?.kind === 'drop') {
          entry.fault = 'drop';
          entry.status = 0;
          requestLog.push(entry);
          req.socket.destroy();
          return;
        }
        if (decision?.kind === 'status') {
          entry.fault = `status ${decision.status}`;
          req.resume();
          const code =
            decision.status === 429
              ? 'OVERLOADED'
              : decision.status === 503
                ? 'SERVICE_UNAVAILABLE'
                : 'INTERNAL_SERVER_ERROR';
          const headers: Record<string, string> =
            decision.status === 429 || decision.status === 503
              ? { 'retry-after': String(decision.retryAfterSeconds) }
              : {};
          send({ status: decision.status, headers, body: { error: { code, message: 'Injected fault.' } } });
          return;
        }
        if (decision?.kind === 'locked') {
          entry.fault = 'lock';
          req.resume();
          send({
            status: 409,
            body: { error: { code: 'RESOURCE_LOCKED', message: 'Injected lock conflict.' } },
          });
          return;
        }
        const candidates = routes.filter((route) => route.pattern.test(url.pathname));
        const route = candidates.find((candidate) => candidate.method === req.method);
        if (!route) {
          req.resume();
          throw candidates.length > 0
            ? new ApiError(405, 'METHOD_NOT_ALLOWED', `${req.method} is not allowed on ${url.pathname}.`)
            : notFound(`No route for ${req.method} ${url.pathname}.`);
        }
        context.params = route.pattern.exec(url.pathname)!.slice(1);
        authenticate(context, route.auth);
        const reply = await route.handler(context);
        if (decision?.kind === 'none' && decision.dropResponse) {
          entry.fault = 'drop-response';
          requestLog.push({ ...entry, status: reply?.status ?? 200 });
          req.socket.destroy();
          return;
        }
        if (reply) send(reply);
      } catch (error) {
        if (!req.complete) req.resume();
        fail(error);
      }
    })();
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(resolved.port, resolved.host, () => resolve());
    });
  } catch (error) {
    await store.close();
    throw new ConfigurationError(
      `hotdata-local cannot listen on ${resolved.host}:${resolved.port} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): choose another port or host, or port 0 for a free one.`,
      { cause: error },
    );
  }
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  baseUrl = `http://${host}:${address.port}`;

  return {
    url: baseUrl,
    token: tokens[0]!,
    workspaceId: workspaces[0]!,
    dataDir: store.dir,
    temporary: store.temporary,
    requestLog,
    clearRequestLog() {
      requestLog.length = 0;
    },
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      await Promise.allSettled([...background]);
      await store.close();
    },
  };
}
