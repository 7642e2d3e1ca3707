// Test support for the Linear source: a virtual epoch clock, a logger that keeps its lines, and a run
// context like the pipeline's (with core's incremental runtime bound to a state object) for iterating
// resources directly.
import {
  type AnyResource,
  createIncrementalHandle,
  type DltSource,
  type LogFields,
  type Logger,
  noopLogger,
  type ResourceRunContext,
} from '@hotdata-dlt/core';
import type { LinearClock } from '../config.ts';

/** A clock in epoch milliseconds whose sleeps return at once and move time forward; records every sleep. */
export function virtualClock(start = Date.parse('2026-01-10T00:00:00.000Z')): LinearClock & {
  sleeps: number[];
  advance(ms: number): void;
} {
  let now = start;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    advance(ms) {
      now += ms;
    },
    sleep(ms, signal) {
      sleeps.push(ms);
      return new Promise((resolve, reject) => {
        setImmediate(() => {
          if (signal?.aborted) {
            reject(signal.reason);
            return;
          }
          now += ms;
          resolve();
        });
      });
    },
  };
}

export interface LogLine {
  level: string;
  message: string;
  fields?: LogFields;
}

/** A logger that keeps its lines, to check what a user would see (and that no key leaks). */
export function memoryLogger(): Logger & { lines: LogLine[]; text(): string } {
  const lines: LogLine[] = [];
  const at =
    (level: string) =>
    (message: string, fields?: LogFields): void => {
      lines.push({ level, message, ...(fields ? { fields } : {}) });
    };
  return {
    lines,
    text: () => JSON.stringify(lines),
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
  };
}

/**
 * A run context like the pipeline's: resource states live in `states` (pass the same object to a second
 * run to continue from the stored cursors) and incrementals are bound with core's runtime.
 */
export function runContext(
  options: { states?: Record<string, Record<string, unknown>>; logger?: Logger; signal?: AbortSignal } = {},
): ResourceRunContext & { states: Record<string, Record<string, unknown>> } {
  const states = options.states ?? {};
  return {
    states,
    resourceState(name) {
      states[name] ??= {};
      return states[name];
    },
    sourceState: {},
    signal: options.signal ?? new AbortController().signal,
    logger: options.logger ?? noopLogger,
    bindIncremental(resource) {
      if (!resource.incremental) return undefined;
      return createIncrementalHandle(resource.incremental, this.resourceState(resource.name), {
        resourceName: resource.name,
        ...(resource.hints.primaryKey !== undefined ? { resourcePrimaryKey: resource.hints.primaryKey } : {}),
      });
    },
  };
}

/** The pages (batches of rows) a resource yields in one run. */
export async function pagesOf(
  resource: AnyResource,
  run: ResourceRunContext = runContext(),
): Promise<Array<Array<Record<string, unknown>>>> {
  const pages: Array<Array<Record<string, unknown>>> = [];
  for await (const batch of resource.iterate(run)) {
    if (batch.kind !== 'rows') throw new Error('expected row batches');
    pages.push(batch.rows as Array<Record<string, unknown>>);
  }
  return pages;
}

/** Every row a resource yields in one run. */
export async function rowsOf(
  resource: AnyResource,
  run: ResourceRunContext = runContext(),
): Promise<Array<Record<string, unknown>>> {
  return (await pagesOf(resource, run)).flat();
}

/** Rows of every selected resource of a source in one run, by resource name (as an extract would). */
export async function extract(
  source: DltSource,
  run: ResourceRunContext = runContext(),
): Promise<Record<string, Array<Record<string, unknown>>>> {
  const tables: Record<string, Array<Record<string, unknown>>> = {};
  for (const resource of source.selectedResources) tables[resource.name] = await rowsOf(resource, run);
  return tables;
}

/** The stored incremental cursor (`last_value`) of a resource state. */
export function cursorOf(state: Record<string, unknown> | undefined): unknown {
  const incremental = state?.incremental as Record<string, { last_value?: unknown }> | undefined;
  return incremental?.updatedAt?.last_value;
}
