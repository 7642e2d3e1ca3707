// The Linear source against the loopback replay server with the project's own generated workspace:
// rows and their shapes, Relay paging, auth headers, team and archive filters, the incremental cursor.
import {
  LINEAR_REPLAY_ACCESS_TOKEN,
  type LinearReplayServer,
  startLinearReplayServer,
} from '@hotdata-dlt/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  cursorOf,
  extract,
  memoryLogger,
  pagesOf,
  rowsOf,
  runContext,
  virtualClock,
} from './__fixtures__/support.ts';
import { at, generatedWorkspace, issueId, LABELS, MAX_ISSUE_UPDATED_AT } from './__fixtures__/workspace.ts';
import { type LinearOptions, linear } from './index.ts';

let server: LinearReplayServer;
beforeEach(async () => {
  server = await startLinearReplayServer({ data: generatedWorkspace() });
});
afterEach(async () => {
  await server.close();
});

const source = (options: LinearOptions = {}) =>
  linear({ apiKey: server.apiKey, apiUrl: server.graphqlUrl, clock: virtualClock(), ...options });

const ids = (rows: Array<Record<string, unknown>>) => rows.map((row) => row.identifier ?? row.id);

describe('linear(): tables', () => {
  it('reads all seven resources, each in one page at the default page size', async () => {
    const tables = await extract(source());
    expect(Object.keys(tables)).toEqual([
      'teams',
      'users',
      'workflow_states',
      'projects',
      'cycles',
      'issues',
      'comments',
    ]);
    expect(tables.teams!.map((row) => row.key).sort()).toEqual(['ENG', 'OPS']);
    expect(tables.users).toHaveLength(3);
    expect(tables.users!.find((row) => row.email === 'linus@example.com')?.active).toBe(false);
    expect(tables.workflow_states).toHaveLength(10);
    expect(tables.projects).toHaveLength(2);
    expect(tables.cycles).toHaveLength(3);
    expect(tables.issues).toHaveLength(11);
    expect(tables.comments).toHaveLength(5);
    for (const root of [
      'teams',
      'users',
      'workflowStates',
      'projects',
      'cycles',
      'issues',
      'comments',
    ] as const) {
      expect(server.callsTo(root)).toHaveLength(1);
      expect(server.callsTo(root)[0]!.args).toMatchObject({
        first: 50,
        orderBy: 'updatedAt',
        includeArchived: true,
      });
    }
    // Deactivated users are asked for, so old issues still resolve their assignee.
    expect(server.callsTo('users')[0]!.args.includeDisabled).toBe(true);
  });

  it('keeps nested objects and turns nested connections into lists (child tables)', async () => {
    const issues = await rowsOf(source().resource('issues'));
    const eng2 = issues.find((row) => row.identifier === 'ENG-2')!;
    expect(eng2.labels).toEqual([LABELS.feature, LABELS.infra]);
    expect(eng2.state).toEqual({ id: expect.any(String), name: 'Todo', type: 'unstarted' });
    expect(eng2.team).toEqual({ id: expect.any(String), key: 'ENG', name: 'Engineering' });
    expect(eng2.assignee).toBeNull();
    const eng1 = issues.find((row) => row.identifier === 'ENG-1')!;
    expect(eng1).toMatchObject({
      id: issueId('ENG-1'),
      priority: 2,
      priorityLabel: 'High',
      estimate: 3,
      assignee: { name: 'Ada Lovelace', email: 'ada@example.com' },
      cycle: { number: 1, name: 'Sprint 1' },
      project: { name: 'Retry FRED downloads' },
      updatedAt: MAX_ISSUE_UPDATED_AT,
    });
    expect(Object.keys(eng1)).not.toContain('pageInfo');
    const projects = await rowsOf(source().resource('projects'));
    expect(projects.find((row) => row.name === 'Runbook')?.teams).toEqual([
      expect.objectContaining({ key: 'ENG' }),
      expect.objectContaining({ key: 'OPS' }),
    ]);
    const comments = await rowsOf(source().resource('comments'));
    expect(comments[0]).toMatchObject({ issue: { identifier: 'ENG-3' }, user: { name: 'Ada Lovelace' } });
  });

  it('selects resources with the resources option', async () => {
    const selected = source({ resources: ['issues', 'teams'] });
    expect(selected.name).toBe('linear');
    expect(selected.selectedResources.map((item) => item.name)).toEqual(['teams', 'issues']);
    await extract(selected);
    expect(server.calls.map((call) => call.root)).toEqual(['teams', 'issues']);
  });
});

