// linear() end to end: pipeline().run into a real hotdata-local through the hotdata() destination, fed by
// the Linear replay server with the generated workspace (nothing from ../shared). Results are read back
// with SQL; the second run's GraphQL filter is read from the replay server's call log.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hotdata } from '@hotdata-dlt/destination-hotdata';
import { type Pipeline, pipeline } from '@hotdata-dlt/pipeline';
import { type LinearReplayServer, startLinearReplayServer, useHotdataLocal } from '@hotdata-dlt/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { virtualClock } from './__fixtures__/support.ts';
import {
  generatedWorkspace,
  issueId,
  LABELS,
  MAX_ISSUE_UPDATED_AT,
  secondRunIssueChanges,
} from './__fixtures__/workspace.ts';
import { linear } from './index.ts';

const local = useHotdataLocal();

let server: LinearReplayServer;
let workingDir: string;
let p: Pipeline;
beforeAll(async () => {
  server = await startLinearReplayServer({ data: generatedWorkspace() });
  workingDir = mkdtempSync(join(tmpdir(), 'linear-e2e-'));
  p = pipeline({
    pipelineName: 'linear',
    workingDir,
    destination: hotdata({
      apiUrl: local().url,
      apiKey: local().token,
      workspaceId: local().workspaceId,
      databaseName: 'linear_e2e',
      retryBackoffSeconds: 0.01,
    }),
  });
});
afterAll(async () => {
  await server?.close();
  rmSync(workingDir, { recursive: true, force: true });
});

const PAGE_SIZE = 3;
const source = () =>
  linear({
    apiKey: server.apiKey,
    apiUrl: server.graphqlUrl,
    pageSize: PAGE_SIZE,
    resources: ['issues', 'teams', 'users', 'workflow_states'],
    clock: virtualClock(),
  });

async function query(sql: string): Promise<Record<string, unknown>[]> {
  return p.dataset().sql(sql).toRows();
}

async function count(table: string): Promise<unknown> {
  return (await query(`select count(*) as n from ${table}`))[0]?.n;
}

/** `identifier → label names` (by list position) as loaded: labels joined to their issue. */
async function labelsByIssue(): Promise<Record<string, string[]>> {
  const rows = await query(
    `select i.identifier, l.name from issues__labels l join issues i on l._dlt_parent_id = i._dlt_id
     order by i.identifier, l._dlt_list_idx`,
  );
  const result: Record<string, string[]> = {};
  for (const row of rows) {
    const identifier = String(row.identifier);
    result[identifier] = [...(result[identifier] ?? []), String(row.name)];
  }
  return result;
}

/** The same mapping from the replay server's current issues. */
function labelsInLinear(): Record<string, string[]> {
  const result: Record<string, string[]> = {};
  for (const issue of server.nodes('issues')) {
    const labels = (issue.labels as { nodes: Array<{ name: string }> }).nodes;
    if (labels.length > 0) result[String(issue.identifier)] = labels.map((label) => label.name);
  }
  return result;
}

