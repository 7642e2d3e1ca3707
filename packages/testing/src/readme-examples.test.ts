// House rule: every publishable package's README example runs. Each code block marked with
// `<!-- example: runs in test ... -->` on the line before its fence is written into a temporary folder
// inside its package (so the package's node_modules and its self-reference resolve, as they would for a
// user who installed it) and run there in a child process, from source, against one hotdata-local
// started here (each example gets its own workspace) and the FRED / Linear replay servers.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { HotdataLocal } from '@hotdata-dlt/hotdata-local';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workspaceRootDir } from './fixtures.ts';
import { startLocalForTest } from './hotdata-local.ts';
import { type FredReplayServer, startFredReplayServer } from './replay/fred.ts';
import { type LinearReplayNode, type LinearReplayServer, startLinearReplayServer } from './replay/linear.ts';
import { type ReplayServer, startReplayServer } from './replay/server.ts';

const root = workspaceRootDir();
const MARKER = /^<!-- example: runs in test\b[^\n]*-->\n```(\w+)\n([\s\S]*?)^```$/gm;

interface MarkedBlock {
  language: string;
  code: string;
}

/** The marked blocks of a README, in order. */
function markedBlocks(readme: string): MarkedBlock[] {
  return [...readme.matchAll(MARKER)].map((match) => ({ language: match[1]!, code: match[2]! }));
}

