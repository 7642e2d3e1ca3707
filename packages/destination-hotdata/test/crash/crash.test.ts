import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { HotdataLocal } from '@hotdata-dlt/hotdata-local';
import { pipeline } from '@hotdata-dlt/pipeline';
import { startLocalForTest, useHotdataLocal } from '@hotdata-dlt/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import type { MergeExecution } from '../../src/index.ts';
import { localDestination, sqlRows, uniqueName, useTempDirs } from '../helpers.ts';
import { crashSource } from './data.ts';

const local = useHotdataLocal();
const temp = useTempDirs();

/** Table contents without what differs between runs by design (load ids, validity timestamps). */
async function snapshot(server: HotdataLocal, database: string): Promise<Record<string, string[]>> {
  const rows = (sql: string) => sqlRows(server, database, sql);
  const text = (values: unknown[]) => JSON.stringify(values);
  return {
    events: (await rows('select id, payload from public.events'))
      .map((row) => text([row.id, row.payload]))
      .sort(),
    events__items: (
      await rows(
        'select e.id, i.value, i._dlt_list_idx from public.events__items i join public.events e on e._dlt_id = i._dlt_parent_id',
      )
    )
      .map((row) => text([row.id, row.value, row._dlt_list_idx]))
      .sort(),
    users: (await rows('select id, name, _dlt_id from public.users'))
      .map((row) => text([row.id, row.name, row._dlt_id]))
      .sort(),
    users__tags: (
      await rows(
        'select u.id, t.value, t._dlt_list_idx from public.users__tags t join public.users u on u._dlt_id = t._dlt_root_id',
      )
    )
      .map((row) => text([row.id, row.value, row._dlt_list_idx]))
      .sort(),
    orphan_tags: (
      await rows(
        'select count(*) as n from public.users__tags where _dlt_root_id not in (select _dlt_id from public.users)',
      )
    ).map((row) => String(row.n)),
    dims: (await rows('select nk, c, _dlt_valid_to is null as active from public.dims'))
      .map((row) => text([row.nk, row.c, row.active]))
      .sort(),
    orders__lines: (
      await rows(
        'select o.id, l.value from public.orders__lines l left join public.orders o on o._dlt_id = l._dlt_root_id',
      )
    )
      .map((row) => text([row.id, row.value]))
      .sort(),
    loads: (await rows('select count(*) as n from public._dlt_loads')).map((row) => String(row.n)),
  };
}

interface ChildLine {
  type: string;
  run?: number;
  status?: string;
  table?: string;
  mode?: string;
  message?: string;
}

/** Runs the child (run 1, then run 2) and kills it with SIGKILL at the first line of run 2 matching `when`. */
function runAndKill(
  workingDir: string,
  server: HotdataLocal,
  database: string,
  when: (line: ChildLine) => boolean,
  mergeExecution: MergeExecution,
) {
  return new Promise<{ killed: boolean }>((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--conditions=@hotdata-dlt/source',
        join(import.meta.dirname, 'child.ts'),
        workingDir,
        server.url,
        server.token,
        server.workspaceId,
        database,
        mergeExecution,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let killed = false;
    let errors = '';
    child.stderr.on('data', (chunk) => {
      errors += String(chunk);
    });
    createInterface({ input: child.stdout }).on('line', (text) => {
      const line = JSON.parse(text) as ChildLine;
      if (!killed && line.run === 2 && when(line)) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL' || code === 0) resolve({ killed });
      else reject(new Error(`child failed (${code}): ${errors}`));
    });
  });
}

async function cleanRun(server: HotdataLocal, database: string) {
  const p = pipeline({
    pipelineName: 'crash',
    destination: localDestination(server, { databaseName: database }),
    workingDir: await temp('clean'),
  });
  await p.run(crashSource(1));
  await p.run(crashSource(2));
  return snapshot(server, database);
}

let clean: Record<string, string[]>;
beforeAll(async () => {
  clean = await cleanRun(local(), uniqueName('clean'));
  expect(clean.events).toHaveLength(400);
  expect(clean.users).toHaveLength(150);
  expect(clean.users__tags).toHaveLength(50 * 2 + 100);
  expect(clean.dims!.filter((row) => row.endsWith('true]'))).toHaveLength(60);
  expect(clean.orphan_tags).toEqual(['0']);
  expect(clean.orders__lines).toHaveLength(20 * 2 + 20);
  expect(clean.orders__lines!.some((row) => row.startsWith('[null'))).toBe(false);
});

describe('kill -9 during a load, then run again', () => {
  const applied = (table: string, mode: string) => (line: ChildLine) =>
    line.message === 'hotdata load operation applied' && line.table === table && line.mode === mode;
  const cases: Array<[string, (line: ChildLine) => boolean, MergeExecution]> = [
    ['between table chains', (line) => line.type === 'load-job-end' && line.status === 'completed', 'server'],
    ['after an append, inside the events chain', applied('events', 'append'), 'server'],
    ['after the upsert of the root, before its nested rows', applied('users', 'upsert'), 'server'],
    ['after scd2 retired versions, before the new versions', applied('dims', 'update'), 'server'],
    [
      'client-side merges: after a root table was replaced, before its nested table',
      applied('orders', 'replace'),
      'client',
    ],
  ];
  for (const [name, when, mergeExecution] of cases) {
    it(`${name}: the next run finishes the package and the tables equal a clean run`, async () => {
      const database = uniqueName('crash');
      const workingDir = await temp('crash');
      const { killed } = await runAndKill(workingDir, local(), database, when, mergeExecution);
      expect(killed).toBe(true);
      const p = pipeline({
        pipelineName: 'crash',
        destination: localDestination(local(), { databaseName: database, mergeExecution }),
        workingDir,
      });
      const info = await p.run(crashSource(2));
      expect(info.finishedPendingPackages).toBe(true);
      expect(await snapshot(local(), database)).toEqual(clean);
    });
  }
});

describe('lost responses', () => {
  it('loads whose responses are lost after being applied leave no duplicates', async () => {
    const server = await startLocalForTest({
      faults: { dropResponseRate: 0.35, seed: 7, pathPattern: /\/loads$/ },
    });
    try {
      const database = uniqueName('lost');
      const lossy = await cleanRun(server, database);
      expect(lossy).toEqual(clean);
      const dropped = server.requestLog.filter((entry) => entry.fault === 'drop-response');
      expect(dropped.length).toBeGreaterThan(3);
    } finally {
      await server.close();
    }
  });
});
