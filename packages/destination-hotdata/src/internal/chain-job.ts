import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  type DestinationCapabilities,
  DestinationError,
  HotdataDltError,
  LoadJobFailedError,
  type Logger,
  type TableChainJob,
  type TableChainResult,
  type TableJob,
} from '@hotdata-dlt/core';
import { HotdataAmbiguousResultError, HotdataApiError } from '@hotdata-dlt/hotdata-api';
import {
  alignToSchema,
  type ChainTable,
  chainSpec,
  type MergeInput,
  mergeClientSide,
  type PlanOperation,
  planMerge,
  promoteSchemas,
  rowsToTable,
  tableToRows,
} from '@hotdata-dlt/merge';
import {
  arrowSchemaForColumns,
  encodeParquet,
  readParquet,
  readParquetInfo,
  writeParquet,
} from '@hotdata-dlt/parquet';
import type { Schema, Table } from 'apache-arrow';
import type { MergeExecution } from '../configuration.ts';
import { type HotdataDatabase, isMissingTableError } from './database.ts';
import { withIdempotencyColumns } from './idempotency.ts';
import { sqlLookups } from './lookups.ts';
import { qualifiedTable } from './sql.ts';

/** What a chain job needs from its client. */
export interface ChainJobContext {
  database: HotdataDatabase;
  /** The Hotdata schema of the tables. */
  schema: string;
  capabilities: DestinationCapabilities;
  logger: Logger;
  signal: AbortSignal | undefined;
  idempotencyColumns: boolean;
  lookupBatchSize: number;
  /** Shared by every client of the destination: `auto` turns into `client` once the server refuses a load mode. */
  execution: { configured: MergeExecution; serverRefusedModes: boolean };
}

/** Re-runs after an ambiguous load at most this many times before the job fails (retryable). */
const MAX_AMBIGUOUS_REPLANS = 3;
const CLIENT_MERGE_DIR = 'hotdata-client-merge';

class ChainProgress {
  readonly bytes = new Map<string, number>();
  /** The table the running operation writes to (named in errors). */
  current: string;

  constructor(root: string) {
    this.current = root;
  }

  add(table: string, bytes: number): void {
    this.bytes.set(table, (this.bytes.get(table) ?? 0) + bytes);
  }
}

/**
 * Loads one table chain: reads its Parquet files, then applies the write disposition as Hotdata load
 * operations planned by `@hotdata-dlt/merge` (`server`), or by merging whole tables in memory and
 * replacing them (`client`). Plain appends upload the package files as they are. Every path is
 * idempotent when `job.restore` is set, so a chain interrupted by a crash or a lost response can run
 * again (docs/architecture.md, "Interrupted loads").
 */
export async function runChainJob(job: TableChainJob, context: ChainJobContext): Promise<TableChainResult> {
  const root = job.rootTable.name;
  const progress = new ChainProgress(root);
  try {
    await runChain(job, context, progress);
  } catch (error) {
    throw chainError(error, progress.current, job.loadId);
  }
  return {
    tables: job.tables.map((table) => ({
      table: table.table.name,
      rows: table.rows,
      bytesUploaded: progress.bytes.get(table.table.name) ?? 0,
    })),
  };
}

function useClientSide(context: ChainJobContext): boolean {
  return (
    context.execution.configured === 'client' ||
    (context.execution.configured === 'auto' && context.execution.serverRefusedModes)
  );
}

async function runChain(
  job: TableChainJob,
  context: ChainJobContext,
  progress: ChainProgress,
): Promise<void> {
  const spec = chainSpec(job.rootTable);
  const replaceStrategy = job.rootTable['x-replace-strategy'];
  if (spec.strategy === 'replace' && replaceStrategy && replaceStrategy !== 'truncate-and-insert') {
    context.logger.warn(
      `replace strategy '${replaceStrategy}' is not supported by Hotdata; each table of the chain is replaced on its own (truncate-and-insert)`,
      { table: job.rootTable.name },
    );
  }
  if (useClientSide(context)) return runClientSide(job, await readChain(job, context), context, progress);
  try {
    await runServerSide(job, spec.strategy === 'append', context, progress);
  } catch (error) {
    if (context.execution.configured !== 'auto' || !refusedLoadMode(error)) throw error;
    // A refused mode fails the first operation of its kind, before anything of the chain was applied.
    context.execution.serverRefusedModes = true;
    context.logger.warn('the server refused a load mode; merging client-side from now on', {
      table: progress.current,
      error: (error as Error).message,
    });
    await runClientSide(job, await readChain(job, context), context, progress);
  }
}

