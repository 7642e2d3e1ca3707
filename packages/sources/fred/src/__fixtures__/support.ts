// Test support for the FRED source: a virtual clock, a run context for iterating resources directly,
// and a small generated data set for the nine default series in FRED's shapes.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type AnyResource,
  type DltSource,
  type LogFields,
  type Logger,
  noopLogger,
  type ResourceRunContext,
} from '@hotdata-dlt/core';
import type { FredReplaySeries } from '@hotdata-dlt/testing';
import type { FredClock } from '../config.ts';

const here = dirname(fileURLToPath(import.meta.url));

/** Text of one of the project's own fixture files beside this module. */
export function ownFixture(name: string): string {
  return readFileSync(join(here, name), 'utf8');
}

/** A clock whose sleeps return at once and move virtual time forward; records every sleep. */
export function virtualClock(): FredClock & { sleeps: number[]; elapsed(): number } {
  let now = 0;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    elapsed: () => now,
    sleep(ms, signal) {
      sleeps.push(ms);
      const wake = now + ms;
      return new Promise((resolve, reject) => {
        setImmediate(() => {
          if (signal?.aborted) {
            reject(signal.reason);
            return;
          }
          now = Math.max(now, wake);
          resolve();
        });
      });
    },
  };
}

/** A logger that keeps its lines, to check what a user would see (and that no key leaks). */
export function memoryLogger(): Logger & {
  lines: Array<{ level: string; message: string; fields?: LogFields }>;
} {
  const lines: Array<{ level: string; message: string; fields?: LogFields }> = [];
  const at =
    (level: string) =>
    (message: string, fields?: LogFields): void => {
      lines.push({ level, message, ...(fields ? { fields } : {}) });
    };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** A run context like the pipeline's: one per run, shared by the resources of that run. */
export function runContext(
  options: { logger?: Logger; signal?: AbortSignal } = {},
): ResourceRunContext & { states: Record<string, Record<string, unknown>> } {
  const states: Record<string, Record<string, unknown>> = {};
  return {
    states,
    resourceState(name) {
      states[name] ??= {};
      return states[name];
    },
    sourceState: {},
    signal: options.signal ?? new AbortController().signal,
    logger: options.logger ?? noopLogger,
    bindIncremental: () => undefined,
  };
}

/** Every row a resource yields in one run. */
export async function rowsOf<T = Record<string, unknown>>(
  resource: AnyResource,
  run: ResourceRunContext = runContext(),
): Promise<T[]> {
  const rows: T[] = [];
  for await (const batch of resource.iterate(run)) {
    if (batch.kind !== 'rows') throw new Error('expected row batches');
    rows.push(...(batch.rows as T[]));
  }
  return rows;
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

function isoDay(time: number): string {
  return new Date(time).toISOString().slice(0, 10);
}

function days(from: string, to: string, keep: (date: Date) => boolean): string[] {
  const result: string[] = [];
  for (let time = Date.parse(from); time <= Date.parse(to); time += 86_400_000) {
    if (keep(new Date(time))) result.push(isoDay(time));
  }
  return result;
}

function months(from: string, to: string): string[] {
  return days(from, to, (date) => date.getUTCDate() === 1);
}

/**
 * A small generated data set for the nine default series (1990–1993), shaped like FRED's: monthly
 * series dated the 1st, a weekly series on Fridays, a daily series on weekdays with holidays missing.
 * Retail sales start in 1992-01 (as RSXFS does); housing starts miss 1993-03; payrolls are integers.
 */
export function generatedNineSeries(): Record<string, FredReplaySeries> {
  const monthly = (from: string, to: string, value: (index: number) => number | null) => ({
    observations: months(from, to).map((date, index) => ({ date, value: value(index) })),
  });
  return {
    CPIAUCSL: monthly('1990-01-01', '1993-12-01', (i) => Math.round((127.5 + i * 0.31) * 1000) / 1000),
    FEDFUNDS: monthly('1990-01-01', '1993-12-01', (i) => Math.round((8.2 - i * 0.11) * 100) / 100),
    UNRATE: monthly('1990-01-01', '1993-12-01', (i) => Math.round((5.4 + (i % 7) * 0.1) * 10) / 10),
    HOUST: monthly('1990-01-01', '1993-12-01', (i) => (i === 38 ? null : 1100 + ((i * 37) % 200))),
    INDPRO: monthly('1990-01-01', '1993-12-01', (i) => Math.round((61.5 + i * 0.07) * 10000) / 10000),
    PAYEMS: monthly('1990-01-01', '1993-12-01', (i) => 109000 + i * 95),
    RSXFS: monthly('1992-01-01', '1993-12-01', (i) => 146000 + i * 430),
    MORTGAGE30US: {
      observations: days('1990-01-05', '1993-12-31', (date) => date.getUTCDay() === 5).map((date, i) => ({
        date,
        value: Math.round((10.1 - i * 0.012) * 100) / 100,
      })),
    },
    T10Y2Y: {
      observations: days(
        '1990-06-01',
        '1993-12-31',
        (date) => date.getUTCDay() >= 1 && date.getUTCDay() <= 5,
      ).map((date, i) => ({
        date,
        // Holidays (and one whole missing last business day, 1993-04-30) carry no value.
        value:
          date.endsWith('-12-25') || date.endsWith('-07-04') || date === '1993-04-30'
            ? null
            : Math.round((0.5 + ((i * 13) % 170) / 100) * 100) / 100,
      })),
    },
  };
}
