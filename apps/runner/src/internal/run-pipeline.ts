import { join } from 'node:path';
import { type Logger, redactSecrets } from '@hotdata-dlt/core';
import type { LoadInfo } from '@hotdata-dlt/pipeline';
import { acquireLock } from './lock.ts';
import { createPipeline, createRunData } from './pipelines.ts';
import type { Reporter } from './progress/reporter.ts';
import type { RunProgress } from './progress/run-progress.ts';
import type { ResolvedConfig, ResolvedPipelineDefinition } from './validate-config.ts';

/** What one CLI run of a pipeline did. */
export interface PipelineRunOutcome {
  name: string;
  progress: RunProgress;
  ok: boolean;
  /** The load infos of the engine runs (two when pending packages were finished first). */
  infos: LoadInfo[];
  error?: unknown;
}

export interface RunPipelineOptions {
  reporter: Reporter;
  logger: Logger;
  signal: AbortSignal;
  secrets: () => ReadonlyArray<string | undefined>;
  /** Shown instead of the pipeline name (e.g. `incremental (run 2)`). */
  label?: string;
}

/** Path of the lock file that keeps two processes from running one pipeline at once. */
export function lockPath(resolved: ResolvedConfig, name: string): string {
  return join(resolved.pipelinesDir, `${name}.lock`);
}

/**
 * Runs one pipeline under its lock, showing progress through the reporter. When the working folder held
 * packages of an interrupted run, the engine finishes those first; the new data is then extracted in a
 * second engine run, so one `run` always loads what the source has now. Never throws: failures are in
 * the outcome.
 */
export async function runPipeline(
  resolved: ResolvedConfig,
  item: ResolvedPipelineDefinition,
  options: RunPipelineOptions,
): Promise<PipelineRunOutcome> {
  const { reporter, logger, signal } = options;
  const { progress, onEvent } = reporter.beginRun(options.label ?? item.name);
  const listener = options.label
    ? (event: Parameters<typeof onEvent>[0]) => onEvent({ ...event, pipelineName: options.label! })
    : onEvent;
  const infos: LoadInfo[] = [];
  let release: (() => Promise<void>) | undefined;
  try {
    release = await acquireLock(lockPath(resolved, item.name), item.name);
    const p = await createPipeline(resolved, item, { logger, onEvent: listener, signal });
    infos.push(await p.run(await createRunData(resolved, item, logger)));
    if (infos[0]!.finishedPendingPackages && !signal.aborted) {
      infos.push(await p.run(await createRunData(resolved, item, logger)));
    }
    progress.finish();
    return { name: item.name, progress, ok: true, infos };
  } catch (error) {
    const message = signal.aborted
      ? ((signal.reason as Error | undefined)?.message ?? 'interrupted')
      : ((error as Error)?.message ?? String(error));
    progress.fail(redactSecrets(message, options.secrets()));
    logger.debug('pipeline run failed', { pipeline: item.name, error });
    return { name: item.name, progress, ok: false, infos, error };
  } finally {
    await release?.();
    reporter.endRun(progress);
  }
}
