// The Linear source through @hotdata-dlt/pipeline into the reference destination (the merge engine,
// in memory): the tables, keys and dispositions users get, a second run that loads only changed rows,
// and a failed walk that neither advances the cursor nor loads anything.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HotdataDltError, PipelineStepError } from '@hotdata-dlt/core';
import { pipeline } from '@hotdata-dlt/pipeline';
import {
  createReferenceDestination,
  type LinearReplayServer,
  type ReferenceDestination,
  startLinearReplayServer,
} from '@hotdata-dlt/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { virtualClock } from './__fixtures__/support.ts';
import {
  at,
  generatedWorkspace,
  MAX_ISSUE_UPDATED_AT,
  secondRunIssueChanges,
} from './__fixtures__/workspace.ts';
import { LinearError, type LinearOptions, linear } from './index.ts';

let server: LinearReplayServer;
let destination: ReferenceDestination;
let workingDir: string;
beforeEach(async () => {
  server = await startLinearReplayServer({ data: generatedWorkspace() });
  destination = createReferenceDestination();
  workingDir = mkdtempSync(join(tmpdir(), 'linear-pipeline-'));
});
afterEach(async () => {
  await server.close();
  rmSync(workingDir, { recursive: true, force: true });
});

const DATASET = 'linear_dataset';
const newPipeline = () => pipeline({ pipelineName: 'linear', destination, workingDir });
const source = (options: LinearOptions = {}) =>
  linear({
    apiKey: server.apiKey,
    apiUrl: server.graphqlUrl,
    pageSize: 3,
    clock: virtualClock(),
    ...options,
  });

function dataColumns(row: Record<string, unknown> | undefined): string[] {
  return Object.keys(row ?? {}).filter((name) => !name.startsWith('_dlt'));
}

function cursor(p: ReturnType<typeof newPipeline>, resourceName: string): unknown {
  const resources = p.state.sources?.linear?.resources as Record<
    string,
    { incremental?: Record<string, { last_value?: unknown }> }
  >;
  return resources?.[resourceName]?.incremental?.updatedAt?.last_value;
}

function loadedRows(info: Awaited<ReturnType<ReturnType<typeof newPipeline>['run']>>, table: string): number {
  return info.packages.flatMap((item) => item.tables).find((metrics) => metrics.table === table)?.rows ?? 0;
}

