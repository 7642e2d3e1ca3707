// End-to-end tests of the `hotdata-dlt` binary: each test spawns the CLI from source (as the root `demo`
// script does) against a real hotdata-local on 127.0.0.1, with HOTDATA_* pointing at it.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { resource } from '@hotdata-dlt/core';
import { pipeline } from '@hotdata-dlt/pipeline';
import { useHotdataLocal } from '@hotdata-dlt/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, collect, runCli, spawnCli, uniqueDatabase, useProjects, waitFor } from './helpers.ts';

const local = useHotdataLocal();
const project = useProjects();

const CONFIG = `
import { resource, source } from '@hotdata-dlt/core';
import { defineConfig } from '@hotdata-dlt/runner';

const customers = resource(
  [{ id: 1, name: 'Alice' }, { id: 2, name: 'Bob' }, { id: 3, name: 'Carol, "C"' }],
  { name: 'customers', primaryKey: 'id', writeDisposition: 'merge' },
);
const orders = resource(
  async function* () {
    yield [
      { id: 10, customerId: 1, items: [{ sku: 'a', qty: 2 }, { sku: 'b', qty: 1 }] },
      { id: 11, customerId: 2, items: [{ sku: 'c', qty: 5 }] },
    ];
  },
  { name: 'orders', primaryKey: 'id', writeDisposition: 'merge' },
);
const shop = source('shop', () => [customers, orders]);

const ticks = resource(
  async function* ({ state }) {
    const run = ((state.run as number | undefined) ?? 0) + 1;
    state.run = run;
    yield [{ id: run, at: new Date().toISOString() }];
  },
  { name: 'ticks', primaryKey: 'id', writeDisposition: 'merge' },
);

const slow = resource(
  async function* ({ signal }) {
    yield [{ id: 1 }];
    await new Promise((resolve, reject) => {
      const timer = setTimeout(resolve, 60_000);
      signal.addEventListener('abort', () => {
        clearTimeout(timer);
        reject(signal.reason);
      });
    });
    yield [{ id: 2 }];
  },
  { name: 'slow_rows' },
);

const broken = resource(
  async function* () {
    yield [{ id: 1 }];
    throw new Error('the upstream API answered 503');
  },
  { name: 'broken' },
);

export default defineConfig({
  destination: { databaseName: process.env.TEST_DATABASE },
  pipelines: [
    { name: 'shop', description: 'customers and orders', source: () => shop(), freshness: '1h' },
    { name: 'clock', resources: () => [ticks], schedule: '* * * * * *', freshness: '1 day' },
    { name: 'stale', resources: () => [resource([{ id: 1 }], { name: 'once' })], freshness: 1 },
    { name: 'failing', resources: () => [broken] },
    { name: 'slow', resources: () => [slow] },
  ],
});
`;

const database = uniqueDatabase('runner_cli');
let dir: string;
let env: NodeJS.ProcessEnv;
const cli = (...args: string[]) => runCli(args, { cwd: dir, env });

beforeAll(() => {
  dir = project({ 'hotdata-dlt.config.ts': CONFIG });
  env = cliEnv(local(), { TEST_DATABASE: database });
});

