import type { PipelineEvent, PipelineStep } from '@hotdata-dlt/core';

export type RunPhase = 'starting' | 'syncing' | 'extracting' | 'normalizing' | 'loading' | 'done' | 'failed';

export interface ResourceProgress {
  name: string;
  items: number;
  done: boolean;
}

export interface NormalizedTable {
  table: string;
  rows: number;
  files: number;
}

export interface LoadJobProgress {
  /** Root table of the chain. */
  table: string;
  /** Every table of the chain. */
  tables: string[];
  status: 'running' | 'completed' | 'failed' | 'retry';
  /** Rows loaded so far, by table of the chain. */
  rows: Record<string, number>;
  seconds: number;
  attempts: number;
  error?: string;
}

/** One line of the closing summary: a loaded table. */
export interface SummaryRow {
  pipeline: string;
  table: string;
  rows: number;
  disposition: string;
  seconds: number;
}

/**
 * What one pipeline run has done so far, folded from its events: rows extracted per resource, files and
 * rows normalized per table, table chains loaded. Renderers read it; it never prints.
 */
export class RunProgress {
  readonly pipelineName: string;
  readonly startedAt: number;
  phase: RunPhase = 'starting';
  endedAt: number | undefined;
  failedStep: PipelineStep | undefined;
  error: string | undefined;
  pendingLoadIds: string[] = [];
  restoredState = false;
  readonly resources = new Map<string, ResourceProgress>();
  readonly normalized = new Map<string, NormalizedTable>();
  readonly jobs = new Map<string, LoadJobProgress>();
  readonly #loaded = new Map<string, SummaryRow>();

  constructor(pipelineName: string, startedAt = Date.now()) {
    this.pipelineName = pipelineName;
    this.startedAt = startedAt;
  }

  /** Folds one event in. Events of other pipelines are ignored. */
  apply(event: PipelineEvent): void {
    if (event.pipelineName !== this.pipelineName) return;
    switch (event.type) {
      case 'run-start':
        this.phase = 'syncing';
        break;
      case 'sync-end':
        this.restoredState ||= event.restoredState;
        break;
      case 'pending-packages-found':
        this.pendingLoadIds = [...new Set([...this.pendingLoadIds, ...event.loadIds])];
        break;
      case 'extract-start':
        this.phase = 'extracting';
        for (const name of event.resources) {
          if (!this.resources.has(name)) this.resources.set(name, { name, items: 0, done: false });
        }
        break;
      case 'resource-extract-progress':
      case 'resource-extract-end': {
        const resource = this.resources.get(event.resource) ?? {
          name: event.resource,
          items: 0,
          done: false,
        };
        resource.items = Math.max(resource.items, event.items);
        if (event.type === 'resource-extract-end') resource.done = true;
        this.resources.set(event.resource, resource);
        break;
      }
      case 'normalize-start':
        this.phase = 'normalizing';
        break;
      case 'normalize-file-end': {
        const table = this.normalized.get(event.table) ?? { table: event.table, rows: 0, files: 0 };
        table.rows += event.rows;
        table.files += 1;
        this.normalized.set(event.table, table);
        break;
      }
      case 'load-start':
        this.phase = 'loading';
        break;
      case 'load-job-start': {
        const previous = this.jobs.get(event.table);
        this.jobs.set(event.table, {
          table: event.table,
          tables: event.tables,
          status: 'running',
          rows: previous?.rows ?? {},
          seconds: previous?.seconds ?? 0,
          attempts: (previous?.attempts ?? 0) + 1,
        });
        break;
      }
      case 'load-job-end': {
        const job = this.jobs.get(event.table) ?? {
          table: event.table,
          tables: [event.table],
          status: 'running' as const,
          rows: {},
          seconds: 0,
          attempts: 1,
        };
        job.status = event.status;
        if (event.error !== undefined) job.error = event.error;
        else delete job.error;
        if (event.status === 'completed') {
          for (const table of event.tables) job.rows[table.table] = (job.rows[table.table] ?? 0) + table.rows;
          job.seconds += event.seconds;
          for (const table of event.tables) {
            const row = this.#loaded.get(table.table) ?? {
              pipeline: this.pipelineName,
              table: table.table,
              rows: 0,
              disposition: table.writeDisposition ?? '',
              seconds: 0,
            };
            row.rows += table.rows;
            row.seconds += table.seconds ?? event.seconds;
            if (table.writeDisposition) row.disposition = table.writeDisposition;
            this.#loaded.set(table.table, row);
          }
        }
        this.jobs.set(event.table, job);
        break;
      }
      case 'step-failed':
        this.fail(event.error, event.step, event.timestamp);
        break;
      case 'run-end':
        if (this.phase !== 'failed') this.phase = 'done';
        this.endedAt = event.timestamp;
        break;
      default:
        break;
    }
  }

  /** Marks the run failed (an error outside the engine's events, e.g. the source factory threw). */
  fail(message: string, step?: PipelineStep, at = Date.now()): void {
    this.phase = 'failed';
    this.error ??= message;
    this.failedStep ??= step;
    this.endedAt ??= at;
  }

  /** Marks the run finished successfully. */
  finish(at = Date.now()): void {
    if (this.phase !== 'failed') this.phase = 'done';
    this.endedAt ??= at;
  }

  get finished(): boolean {
    return this.phase === 'done' || this.phase === 'failed';
  }

  /** Seconds since the start (until the end once finished). */
  elapsedSeconds(now = Date.now()): number {
    return ((this.endedAt ?? now) - this.startedAt) / 1000;
  }

  /** Tables loaded by this run (system tables excluded), in load order. */
  summary(): SummaryRow[] {
    return [...this.#loaded.values()].filter((row) => !row.table.startsWith('_dlt_'));
  }
}
