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

/**
 * One recorded fredgraph CSV (under `fred/` in the shared fixtures) per default FRED series; the folder
 * also holds a second T10Y2Y vintage and a second PAYEMS file.
 */
export const FRED_RECORDED_FILES = {
  CPIAUCSL: 'fredgraph_CPIAUCSL.csv',
  FEDFUNDS: 'fredgraph_FEDFUNDS.csv',
  UNRATE: 'fredgraph_UNRATE.csv',
  HOUST: 'fredgraph_HOUST.csv',
  INDPRO: 'fredgraph_INDPRO.csv',
  MORTGAGE30US: 'fredgraph_MORTGAGE30US_2000-2026.csv',
  PAYEMS: 'fredgraph_PAYEMS.csv',
  RSXFS: 'fredgraph_RSXFS.csv',
  T10Y2Y: 'fredgraph_T10Y2Y_2021-2026.csv',
} as const;
