// The `linear` demo pipeline through the CLI, with recorded Linear responses replayed on loopback
// (../shared/fixtures/linear); skipped with a printed reason when they are absent.
import { readFileSync } from 'node:fs';
import {
  type LinearReplayServer,
  sharedFixture,
  sharedFixturesSkipReason,
  startLinearReplayServer,
  useHotdataLocal,
} from '@hotdata-dlt/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, runCli, useProjects } from './helpers.ts';

const FILES = [
  'nango_issues.test.json',
  'nango_list-issues.test.json',
  'nango_teams.test.json',
  'nango_workflow-states.test.json',
];
const reason = sharedFixturesSkipReason(...FILES.map((file) => `linear/${file}`));
if (reason) console.log(`linear.test.ts skipped: ${reason}`);

const local = useHotdataLocal();
const project = useProjects();
let replay: LinearReplayServer | undefined;

beforeAll(async () => {
  if (reason) return;
  replay = await startLinearReplayServer({
    recorded: FILES.map((file) => readFileSync(sharedFixture('linear', file)!, 'utf8')),
  });
});
afterAll(async () => {
  await replay?.close();
});

describe.skipIf(reason)('the linear demo pipeline', () => {
  it('loads recorded issues, teams and workflow states; a second run asks only for newer issues', async () => {
    const dir = project({
      'hotdata-dlt.config.ts': `
        import { defineConfig, linearDemo } from '@hotdata-dlt/runner';
        export default defineConfig({ pipelines: [linearDemo()] });
      `,
    });
    const env = cliEnv(local(), { LINEAR_API_URL: replay!.graphqlUrl, LINEAR_API_KEY: replay!.apiKey });
    const first = await runCli(['run', 'linear'], { cwd: dir, env });
    expect(first.code).toBe(0);
    expect(first.stderr).not.toMatch(/ERROR|failed/);
    expect(first.stderr).not.toContain(replay!.apiKey);
    expect(first.stdout).toMatch(/linear\s+issues\s+\d+\s+merge/);
    expect(first.stdout).not.toContain(replay!.apiKey);

    const counts = await runCli(
      [
        'query',
        '--format',
        'json',
        'select (select count(*) from issues) as n, (select string_agg(key) from teams) as teams',
      ],
      { cwd: dir, env },
    );
    expect(counts.code).toBe(0);
    const [{ n, teams }] = JSON.parse(counts.stdout) as [{ n: number; teams: string }];
    expect(n).toBeGreaterThan(5);
    expect(teams).toBe('NAN');

    const info = JSON.parse(
      (await runCli(['--json', 'pipeline', 'linear', 'info'], { cwd: dir, env })).stdout,
    );
    const cursor = info.cursors.find((item: { resource: string }) => item.resource === 'issues');
    expect(cursor.lastValue).toMatch(/^2026-04-24T10:17:58/);

    replay!.calls.length = 0;
    const second = await runCli(['run', 'linear'], { cwd: dir, env });
    expect(second.code).toBe(0);
    const issueCalls = replay!.callsTo('issues');
    expect(issueCalls.length).toBeGreaterThan(0);
    expect(JSON.stringify(issueCalls[0])).toContain('2026-04-24T10:17:58');
  });
});