describe('linear(): paging', () => {
  it('walks Relay pages with first/after until hasNextPage is false, one batch per page', async () => {
    const pages = await pagesOf(source({ pageSize: 3 }).resource('issues'));
    expect(pages.map((page) => page.length)).toEqual([3, 3, 3, 2]);
    const calls = server.callsTo('issues');
    expect(calls.map((call) => call.args.first)).toEqual([3, 3, 3, 3]);
    expect(calls[0]!.args.after).toBeNull();
    // Each `after` is the endCursor of the page before (the id of its last node).
    for (let index = 1; index < calls.length; index++) {
      expect(calls[index]!.args.after).toBe(pages[index - 1]!.at(-1)!.id);
    }
    const all = pages.flat();
    expect(new Set(all.map((row) => row.id)).size).toBe(11);
    // Newest first: the largest updatedAt is on the first page, the smallest on the last.
    expect(all[0]!.updatedAt).toBe(MAX_ISSUE_UPDATED_AT);
    expect(all.at(-1)!.updatedAt).toBe(at(100));
  });

  it('warns when a nested list is longer than the nested page and keeps the first entries', async () => {
    const many = Array.from({ length: 25 }, (_, index) => ({
      id: `label-${index}`,
      name: `L${index}`,
      color: '#000',
    }));
    const [issue] = generatedWorkspace().issues;
    server.upsertNodes('issues', [{ ...issue!, labels: { nodes: many } }]);
    const logger = memoryLogger();
    const rows = await rowsOf(source({ logger }).resource('issues'));
    expect(rows.find((row) => row.identifier === 'ENG-1')?.labels).toHaveLength(20);
    expect(logger.lines).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        message: expect.stringContaining("'labels' lists were cut at 20"),
        fields: expect.objectContaining({ count: 1, examples: ['ENG-1'] }),
      }),
    );
  });
});

describe('linear(): credentials', () => {
  it('sends a personal API key raw and an OAuth token as Bearer', async () => {
    await rowsOf(source().resource('teams'));
    expect(server.requests.at(-1)!.headers.authorization).toBe(server.apiKey);
    expect(server.calls.at(-1)!.auth).toBe('apiKey');

    await rowsOf(source({ apiKey: undefined, accessToken: LINEAR_REPLAY_ACCESS_TOKEN }).resource('teams'));
    expect(server.requests.at(-1)!.headers.authorization).toBe(`Bearer ${LINEAR_REPLAY_ACCESS_TOKEN}`);
    // A credential passed as apiKey without the lin_api_ prefix is an OAuth token.
    await rowsOf(source({ apiKey: LINEAR_REPLAY_ACCESS_TOKEN }).resource('teams'));
    expect(server.requests.at(-1)!.headers.authorization).toBe(`Bearer ${LINEAR_REPLAY_ACCESS_TOKEN}`);
    expect(server.calls.map((call) => call.status)).toEqual([200, 200, 200]);
    expect(server.requests.at(-1)!.headers['content-type']).toBe('application/json');
  });
});

