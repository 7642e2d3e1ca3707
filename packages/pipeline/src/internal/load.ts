import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import {
  type Destination,
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
    roots.sort((a, b) => Number(a === STATE_TABLE_NAME) - Number(b === STATE_TABLE_NAME));
    for (const root of roots) {
      const chain = schema
        .getTableChain(root)
        .filter((table) => schema.hasSeenData(table.name!) || tablesWithJobs.includes(table.name!));
      const chainNames = new Set(chain.map((table) => table.name!));
      const chainFiles = files.filter((file) => chainNames.has(file.table));
      if (chainFiles.length > 0 && chainFiles.every((file) => file.state === 'completed_jobs')) continue;
      let restore = chainFiles.some(
        (file) => file.state === 'started_jobs' || file.state === 'completed_jobs',
      );
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
          metrics.push(...chainMetrics);
          for (const file of chainFiles) {
            await rename(join(dir, 'started_jobs', file.name), join(dir, 'completed_jobs', file.name));
            file.state = 'completed_jobs';
          }
          event('load-job-end', { table: root, status: 'completed', tables: chainMetrics, seconds });
          break;
        } catch (error) {
          const retryable = HotdataDltError.isInstance(error) ? error.isRetryable : false;
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
          if (retryable) {
            throw new PipelineStepError(
              `Loading table '${root}' of load ${loadId} kept failing with a transient error (${message}); the package stays pending and the next run resumes it.`,
              { step: 'load', pipelineName: options.pipelineName, loadId, cause: error, isRetryable: true },
            );
          }
          for (const file of chainFiles.filter((item) => item.state === 'started_jobs')) {
            await rename(join(dir, 'started_jobs', file.name), join(dir, 'failed_jobs', file.name));
            await writeFile(join(dir, 'failed_jobs', `${file.name}.exception`), message);
          }
          event('load-job-end', { table: root, status: 'failed', tables: [], seconds: 0, error: message });
          await writeJson(join(dir, 'package_completed.json'), 'aborted');
          await move(dir, join(options.loadedDir, basename(dir)));
          event('load-end', { status: 'aborted', seconds: (performance.now() - started) / 1000 });
          const failure = new LoadJobFailedError(
            `Load job for table '${root}' failed terminally in load ${loadId}: ${message}`,
            {
              table: root,
              loadId,
              cause: error,
            },
          );
          throw new PipelineStepError(failure.message, {
            step: 'load',
            pipelineName: options.pipelineName,
            loadId,
            cause: failure,
          });
        }
      }
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