describe('linear() into hotdata-local', () => {
  let firstLoad: string | undefined;

  it('loads every page of issues with their labels, and teams, users and workflow states', async () => {
    const workspace = generatedWorkspace();
    const info = await p.run(source());
    expect(info.packages.map((item) => item.status)).toEqual(['loaded']);
    firstLoad = info.loadIds[0];

    // 11 issues (one archived) in pages of 3, each page asking after the last id of the one before.
    const pages = server.callsTo('issues');
    expect(pages.map((call) => [call.args.first, call.rows])).toEqual([
      [PAGE_SIZE, 3],
      [PAGE_SIZE, 3],
      [PAGE_SIZE, 3],
      [PAGE_SIZE, 2],
    ]);
    expect(pages[0]!.args.after ?? null).toBeNull();
    expect(pages.slice(1).every((call) => typeof call.args.after === 'string')).toBe(true);
    expect(pages[0]!.args.filter ?? null).toBeNull();

    const issues = await query(
      'select id, identifier, title, state__name, team__key, assignee__name, updated_at, archived_at, _dlt_load_id from issues order by identifier',
    );
    expect(issues.map((row) => row.identifier)).toEqual(
      workspace.issues.map((node) => node.identifier).sort((a, b) => String(a).localeCompare(String(b))),
    );
    expect(issues.every((row) => row._dlt_load_id === firstLoad)).toBe(true);
    const eng1 = issues.find((row) => row.identifier === 'ENG-1');
    expect(eng1).toMatchObject({
      id: issueId('ENG-1'),
      title: 'Retry FRED downloads on 429',
      state__name: 'In Progress',
      team__key: 'ENG',
      assignee__name: 'Ada Lovelace',
      archived_at: null,
    });
    expect(eng1?.updated_at).toEqual(new Date(MAX_ISSUE_UPDATED_AT));
    expect(issues.find((row) => row.identifier === 'ENG-6')?.archived_at).toBeInstanceOf(Date);

    expect(await count('issues__labels')).toBe(7);
    expect(await labelsByIssue()).toEqual(labelsInLinear());
    expect((await labelsByIssue())['ENG-2']).toEqual(['Feature', 'Infra']);

    expect(await query('select key, name from teams order by key')).toEqual([
      { key: 'ENG', name: 'Engineering' },
      { key: 'OPS', name: 'Operations' },
    ]);
    expect(await query('select email, active, admin from users order by email')).toEqual([
      { email: 'ada@example.com', active: true, admin: true },
      { email: 'grace@example.com', active: true, admin: false },
      { email: 'linus@example.com', active: false, admin: false },
    ]);
    const states = await query(
      "select team__key, count(*) as n, string_agg(name, ',' order by position) as names from workflow_states group by team__key order by team__key",
    );
    expect(states).toEqual(
      ['ENG', 'OPS'].map((key) => ({
        team__key: key,
        n: 5,
        names: workspace.workflowStates
          .filter((node) => (node.team as { key: string }).key === key)
          .map((node) => node.name)
          .join(','),
      })),
    );
  });

  it('on the next run loads only the issues that changed, merged in place by id', async () => {
    expect(firstLoad).toBeDefined();
    const workspace = generatedWorkspace();
    server.upsertNodes('issues', secondRunIssueChanges(workspace, [LABELS.infra, LABELS.feature]));
    const before = server.callsTo('issues').length;

    const info = await p.run(source());
    const secondLoad = info.loadIds[0];
    expect(secondLoad).not.toBe(firstLoad);

    // One page asked only for issues updated since the stored cursor: the three changes and the issue
    // that set the cursor (filtered out again by the pipeline, since it was already loaded).
    const calls = server.callsTo('issues').slice(before);
    expect(calls.map((call) => call.args.filter)).toEqual([
      { updatedAt: { gte: MAX_ISSUE_UPDATED_AT } },
      { updatedAt: { gte: MAX_ISSUE_UPDATED_AT } },
    ]);
    expect(calls.map((call) => call.rows)).toEqual([3, 1]);

    const issues = await query(
      'select identifier, title, state__name, _dlt_load_id from issues order by identifier',
    );
    expect(issues).toHaveLength(12);
    expect(await query('select id from issues group by id having count(*) > 1')).toEqual([]);
    expect(issues.filter((row) => row._dlt_load_id === secondLoad).map((row) => row.identifier)).toEqual([
      'ENG-2',
      'ENG-5',
      'ENG-9',
    ]);
    expect(issues.filter((row) => row._dlt_load_id === firstLoad)).toHaveLength(9);
    expect(issues.find((row) => row.identifier === 'ENG-5')).toMatchObject({
      title: 'Snake-case naming: done',
      state__name: 'Done',
    });

    // ENG-2's labels were replaced, not appended to; the new issue brought its own.
    const labels = await labelsByIssue();
    expect(labels['ENG-2']).toEqual(['Bug']);
    expect(labels['ENG-9']).toEqual(['Infra', 'Feature']);
    expect(labels).toEqual(labelsInLinear());
    expect(await count('issues__labels')).toBe(7 - 2 + 1 + 2);

    // Full-refresh tables are replaced, not appended to.
    expect(await count('teams')).toBe(2);
    expect(await count('users')).toBe(3);
    expect(await count('workflow_states')).toBe(10);
  });
});