async function runServerSide(
  job: TableChainJob,
  plainAppend: boolean,
  context: ChainJobContext,
  progress: ChainProgress,
): Promise<void> {
  let restore = job.restore;
  if (plainAppend && !restore && !context.idempotencyColumns) {
    try {
      await appendFiles(job, context, progress);
      return;
    } catch (error) {
      if (!HotdataAmbiguousResultError.isInstance(error)) throw error;
      context.logger.warn(
        'an append may or may not have been applied; loading the chain again idempotently',
        {
          table: progress.current,
          loadId: job.loadId,
        },
      );
      restore = true;
    }
  }
  const chain = await readChain(job, context);
  for (let attempt = 0; ; attempt++) {
    try {
      await applyPlan(job, chain, restore, context, progress);
      return;
    } catch (error) {
      if (!HotdataAmbiguousResultError.isInstance(error) || attempt >= MAX_AMBIGUOUS_REPLANS) throw error;
      context.logger.warn('a load may or may not have been applied; planning the chain again idempotently', {
        table: progress.current,
        loadId: job.loadId,
      });
      restore = true;
    }
  }
}

/** The server does not know a load mode (servers before the key-based modes, or before `append`). */
export function refusedLoadMode(error: unknown): boolean {
  return (
    HotdataApiError.isInstance(error) &&
    error.kind === 'bad_request' &&
    /\bmode\b/i.test(error.message) &&
    /unknown|unsupported|not supported|invalid/i.test(error.message)
  );
}

/** Plain append: every non-empty package file is uploaded as it is and appended. */
async function appendFiles(
  job: TableChainJob,
  context: ChainJobContext,
  progress: ChainProgress,
): Promise<void> {
  for (const tableJob of job.tables) {
    for (const file of tableJob.files) {
      const info = await readParquetInfo(file);
      if (info.rows === 0) continue;
      progress.current = tableJob.table.name;
      const { uploadId, bytes } = await context.database.upload(file, context.signal);
      progress.add(tableJob.table.name, bytes);
      await context.database.load(
        context.schema,
        tableJob.table.name,
        { mode: 'append', upload_id: uploadId, format: 'parquet' },
        context.signal,
      );
      context.database.noteLoaded(context.schema, tableJob.table.name, info.columns);
      context.logger.debug('hotdata load operation applied', {
        table: tableJob.table.name,
        mode: 'append',
        rows: info.rows,
        bytes,
      });
    }
  }
}

/** The rows of one table job, aligned to one schema: the prepared columns widened by every file's. */
async function readTableJob(tableJob: TableJob, context: ChainJobContext): Promise<Table> {
  let schema: Schema = arrowSchemaForColumns(tableJob.table.columns, {
    decimalPrecision: context.capabilities.decimalPrecision,
  });
  const parts: Table[] = [];
  for (const file of tableJob.files) {
    const part = await readParquet(file);
    schema = promoteSchemas(schema, part.schema);
    parts.push(part);
  }
  const aligned = parts.map((part) => alignToSchema(part, schema));
  const table =
    aligned.length === 1
      ? aligned[0]!
      : rowsToTable(
          schema,
          aligned.flatMap((part) => tableToRows(part)),
        );
  return context.idempotencyColumns ? withIdempotencyColumns(tableJob.table.name, table) : table;
}

async function readChain(job: TableChainJob, context: ChainJobContext): Promise<ChainTable[]> {
  const chain: ChainTable[] = [];
  for (const tableJob of job.tables)
    chain.push({ table: tableJob.table, rows: await readTableJob(tableJob, context) });
  return chain;
}

function mergeInput(job: TableChainJob, chain: ChainTable[], restore: boolean): MergeInput {
  const boundary = job.rootTable['x-boundary-timestamp'];
  return {
    chain,
    loadId: job.loadId,
    boundaryTimestamp: typeof boundary === 'string' && boundary ? boundary : job.packageCreatedAt,
    restore,
  };
}

/** Plans the chain with lookups on the server and executes the operations in order. */
async function applyPlan(
  job: TableChainJob,
  chain: ChainTable[],
  restore: boolean,
  context: ChainJobContext,
  progress: ChainProgress,
): Promise<void> {
  const lookups = sqlLookups({
    database: context.database,
    schema: context.schema,
    batchSchemas: new Map(chain.map((item) => [item.table.name, item.rows.schema])),
    batchSize: context.lookupBatchSize,
  });
  const operations = await planMerge(mergeInput(job, chain, restore), lookups);
  for (const operation of operations) await execute(operation, context, progress);
}

/** Encodes an operation's rows as Parquet, uploads them and loads them in the operation's mode. */
async function execute(
  operation: PlanOperation,
  context: ChainJobContext,
  progress: ChainProgress,
): Promise<void> {
  if (operation.mode !== 'replace' && operation.rows.numRows === 0) return;
  progress.current = operation.table;
  const bytes = await encodeParquet(operation.rows, { compression: 'ZSTD' });
  const upload = await context.database.upload(bytes, context.signal);
  progress.add(operation.table, upload.bytes);
  await context.database.load(
    context.schema,
    operation.table,
    {
      mode: operation.mode,
      upload_id: upload.uploadId,
      format: 'parquet',
      ...(operation.key && operation.key.length > 0 ? { key: operation.key } : {}),
    },
    context.signal,
  );
  context.logger.debug('hotdata load operation applied', {
    table: operation.table,
    mode: operation.mode,
    rows: operation.rows.numRows,
    bytes: upload.bytes,
  });
  if (operation.mode !== 'delete' && operation.mode !== 'update') {
    context.database.noteLoaded(
      context.schema,
      operation.table,
      operation.rows.schema.fields.map((field) => field.name),
    );
  }
}

