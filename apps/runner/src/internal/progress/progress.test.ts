import type { PipelineEvent } from '@hotdata-dlt/core';
import picocolors from 'picocolors';
import { describe, expect, it } from 'vitest';
import { plainLine, renderRunFrame } from './render.ts';
import { chooseProgressMode, createReporter, type OutputStream } from './reporter.ts';
import { RunProgress } from './run-progress.ts';

const t0 = Date.now();
const base = { pipelineName: 'shop', timestamp: t0 };
const loadId = '1712000000.1';

/** A run as the engine reports it: two resources, a nested table, a retried chain, the state table. */
const EVENTS: PipelineEvent[] = [
  { ...base, type: 'run-start', datasetName: 'shop_dataset', destinationName: 'hotdata' },
  { ...base, type: 'sync-end', restoredState: false, restoredSchemas: [] },
  { ...base, type: 'extract-start', loadId, resources: ['customers', 'orders'] },
  { ...base, type: 'resource-extract-progress', loadId, resource: 'orders', items: 500 },
  {
    ...base,
    timestamp: t0 + 6_000,
    type: 'resource-extract-progress',
    loadId,
    resource: 'orders',
    items: 900,
  },
  { ...base, type: 'resource-extract-end', loadId, resource: 'customers', items: 3 },
  { ...base, type: 'resource-extract-end', loadId, resource: 'orders', items: 1000 },
  { ...base, type: 'extract-end', loadId, items: 1003, seconds: 0.5 },
  { ...base, type: 'normalize-start', loadId },
  {
    ...base,
    type: 'normalize-file-end',
    loadId,
    table: 'customers',
    file: '/x/customers.1.parquet',
    rows: 3,
  },
  { ...base, type: 'normalize-file-end', loadId, table: 'orders', file: '/x/orders.1.parquet', rows: 600 },
  { ...base, type: 'normalize-file-end', loadId, table: 'orders', file: '/x/orders.2.parquet', rows: 400 },
  {
    ...base,
    type: 'normalize-file-end',
    loadId,
    table: 'orders__items',
    file: '/x/orders__items.1.parquet',
    rows: 2500,
  },
  { ...base, type: 'normalize-end', loadId, tables: [], seconds: 0.7 },
  { ...base, type: 'load-start', loadId, tables: ['customers', 'orders', 'orders__items'] },
  { ...base, type: 'load-job-start', loadId, table: 'customers', tables: ['customers'] },
  {
    ...base,
    type: 'load-job-end',
    loadId,
    table: 'customers',
    status: 'completed',
    seconds: 0.25,
    tables: [{ table: 'customers', rows: 3, writeDisposition: 'merge', seconds: 0.25 }],
  },
  { ...base, type: 'load-job-start', loadId, table: 'orders', tables: ['orders', 'orders__items'] },
  {
    ...base,
    type: 'load-job-end',
    loadId,
    table: 'orders',
    status: 'retry',
    seconds: 0,
    tables: [],
    error: '429 rate limited',
  },
  { ...base, type: 'load-job-start', loadId, table: 'orders', tables: ['orders', 'orders__items'] },
  {
    ...base,
    type: 'load-job-end',
    loadId,
    table: 'orders',
    status: 'completed',
    seconds: 1.5,
    tables: [
      { table: 'orders', rows: 1000, writeDisposition: 'append', seconds: 1.5 },
      { table: 'orders__items', rows: 2500, writeDisposition: 'append', seconds: 1.5 },
    ],
  },
  { ...base, type: 'load-job-start', loadId, table: '_dlt_pipeline_state', tables: ['_dlt_pipeline_state'] },
  {
    ...base,
    type: 'load-job-end',
    loadId,
    table: '_dlt_pipeline_state',
    status: 'completed',
    seconds: 0.1,
    tables: [{ table: '_dlt_pipeline_state', rows: 1, seconds: 0.1 }],
  },
  { ...base, type: 'load-end', loadId, status: 'loaded', seconds: 2.1 },
  { ...base, timestamp: t0 + 3_000, type: 'run-end', loadIds: [loadId], seconds: 3 },
];

const plainColors = picocolors.createColors(false);

