import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type HotdataDltError, LoadJobFailedError, PipelineStepError, resource } from '@hotdata-dlt/core';
import { pipeline } from '@hotdata-dlt/pipeline';
import { startLocalForTest, useHotdataLocal } from '@hotdata-dlt/testing';
import { describe, expect, it } from 'vitest';
import {
  apiClient,
  databaseId,
  freshPipeline,
  localDestination,
  sqlRows,
  uniqueName,
  useTempDirs,
} from './helpers.ts';

const temp = useTempDirs();
const local = useHotdataLocal();

const users = (rows: unknown[]) =>
  resource(rows, {
    name: 'users',
    writeDisposition: { disposition: 'merge', strategy: 'upsert' },
    primaryKey: 'id',
  });
const dims = (rows: unknown[]) =>
  resource(rows, { name: 'dims', writeDisposition: { disposition: 'merge', strategy: 'scd2' } });

function causes(error: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let current = error; current; current = (current as { cause?: unknown }).cause) chain.push(current);
  return chain;
}

describe('transient errors', () => {
  it('429, 503 and 409 locks are retried with backoff and the tables are right', async () => {
    const server = await startLocalForTest({
      faults: { rate: 0.25, statuses: [429, 503], retryAfterSeconds: 0, lockRate: 0.3, seed: 3 },
    });
    try {
      const database = uniqueName('flaky');
      const p = await freshPipeline(temp, 'flaky', localDestination(server, { databaseName: database }));
      await p.run([
        users([
          { id: 1, tags: ['a'] },
          { id: 2, tags: [] },
        ]),
        dims([{ nk: 1 }, { nk: 2 }]),
      ]);
      await p.run([users([{ id: 2, tags: ['b', 'c'] }]), dims([{ nk: 2 }])]);
      expect(
        await sqlRows(
          server,
          database,
          'select u.id, t.value from public.users u left join public.users__tags t on t._dlt_root_id = u._dlt_id order by 1, 2',
        ),
      ).toEqual([
        { id: 1, value: 'a' },
        { id: 2, value: 'b' },
        { id: 2, value: 'c' },
      ]);
      expect(
        await sqlRows(
          server,
          database,
          'select nk, _dlt_valid_to is null as active from public.dims order by nk',
        ),
      ).toEqual([
        { nk: 1, active: false },
        { nk: 2, active: true },
      ]);
      const injected = server.requestLog.filter((entry) => entry.fault !== undefined);
      expect(injected.some((entry) => entry.status === 409)).toBe(true);
      expect(injected.some((entry) => entry.status === 429 || entry.status === 503)).toBe(true);
    } finally {
      await server.close();
    }
  });

  it('a load that keeps failing leaves the package pending; the next run resumes it without duplicates', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'hotdata-dest-outage-'));
    const workingDir = await temp('outage');
    const database = uniqueName('outage');
    try {
      const healthy = await startLocalForTest({ dataDir });
      const first = pipeline({
        pipelineName: 'outage',
        destination: localDestination(healthy, { databaseName: database }),
        workingDir,
      });
      await first.run(users([{ id: 1, tags: ['a'] }]));
      await healthy.close();

      // Every load fails with 503: the client retries, then the pipeline retries, then gives up.
      const down = await startLocalForTest({
        dataDir,
        token: healthy.token,
        faults: { rate: 1, statuses: [503], retryAfterSeconds: 0, pathPattern: /\/loads$/ },
      });
      const during = pipeline({
        pipelineName: 'outage',
        destination: localDestination(down, { databaseName: database, maxRetries: 1 }),
        workingDir,
        load: { maxRetries: 1, retryBackoffMs: 1 },
      });
      const error = await during
        .run(
          users([
            { id: 1, tags: ['b'] },
            { id: 2, tags: ['c'] },
          ]),
        )
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(PipelineStepError);
      expect((error as HotdataDltError).isRetryable).toBe(true);
      expect((error as Error).message).toMatch(/package stays pending/);
      expect(during.hasPendingPackages).toBe(true);
      await down.close();

      const again = await startLocalForTest({ dataDir, token: healthy.token });
      try {
        const after = pipeline({
          pipelineName: 'outage',
          destination: localDestination(again, { databaseName: database }),
          workingDir,
        });
        const info = await after.run();
        expect(info.finishedPendingPackages).toBe(true);
        expect(
          await sqlRows(
            again,
            database,
            'select u.id, t.value from public.users u join public.users__tags t on t._dlt_root_id = u._dlt_id order by 1',
          ),
        ).toEqual([
          { id: 1, value: 'b' },
          { id: 2, value: 'c' },
        ]);
        expect(await sqlRows(again, database, 'select count(*) as n from public._dlt_loads')).toEqual([
          { n: 2 },
        ]);
      } finally {
        await again.close();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('terminal errors', () => {
  it('fail the job with a message naming the table and the load id, never the token', async () => {
    const database = uniqueName('terminal');
    const p = await freshPipeline(temp, 'terminal', localDestination(local(), { databaseName: database }));
    await p.run(resource([{ id: 1, amount: 5 }], { name: 'payments' }));
    // Someone changed the table behind dlt's back: a number cannot go into the DATE column anymore.
    await apiClient(local()).loads.load(
      { databaseId: await databaseId(local(), database), schema: 'public', table: 'payments' },
      { mode: 'replace', data: 'id,amount\n1,2024-01-01\n', columns: { id: 'BIGINT', amount: 'DATE' } },
    );
    const error = await p
      .run(resource([{ id: 2, amount: 7 }], { name: 'payments' }))
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PipelineStepError);
    const failure = causes(error).find((item) => item instanceof LoadJobFailedError) as LoadJobFailedError;
    expect(failure).toBeDefined();
    const loadId = (error as PipelineStepError).loadId!;
    expect(loadId).toBeTruthy();
    expect(failure.message).toContain(`'payments'`);
    expect(failure.message).toContain(loadId);
    for (const item of causes(error)) expect(String((item as Error).message)).not.toContain(local().token);
  });
});
