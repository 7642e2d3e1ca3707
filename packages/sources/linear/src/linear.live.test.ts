// Live test against the real Linear API: runs when LINEAR_API_KEY is set, skips with a printed reason
// otherwise. It only reads (a few pages), and never prints the key.
import { describe, expect, it } from 'vitest';
import { cursorOf, memoryLogger, pagesOf, rowsOf, runContext } from './__fixtures__/support.ts';
import { LinearError, linear } from './index.ts';

const apiKey = process.env.LINEAR_API_KEY?.trim();
const reason = apiKey
  ? undefined
  : 'LINEAR_API_KEY is not set (create a personal API key in Linear → Settings → Account → Security & access)';
if (reason) console.log(`linear.live.test.ts skipped: ${reason}`);

describe.skipIf(reason)(`live Linear API${reason ? ` (skipped: ${reason})` : ''}`, () => {
  it('reads teams, workflow states and the newest issues with a cursor over two pages', async () => {
    const logger = memoryLogger();
    const source = linear({ apiKey, pageSize: 5, logger });
    const teams = await rowsOf(source.resource('teams'));
    expect(teams.length).toBeGreaterThan(0);
    expect(teams[0]).toMatchObject({
      id: expect.any(String),
      key: expect.any(String),
      name: expect.any(String),
    });
    const states = await rowsOf(source.resource('workflow_states'));
    expect(states.every((row) => typeof row.type === 'string' && typeof row.team === 'object')).toBe(true);

    const resourceStates: Record<string, Record<string, unknown>> = {};
    const pages = await pagesOf(
      source.resource('issues').addLimit(2),
      runContext({ states: resourceStates }),
    );
    const issues = pages.flat();
    if (issues.length > 0) {
      expect(issues[0]).toMatchObject({ id: expect.any(String), identifier: expect.any(String) });
      expect(Array.isArray(issues[0]!.labels)).toBe(true);
      const newest = issues
        .map((row) => row.updatedAt as string)
        .sort()
        .at(-1);
      expect(cursorOf(resourceStates.issues)).toBe(newest);
    }
    expect(logger.text()).not.toContain(apiKey!);
  });

  it('reports a wrong key as an auth error naming the option, without the key', async () => {
    const wrong = `lin_api_${'0'.repeat(40)}`;
    const error = await rowsOf(linear({ apiKey: wrong, maxRetries: 0 }).resource('teams')).catch(
      (caught: unknown) => caught,
    );
    expect(LinearError.isInstance(error) && error.kind).toBe('auth');
    expect((error as Error).message).toContain('the apiKey option');
    expect((error as Error).message).not.toContain(wrong);
  });
});
