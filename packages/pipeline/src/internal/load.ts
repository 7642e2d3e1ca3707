import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import {
  type Destination,
  type DestinationCapabilities,
  type DestinationClient,
  HotdataDltError,
  LoadJobFailedError,
  type Logger,
  type PipelineEvent,
  PipelineStepError,
  type Schema,
  STATE_TABLE_NAME,
  type TableJob,
  type TableMetrics,
} from '@hotdata-dlt/core';
import { readParquetInfo } from '@hotdata-dlt/parquet';
import pLimit from 'p-limit';
import { loadIdTime, move, writeJson } from './storage.ts';

const JOB_STATES = ['new_jobs', 'started_jobs', 'completed_jobs', 'failed_jobs'] as const;
type JobState = (typeof JOB_STATES)[number];

interface JobFile {
  table: string;
  name: string;
  state: JobState;
}

export interface LoadPackageOptions {
  dir: string;
  loadId: string;
  schema: Schema;
  destination: Destination;
  datasetName: string;
  loadedDir: string;
  pipelineName: string;
  logger: Logger;
  signal: AbortSignal;
  emit(event: PipelineEvent): void;
  /** Retries of a chain after transient errors before the step fails (the package stays pending). */
  maxRetries: number;
  /** First backoff between retries in milliseconds (doubles). */
  retryBackoffMs: number;
  /** Most chains loaded at once (further capped by the destination's parallelism). */
  workers: number;
}

export interface PackageLoadInfo {
  loadId: string;
  status: 'loaded' | 'aborted';
  tables: TableMetrics[];
  seconds: number;
}