function fold(events: PipelineEvent[]): RunProgress {
  const progress = new RunProgress('shop', t0);
  for (const event of events) progress.apply(event);
  return progress;
}

function sink(isTTY = false): OutputStream & { text: string } {
  const stream = {
    text: '',
    isTTY,
    write(chunk: string) {
      stream.text += chunk;
      return true;
    },
  };
  return stream;
}

describe('RunProgress', () => {
  it('folds events into per-resource, per-table and per-chain progress, and a summary without system tables', () => {
    const progress = fold(EVENTS);
    expect(progress.phase).toBe('done');
    expect([...progress.resources.values()]).toEqual([
      { name: 'customers', items: 3, done: true },
      { name: 'orders', items: 1000, done: true },
    ]);
    expect(progress.normalized.get('orders')).toEqual({ table: 'orders', rows: 1000, files: 2 });
    expect(progress.jobs.get('orders')).toMatchObject({
      status: 'completed',
      attempts: 2,
      rows: { orders: 1000, orders__items: 2500 },
    });
    expect(progress.summary()).toEqual([
      { pipeline: 'shop', table: 'customers', rows: 3, disposition: 'merge', seconds: 0.25 },
      { pipeline: 'shop', table: 'orders', rows: 1000, disposition: 'append', seconds: 1.5 },
      { pipeline: 'shop', table: 'orders__items', rows: 2500, disposition: 'append', seconds: 1.5 },
    ]);
    expect(progress.elapsedSeconds()).toBe(3);
  });

  it('adds up tables loaded by two packages (pending ones first) and keeps the first error', () => {
    const progress = fold([...EVENTS, ...EVENTS.filter((event) => event.type === 'load-job-end')]);
    expect(progress.summary().find((row) => row.table === 'orders')?.rows).toBe(2000);
    progress.fail('first');
    progress.fail('second');
    expect(progress.error).toBe('first');
    expect(progress.phase).toBe('failed');
  });

  it('ignores events of other pipelines', () => {
    const progress = fold(EVENTS.map((event) => ({ ...event, pipelineName: 'other' })));
    expect(progress.phase).toBe('starting');
    expect(progress.resources.size).toBe(0);
  });
});

describe('renderRunFrame', () => {
  it('shows rows extracted per resource, files normalized per table and each chain load', () => {
    const frame = renderRunFrame(fold(EVENTS), plainColors, t0 + 5_000, 0);
    expect(frame.split('\n')).toEqual([
      '✔ shop · loaded · 3.0s',
      '  extract    customers              3 rows  ✔',
      '             orders             1,000 rows  ✔',
      '  normalize  customers              3 rows  1 file',
      '             orders             1,000 rows  2 files',
      '             orders__items      2,500 rows  1 file',
      '  load       customers              3 rows  ✔ 0.25s',
      '             orders             1,000 rows  ✔ 1.50s',
      '             orders__items      2,500 rows  ✔',
    ]);
  });

  it('shows a running chain, a retry and a failure', () => {
    const running = fold(EVENTS.slice(0, 18));
    expect(renderRunFrame(running, plainColors, t0 + 1_000, 1)).toMatch(/^⠙ shop · loading · 1\.0s/);
    expect(renderRunFrame(running, plainColors, t0 + 1_000, 1)).toMatch(/orders\s+⠙\n\s+orders__items\s+⠙$/);
    const retrying = fold(EVENTS.slice(0, 19));
    expect(renderRunFrame(retrying, plainColors, t0 + 1_000, 0)).toContain(
      '↻ retrying (attempt 1): 429 rate limited',
    );
    const failed = fold([
      ...EVENTS.slice(0, 18),
      { ...base, type: 'step-failed', step: 'load', loadId, error: 'boom' },
    ]);
    const frame = renderRunFrame(failed, plainColors, t0 + 1_000, 0);
    expect(frame.split('\n')[0]).toBe('✖ shop · failed in load · 0.0s');
    expect(frame.split('\n').at(-1)).toBe('  boom');
  });
});