// biome-ignore lint/suspicious/noControlCharactersInRegex: terminal escape sequences
const ANSI = /\u001b\[/;

describe('hotdata-dlt (spawned, against hotdata-local)', () => {
  it('run loads a pipeline, prints plain progress off a TTY and a closing summary table', async () => {
    const result = await cli('run', 'shop');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).not.toMatch(ANSI);
    expect(result.stdout).toContain('shop: extract customers: 3 rows');
    expect(result.stdout).toContain('shop: extract orders: 2 rows');
    expect(result.stdout).toMatch(/shop: normalize orders__items: 3 rows/);
    expect(result.stdout).toMatch(
      /shop: load orders completed in [\d.]+s \(orders 2 rows, orders__items 3 rows\)/,
    );
    const summary = result.stdout.slice(result.stdout.indexOf('pipeline  table'));
    expect(summary.split('\n')[0]).toMatch(/^pipeline\s+table\s+rows\s+disposition\s+seconds$/);
    expect(summary).toMatch(/shop\s+customers\s+3\s+merge\s+[\d.]+/);
    expect(summary).toMatch(/shop\s+orders__items\s+3\s+merge\s+[\d.]+/);
    expect(existsSync(join(dir, '.pipelines', 'shop', 'state.json'))).toBe(true);
    expect(existsSync(join(dir, '.pipelines', 'shop.lock'))).toBe(false);
  });

  it('query prints a table, JSON or CSV of a pipeline dataset', async () => {
    const table = await cli('query', '--pipeline', 'shop', 'select id, name from customers order by id');
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n').slice(0, 4)).toEqual([
      'id  name',
      ' 1  Alice',
      ' 2  Bob',
      ' 3  Carol, "C"',
    ]);
    expect(table.stdout).toContain('(3 rows)');

    const json = await cli(
      'query',
      '-p',
      'shop',
      '--format',
      'json',
      'select o.id, count(*) as items from orders o join orders__items i on i._dlt_parent_id = o._dlt_id group by o.id order by o.id',
    );
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual([
      { id: 10, items: 2 },
      { id: 11, items: 1 },
    ]);

    const csv = await cli(
      'query',
      '--database',
      database,
      '--format',
      'csv',
      'select id, name from customers order by id',
    );
    expect(csv.code).toBe(0);
    expect(csv.stdout).toBe('id,name\n1,Alice\n2,Bob\n3,"Carol, ""C"""\n');

    const bad = await cli('query', '-p', 'shop', 'select nope from customers');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/hotdata-dlt: failed: .*nope/i);
  });

  it('--json writes NDJSON events, a result per pipeline and a summary', async () => {
    const result = await cli('--json', 'run', 'stale');
    expect(result.code).toBe(0);
    const records = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; pipelineName?: string; [key: string]: unknown });
    const types = records.map((record) => record.type);
    expect(types).toEqual(
      expect.arrayContaining(['run-start', 'extract-start', 'normalize-end', 'load-job-end', 'run-end']),
    );
    expect(types.at(-2)).toBe('pipeline-result');
    expect(records.at(-2)).toMatchObject({
      pipelineName: 'stale',
      status: 'loaded',
      tables: [{ table: 'once', rows: 1 }],
    });
    expect(records.at(-1)).toMatchObject({
      type: 'summary',
      tables: [{ pipeline: 'stale', table: 'once', rows: 1 }],
      failed: [],
    });
  });

  it('list shows schedules in words, last loads and freshness', async () => {
    const result = await cli('list');
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^pipeline\s+source\s+destination\s+schedule\s+last load\s+freshness$/);
    expect(lines.find((line) => line.startsWith('shop '))).toMatch(
      new RegExp(
        `shop\\s+shop \\(customers, orders\\)\\s+${database}\\.public\\s+-\\s+\\d+s ago\\s+1h: fresh`,
      ),
    );
    expect(lines.find((line) => line.startsWith('clock '))).toMatch(
      /Every second \(\* \* \* \* \* \*\)\s+never\s+1 day: never loaded/,
    );
    expect(lines.find((line) => line.startsWith('stale '))).toMatch(/1: stale/);

    const json = JSON.parse((await cli('list', '--json')).stdout) as {
      pipelines: Array<Record<string, unknown>>;
    };
    expect(json.pipelines.map((item) => [item.pipeline, item.status])).toEqual([
      ['shop', 'fresh'],
      ['clock', 'never-loaded'],
      ['stale', 'stale'],
      ['failing', 'unbounded'],
      ['slow', 'unbounded'],
    ]);
  });

  it('freshness exits 0 when the last load is within the bound and 1 when it is stale', async () => {
    const fresh = await cli('freshness', 'shop');
    expect(fresh.code).toBe(0);
    expect(fresh.stdout).toMatch(/shop\s+fresh\s+\d{4}-\d\d-\d\dT[\d:.]+Z \(\d+s ago\)\s+1h \(1h\)/);

    const stale = await cli('freshness', 'shop', 'stale');
    expect(stale.code).toBe(1);
    expect(stale.stdout).toMatch(/stale\s+stale\s+/);
  });

  it('a failing pipeline exits 1, names the error, and the next pipelines still run', async () => {
    const result = await cli('--log-level', 'debug', 'run', 'failing', 'stale');
    expect(result.code).toBe(1);
    // Debug logs on stderr, yet the API token shows nowhere.
    expect(result.stderr).toMatch(/DEBUG: pipeline run failed/);
    expect(result.stdout + result.stderr).not.toContain(local().token);
    expect(result.stdout).toContain('failing: FAILED after');
    expect(result.stdout).toContain('the upstream API answered 503');
    expect(result.stdout).toMatch(/stale: done in/);
    expect(result.stderr).toMatch(/✖ failing failed: .*the upstream API answered 503/);
  });

  it('pipeline info shows pending packages and drop-pending-packages removes them', async () => {
    // A package extracted but never loaded, as a crash after extract would leave it.
    const leftover = pipeline({ pipelineName: 'stale', workingDir: join(dir, '.pipelines', 'stale') });
    const extracted = await leftover.extract(resource([{ id: 99 }], { name: 'once' }));
    const loadId = extracted.loadIds[0]!;

    const before = await cli('pipeline', 'stale', 'info');
    expect(before.code).toBe(0);
    expect(before.stdout).toMatch(new RegExp(`pending\\s+extracted ${loadId.replace('.', '\\.')}`));
    expect(before.stdout).toMatch(/working dir\s+\.pipelines\/stale/);
    expect(before.stdout).toMatch(/last load\s+\d+\.\d+ at /);

    const dropped = await cli('pipeline', 'stale', 'drop-pending-packages');
    expect(dropped.code).toBe(0);
    expect(dropped.stdout).toBe(`stale: dropped 1 pending package: ${loadId}\n`);

    const after = await cli('--json', 'pipeline', 'stale', 'info');
    expect(JSON.parse(after.stdout)).toMatchObject({
      pipeline: 'stale',
      pendingPackages: { extracted: [], normalized: [] },
      schemas: ['stale'],
    });
  });

  it('pipeline sync restores state into a fresh working folder; state prints it', async () => {
    const { rmSync } = await import('node:fs');
    rmSync(join(dir, '.pipelines', 'shop'), { recursive: true, force: true });
    const sync = await cli('pipeline', 'shop', 'sync');
    expect(sync.code).toBe(0);
    expect(sync.stdout).toMatch(
      /shop: restored state version \d+ and schema\(s\) shop from the destination\./,
    );
    const state = await cli('pipeline', 'shop', 'state');
    expect(JSON.parse(state.stdout)).toMatchObject({ pipeline_name: 'shop', schema_names: ['shop'] });
  });

  it('schedule runs a per-second pipeline twice, never overlapping, and SIGTERM stops it with state intact', async () => {
    const child = spawnCli(['schedule', 'clock'], { cwd: dir, env });
    const output = collect(child);
    await waitFor(
      () => /clock: run 2 succeeded/.test(output.output().stderr),
      45_000,
      () => output.output().stderr,
    );
    child.kill('SIGTERM');
    const result = await output.result;
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('clock: Every second (* * * * * *)');
    expect(result.stderr).toMatch(/SIGTERM received: no new runs start/);
    expect(result.stderr).toMatch(/Stopped: \d+ run\(s\) succeeded, 0 failed\./);
    expect(result.stdout).not.toMatch(ANSI);
    const starts = result.stdout.split('\n').filter((line) => line.startsWith('clock: run started'));
    const ends = result.stdout.split('\n').filter((line) => /^clock: (done in|FAILED)/.test(line));
    expect(starts.length).toBeGreaterThanOrEqual(2);
    expect(ends.length).toBe(starts.length);
    // Runs never overlap: every start follows the previous run's end.
    const lines = result.stdout
      .split('\n')
      .filter((line) => /^clock: (run started|done in|FAILED)/.test(line));
    lines.forEach((line, index) => {
      expect(line.startsWith('clock: run started')).toBe(index % 2 === 0);
    });

    const state = JSON.parse(readFileSync(join(dir, '.pipelines', 'clock', 'state.json'), 'utf8')) as {
      sources: { clock: { resources: { ticks: { run: number } } } };
    };
    expect(state.sources.clock.resources.ticks.run).toBe(starts.length);
    expect(existsSync(join(dir, '.pipelines', 'clock.lock'))).toBe(false);
    const info = JSON.parse((await cli('--json', 'pipeline', 'clock', 'info')).stdout);
    expect(info.pendingPackages).toEqual({ extracted: [], normalized: [] });
    const ticks = await cli(
      'query',
      '-p',
      'clock',
      '--format',
      'json',
      'select count(*) as n, count(distinct id) as ids from ticks',
    );
    expect(JSON.parse(ticks.stdout)).toEqual([{ n: starts.length, ids: starts.length }]);
  });

  it('SIGINT during a run exits 130 and leaves nothing half-written', async () => {
    const child = spawnCli(['run', 'slow'], { cwd: dir, env });
    const output = collect(child);
    await waitFor(
      () => output.output().stdout.includes('slow: extract started'),
      30_000,
      () => output.output().stdout + output.output().stderr,
    );
    child.kill('SIGINT');
    const result = await output.result;
    expect(result.code).toBe(130);
    expect(result.stdout).toMatch(/slow: FAILED after [\d.]+s: Interrupted by SIGINT/);
    const info = JSON.parse((await cli('--json', 'pipeline', 'slow', 'info')).stdout);
    expect(info.pendingPackages).toEqual({ extracted: [], normalized: [] });
    expect(info.lastLoad).toBeNull();
    expect(existsSync(join(dir, '.pipelines', 'slow.lock'))).toBe(false);
  });
});

describe('hotdata-dlt with a bad definitions file', () => {
  it('exits 2 and names the file, the pipeline and the field', async () => {
    const bad = project({
      'hotdata-dlt.config.ts': `
        import { defineConfig } from '@hotdata-dlt/runner';
        export default defineConfig({ pipelines: [{ name: 'nightly', resources: [], schedule: 'every night' }] });
      `,
    });
    const result = await runCli(['run'], { cwd: bad, env: cliEnv(local()) });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /hotdata-dlt: error: .*hotdata-dlt\.config\.ts: pipelines\[0\] \('nightly'\)\.schedule is not a valid cron expression/,
    );
    expect(result.stdout).toBe('');
  });
});