async function jobFiles(dir: string): Promise<JobFile[]> {
  const files: JobFile[] = [];
  for (const state of JOB_STATES) {
    const folder = join(dir, state);
    if (!existsSync(folder)) continue;
    for (const name of await readdir(folder)) {
      if (!name.endsWith('.parquet')) continue;
      files.push({ table: name.split('.')[0]!, name, state });
    }
  }
  return files;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Loads one normalized package: storage and schema first, then one job per table chain (root and
 * nested tables) following the write disposition, then the `_dlt_loads` row. Job files move
 * new → started → completed; a chain found in `started_jobs` (a crash or an earlier failure) runs with
 * `restore: true`, which destinations must make idempotent.
 */
export async function loadPackage(options: LoadPackageOptions): Promise<PackageLoadInfo> {
  const started = performance.now();
  const { dir, loadId, schema, destination } = options;
  for (const state of JOB_STATES) await mkdir(join(dir, state), { recursive: true });
  const files = await jobFiles(dir);
  const tablesWithJobs = [...new Set(files.map((file) => file.table))];
  const event = <T extends PipelineEvent['type']>(type: T, payload: Record<string, unknown>) =>
    options.emit({
      type,
      pipelineName: options.pipelineName,
      timestamp: Date.now(),
      loadId,
      ...payload,
    } as PipelineEvent);
  event('load-start', { tables: tablesWithJobs });

  const client: DestinationClient = await destination.client({
    schema,
    datasetName: options.datasetName,
    logger: options.logger,
    signal: options.signal,
  });
  const metrics: TableMetrics[] = [];
  try {
    await client.initializeStorage();
    await client.updateStoredSchema({ onlyTables: tablesWithJobs.filter((table) => schema.hasTable(table)) });
    const roots = [
      ...new Set(
        tablesWithJobs
          .filter((table) => schema.hasTable(table))
          .map((table) => schema.getRootTable(table).name!),
      ),
    ];
    const dataRoots = roots.filter((root) => root !== STATE_TABLE_NAME);
    const limit = pLimit(parallelism(destination.capabilities, options.workers));
    // After the first failure no further chain starts; chains already running finish (dlt drains them).
    const failures: ChainFailure[] = [];
    let cancelled: unknown;
    const runChain = async (root: string) => {
      if (failures.length > 0 || options.signal.aborted) return;
      try {
        metrics.push(...(await loadChain(root, files, options, client, event)));
      } catch (error) {
        if (options.signal.aborted) {
          cancelled ??= error;
          return;
        }
        failures.push(
          error instanceof ChainFailure ? error : new ChainFailure(root, error, isRetryable(error), []),
        );
      }
    };
    await Promise.all(dataRoots.map((root) => limit(() => runChain(root))));
    // The state row goes last, so a state at the destination never runs ahead of the data it describes.
    if (roots.includes(STATE_TABLE_NAME)) await runChain(STATE_TABLE_NAME);
    // A cancelled load stays pending: the next run resumes it.
    if (cancelled !== undefined || options.signal.aborted) throw cancelled ?? options.signal.reason;
    // A terminal failure aborts the package even when another chain only ran out of retries.
    const failure = failures.find((item) => !item.retryable) ?? failures[0];
    if (failure) {
      const message = (failure.cause as Error)?.message ?? String(failure.cause);
      if (failure.retryable) {
        throw new PipelineStepError(
          `Loading table '${failure.table}' of load ${loadId} kept failing with a transient error (${message}); the package stays pending and the next run resumes it.`,
          {
            step: 'load',
            pipelineName: options.pipelineName,
            loadId,
            cause: failure.cause,
            isRetryable: true,
          },
        );
      }
      for (const file of failure.files) {
        await rename(join(dir, 'started_jobs', file.name), join(dir, 'failed_jobs', file.name));
        await writeFile(join(dir, 'failed_jobs', `${file.name}.exception`), message);
      }
      await writeJson(join(dir, 'package_completed.json'), 'aborted');
      await move(dir, join(options.loadedDir, basename(dir)));
      event('load-end', { status: 'aborted', seconds: (performance.now() - started) / 1000 });
      const terminal = new LoadJobFailedError(
        `Load job for table '${failure.table}' failed terminally in load ${loadId}: ${message}`,
        { table: failure.table, loadId, cause: failure.cause },
      );
      throw new PipelineStepError(terminal.message, {
        step: 'load',
        pipelineName: options.pipelineName,
        loadId,
        cause: terminal,
      });
    }
    await client.completeLoad(loadId);
  } finally {
    await client.close();
  }
  await writeJson(join(dir, 'package_completed.json'), 'loaded');
  await move(dir, join(options.loadedDir, basename(dir)));
  const seconds = (performance.now() - started) / 1000;
  event('load-end', { status: 'loaded', seconds });
  return { loadId, status: 'loaded', tables: metrics, seconds };
}

/** How many table chains may load at once (SEMANTICS §1.7 step 3): one job per chain, so
 * `table-sequential` allows chains in parallel, `sequential` allows one. */
export function parallelism(capabilities: DestinationCapabilities, workers: number): number {
  if (capabilities.loaderParallelismStrategy === 'sequential') return 1;
  return Math.max(1, Math.min(workers, capabilities.maxParallelLoadJobs || workers));
}

function isRetryable(error: unknown): boolean {
  return HotdataDltError.isInstance(error) ? error.isRetryable : false;
}

/** A chain that failed: terminally (its started files move to `failed_jobs`) or after its last retry. */
class ChainFailure extends Error {
  readonly table: string;
  override readonly cause: unknown;
  readonly retryable: boolean;
  readonly files: JobFile[];

  constructor(table: string, cause: unknown, retryable: boolean, files: JobFile[]) {
    super(`table chain '${table}' failed`);
    this.table = table;
    this.cause = cause;
    this.retryable = retryable;
    this.files = files;
  }
}

type EmitLoadEvent = <T extends PipelineEvent['type']>(type: T, payload: Record<string, unknown>) => void;

/** Runs one table chain job with retries; returns its metrics or throws a {@link ChainFailure}. */
async function loadChain(
  root: string,
  files: JobFile[],
  options: LoadPackageOptions,
  client: DestinationClient,
  event: EmitLoadEvent,
): Promise<TableMetrics[]> {
  const { dir, loadId, schema, destination } = options;
  const tablesWithJobs = new Set(files.map((file) => file.table));
  const chain = schema
    .getTableChain(root)
    .filter((table) => schema.hasSeenData(table.name!) || tablesWithJobs.has(table.name!));
  const chainNames = new Set(chain.map((table) => table.name!));
  const chainFiles = files.filter((file) => chainNames.has(file.table));
  if (chainFiles.length > 0 && chainFiles.every((file) => file.state === 'completed_jobs')) return [];
  let restore = chainFiles.some((file) => file.state === 'started_jobs' || file.state === 'completed_jobs');
  for (const file of chainFiles.filter((item) => item.state === 'new_jobs')) {
    await rename(join(dir, 'new_jobs', file.name), join(dir, 'started_jobs', file.name));
    file.state = 'started_jobs';
  }
  const tables: TableJob[] = [];
  for (const table of chain) {
    const paths = chainFiles
      .filter((file) => file.table === table.name)
      .map((file) => join(dir, file.state, file.name));
    let rows = 0;
    for (const path of paths) rows += (await readParquetInfo(path)).rows;
    tables.push({
      table: schema.prepareLoadTable(table.name!, destination.capabilities),
      files: paths,
      fileFormat: 'parquet',
      rows,
    });
  }
  const rootTable = schema.prepareLoadTable(root, destination.capabilities);
  event('load-job-start', { table: root, tables: [...chainNames] });
  const chainStarted = performance.now();
  for (let attempt = 0; ; attempt++) {
    try {
      options.signal.throwIfAborted();
      const result = await client.runTableChain({
        loadId,
        schema,
        rootTable,
        tables,
        restore,
        packageCreatedAt: loadIdTime(loadId),
      });
      const seconds = (performance.now() - chainStarted) / 1000;
      const chainMetrics = result.tables.map((table) => ({
        table: table.table,
        rows: table.rows,
        writeDisposition: rootTable.write_disposition,
        seconds,
        ...(table.bytesUploaded !== undefined ? { bytes: table.bytesUploaded } : {}),
      }));
      for (const file of chainFiles) {
        if (file.state !== 'started_jobs') continue;
        await rename(join(dir, 'started_jobs', file.name), join(dir, 'completed_jobs', file.name));
        file.state = 'completed_jobs';
      }
      event('load-job-end', { table: root, status: 'completed', tables: chainMetrics, seconds });
      return chainMetrics;
    } catch (error) {
      const retryable = isRetryable(error);
      const message = (error as Error).message ?? String(error);
      if (options.signal.aborted) throw error;
      if (retryable && attempt < options.maxRetries) {
        options.logger.warn('load job failed with a transient error, retrying', {
          table: root,
          loadId,
          attempt: attempt + 1,
          error: message,
        });
        event('load-job-end', { table: root, status: 'retry', tables: [], seconds: 0, error: message });
        restore = true;
        await sleep(options.retryBackoffMs * 2 ** attempt);
        continue;
      }
      event('load-job-end', {
        table: root,
        status: retryable ? 'retry' : 'failed',
        tables: [],
        seconds: 0,
        error: message,
      });
      throw new ChainFailure(
        root,
        error,
        retryable,
        chainFiles.filter((item) => item.state === 'started_jobs'),
      );
    }
  }
}
