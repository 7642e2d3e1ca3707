import { type AnyResource, isResource, isSource, type Logger, redactSecrets } from '@hotdata-dlt/core';
import type { Pipeline } from '@hotdata-dlt/pipeline';
import cronstrue from 'cronstrue';
import type { PipelineData } from '../config.ts';
import { EXIT_CODES } from '../errors.ts';
import type { CliContext } from '../internal/context.ts';
import { formatDuration } from '../internal/duration.ts';
import { formatTable } from '../internal/format.ts';
import {
  type FreshnessStatus,
  freshnessStatus,
  type LastLoad,
  lastSuccessfulLoad,
} from '../internal/loads.ts';
import { createPipeline, createRunData, schemaNamesOf } from '../internal/pipelines.ts';
import type { ResolvedConfig, ResolvedPipelineDefinition } from '../internal/validate-config.ts';

/** A cron expression in words (`Every 10 seconds`), or the expression itself when cronstrue cannot say it. */
export function scheduleInWords(expression: string | undefined): string {
  if (!expression) return '';
  try {
    return cronstrue.toString(expression, { use24HourTimeFormat: true, verbose: false });
  } catch {
    return expression;
  }
}

/**
 * How a definition names its data, for listings: a registered source by name, else the source and its
 * resources (a factory is called for that; nothing is extracted).
 */
export async function sourceLabel(
  resolved: ResolvedConfig,
  item: ResolvedPipelineDefinition,
  logger: Logger,
): Promise<string> {
  const { definition } = item;
  if (typeof definition.source === 'string') return definition.source;
  let data: PipelineData;
  try {
    data = await createRunData(resolved, item, logger);
  } catch {
    return typeof definition.source === 'function' ? 'factory' : 'resources';
  }
  const list = (resources: readonly AnyResource[]) => resources.map((resource) => resource.name).join(', ');
  if (isSource(data)) return `${data.name} (${list(data.selectedResources)})`;
  return `resources ${list(isResource(data) ? [data] : (data as readonly AnyResource[]))}`;
}

/** What `list` and `freshness` know of one pipeline. */
export interface PipelineStatus {
  pipeline: string;
  description: string | undefined;
  source: string;
  destination: Record<string, string>;
  dataset: string;
  schedule: string | undefined;
  scheduleInWords: string;
  freshness: string | undefined;
  freshnessMs: number | undefined;
  lastLoad: LastLoad | undefined;
  /** Set when the destination could not be asked. */
  lastLoadError: string | undefined;
  status: FreshnessStatus | 'unknown';
}

/** The status of one pipeline at `now` (its last load is asked from the destination). */
export async function statusOf(
  context: CliContext,
  resolved: ResolvedConfig,
  item: ResolvedPipelineDefinition,
  now: number,
): Promise<{ status: PipelineStatus; pipeline: Pipeline }> {
  const p = await createPipeline(resolved, item, {
    logger: context.logger,
    signal: context.interrupts.signal,
  });
  let lastLoad: LastLoad | undefined;
  let lastLoadError: string | undefined;
  try {
    lastLoad = await lastSuccessfulLoad(p, await schemaNamesOf(resolved, item, p, context.logger));
  } catch (error) {
    lastLoadError = redactSecrets((error as Error)?.message ?? String(error), context.secrets());
  }
  const { definition } = item;
  return {
    pipeline: p,
    status: {
      pipeline: item.name,
      description: definition.description,
      source: await sourceLabel(resolved, item, context.logger),
      destination: { type: p.destination?.destinationType ?? '', ...(p.destination?.describe?.() ?? {}) },
      dataset: p.datasetName,
      schedule: definition.schedule,
      scheduleInWords: scheduleInWords(definition.schedule),
      freshness: definition.freshness === undefined ? undefined : String(definition.freshness),
      freshnessMs: item.freshnessMs,
      lastLoad,
      lastLoadError,
      status: lastLoadError ? 'unknown' : freshnessStatus(lastLoad, item.freshnessMs, now),
    },
  };
}

function lastLoadText(status: PipelineStatus, now: number): string {
  if (status.lastLoadError) return `unknown (${status.lastLoadError})`;
  if (!status.lastLoad) return 'never';
  return `${formatDuration(now - status.lastLoad.insertedAt.getTime())} ago`;
}

