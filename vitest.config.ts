import { existsSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { defineConfig } from 'vitest/config';

// One vitest run covers every workspace package; each package is a vitest project named after its
// folder, so `vitest run --project core` runs one package. Workspace packages resolve to their
// `src/` through the `@hotdata-dlt/source` export condition: tests never need a build.
const workspaceRoot = import.meta.dirname;
const roots = ['packages', 'packages/sources', 'apps'].map((root) => join(workspaceRoot, root));
const packageDirs = roots.flatMap((root) =>
  readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(root, entry.name, 'package.json')))
    .map((entry) => join(root, entry.name)),
);

const ci = Boolean(process.env.CI);

export default defineConfig({
  resolve: { conditions: ['@hotdata-dlt/source'] },
  ssr: { resolve: { conditions: ['@hotdata-dlt/source'], externalConditions: ['@hotdata-dlt/source'] } },
  test: {
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ci
      ? ['default', ['json', { outputFile: join(workspaceRoot, 'reports/vitest.json') }]]
      : ['default'],
    projects: packageDirs.map((dir) => ({
      extends: true,
      test: {
        name: basename(dir),
        root: dir,
        include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      },
    })),
  },
});
