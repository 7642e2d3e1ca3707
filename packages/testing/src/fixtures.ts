import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const workspaceRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/**
 * The folder of real recorded responses (`../shared/fixtures` beside the project root), or `undefined`
 * when it is absent. `HOTDATA_DLT_SHARED_FIXTURES` overrides the location.
 */
export function sharedFixturesDir(): string | undefined {
  const candidate =
    process.env.HOTDATA_DLT_SHARED_FIXTURES ?? join(workspaceRoot, '..', 'shared', 'fixtures');
  return existsSync(candidate) ? candidate : undefined;
}

/** Path of one recorded fixture file, e.g. `sharedFixture('fred', 'fredgraph_UNRATE.csv')`. */
export function sharedFixture(...parts: string[]): string | undefined {
  const dir = sharedFixturesDir();
  if (!dir) return undefined;
  const path = join(dir, ...parts);
  return existsSync(path) ? path : undefined;
}

/**
 * Why tests needing the recorded fixtures are skipped, or `undefined` when they can run. Use with
 * `describe.skipIf(...)`, and print the reason so a skip is never silent:
 *
 * ```ts
 * const reason = sharedFixturesSkipReason('fred/fredgraph_UNRATE.csv');
 * describe.skipIf(reason)(`recorded FRED CSV${reason ? ` (skipped: ${reason})` : ''}`, () => { ... });
 * ```
 */
export function sharedFixturesSkipReason(...relativePaths: string[]): string | undefined {
  const dir = sharedFixturesDir();
  if (!dir) return `the recorded fixtures folder ../shared/fixtures is absent beside ${workspaceRoot}`;
  const missing = relativePaths.filter((path) => !existsSync(join(dir, path)));
  return missing.length > 0 ? `recorded fixture(s) missing: ${missing.join(', ')}` : undefined;
}

/** The workspace root (for tests that spawn the CLI or read repository files). */
export function workspaceRootDir(): string {
  return workspaceRoot;
}