describe('linear(): filters', () => {
  it('restricts every team-scoped resource to the given team keys', async () => {
    const tables = await extract(source({ teams: ['OPS'] }));
    expect(tables.teams!.map((row) => row.key)).toEqual(['OPS']);
    expect(ids(tables.issues!).sort()).toEqual(['OPS-1', 'OPS-2', 'OPS-3']);
    expect(tables.workflow_states!.every((row) => (row.team as { key: string }).key === 'OPS')).toBe(true);
    expect(tables.workflow_states).toHaveLength(5);
    expect(tables.cycles!.map((row) => row.name)).toEqual(['Ops 1']);
    expect(tables.comments!.map((row) => (row.issue as { identifier: string }).identifier)).toEqual([
      'OPS-1',
    ]);
    expect(tables.projects!.map((row) => row.name)).toEqual(['Runbook']);
    expect(tables.users).toHaveLength(3); // workspace-wide
    expect(server.callsTo('issues')[0]!.args.filter).toEqual({ team: { key: { in: ['OPS'] } } });
    expect(server.callsTo('projects')[0]!.args.filter).toEqual({
      accessibleTeams: { some: { key: { in: ['OPS'] } } },
    });
    expect(server.callsTo('comments')[0]!.args.filter).toEqual({ issue: { team: { key: { in: ['OPS'] } } } });
    expect(server.callsTo('users')[0]!.args.filter).toBeNull();
  });

  it('reads archived rows by default and leaves them out with includeArchived: false', async () => {
    const withArchived = await rowsOf(source().resource('issues'));
    expect(withArchived.find((row) => row.identifier === 'ENG-6')?.archivedAt).toBe(at(190));
    const without = await rowsOf(source({ includeArchived: false }).resource('issues'));
    expect(ids(without)).not.toContain('ENG-6');
    expect(without).toHaveLength(10);
  });
});

describe('linear(): incremental issues and comments', () => {
  it('keeps the largest updatedAt of all pages as the cursor and asks only for newer rows next run', async () => {
    const states: Record<string, Record<string, unknown>> = {};
    const issues = source({ pageSize: 3 }).resource('issues');
    const first = await rowsOf(issues, runContext({ states }));
    expect(first).toHaveLength(11);
    // The first page holds the newest row; a cursor taken from the last row would be at(100).
    expect(cursorOf(states.issues)).toBe(MAX_ISSUE_UPDATED_AT);
    expect(server.callsTo('issues')[0]!.args.filter).toBeNull();

    // Between runs: ENG-5 and OPS-3 change, ENG-9 is created.
    const workspace = generatedWorkspace();
    const changed = [
      {
        ...workspace.issues.find((node) => node.identifier === 'ENG-5')!,
        title: 'Renamed',
        updatedAt: at(400),
      },
      { ...workspace.issues.find((node) => node.identifier === 'OPS-3')!, updatedAt: at(350) },
      { ...workspace.issues[0]!, id: issueId('ENG-9'), identifier: 'ENG-9', number: 9, updatedAt: at(380) },
    ];
    server.upsertNodes('issues', changed);
    const before = server.callsTo('issues').length;
    const second = await rowsOf(issues, runContext({ states }));
    expect(ids(second)).toEqual(['ENG-5', 'ENG-9', 'OPS-3']);
    expect(second[0]!.title).toBe('Renamed');
    const call = server.callsTo('issues')[before]!;
    expect(call.args.filter).toEqual({ updatedAt: { gte: MAX_ISSUE_UPDATED_AT } });
    // The inclusive bound re-reads ENG-1 (updatedAt = cursor) on the second page; the boundary hash drops it.
    expect(
      server
        .callsTo('issues')
        .slice(before)
        .map((item) => item.rows),
    ).toEqual([3, 1]);
    expect(cursorOf(states.issues)).toBe(at(400));

    const third = await rowsOf(issues, runContext({ states }));
    expect(third).toEqual([]);
  });

  it('starts from updatedSince on the first run and combines it with the team filter', async () => {
    const states: Record<string, Record<string, unknown>> = {};
    const rows = await rowsOf(
      source({ teams: ['ENG'], updatedSince: '2026-01-05T13:00:00Z' }).resource('issues'),
      runContext({ states }),
    );
    expect(ids(rows)).toEqual(['ENG-1', 'ENG-2', 'ENG-4', 'ENG-3']);
    expect(server.callsTo('issues')[0]!.args.filter).toEqual({
      team: { key: { in: ['ENG'] } },
      updatedAt: { gte: '2026-01-05T13:00:00.000Z' },
    });
    const comments = await rowsOf(
      source({ updatedSince: at(130) }).resource('comments'),
      runContext({ states }),
    );
    expect(comments.map((row) => row.body)).toEqual(['Comment 5 on ENG-3.', 'Comment 4 on OPS-1.']);
    expect(cursorOf(states.comments)).toBe(at(140));
  });
});
