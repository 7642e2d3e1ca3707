import { existsSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { Schema } from '@hotdata-dlt/core';
import type { Pipeline } from '@hotdata-dlt/pipeline';
import { defineConfig, type PipelineDefinition } from '../config.ts';
import { basicDemo } from '../demos/basic.ts';
import { incrementalDemo } from '../demos/incremental.ts';
import { fredDemo } from '../demos/sources.ts';
import { UsageError } from '../errors.ts';
import type { CliContext } from '../internal/context.ts';
import { formatTable, jsonValue } from '../internal/format.ts';
import { createPipeline } from '../internal/pipelines.ts';
import { lockPath, type PipelineRunOutcome, runPipeline } from '../internal/run-pipeline.ts';
import { type ResolvedConfig, validateConfig } from '../internal/validate-config.ts';
import { exitCodeAfterRuns } from './run.ts';

export interface DemoOptions {
  /** A folder of fredgraph CSV files: load the FRED demo from it, without network. */
  fredDir?: string;
  /** Never probe the network (the FRED demo is skipped unless `fredDir` is given). */
  offline?: boolean;
  /** Folder that receives `.hotdata-local/` and `.pipelines/`. Default: the working directory. */
  dir?: string;
}

/** How long the FRED reachability probe may take. */
export const FRED_PROBE_TIMEOUT_MS = 2500;

type FredPlan = { run: true; fromDirectory?: string } | { run: false; reason: string };

/**
 * Whether FRED answers: one HEAD request to the CSV download host (or the API host with `FRED_API_KEY`),
 * bounded by {@link FRED_PROBE_TIMEOUT_MS}. Returns why not, or `undefined` when it answered.
 */
export async function probeFred(env: NodeJS.ProcessEnv, signal: AbortSignal): Promise<string | undefined> {
  const base = env.FRED_API_KEY
    ? (env.FRED_BASE_URL ?? 'https://api.stlouisfed.org')
    : (env.FRED_CSV_BASE_URL ?? 'https://fred.stlouisfed.org');
  const host = new URL(base).host;
  try {
    const response = await fetch(new URL('/', base), {
      method: 'HEAD',
      redirect: 'manual',
      signal: AbortSignal.any([AbortSignal.timeout(FRED_PROBE_TIMEOUT_MS), signal]),
    });
    await response.body?.cancel();
    return response.status >= 500 ? `${host} answered HTTP ${response.status}` : undefined;
  } catch (error) {
    const name = (error as Error)?.name;
    return name === 'TimeoutError' || name === 'AbortError'
      ? `${host} did not answer within ${FRED_PROBE_TIMEOUT_MS / 1000}s`
      : `${host} is not reachable`;
  }
}

async function planFred(context: CliContext, options: DemoOptions): Promise<FredPlan> {
  if (options.fredDir) {
    const dir = resolve(context.io.cwd, options.fredDir);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) {
      throw new UsageError(`--fred-dir ${dir} is not a folder of fredgraph CSV files.`);
    }
    return { run: true, fromDirectory: dir };
  }
  const hint = 'pass --fred-dir <folder of fredgraph CSVs> to load it offline';
  const ci = context.io.env.CI;
  if (ci && ci !== 'false' && ci !== '0')
    return { run: false, reason: `CI is set, so the network is not probed; ${hint}` };
  if (options.offline || context.io.env.HOTDATA_DLT_OFFLINE) {
    return { run: false, reason: `offline mode; ${hint}` };
  }
  const problem = await probeFred(context.io.env, context.interrupts.signal);
  return problem ? { run: false, reason: `${problem}; ${hint}` } : { run: true };
}

/** Drops the demo databases and working folders so every demo starts from the same empty state. */
async function resetDemo(context: CliContext, resolved: ResolvedConfig): Promise<void> {
  for (const item of resolved.pipelines) {
    const p = await createPipeline(resolved, item, { logger: context.logger });
    const client = await p.destination!.client({
      schema: Schema.create('demo'),
      datasetName: p.datasetName,
      logger: context.logger,
    });
    try {
      if (await client.isStorageInitialized()) await client.dropStorage();
    } finally {
      await client.close();
    }
    await rm(p.workingDir, { recursive: true, force: true });
    await rm(lockPath(resolved, item.name), { force: true });
  }
}

const quoteIdentifier = (name: string) => `"${name.replaceAll('"', '""')}"`;

async function sql(p: Pipeline, query: string): Promise<Record<string, unknown>[]> {
  return p.dataset().sql(query).toRows();
}

const SAMPLES: Record<string, { title: string; sql: string }> = {
  basic: {
    title: 'revenue per customer (orders joined with their nested items)',
    sql: [
      'SELECT c.name AS customer, count(DISTINCT o.id) AS orders,',
      '       round(sum(i.quantity * i.unit_price), 2) AS revenue',
      'FROM orders o',
      'JOIN customers c ON c.id = o.customer_id',
      'JOIN orders__items i ON i._dlt_parent_id = o._dlt_id',
      'GROUP BY c.name ORDER BY revenue DESC',
    ].join('\n'),
  },
  incremental: {
    title: 'tickets after the second run (updated in place, merged on id)',
    sql: [
      "SELECT t.id, t.subject, t.status, t.priority, t.assignee, strftime(t.updated_at, '%Y-%m-%d %H:%M') AS updated_at,",
      "       string_agg(g.value, ', ' ORDER BY g._dlt_list_idx) AS tags",
      'FROM tickets t LEFT JOIN tickets__tags g ON g._dlt_parent_id = t._dlt_id',
      'GROUP BY ALL ORDER BY t.id',
    ].join('\n'),
  },
  fred: {
    title: 'the latest months of macro_wide',
    sql: [
      'SELECT date, cpi, unemployment_rate, fed_funds_rate, mortgage_30yr, yield_curve_spread',
      'FROM macro_wide ORDER BY date DESC LIMIT 3',
    ].join('\n'),
  },
};

