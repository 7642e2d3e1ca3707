import type { PipelineEvent } from '@hotdata-dlt/core';
import type picocolors from 'picocolors';
import { formatSeconds } from '../duration.ts';
import { visibleLength } from '../format.ts';
import type { RunProgress } from './run-progress.ts';

/** picocolors' colour functions (enabled or not). */
export type Colors = ReturnType<typeof picocolors.createColors>;

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

const plural = (count: number, word: string) =>
  `${count.toLocaleString('en-US')} ${word}${count === 1 ? '' : 's'}`;

function padEnd(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - visibleLength(text)));
}

function padStart(text: string, width: number): string {
  return ' '.repeat(Math.max(0, width - visibleLength(text))) + text;
}

const isSystemTable = (table: string) => table.startsWith('_dlt_');

/**
 * The live block of one run on a terminal: a status line, then rows extracted per resource, rows and
 * files normalized per table, and the state of each table chain's load job. `tick` animates the spinner.
 */
export function renderRunFrame(run: RunProgress, colors: Colors, now: number, tick: number): string {
  const spinner = colors.cyan(SPINNER[tick % SPINNER.length]!);
  const icon = run.phase === 'done' ? colors.green('✔') : run.phase === 'failed' ? colors.red('✖') : spinner;
  const phase =
    run.phase === 'failed'
      ? colors.red(`failed${run.failedStep ? ` in ${run.failedStep}` : ''}`)
      : run.phase === 'done'
        ? colors.green('loaded')
        : run.phase;
  const lines = [
    `${icon} ${colors.bold(run.pipelineName)} ${colors.dim('·')} ${phase} ${colors.dim('·')} ${colors.dim(`${run.elapsedSeconds(now).toFixed(1)}s`)}`,
  ];
  if (run.pendingLoadIds.length > 0) {
    lines.push(
      colors.yellow(`  finishing ${plural(run.pendingLoadIds.length, 'pending package')} of an earlier run`),
    );
  }
  const names = [
    ...run.resources.keys(),
    ...run.normalized.keys(),
    ...[...run.jobs.keys()].filter((table) => !isSystemTable(table)),
  ];
  const nameWidth = Math.max(0, ...names.map((name) => visibleLength(name)));
  const section = (label: string, rows: string[]) => {
    rows.forEach((row, index) => {
      lines.push(`  ${padEnd(index === 0 ? label : '', 10)} ${row}`);
    });
  };
  section(
    'extract',
    [...run.resources.values()].map((resource) => {
      const mark = resource.done ? colors.green('✔') : run.phase === 'failed' ? colors.red('✖') : spinner;
      return `${padEnd(resource.name, nameWidth)}  ${padStart(plural(resource.items, 'row'), 14)}  ${mark}`;
    }),
  );
  section(
    'normalize',
    [...run.normalized.values()]
      .filter((table) => !isSystemTable(table.table))
      .map(
        (table) =>
          `${padEnd(table.table, nameWidth)}  ${padStart(plural(table.rows, 'row'), 14)}  ${colors.dim(plural(table.files, 'file'))}`,
      ),
  );
  section(
    'load',
    [...run.jobs.values()]
      .filter((job) => !isSystemTable(job.table))
      .flatMap((job) => {
        const nested = job.tables.filter((table) => table !== job.table);
        const name = padEnd(job.table, nameWidth);
        switch (job.status) {
          case 'completed':
            return [
              `${name}  ${padStart(plural(job.rows[job.table] ?? 0, 'row'), 14)}  ${colors.green('✔')} ${colors.dim(`${formatSeconds(job.seconds)}s`)}`,
              ...nested.map(
                (table) =>
                  `${padEnd(table, nameWidth)}  ${padStart(plural(job.rows[table] ?? 0, 'row'), 14)}  ${colors.green('✔')}`,
              ),
            ];
          case 'failed':
            return [`${name}  ${colors.red(`✖ ${job.error ?? 'failed'}`)}`];
          case 'retry':
            return [`${name}  ${colors.yellow(`↻ retrying (attempt ${job.attempts}): ${job.error ?? ''}`)}`];
          default:
            return [job.table, ...nested].map(
              (table) => `${padEnd(table, nameWidth)}  ${padStart('', 14)}  ${spinner}`,
            );
        }
      }),
  );
  if (run.phase === 'failed' && run.error) lines.push(colors.red(`  ${run.error}`));
  return lines.join('\n');
}

/**
 * Plain progress: one line per meaningful event, for logs and CI. Returns `undefined` for events that get
 * no line (extract progress is throttled by the caller).
 */
export function plainLine(event: PipelineEvent): string | undefined {
  const prefix = `${event.pipelineName}:`;
  switch (event.type) {
    case 'run-start':
      return `${prefix} run started (dataset ${event.datasetName} on ${event.destinationName})`;
    case 'sync-end':
      return event.restoredState || event.restoredSchemas.length > 0
        ? `${prefix} restored state${event.restoredSchemas.length > 0 ? ` and schema(s) ${event.restoredSchemas.join(', ')}` : ''} from the destination`
        : undefined;
    case 'pending-packages-found':
      return `${prefix} finishing ${plural(event.loadIds.length, 'pending package')} of an earlier run first (${event.loadIds.join(', ')})`;
    case 'extract-start':
      return `${prefix} extract started (${event.resources.join(', ')})`;
    case 'resource-extract-progress':
      return `${prefix} extract ${event.resource}: ${plural(event.items, 'row')} so far`;
    case 'resource-extract-end':
      return `${prefix} extract ${event.resource}: ${plural(event.items, 'row')}`;
    case 'extract-end':
      return `${prefix} extracted ${plural(event.items, 'item')} in ${formatSeconds(event.seconds)}s`;
    case 'normalize-file-end':
      return isSystemTable(event.table)
        ? undefined
        : `${prefix} normalize ${event.table}: ${plural(event.rows, 'row')} (${event.file.split('/').at(-1)})`;
    case 'normalize-end':
      return `${prefix} normalized ${plural(event.tables.filter((table) => !isSystemTable(table.table)).length, 'table')} in ${formatSeconds(event.seconds)}s`;
    case 'load-job-start':
      return isSystemTable(event.table) ? undefined : `${prefix} load ${event.tables.join(', ')} started`;
    case 'load-job-end': {
      if (isSystemTable(event.table)) return undefined;
      if (event.status === 'completed') {
        const rows = event.tables.map((table) => `${table.table} ${plural(table.rows, 'row')}`).join(', ');
        return `${prefix} load ${event.table} completed in ${formatSeconds(event.seconds)}s (${rows})`;
      }
      return `${prefix} load ${event.table} ${event.status === 'retry' ? 'will retry' : 'failed'}: ${event.error ?? ''}`;
    }
    case 'load-end':
      return `${prefix} load ${event.loadId} ${event.status} in ${formatSeconds(event.seconds)}s`;
    case 'step-failed':
      return `${prefix} ${event.step} failed: ${event.error}`;
    case 'run-end':
      return `${prefix} run finished in ${formatSeconds(event.seconds)}s`;
    default:
      return undefined;
  }
}