/** Folders (relative to the root) of every package that is published, i.e. not `private`. */
function publishablePackages(): string[] {
  return ['packages', 'packages/sources', 'apps'].flatMap((parent) =>
    readdirSync(join(root, parent), { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && existsSync(join(root, parent, entry.name, 'package.json')))
      .map((entry) => `${parent}/${entry.name}`)
      .filter((dir) => JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')).private !== true),
  );
}

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

// The examples run concurrently, but at most two child processes at once: the machine's cores are shared.
// (A hand-off semaphore: p-limit is not a dependency of this package.)
const MAX_CHILDREN = 2;
let children = 0;
const waiting: Array<() => void> = [];

async function run(
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<RunResult> {
  if (children < MAX_CHILDREN) children += 1;
  else await new Promise<void>((resolve) => waiting.push(resolve));
  try {
    return await spawnAndWait(command, args, options);
  } finally {
    const next = waiting.shift();
    if (next) next();
    else children -= 1;
  }
}

function spawnAndWait(
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Asserts a clean exit, with the output in the failure message, and returns stdout with whitespace collapsed. */
function succeeded(what: string, result: RunResult): string {
  expect(result.code, `${what} exited with ${result.code}\n${result.stdout}\n${result.stderr}`).toBe(0);
  return result.stdout.replace(/\s+/g, ' ');
}

// ---- What the examples read: nine FRED series, a small Linear workspace, a shop API ----------------

const FRED_SERIES_IDS = [
  'CPIAUCSL',
  'FEDFUNDS',
  'UNRATE',
  'HOUST',
  'INDPRO',
  'MORTGAGE30US',
  'PAYEMS',
  'RSXFS',
  'T10Y2Y',
] as const;

/** Six months of 2024 per series; series `i` has the value `100 * (i + 1) + month` (CPI in June: 106). */
function fredSeries() {
  return Object.fromEntries(
    FRED_SERIES_IDS.map((id, index) => [
      id,
      {
        observations: [1, 2, 3, 4, 5, 6].map((month) => ({
          date: `2024-0${month}-01`,
          value: String(100 * (index + 1) + month),
        })),
      },
    ]),
  );
}

function linearWorkspace(): Record<string, LinearReplayNode[]> {
  const time = (minutes: number) =>
    new Date(Date.parse('2026-01-05T09:00:00Z') + minutes * 60_000).toISOString();
  const ENG = { id: 'team-eng', key: 'ENG', name: 'Engineering' };
  const OPS = { id: 'team-ops', key: 'OPS', name: 'Operations' };
  const states = [
    ['Todo', 'unstarted'],
    ['In Progress', 'started'],
    ['Done', 'completed'],
    ['Canceled', 'canceled'],
  ].map(([name, type], position) => ({ id: `state-${position}`, name: name!, type: type! }));
  const issue = (team: typeof ENG, number: number, state: number): LinearReplayNode => ({
    id: `issue-${team.key}-${number}`,
    identifier: `${team.key}-${number}`,
    number,
    title: `Issue ${number}`,
    priority: 0,
    createdAt: time(number),
    updatedAt: time(10 + number),
    completedAt: state === 2 ? time(10 + number) : null,
    canceledAt: state === 3 ? time(10 + number) : null,
    archivedAt: null,
    state: states[state],
    team,
    labels: { nodes: [] },
  });
  return {
    teams: [ENG, OPS].map((team) => ({ ...team, createdAt: time(0), updatedAt: time(0) })),
    workflowStates: [ENG, OPS].flatMap((team) =>
      states.map((state, position) => ({ ...state, id: `${state.id}-${team.key}`, position, team })),
    ),
    // ENG: two in progress, one to do, one done, one canceled; OPS is filtered out by `teams: ['ENG']`.
    issues: [
      issue(ENG, 1, 1),
      issue(ENG, 2, 1),
      issue(ENG, 3, 0),
      issue(ENG, 4, 2),
      issue(ENG, 5, 3),
      issue(OPS, 1, 1),
    ],
  };
}

const SHOP_ORDERS = [
  { id: 1, updated_at: '2024-03-01T10:00:00Z', items: [{ sku: 'a', qty: 2 }] },
  {
    id: 2,
    updated_at: '2024-03-02T10:00:00Z',
    items: [
      { sku: 'b', qty: 1 },
      { sku: 'c', qty: 5 },
    ],
  },
];

// ---- How each README example runs and what it must print --------------------------------------------

interface Servers {
  local: HotdataLocal;
  fred: FredReplayServer;
  linear: LinearReplayServer;
  shop: ReplayServer;
}

interface ExampleSpec {
  /** The languages of the marked blocks, in order. */
  blocks: string[];
  /** Environment besides the Hotdata connection. */
  env?: (servers: Servers) => Record<string, string>;
  /** What the run must print (whitespace collapsed to one space). */
  prints: string[];
}

const EXAMPLES: Record<string, ExampleSpec> = {
  // The repository's own README ('.'): the 20-line example of the front page.
  '.': {
    blocks: ['ts'],
    prints: ["{ id: 3, title: 'Issue 3', updated_at:", "name: 'bug', _dlt_root_id:", '_dlt_list_idx: 0'],
  },
  'packages/core': {
    blocks: ['ts'],
    prints: ['[ 2, 3 ] [ 4 ]', "unique_hashes: [ '9ydaHrzwo9f8RuI13CNq' ]", "'x-merge-strategy': 'upsert'"],
  },
  'packages/pipeline': {
    blocks: ['ts'],
    prints: [
      "{ table: 'orders', rows: 2,",
      "[ { customer: 'Alice', n: 1 }, { customer: 'Bob', n: 1 } ]",
      "sku: 'c', qty: 5, _dlt_root_id:",
    ],
  },
  'packages/parquet': {
    blocks: ['ts'],
    prints: [
      'BigInt64Array(3) [ 1n, 2n, 3n ] 3',
      "'paid_at: Timestamp<MILLISECOND, UTC>'",
      "path: 'out/events/events-00003.parquet', rows: 250000,",
    ],
  },
  'packages/merge': {
    blocks: ['ts'],
    prints: [
      "[ 'upsert orders by id: 2 rows' ] [ 'delete orders by id: 1 rows', 'upsert orders by id: 2 rows' ]",
      "[ '1:paid', '3:new' ]",
    ],
  },
  'packages/hotdata-api': {
    blocks: ['ts'],
    prints: ['[ [ 1, 9.5 ], [ 2, 4 ], [ 3, 1 ] ] Float64Array(3) [ 9.5, 4, 1 ]'],
  },
  'packages/hotdata-local': { blocks: ['ts'], prints: ["[ [ 'hello' ], [ 'world' ] ]"] },
  'packages/destination-hotdata': {
    blocks: ['ts'],
    prints: [
      "[ { customer: 'Alice', orders: 2 }, { customer: 'Bob', orders: 1 } ]",
      "[ { sku: 'a', qty: 2 }, { sku: 'c', qty: 5 } ]",
    ],
  },
  'packages/sources/fred': {
    blocks: ['ts'],
    env: ({ fred }) => ({ FRED_CSV_BASE_URL: fred.url }),
    // The newest three months of macro_wide, newest first.
    prints: ['cpi: 106, unemployment_rate: 306, yield_curve_spread: 906 }', 'cpi: 104,'],
  },
  'packages/sources/linear': {
    blocks: ['ts'],
    env: ({ linear }) => ({ LINEAR_API_KEY: linear.apiKey, LINEAR_API_URL: linear.graphqlUrl }),
    prints: ["[ { state: 'In Progress', issues: 2 }, { state: 'Todo', issues: 1 } ]"],
  },
  // The TypeScript block is the config file; the shell block runs line by line with `hotdata-dlt` being
  // the CLI from source.
  'apps/runner': {
    blocks: ['ts', 'sh'],
    env: ({ fred, shop }) => ({ FRED_CSV_BASE_URL: fred.url, SHOP_API_URL: `${shop.url}/api` }),
    prints: [],
  },
};

describe.concurrent('README examples', () => {
  let servers: Servers;
  const workspaces = Object.keys(EXAMPLES).map(
    (dir) => `readme_${dir === '.' ? 'root' : dir.split('/').at(-1)!.replace(/-/g, '_')}`,
  );

  beforeAll(async () => {
    const local = await startLocalForTest({ workspaceId: workspaces });
    servers = {
      local,
      fred: await startFredReplayServer({ series: fredSeries() }),
      linear: await startLinearReplayServer({ data: linearWorkspace() }),
      shop: await startReplayServer((request) =>
        request.path === '/api/orders'
          ? {
              body: SHOP_ORDERS.filter(
                (order) => order.updated_at >= (request.query.get('updated_since') ?? ''),
              ),
            }
          : { status: 404, body: { error: 'not found' } },
      ),
    };
  });
  afterAll(async () => {
    await Promise.all([
      servers?.local.close(),
      servers?.fred.close(),
      servers?.linear.close(),
      servers?.shop.close(),
    ]);
  });

  const blocksOf = (dir: string) => markedBlocks(readFileSync(join(root, dir, 'README.md'), 'utf8'));

  it('cover every publishable package, each with its marked blocks', () => {
    expect(
      Object.keys(EXAMPLES)
        .filter((dir) => dir !== '.')
        .sort(),
    ).toEqual(publishablePackages().sort());
    for (const [dir, spec] of Object.entries(EXAMPLES)) {
      expect(
        blocksOf(dir).map((block) => block.language),
        `${dir}/README.md`,
      ).toEqual(spec.blocks);
    }
  });

  /**
   * Runs `fn` in a fresh folder inside the package (removed afterwards) with the child environment: the
   * caller's without settings that would point an example elsewhere, plus the Hotdata connection (unless
   * `hotdata` is false) and the spec's env.
   */
  async function inPackageFolder(
    dir: string,
    hotdata: boolean,
    fn: (folder: string, env: NodeJS.ProcessEnv) => Promise<void>,
  ): Promise<void> {
    const folder = await mkdtemp(join(root, dir, '.readme-example-'));
    const inherited = Object.entries(process.env).filter(
      ([name]) => !/^(HOTDATA_|FRED_|LINEAR_|SHOP_|VITEST|NODE_OPTIONS$)/.test(name),
    );
    const env: NodeJS.ProcessEnv = {
      ...Object.fromEntries(inherited),
      HOME: folder,
      HOTDATA_DLT_PIPELINES_DIR: join(folder, '.pipelines'),
      NO_COLOR: '1',
      ...(hotdata && {
        HOTDATA_API_URL: servers.local.url,
        HOTDATA_API_KEY: servers.local.token,
        HOTDATA_WORKSPACE: workspaces[Object.keys(EXAMPLES).indexOf(dir)]!,
      }),
      ...EXAMPLES[dir]!.env?.(servers),
    };
    try {
      await fn(folder, env);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  }

  async function runExample(dir: string, options: { hotdata: boolean } = { hotdata: true }): Promise<string> {
    const [block] = blocksOf(dir);
    let stdout = '';
    await inPackageFolder(dir, options.hotdata, async (folder, env) => {
      const file = join(folder, 'example.ts');
      await writeFile(file, block!.code);
      const result = await run(process.execPath, ['--conditions=@hotdata-dlt/source', file], {
        cwd: folder,
        env,
      });
      stdout = succeeded(`${dir}/README.md example`, result);
    });
    return stdout;
  }

  for (const [dir, spec] of Object.entries(EXAMPLES)) {
    if (dir === 'apps/runner') continue;
    it(`${dir}/README.md runs and prints what it says`, async () => {
      const stdout = await runExample(dir);
      for (const text of spec.prints) expect(stdout).toContain(text);
    });
  }

  it('packages/hotdata-api/README.md runs without HOTDATA_* too, on an embedded hotdata-local', async () => {
    expect(await runExample('packages/hotdata-api', { hotdata: false })).toContain(
      '[ [ 1, 9.5 ], [ 2, 4 ], [ 3, 1 ] ]',
    );
  });

  it('apps/runner/README.md: the config runs with the commands as written', async () => {
    const [config, commands] = blocksOf('apps/runner');
    await inPackageFolder('apps/runner', true, async (folder, env) => {
      await writeFile(join(folder, 'hotdata-dlt.config.ts'), config!.code);
      const bin = join(folder, 'bin');
      await mkdir(bin);
      await writeFile(
        join(bin, 'hotdata-dlt'),
        `#!/bin/sh\nexec '${process.execPath}' --conditions=@hotdata-dlt/source '${join(root, 'apps/runner/src/cli.ts')}' "$@"\n`,
        { mode: 0o755 },
      );
      const outputs: Record<string, string> = {};
      for (const line of commands!.code.split('\n').filter((text) => text.trim() !== '')) {
        const command = line.split(/\s+/)[1]!;
        // `schedule` runs until it is stopped; the runner's own tests cover it.
        if (command === 'schedule') continue;
        const result = await run('/bin/sh', ['-c', line], {
          cwd: folder,
          env: { ...env, PATH: `${bin}:${env.PATH}` },
        });
        outputs[command] = succeeded(`apps/runner/README.md: ${line}`, result);
      }
      expect(Object.keys(outputs)).toEqual(['run', 'list', 'freshness', 'query']);
      expect(outputs.run).toContain('shop: done in');
      expect(outputs.run).toContain('(2 tables, 5 rows loaded)'); // 2 orders, 3 items
      expect(outputs.run).toContain('macro macro_wide 6 merge');
      expect(outputs.list).toContain('Every 15 minutes (*/15 * * * *)');
      expect(outputs.freshness).toMatch(/shop fresh .* macro fresh/);
      expect(outputs.query).toContain(' 3 (1 row)');
    });
  });

  // Node only strips the types; a reader pastes the examples into a strict project, so check them too.
  it("type-check under the packages' own strict settings", async () => {
    const folders: string[] = [];
    const files: string[] = [];
    try {
      for (const dir of Object.keys(EXAMPLES)) {
        const blocks = blocksOf(dir).filter((block) => block.language === 'ts');
        const folder = await mkdtemp(join(root, dir, '.readme-typecheck-'));
        folders.push(folder);
        for (const [index, block] of blocks.entries()) {
          files.push(join(folder, `example-${index}.ts`));
          await writeFile(files.at(-1)!, block.code);
        }
      }
      // Beside a package, so `types: ['node']` resolves from the workspace's node_modules.
      const folder = await mkdtemp(join(root, 'packages/testing', '.readme-typecheck-'));
      folders.push(folder);
      const tsconfig = join(folder, 'tsconfig.json');
      await writeFile(
        tsconfig,
        JSON.stringify({
          extends: join(root, 'tsconfig.base.json'),
          compilerOptions: { noEmit: true },
          files,
        }),
      );
      const tsc = join(root, 'node_modules/typescript/bin/tsc');
      const result = await run(process.execPath, [tsc, '-p', tsconfig], { cwd: root, env: process.env });
      expect(result.code, result.stdout.replaceAll(`${root}/`, '')).toBe(0);
    } finally {
      for (const folder of folders) await rm(folder, { recursive: true, force: true });
    }
  });
});
