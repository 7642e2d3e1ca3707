import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createReferenceDestination, type ReferenceFailures } from '@hotdata-dlt/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pipeline } from '../../src/index.ts';
import { crashSource } from './data.ts';

const dirs: string[] = [];
const temp = async (name: string) => {
  const dir = await mkdtemp(join(tmpdir(), `crash-${name}-`));
  dirs.push(dir);
  return dir;
};
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

/** Table contents without the columns that differ between runs by design (random ids, load ids, validity). */
async function snapshot(storageDir: string): Promise<Record<string, string[]>> {
  const destination = createReferenceDestination({ storage: { dir: storageDir } });
  const rows = (table: string) => destination.rows('crash_dataset', table);
  const users = await rows('users');
  const userById = new Map(users.map((row) => [row._dlt_id, row.id]));
  const text = (values: unknown[]) =>
    JSON.stringify(values, (_, value) => (typeof value === 'bigint' ? Number(value) : value));
  return {
    events: (await rows('events')).map((row) => text([row.id, row.payload, row.at])).sort(),
    users: users.map((row) => text([row.id, row.name, row._dlt_id])).sort(),
    users__tags: (await rows('users__tags'))
      .map((row) => text([userById.get(row._dlt_root_id), row.value, row._dlt_list_idx]))
      .sort(),
    dims: (await rows('dims')).map((row) => text([row.nk, row.c, row._dlt_valid_to === null])).sort(),
    loads: [(await rows('_dlt_loads')).length > 0 ? 'has loads' : 'no loads'],
  };
}

/** Starts the child and kills it with SIGKILL at the first event matching `when`. */
function runAndKill(
  workingDir: string,
  storageDir: string,
  when: (event: { type: string; status?: string }) => boolean,
  failures?: ReferenceFailures,
) {
  return new Promise<{ killed: boolean; seen: string[] }>((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--conditions=@hotdata-dlt/source',
        join(import.meta.dirname, 'child.ts'),
        workingDir,
        storageDir,
        ...(failures ? [JSON.stringify(failures)] : []),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const seen: string[] = [];
    let killed = false;
    let errors = '';
    child.stderr.on('data', (chunk) => {
      errors += String(chunk);
    });
    createInterface({ input: child.stdout }).on('line', (line) => {
      const event = JSON.parse(line) as { type: string; status?: string };
      seen.push(event.type);
      if (!killed && when(event)) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.on('exit', (code, signal) => {
      // Killed by the test, or by the destination's injected crash (which SIGKILLs its own process).
      if (signal === 'SIGKILL' || code === 0) resolve({ killed: killed || signal === 'SIGKILL', seen });
      else reject(new Error(`child failed (${code}): ${errors}`));
    });
  });
}

let clean: Record<string, string[]>;

beforeAll(async () => {
  const storage = await temp('clean-storage');
  const p = pipeline({
    pipelineName: 'crash',
    destination: createReferenceDestination({ storage: { dir: storage } }),
    workingDir: await temp('clean-work'),
  });
  await p.run(crashSource());
  clean = await snapshot(storage);
  expect(clean.events).toHaveLength(6000);
  expect(clean.users).toHaveLength(2000);
});

describe('kill -9 and resume', () => {
  const never = () => false;
  const cases: Array<[string, (event: { type: string; status?: string }) => boolean, ReferenceFailures?]> = [
    ['during extract', (event) => event.type === 'resource-extract-progress'],
    ['during normalize', (event) => event.type === 'normalize-start'],
    ['between load jobs', (event) => event.type === 'load-job-end' && event.status === 'completed'],
    // The destination kills the process after the first chain, with the second (users + users__tags)
    // half written: the rerun restores that chain.
    [
      'in the middle of a table chain',
      never,
      { crashAfterChains: 1, crash: { point: 'mid-chain', kill: true } },
    ],
    // The second chain is fully applied but the engine never hears back: the rerun must not duplicate it.
    [
      'after a chain was applied, before the engine recorded it',
      never,
      { crashAfterChains: 1, crash: { point: 'after-chain', kill: true } },
    ],
  ];
  for (const [name, when, failures] of cases) {
    it(`${name}: the next run finishes the pending work and the tables equal a clean run`, async () => {
      const workingDir = await temp('work');
      const storage = await temp('storage');
      const { killed } = await runAndKill(workingDir, storage, when, failures);
      expect(killed).toBe(true);
      const p = pipeline({
        pipelineName: 'crash',
        destination: createReferenceDestination({ storage: { dir: storage } }),
        workingDir,
      });
      const info = await p.run(crashSource());
      // A kill during extract leaves nothing to resume (the partial extract is discarded); later kills
      // leave a package that this run must finish.
      expect(info.finishedPendingPackages).toBe(name !== 'during extract');
      expect(p.hasPendingPackages).toBe(false);
      expect(await snapshot(storage)).toEqual(clean);
    });
  }
});
