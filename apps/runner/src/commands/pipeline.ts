import { isAbsolute, relative } from 'node:path';
import type { Pipeline } from '@hotdata-dlt/pipeline';
import { EXIT_CODES } from '../errors.ts';
import type { CliContext } from '../internal/context.ts';
import { formatDuration } from '../internal/duration.ts';
import { cellText, jsonValue } from '../internal/format.ts';
import { acquireLock } from '../internal/lock.ts';
import { createPipeline } from '../internal/pipelines.ts';
import { lockPath } from '../internal/run-pipeline.ts';
import type { ResolvedConfig, ResolvedPipelineDefinition } from '../internal/validate-config.ts';
import { statusOf } from './inspect.ts';

/** One incremental cursor of the pipeline state. */
export interface CursorInfo {
  source: string;
  resource: string;
  cursor: string;
  lastValue: unknown;
}

/** Incremental cursors in a pipeline state document (`sources.*.resources.*.incremental.*`). */
export function cursorsOf(state: Pipeline['state']): CursorInfo[] {
  const cursors: CursorInfo[] = [];
  for (const [source, sourceState] of Object.entries(state.sources ?? {})) {
    const resources = (
      sourceState as { resources?: Record<string, { incremental?: Record<string, unknown> }> }
    ).resources;
    for (const [resource, resourceState] of Object.entries(resources ?? {})) {
      for (const [cursor, value] of Object.entries(resourceState?.incremental ?? {})) {
        cursors.push({
          source,
          resource,
          cursor,
          lastValue: (value as { last_value?: unknown })?.last_value,
        });
      }
    }
  }
  return cursors;
}

/** `path` relative to `cwd` when it lies inside it, else absolute. */
function shortPath(cwd: string, path: string): string {
  const shown = relative(cwd, path);
  return shown === '' ? '.' : shown.startsWith('..') || isAbsolute(shown) ? path : shown;
}

async function open(context: CliContext, name: string) {
  const resolved = await context.config();
  const [item] = context.select(resolved, [name]);
  const p = await createPipeline(resolved, item!, {
    logger: context.logger,
    signal: context.interrupts.signal,
  });
  await p.open();
  return { resolved, item: item!, p };
}

async function withLock<T>(resolved: ResolvedConfig, item: ResolvedPipelineDefinition, fn: () => Promise<T>) {
  const release = await acquireLock(lockPath(resolved, item.name), item.name);
  try {
    return await fn();
  } finally {
    await release();
  }
}

/** `hotdata-dlt pipeline <name> info`: working folder, destination, state, cursors, pending packages, last load. */
export async function pipelineInfoCommand(context: CliContext, name: string): Promise<number> {
  const { resolved, item, p } = await open(context, name);
  const now = Date.now();
  const { status } = await statusOf(context, resolved, item, now);
  const pending = await p.pendingPackages();
  const state = p.state;
  const cursors = cursorsOf(state);
  const info = {
    pipeline: item.name,
    description: item.definition.description,
    workingDir: p.workingDir,
    dataset: p.datasetName,
    destination: status.destination,
    schedule: status.schedule,
    scheduleInWords: status.scheduleInWords,
    freshness: status.freshness,
    freshnessStatus: status.status,
    stateVersion: state._state_version,
    schemas: state.schema_names ?? [],
    cursors,
    pendingPackages: pending,
    lastLoad: status.lastLoad
      ? { loadId: status.lastLoad.loadId, insertedAt: status.lastLoad.insertedAt.toISOString() }
      : null,
    lastLoadError: status.lastLoadError,
  };
  if (context.options.json) {
    context.out(`${JSON.stringify(jsonValue(info))}\n`);
    return EXIT_CODES.ok;
  }
  const pendingCount = pending.extracted.length + pending.normalized.length;
  const rows: Array<[string, string]> = [
    ['pipeline', item.name],
    ...(item.definition.description
      ? [['description', item.definition.description] as [string, string]]
      : []),
    ['working dir', shortPath(context.io.cwd, p.workingDir)],
    ['dataset', p.datasetName],
    [
      'destination',
      Object.entries(status.destination)
        .map(([key, value]) => (key === 'type' ? value : `${key} ${value}`))
        .join(', '),
    ],
    ['schedule', status.schedule ? `${status.scheduleInWords} (${status.schedule})` : '-'],
    ['freshness', status.freshness ? `${status.freshness} (${status.status})` : '-'],
    ['state', `version ${state._state_version}, schemas ${(state.schema_names ?? []).join(', ') || '-'}`],
    ...cursors.map(
      (cursor) =>
        ['cursor', `${cursor.resource}.${cursor.cursor} = ${cellText(cursor.lastValue) || '(none)'}`] as [
          string,
          string,
        ],
    ),
    [
      'pending',
      pendingCount === 0
        ? 'none'
        : [
            pending.extracted.length > 0 ? `extracted ${pending.extracted.join(', ')}` : '',
            pending.normalized.length > 0 ? `normalized ${pending.normalized.join(', ')}` : '',
          ]
            .filter(Boolean)
            .join('; '),
    ],
    [
      'last load',
      status.lastLoadError
        ? `unknown (${status.lastLoadError})`
        : status.lastLoad
          ? `${status.lastLoad.loadId} at ${status.lastLoad.insertedAt.toISOString()} (${formatDuration(now - status.lastLoad.insertedAt.getTime())} ago)`
          : 'never',
    ],
  ];
  const width = Math.max(...rows.map(([key]) => key.length));
  context.out(`${rows.map(([key, value]) => `${key.padEnd(width)}  ${value}`).join('\n')}\n`);
  return EXIT_CODES.ok;
}

/** `hotdata-dlt pipeline <name> drop-pending-packages`: deletes extracted and normalized packages never loaded. */
export async function dropPendingCommand(context: CliContext, name: string): Promise<number> {
  const { resolved, item, p } = await open(context, name);
  const dropped = await withLock(resolved, item, () => p.dropPendingPackages());
  if (context.options.json) {
    context.out(`${JSON.stringify({ pipeline: item.name, dropped })}\n`);
  } else {
    context.out(
      dropped.length === 0
        ? `${item.name}: no pending packages.\n`
        : `${item.name}: dropped ${dropped.length} pending package${dropped.length === 1 ? '' : 's'}: ${dropped.join(', ')}\n`,
    );
  }
  return EXIT_CODES.ok;
}

/** `hotdata-dlt pipeline <name> sync`: restores state and schemas from the destination. */
export async function syncCommand(context: CliContext, name: string): Promise<number> {
  const { resolved, item, p } = await open(context, name);
  const result = await withLock(resolved, item, () => p.syncDestination());
  if (context.options.json) {
    context.out(
      `${JSON.stringify({ pipeline: item.name, ...result, stateVersion: p.state._state_version })}\n`,
    );
  } else if (result.restoredState || result.restoredSchemas.length > 0) {
    context.out(
      `${item.name}: restored ${result.restoredState ? `state version ${p.state._state_version}` : 'no state'}${
        result.restoredSchemas.length > 0 ? ` and schema(s) ${result.restoredSchemas.join(', ')}` : ''
      } from the destination.\n`,
    );
  } else {
    context.out(`${item.name}: the local state is up to date (version ${p.state._state_version}).\n`);
  }
  return EXIT_CODES.ok;
}

/** `hotdata-dlt pipeline <name> state`: the local pipeline state as JSON. */
export async function stateCommand(context: CliContext, name: string): Promise<number> {
  const { p } = await open(context, name);
  context.out(`${JSON.stringify(jsonValue(p.state), null, context.options.json ? undefined : 2)}\n`);
  return EXIT_CODES.ok;
}