function statusJson(status: PipelineStatus, now: number) {
  return {
    ...status,
    lastLoad: status.lastLoad
      ? {
          loadId: status.lastLoad.loadId,
          insertedAt: status.lastLoad.insertedAt.toISOString(),
          ageSeconds: Math.round((now - status.lastLoad.insertedAt.getTime()) / 1000),
        }
      : null,
  };
}

/** `hotdata-dlt list`: pipelines, schedules in words, last load and freshness. */
export async function listCommand(context: CliContext): Promise<number> {
  const resolved = await context.config();
  const now = Date.now();
  const statuses: PipelineStatus[] = [];
  for (const item of resolved.pipelines) statuses.push((await statusOf(context, resolved, item, now)).status);
  if (context.options.json) {
    context.out(
      `${JSON.stringify({ config: resolved.path, pipelines: statuses.map((status) => statusJson(status, now)) })}\n`,
    );
    return EXIT_CODES.ok;
  }
  if (statuses.length === 0) {
    context.out(`${resolved.path} defines no pipelines.\n`);
    return EXIT_CODES.ok;
  }
  const { colors } = context.reporter;
  context.out(
    formatTable(
      [
        { key: 'pipeline', header: 'pipeline' },
        { key: 'source', header: 'source' },
        { key: 'destination', header: 'destination' },
        { key: 'schedule', header: 'schedule' },
        { key: 'lastLoad', header: 'last load' },
        { key: 'freshness', header: 'freshness' },
      ],
      statuses.map((status) => ({
        pipeline: status.pipeline,
        source: status.source,
        destination:
          [status.destination.database, status.destination.schema].filter(Boolean).join('.') ||
          status.destination.type,
        schedule: status.schedule ? `${status.scheduleInWords} (${status.schedule})` : '-',
        lastLoad: lastLoadText(status, now),
        freshness:
          status.freshness === undefined
            ? '-'
            : `${status.freshness}: ${status.status === 'fresh' ? colors.green('fresh') : status.status === 'unknown' ? colors.yellow('unknown') : colors.red(status.status === 'never-loaded' ? 'never loaded' : 'stale')}`,
      })),
      { header: (line) => colors.bold(line) },
    ),
  );
  return EXIT_CODES.ok;
}

/**
 * `hotdata-dlt freshness [names...]`: compares the age of each pipeline's last successful load (from
 * `_dlt_loads`) with its `freshness` bound. Exit code 1 when one is stale or never loaded.
 */
export async function freshnessCommand(context: CliContext, names: string[]): Promise<number> {
  const resolved = await context.config();
  const selected = context
    .select(resolved, names)
    .filter((item) => names.length > 0 || item.freshnessMs !== undefined);
  if (selected.length === 0) {
    context.reporter.notice('No pipeline declares a `freshness` bound; nothing to check.');
    return EXIT_CODES.ok;
  }
  const now = Date.now();
  const statuses: PipelineStatus[] = [];
  for (const item of selected) statuses.push((await statusOf(context, resolved, item, now)).status);
  const failing = statuses.filter((status) => ['stale', 'never-loaded', 'unknown'].includes(status.status));
  if (context.options.json) {
    context.out(
      `${JSON.stringify({ ok: failing.length === 0, pipelines: statuses.map((status) => statusJson(status, now)) })}\n`,
    );
  } else {
    const { colors } = context.reporter;
    context.out(
      formatTable(
        [
          { key: 'pipeline', header: 'pipeline' },
          { key: 'status', header: 'status' },
          { key: 'lastLoad', header: 'last load' },
          { key: 'bound', header: 'bound' },
        ],
        statuses.map((status) => ({
          pipeline: status.pipeline,
          status:
            status.status === 'fresh'
              ? colors.green('fresh')
              : status.status === 'unbounded'
                ? 'no bound'
                : colors.red(status.status === 'never-loaded' ? 'never loaded' : status.status),
          lastLoad: status.lastLoad
            ? `${status.lastLoad.insertedAt.toISOString()} (${lastLoadText(status, now)})`
            : lastLoadText(status, now),
          bound:
            status.freshnessMs === undefined
              ? '-'
              : `${status.freshness} (${formatDuration(status.freshnessMs)})`,
        })),
        { header: (line) => colors.bold(line) },
      ),
    );
  }
  return failing.length > 0 ? EXIT_CODES.failed : EXIT_CODES.ok;
}