describe('plainLine', () => {
  it('says what happened in one line per meaningful event and hides system tables', () => {
    const lines = EVENTS.map(plainLine).filter((line) => line !== undefined);
    expect(lines).toContain('shop: extract customers: 3 rows');
    expect(lines).toContain('shop: normalize orders__items: 2,500 rows (orders__items.1.parquet)');
    expect(lines).toContain('shop: load orders will retry: 429 rate limited');
    expect(lines).toContain(
      'shop: load orders completed in 1.50s (orders 1,000 rows, orders__items 2,500 rows)',
    );
    expect(lines.join('\n')).not.toContain('_dlt_pipeline_state');
  });
});

describe('createReporter', () => {
  it('plain: throttles "rows so far" lines and closes with a summary table', () => {
    const stdout = sink();
    const stderr = sink();
    const reporter = createReporter({
      mode: 'plain',
      stdout,
      stderr,
      colors: false,
      secrets: () => ['s3cr3t-key'],
    });
    const { progress, onEvent } = reporter.beginRun('shop');
    for (const event of EVENTS) onEvent(event);
    reporter.endRun(progress);
    reporter.notice('token s3cr3t-key leaked?');
    reporter.summary(progress.summary(), []);
    expect(stdout.text).not.toContain('500 rows so far');
    expect(stdout.text).toContain('shop: extract orders: 900 rows so far');
    expect(stdout.text).toMatch(/shop: done in [\d.]+s \(3 tables, 3503 rows loaded\)/);
    expect(stdout.text.slice(stdout.text.indexOf('pipeline  table')).split('\n')).toEqual([
      'pipeline  table          rows  disposition  seconds',
      'shop      customers         3  merge           0.25',
      'shop      orders         1000  append          1.50',
      'shop      orders__items  2500  append          1.50',
      '',
    ]);
    expect(stderr.text).toBe('token [REDACTED] leaked?\n');
  });

  it('json: every event and the results as NDJSON on stdout', () => {
    const stdout = sink();
    const reporter = createReporter({
      mode: 'json',
      stdout,
      stderr: sink(),
      colors: false,
      secrets: () => [],
    });
    const { progress, onEvent } = reporter.beginRun('shop');
    for (const event of EVENTS) onEvent(event);
    reporter.endRun(progress);
    reporter.summary(progress.summary(), [{ pipeline: 'other', error: 'boom' }]);
    const records = stdout.text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(records).toHaveLength(EVENTS.length + 2);
    expect(records[3]).toEqual(EVENTS[3]);
    expect(records.at(-2)).toMatchObject({ type: 'pipeline-result', pipelineName: 'shop', status: 'loaded' });
    expect(records.at(-1)).toMatchObject({ type: 'summary', failed: [{ pipeline: 'other', error: 'boom' }] });
  });

  it('tty: redraws a frame in place and prints notices above it', () => {
    const stdout = sink(true);
    const stderr = sink(true);
    const reporter = createReporter({
      mode: 'tty',
      stdout,
      stderr,
      colors: true,
      secrets: () => [],
      frameIntervalMs: 10_000,
    });
    const { progress, onEvent } = reporter.beginRun('shop');
    for (const event of EVENTS) onEvent(event);
    reporter.notice('hello');
    reporter.endRun(progress);
    reporter.close();
    // Synchronized output and erased lines: the frame is redrawn in place.
    expect(stdout.text).toContain('\u001b[?2026h');
    expect(stdout.text).toContain('\u001b[2K');
    expect(stdout.text).toContain('orders__items      2,500 rows');
    expect(stdout.text).toContain('shop');
    expect(stderr.text).toBe('hello\n');
  });

  it('chooses plain off a terminal, in CI or on a dumb terminal, and json when asked', () => {
    const tty = { write: () => true, isTTY: true };
    expect(chooseProgressMode({ stdout: tty, env: {} })).toBe('tty');
    expect(chooseProgressMode({ stdout: { write: () => true }, env: {} })).toBe('plain');
    expect(chooseProgressMode({ stdout: tty, env: { CI: 'true' } })).toBe('plain');
    expect(chooseProgressMode({ stdout: tty, env: { CI: 'false' } })).toBe('tty');
    expect(chooseProgressMode({ stdout: tty, env: { TERM: 'dumb' } })).toBe('plain');
    expect(chooseProgressMode({ stdout: tty, env: {}, plain: true })).toBe('plain');
    expect(chooseProgressMode({ stdout: tty, env: {}, json: true })).toBe('json');
  });
});