/**
 * Client-side merge: the chain's tables are read whole, merged in memory and written back with `replace`.
 * The merged tables are first saved next to the package's job files; a restored chain that finds them
 * replaces the tables from them instead of merging again, because the tables it would read may already be
 * partly replaced.
 */
async function runClientSide(
  job: TableChainJob,
  chain: ChainTable[],
  context: ChainJobContext,
  progress: ChainProgress,
): Promise<void> {
  const directory = mergedDirectory(job);
  let merged: Map<string, string>;
  if (directory && job.restore && existsSync(directory)) {
    merged = new Map(
      (await readdir(directory)).map((file) => [file.replace(/\.parquet$/, ''), join(directory, file)]),
    );
  } else {
    const existing = new Map<string, Table>();
    for (const item of chain) {
      try {
        existing.set(
          item.table.name,
          await context.database.queryArrow(
            `SELECT * FROM ${qualifiedTable(context.schema, item.table.name)}`,
            context.schema,
          ),
        );
      } catch (error) {
        if (!isMissingTableError(error)) throw error;
      }
    }
    const result = mergeClientSide(existing, mergeInput(job, chain, job.restore));
    merged = await saveMerged(
      result,
      directory ?? join(tmpdir(), CLIENT_MERGE_DIR, `${job.loadId}-${job.rootTable.name}`),
    );
  }
  for (const item of chain) {
    const path = merged.get(item.table.name);
    if (!path) continue;
    progress.current = item.table.name;
    await replaceFromFile(item.table.name, path, context, progress);
  }
  const folder = [...merged.values()][0];
  if (folder) await rm(dirname(folder), { recursive: true, force: true });
}

/** `replace` is idempotent: after an ambiguous answer the same file is uploaded and loaded again. */
async function replaceFromFile(
  table: string,
  path: string,
  context: ChainJobContext,
  progress: ChainProgress,
): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      const upload = await context.database.upload(path, context.signal);
      progress.add(table, upload.bytes);
      await context.database.load(
        context.schema,
        table,
        { mode: 'replace', upload_id: upload.uploadId, format: 'parquet' },
        context.signal,
      );
      const info = await readParquetInfo(path);
      context.database.noteLoaded(context.schema, table, info.columns);
      context.logger.debug('hotdata load operation applied', {
        table,
        mode: 'replace',
        rows: info.rows,
        bytes: upload.bytes,
      });
      return;
    } catch (error) {
      if (!HotdataAmbiguousResultError.isInstance(error) || attempt >= MAX_AMBIGUOUS_REPLANS) throw error;
    }
  }
}

/** `<package>/hotdata-client-merge/<root>`: beside the job files, so it lives and goes with the package. */
function mergedDirectory(job: TableChainJob): string | undefined {
  const file = job.tables.flatMap((table) => table.files)[0];
  if (!file) return undefined;
  return join(dirname(dirname(file)), CLIENT_MERGE_DIR, job.rootTable.name);
}

/** Writes every merged table, then renames the folder into place: it exists only when complete. */
async function saveMerged(result: Map<string, Table>, directory: string): Promise<Map<string, string>> {
  const temporary = `${directory}.tmp`;
  await rm(temporary, { recursive: true, force: true });
  await rm(directory, { recursive: true, force: true });
  await mkdir(temporary, { recursive: true });
  for (const [name, table] of result)
    await writeParquet(table, join(temporary, `${name}.parquet`), { compression: 'ZSTD' });
  await rename(temporary, directory);
  return new Map([...result.keys()].map((name) => [name, join(directory, `${name}.parquet`)]));
}

/** A failed chain as the engine expects it: retryable errors stay retryable, others fail the job. */
function chainError(error: unknown, table: string, loadId: string): DestinationError {
  const message = error instanceof Error ? error.message : String(error);
  const retryable = HotdataDltError.isInstance(error) && error.isRetryable;
  if (retryable) {
    return new DestinationError(
      `Loading table '${table}' of load ${loadId} failed with a transient error (${message}); the chain can be loaded again.`,
      { isRetryable: true, cause: error, code: 'HOTDATA_LOAD_TRANSIENT' },
    );
  }
  if (HotdataAmbiguousResultError.isInstance(error)) {
    return new DestinationError(
      `Loading table '${table}' of load ${loadId} kept losing responses, so it is unknown whether the last load was applied; run the pipeline again: the chain is reloaded idempotently.`,
      { isRetryable: true, cause: error, code: 'HOTDATA_LOAD_AMBIGUOUS' },
    );
  }
  return new LoadJobFailedError(`Loading table '${table}' of load ${loadId} failed: ${message}`, {
    table,
    loadId,
    cause: error,
  });
}