describe('linear() in a pipeline', () => {
  it('produces the documented tables, keys and write dispositions', async () => {
    const p = newPipeline();
    const info = await p.run(source());
    expect(info.packages.map((item) => item.status)).toEqual(['loaded']);

    const stored = p.defaultSchema!.toStored();
    expect(p.defaultSchema!.name).toBe('linear');
    const tables = stored.tables;
    expect(
      Object.keys(tables)
        .filter((name) => !name.startsWith('_dlt'))
        .sort(),
    ).toEqual([
      'comments',
      'cycles',
      'issues',
      'issues__labels',
      'projects',
      'projects__teams',
      'teams',
      'users',
      'workflow_states',
    ]);
    expect(tables.issues).toMatchObject({ write_disposition: 'merge', 'x-merge-strategy': 'upsert' });
    expect(tables.comments).toMatchObject({ write_disposition: 'merge', 'x-merge-strategy': 'upsert' });
    for (const name of ['teams', 'users', 'workflow_states', 'projects', 'cycles']) {
      expect(tables[name]!.write_disposition).toBe('replace');
      expect(tables[name]!.columns.id).toMatchObject({
        data_type: 'text',
        nullable: false,
        primary_key: true,
      });
    }
    const issueColumns = tables.issues!.columns;
    expect(issueColumns.id).toMatchObject({ primary_key: true, nullable: false });
    expect(issueColumns.updated_at?.data_type).toBe('timestamp');
    expect(issueColumns.completed_at?.data_type).toBe('timestamp');
    expect(issueColumns.due_date?.data_type).toBe('date');
    expect(issueColumns.priority?.data_type).toBe('bigint');
    expect(issueColumns.estimate?.data_type).toBe('double');
    expect(issueColumns.state__name?.data_type).toBe('text');
    expect(issueColumns.team__key?.data_type).toBe('text');
    expect(issueColumns.assignee__email?.data_type).toBe('text');
    expect(issueColumns.cycle__number?.data_type).toBe('bigint');
    expect(Object.keys(tables.issues__labels!.columns)).toEqual(
      expect.arrayContaining(['id', 'name', 'color', '_dlt_parent_id', '_dlt_list_idx', '_dlt_root_id']),
    );

    const issues = await destination.rows(DATASET, 'issues');
    expect(issues).toHaveLength(11);
    const eng1 = issues.find((row) => row.identifier === 'ENG-1')!;
    expect(eng1).toMatchObject({
      state__name: 'In Progress',
      team__key: 'ENG',
      assignee__name: 'Ada Lovelace',
    });
    // Timestamps are typed (microseconds since the epoch in the reference destination's Arrow tables).
    expect(eng1.updated_at).toBe(BigInt(Date.parse(MAX_ISSUE_UPDATED_AT)) * 1000n);
    expect(dataColumns(eng1)).not.toContain('labels');
    const labels = await destination.rows(DATASET, 'issues__labels');
    expect(labels).toHaveLength(7);
    const eng2 = issues.find((row) => row.identifier === 'ENG-2')!;
    expect(
      labels
        .filter((row) => row._dlt_parent_id === eng2._dlt_id)
        .sort((a, b) => Number(a._dlt_list_idx) - Number(b._dlt_list_idx))
        .map((row) => row.name),
    ).toEqual(['Feature', 'Infra']);
    expect(await destination.rows(DATASET, 'workflow_states')).toHaveLength(10);
    expect(await destination.rows(DATASET, 'projects__teams')).toHaveLength(3);
    expect(await destination.rows(DATASET, 'comments')).toHaveLength(5);
    // Issues came in 4 pages, newest first; the stored cursor is the newest row, not the last one read.
    expect(server.callsTo('issues')).toHaveLength(4);
    expect(cursor(p, 'issues')).toBe(MAX_ISSUE_UPDATED_AT);
    expect(cursor(p, 'comments')).toBe(at(140));
  });

  it('loads only changed issues and comments on the second run', async () => {
    const p = newPipeline();
    await p.run(source());
    const firstLoad = (await destination.rows(DATASET, 'issues'))[0]!._dlt_load_id;

    const workspace = generatedWorkspace();
    server.upsertNodes('issues', secondRunIssueChanges(workspace, []));
    server.upsertNodes('comments', [
      { ...workspace.comments[0]!, body: 'Edited.', editedAt: at(500), updatedAt: at(500) },
    ]);
    server.removeNodes('teams', [workspace.teams[1]!.id]);
    const before = server.callsTo('issues').length;

    const info = await p.run(source());
    expect(loadedRows(info, 'issues')).toBe(3);
    expect(loadedRows(info, 'comments')).toBe(1);
    const call = server.callsTo('issues')[before]!;
    expect(call.args.filter).toEqual({ updatedAt: { gte: MAX_ISSUE_UPDATED_AT } });
    expect(server.callsTo('comments').at(-1)!.args.filter).toEqual({ updatedAt: { gte: at(140) } });

    const issues = await destination.rows(DATASET, 'issues');
    expect(issues).toHaveLength(12);
    const secondLoad = info.loadIds[0];
    const byIdentifier = new Map(issues.map((row) => [row.identifier, row]));
    expect(byIdentifier.get('ENG-5')).toMatchObject({
      title: 'Snake-case naming: done',
      state__name: 'Done',
      _dlt_load_id: secondLoad,
    });
    expect(byIdentifier.get('ENG-9')?._dlt_load_id).toBe(secondLoad);
    expect(byIdentifier.get('ENG-1')?._dlt_load_id).toBe(firstLoad);
    expect(
      issues
        .filter((row) => row._dlt_load_id === secondLoad)
        .map((row) => row.identifier)
        .sort(),
    ).toEqual(['ENG-2', 'ENG-5', 'ENG-9']);
    // ENG-2's labels were replaced, not appended to.
    const labels = await destination.rows(DATASET, 'issues__labels');
    expect(
      labels.filter((row) => row._dlt_root_id === byIdentifier.get('ENG-2')!._dlt_id).map((row) => row.name),
    ).toEqual(['Bug']);
    expect(labels).toHaveLength(6);
    const comments = await destination.rows(DATASET, 'comments');
    expect(comments).toHaveLength(5);
    expect(comments.find((row) => row.body === 'Edited.')?._dlt_load_id).toBe(secondLoad);
    // Full-refresh tables mirror Linear: the removed team is gone.
    expect((await destination.rows(DATASET, 'teams')).map((row) => row.key)).toEqual(['ENG']);
    expect(cursor(p, 'issues')).toBe(at(400));
    expect(cursor(p, 'comments')).toBe(at(500));

    // A pipeline restored from the destination alone (fresh working dir) continues from the same cursor.
    const restoredDir = mkdtempSync(join(tmpdir(), 'linear-restored-'));
    try {
      const restored = pipeline({ pipelineName: 'linear', destination, workingDir: restoredDir });
      const third = await restored.run(source({ resources: ['issues'] }));
      expect(server.callsTo('issues').at(-1)!.args.filter).toEqual({ updatedAt: { gte: at(400) } });
      expect(loadedRows(third, 'issues')).toBe(0);
    } finally {
      rmSync(restoredDir, { recursive: true, force: true });
    }
  });

  it('keeps the cursor and the destination unchanged when a page fails, and catches up next run', async () => {
    const p = newPipeline();
    await p.run(source());
    const loaded = await destination.rows(DATASET, 'issues');
    server.upsertNodes(
      'issues',
      generatedWorkspace().issues.map((node, index) => ({ ...node, updatedAt: at(600 + index) })),
    );
    server.inject({ kind: 'partial' }, { root: 'issues', nth: 3 });

    const error = await p.run(source()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PipelineStepError);
    expect((error as PipelineStepError).step).toBe('extract');
    const cause = (error as Error).cause;
    expect(LinearError.isInstance(cause) && cause.kind).toBe('partial');
    expect(HotdataDltError.isInstance(error) && error.isRetryable).toBe(false);
    expect(cursor(p, 'issues')).toBe(MAX_ISSUE_UPDATED_AT);
    expect(p.hasPendingPackages).toBe(false);
    // Two complete pages were read before the third came with errors; none of their rows reached the destination.
    expect(
      server
        .callsTo('issues')
        .slice(-3)
        .map((call) => call.rows),
    ).toEqual([3, 3, 3]);
    expect(await destination.rows(DATASET, 'issues')).toEqual(loaded);

    const info = await p.run(source());
    expect(loadedRows(info, 'issues')).toBe(11);
    expect(cursor(p, 'issues')).toBe(at(610));
    expect(server.callsTo('issues').at(-1)!.args.filter).toEqual({
      updatedAt: { gte: MAX_ISSUE_UPDATED_AT },
    });
  });
});
