// Second layer: real Linear responses recorded by Nango (../shared/fixtures/linear, see
// shared/fixtures/SOURCES.md), read in place and replayed; skipped with a printed reason when absent.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from '@hotdata-dlt/pipeline';
import {
  createReferenceDestination,
  type LinearReplayServer,
  parseLinearRecording,
  type ReplayServer,
  sharedFixture,
  sharedFixturesSkipReason,
  startLinearReplayServer,
  startReplayServer,
} from '@hotdata-dlt/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { cursorOf, memoryLogger, pagesOf, rowsOf, runContext, virtualClock } from './__fixtures__/support.ts';
import { linear } from './index.ts';

const FILES = [
  'nango_issues.test.json',
  'nango_list-issues.test.json',
  'nango_teams.test.json',
  'nango_workflow-states.test.json',
];
const reason = sharedFixturesSkipReason(...FILES.map((file) => `linear/${file}`));
if (reason) console.log(`linear.recorded.test.ts skipped: ${reason}`);

const read = (file: string) => readFileSync(sharedFixture('linear', file)!, 'utf8');
const recordedExchange = (file: string) =>
  (JSON.parse(read(file)) as { api: { post: { '/graphql': Record<string, unknown> } } }).api.post[
    '/graphql'
  ] as {
    status: number;
    headers: Record<string, string>;
    response: { data: { issues: { nodes: Array<Record<string, unknown>> } } };
  };

let server: LinearReplayServer | ReplayServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe.skipIf(reason)(`recorded Linear responses${reason ? ` (skipped: ${reason})` : ''}`, () => {
  it('pages the recorded issues newest first and keeps the newest updatedAt as the cursor', async () => {
    const replay = await startLinearReplayServer({
      recorded: [read('nango_issues.test.json'), read('nango_list-issues.test.json')],
    });
    server = replay;
    const source = () =>
      linear({ apiKey: replay.apiKey, apiUrl: replay.graphqlUrl, pageSize: 4, clock: virtualClock() });
    const states: Record<string, Record<string, unknown>> = {};
    const pages = await pagesOf(source().resource('issues'), runContext({ states }));
    expect(pages.map((page) => page.length)).toEqual([4, 4, 3]);
    const rows = pages.flat();
    expect(rows.map((row) => row.updatedAt)).toEqual(
      [...rows.map((row) => row.updatedAt as string)].sort().reverse(),
    );
    expect(rows.at(-1)!.updatedAt).toBe('2026-04-22T07:43:27.834Z');
    // The two recordings are merged per issue: team and state type from one, labels and cycle from the other.
    const feature = rows.find((row) => row.id === 'dc41e9ac-66ff-4a46-b818-906c68d4364f')!;
    expect(feature.labels).toEqual([
      { id: '9e19c152-7d16-4362-8695-91c555b8411e', name: 'Feature', color: '#BB87FC' },
    ]);
    expect(feature.team).toMatchObject({ key: 'NAN', name: 'Nango-API' });
    // 10 of the 11 issues are in both recordings; the 11th lacks the fields only list-issues selected.
    const merged = rows.filter((row) => typeof (row.state as { type?: unknown }).type === 'string');
    expect(merged).toHaveLength(10);
    expect(rows.find((row) => !merged.includes(row))).toMatchObject({
      id: '279ef2ef-47e2-4a1b-989e-d82c59432aa1',
      team: null,
    });
    expect(rows.find((row) => row.identifier === 'NAN-18')).toMatchObject({ priority: 0, description: null });
    // Two issues share the newest updatedAt (10:17:58.980Z); that value is the cursor.
    expect(cursorOf(states.issues)).toBe('2026-04-24T10:17:58.980Z');

    // The next run re-reads both boundary issues (gte) and drops them as already loaded.
    const again = await pagesOf(source().resource('issues'), runContext({ states }));
    expect(again).toEqual([]);
    const last = replay.callsTo('issues').at(-1)!;
    expect(last.args.filter).toEqual({ updatedAt: { gte: '2026-04-24T10:17:58.980Z' } });
    expect(last.rows).toBe(2);
  });

  it('loads the recorded team and workflow states into their tables', async () => {
    const replay = await startLinearReplayServer({
      recorded: [read('nango_teams.test.json'), read('nango_workflow-states.test.json')],
    });
    server = replay;
    const workingDir = mkdtempSync(join(tmpdir(), 'linear-recorded-'));
    try {
      const destination = createReferenceDestination();
      const p = pipeline({ pipelineName: 'linear_recorded', destination, workingDir });
      await p.run(
        linear({ apiKey: replay.apiKey, apiUrl: replay.graphqlUrl, resources: ['teams', 'workflow_states'] }),
      );
      const teams = await destination.rows('linear_recorded_dataset', 'teams');
      expect(teams.map((row) => [row.key, row.name])).toEqual([['NAN', 'Nango-API']]);
      const states = await destination.rows('linear_recorded_dataset', 'workflow_states');
      expect(
        states.map((row) => [row.position, row.name, row.type]).sort((a, b) => Number(a[0]) - Number(b[0])),
      ).toEqual([
        [0, 'Backlog', 'backlog'],
        [1, 'Todo', 'unstarted'],
        [2, 'In Progress', 'started'],
        [3, 'Done', 'completed'],
        [4, 'Canceled', 'canceled'],
        [5, 'Duplicate', 'canceled'],
      ]);
      expect(states.every((row) => row.team__id === '7df5329e-651f-4d1d-b519-78d44a509f11')).toBe(true);
    } finally {
      rmSync(workingDir, { recursive: true, force: true });
    }
  });

  it('reads the recorded rate-limit headers (epoch ms), not the proxy’s own X-RateLimit-Reset (seconds)', async () => {
    const exchange = recordedExchange('nango_issues.test.json');
    const headers = Object.fromEntries(
      Object.entries(exchange.headers).filter(([name]) => name === 'content-type' || name.startsWith('x-')),
    );
    expect(headers['x-ratelimit-reset']).toBe('1777025990'); // Nango's, in seconds
    const requestsReset = Number(headers['x-ratelimit-requests-reset']);
    server = await startReplayServer(() => ({ status: exchange.status, headers, body: exchange.response }));
    const clock = virtualClock(Date.parse(exchange.headers.date!));
    const logger = memoryLogger();
    // The recording left 4999 of 5000 requests: ask for a reserve of 5000 to force a wait for the reset.
    const issues = linear({
      apiKey: 'lin_api_recorded',
      apiUrl: `${server.url}/graphql`,
      clock,
      logger,
      minRemainingRequests: 5000,
      maxRateLimitWaitMs: 2 * 3_600_000,
    }).resource('issues');
    const rows = await rowsOf(issues);
    expect(rows).toHaveLength(11);
    expect(rows.map((row) => row.id)).toEqual(
      parseLinearRecording(read('nango_issues.test.json'))[0]!.nodes.map((node) => node.id),
    );
    expect(clock.sleeps).toEqual([]);
    await rowsOf(issues);
    expect(clock.sleeps).toHaveLength(1);
    const expected = requestsReset - Date.parse(exchange.headers.date!);
    expect(clock.sleeps[0]).toBeGreaterThanOrEqual(expected);
    expect(clock.sleeps[0]).toBeLessThanOrEqual(expected + 1000);
    expect(logger.lines).toContainEqual(
      expect.objectContaining({ fields: expect.objectContaining({ budget: 'requests', remaining: 4999 }) }),
    );
  });
});