/** How the user started this CLI: `hotdata-dlt`, or the `node ... src/cli.ts` line when run from source. */
function invocation(cwd: string): string {
  const script = process.argv[1] ?? '';
  if (!script.endsWith('.ts')) return 'hotdata-dlt';
  // Started by this repository's `pnpm start` / `pnpm demo`: its `hotdata-dlt` script runs the same CLI.
  if (process.env.npm_lifecycle_event === 'demo') return 'pnpm hotdata-dlt';
  return `node --conditions=@hotdata-dlt/source ${relative(cwd, script)}`;
}

/**
 * `hotdata-dlt demo`: loads the `basic` and `incremental` demos (the latter twice, to show updates) into
 * an embedded hotdata-local in `.hotdata-local/`, and the `fred` demo when FRED answers (or from
 * `--fred-dir`); then prints the loaded tables with row counts and a sample query per demo. Each demo
 * starts from empty demo databases.
 */
export async function demoCommand(context: CliContext, options: DemoOptions): Promise<number> {
  const dir = resolve(context.io.cwd, options.dir ?? '.');
  await context.backend({ forceEmbedded: true, dataDir: join(dir, '.hotdata-local') });
  const fred = await planFred(context, options);
  const definitions: PipelineDefinition[] = [basicDemo(), incrementalDemo()];
  if (fred.run) definitions.push(fredDemo(fred.fromDirectory ? { fromDirectory: fred.fromDirectory } : {}));
  const resolved = validateConfig(defineConfig({ pipelines: definitions }), undefined, dir);
  await resetDemo(context, resolved);

  const { reporter } = context;
  const run = (name: string, label?: string) =>
    runPipeline(resolved, resolved.pipelines.find((item) => item.name === name)!, {
      reporter,
      logger: context.logger,
      signal: context.interrupts.signal,
      secrets: () => context.secrets(),
      ...(label ? { label } : {}),
    });
  const outcomes: PipelineRunOutcome[] = [];
  const steps: Array<[string, string | undefined]> = [
    ['basic', undefined],
    ['incremental', 'incremental (run 1)'],
    ['incremental', 'incremental (run 2)'],
    ...(fred.run ? [['fred', undefined] as [string, undefined]] : []),
  ];
  for (const [name, label] of steps) {
    if (context.interrupts.signal.aborted) break;
    outcomes.push(await run(name, label));
  }
  if (!fred.run) reporter.notice(`Skipped the fred demo: ${fred.reason}.`);
  reporter.summary(
    outcomes.flatMap((outcome) => outcome.progress.summary()),
    outcomes
      .filter((outcome) => !outcome.ok)
      .map((outcome) => ({
        pipeline: outcome.progress.pipelineName,
        error: outcome.progress.error ?? 'failed',
      })),
  );

  const loaded = [...new Set(outcomes.filter((outcome) => outcome.ok).map((outcome) => outcome.name))];
  const tableRows: Array<{ database: string; table: string; rows: number }> = [];
  const samples: Array<{
    pipeline: string;
    database: string;
    title: string;
    sql: string;
    rows: Record<string, unknown>[];
  }> = [];
  for (const name of loaded) {
    const item = resolved.pipelines.find((candidate) => candidate.name === name)!;
    const p = await createPipeline(resolved, item, { logger: context.logger });
    await p.open();
    const database = p.destination?.describe?.().database ?? p.datasetName;
    for (const table of p.defaultSchema?.dataTableNames({ seenDataOnly: true }) ?? []) {
      const [count] = await sql(p, `SELECT count(*) AS n FROM ${quoteIdentifier(table)}`);
      tableRows.push({ database, table, rows: Number(count?.n ?? 0) });
    }
    const sample = SAMPLES[name];
    if (sample) samples.push({ pipeline: name, database, ...sample, rows: await sql(p, sample.sql) });
  }

  if (context.options.json) {
    context.out(`${JSON.stringify(jsonValue({ type: 'demo-tables', tables: tableRows, samples }))}\n`);
  } else {
    const { colors } = reporter;
    const bold = (line: string) => colors.bold(line);
    const where = relative(context.io.cwd, join(dir, '.hotdata-local')) || '.hotdata-local';
    context.out(`\n${colors.bold(`Tables in the embedded hotdata-local (${where}/):`)}\n`);
    context.out(
      formatTable(
        [
          { key: 'database', header: 'database' },
          { key: 'table', header: 'table' },
          { key: 'rows', header: 'rows', align: 'right' },
        ],
        tableRows,
        { header: bold },
      ),
    );
    for (const sample of samples) {
      const indented = sample.sql.replaceAll('\n', '\n  ');
      context.out(
        `\n${colors.bold(`${sample.database}: ${sample.title}`)}\n${colors.dim(`  ${indented}`)}\n`,
      );
      const columns = Object.keys(sample.rows[0] ?? {});
      context.out(
        formatTable(
          columns.map((key) => ({ key, header: key })),
          sample.rows,
          { header: bold },
        ),
      );
    }
    context.out(
      `\nQuery them yourself: ${invocation(context.io.cwd)} query --database example_shop "select * from orders__items"\n`,
    );
  }
  return exitCodeAfterRuns(context, outcomes);
}
