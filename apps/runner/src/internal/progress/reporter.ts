import { type PipelineEvent, type PipelineEventListener, redactSecrets } from '@hotdata-dlt/core';
import { createLogUpdate } from 'log-update';
import picocolors from 'picocolors';

import { formatSeconds } from '../duration.ts';
import { formatTable } from '../format.ts';
import { type Colors, plainLine, renderRunFrame } from './render.ts';
import { RunProgress, type SummaryRow } from './run-progress.ts';

/** `tty`: live frames; `plain`: one line per event; `json`: NDJSON events on stdout. */
export type ProgressMode = 'tty' | 'plain' | 'json';

/** The output streams of the CLI (process.stdout / process.stderr, or test doubles). */
export interface OutputStream {
  write(chunk: string): boolean;
  readonly isTTY?: boolean;
  readonly columns?: number;
  readonly rows?: number;
}

export interface ReporterOptions {
  mode: ProgressMode;
  stdout: OutputStream;
  stderr: OutputStream;
  colors: boolean;
  /** Secret values removed from every line (API keys, tokens). */
  secrets: () => ReadonlyArray<string | undefined>;
  /** Least time between two plain "rows so far" lines of one resource. Default 5000 ms. */
  plainProgressIntervalMs?: number;
  /** Time between two live frames. Default 100 ms. */
  frameIntervalMs?: number;
}

/** A pipeline that failed, for the summary. */
export interface RunFailure {
  pipeline: string;
  error: string;
}

/** Shows runs as they happen and the closing summary, in one of three modes. Never throws from a listener. */
export interface Reporter {
  readonly mode: ProgressMode;
  readonly colors: Colors;
  /** Starts showing one pipeline run; hand `onEvent` to the pipeline. */
  beginRun(pipelineName: string): { progress: RunProgress; onEvent: PipelineEventListener };
  /** Shows the end of a run (its final frame, a last line, or a `pipeline-result` record). */
  endRun(progress: RunProgress): void;
  /** A one-line message to the user, on stderr (above the live frame on a terminal). */
  notice(line: string): void;
  /** Sink of the logger: writes finished log lines to stderr without tearing the live frame. */
  log(line: string): void;
  /** The closing summary: a table of loaded tables (stdout), or a `summary` record. */
  summary(rows: readonly SummaryRow[], failures: readonly RunFailure[]): void;
  /** Stops timers and restores the cursor. */
  close(): void;
}

export const SUMMARY_COLUMNS = [
  { key: 'pipeline', header: 'pipeline' },
  { key: 'table', header: 'table' },
  { key: 'rows', header: 'rows', align: 'right' as const },
  { key: 'disposition', header: 'disposition' },
  { key: 'seconds', header: 'seconds', align: 'right' as const },
];

/** Chooses the progress mode: `json` when asked, `plain` off a terminal, in CI, on a dumb terminal or when asked. */
export function chooseProgressMode(options: {
  json?: boolean;
  plain?: boolean;
  stdout: OutputStream;
  env: NodeJS.ProcessEnv;
}): ProgressMode {
  if (options.json) return 'json';
  if (options.plain) return 'plain';
  if (!options.stdout.isTTY) return 'plain';
  if (options.env.CI && options.env.CI !== 'false' && options.env.CI !== '0') return 'plain';
  if (options.env.TERM === 'dumb') return 'plain';
  return 'tty';
}

export function createReporter(options: ReporterOptions): Reporter {
  const colors = picocolors.createColors(options.colors);
  const redact = (text: string) => redactSecrets(text, options.secrets());
  const errorLine = (text: string) => options.stderr.write(`${redact(text)}\n`);
  let summaryWritten = false;

  const summaryText = (rows: readonly SummaryRow[], failures: readonly RunFailure[]) => {
    let text = '';
    if (rows.length > 0) {
      text += formatTable(
        SUMMARY_COLUMNS,
        rows.map((row) => ({ ...row, seconds: formatSeconds(row.seconds) })),
        { header: (line) => colors.bold(line) },
      );
    } else if (failures.length === 0) {
      text += 'No tables were loaded (no new data).\n';
    }
    return text;
  };

  if (options.mode === 'json') {
    const line = (record: unknown) => options.stdout.write(`${redact(JSON.stringify(record))}\n`);
    return {
      mode: 'json',
      colors,
      beginRun(pipelineName) {
        const progress = new RunProgress(pipelineName);
        return {
          progress,
          onEvent: (event) => {
            progress.apply(event);
            line(event);
          },
        };
      },
      endRun(progress) {
        line({
          type: 'pipeline-result',
          pipelineName: progress.pipelineName,
          timestamp: Date.now(),
          status: progress.phase === 'failed' ? 'failed' : 'loaded',
          seconds: progress.elapsedSeconds(),
          tables: progress.summary(),
          ...(progress.error ? { error: progress.error } : {}),
        });
      },
      notice: errorLine,
      log: (text) => options.stderr.write(redact(text)),
      summary(rows, failures) {
        line({ type: 'summary', timestamp: Date.now(), tables: rows, failed: failures });
      },
      close() {},
    };
  }

  if (options.mode === 'plain') {
    const interval = options.plainProgressIntervalMs ?? 5000;
    const lastProgressLine = new Map<string, number>();
    const write = (text: string) => options.stdout.write(`${redact(text)}\n`);
    return {
      mode: 'plain',
      colors,
      beginRun(pipelineName) {
        const progress = new RunProgress(pipelineName);
        return {
          progress,
          onEvent: (event: PipelineEvent) => {
            progress.apply(event);
            if (event.type === 'resource-extract-progress') {
              const key = `${event.loadId}/${event.resource}`;
              const last = lastProgressLine.get(key);
              if (last === undefined) {
                lastProgressLine.set(key, event.timestamp);
                return;
              }
              if (event.timestamp - last < interval) return;
              lastProgressLine.set(key, event.timestamp);
            }
            const text = plainLine(event);
            if (text !== undefined) write(text);
          },
        };
      },
      endRun(progress) {
        if (progress.phase === 'failed') {
          write(
            `${progress.pipelineName}: FAILED after ${formatSeconds(progress.elapsedSeconds())}s: ${progress.error ?? ''}`,
          );
        } else {
          const rows = progress.summary().reduce((sum, row) => sum + row.rows, 0);
          write(
            `${progress.pipelineName}: done in ${formatSeconds(progress.elapsedSeconds())}s (${progress.summary().length} tables, ${rows} rows loaded)`,
          );
        }
      },
      notice: errorLine,
      log: (text) => options.stderr.write(redact(text)),
      summary(rows, failures) {
        if (summaryWritten) return;
        summaryWritten = true;
        options.stdout.write(redact(summaryText(rows, failures)));
      },
      close() {},
    };
  }

  // A pseudo-terminal may report a size of 0 x 0 (e.g. `script` without a controlling terminal).
  const terminal = {
    isTTY: true,
    write: (chunk: string) => options.stdout.write(chunk),
    get columns() {
      return options.stdout.columns || 100;
    },
    get rows() {
      return options.stdout.rows || 40;
    },
  };
  const logUpdate = createLogUpdate(terminal as unknown as NodeJS.WriteStream, { showCursor: false });
  let current: RunProgress | undefined;
  let tick = 0;
  let timer: NodeJS.Timeout | undefined;
  const render = () => {
    if (current) logUpdate(redact(renderRunFrame(current, colors, Date.now(), tick)));
  };
  const stopTimer = () => {
    if (timer) clearInterval(timer);
    timer = undefined;
  };
  const above = (write: () => void) => {
    if (current) logUpdate.clear();
    write();
    render();
  };
  return {
    mode: 'tty',
    colors,
    beginRun(pipelineName) {
      const progress = new RunProgress(pipelineName);
      current = progress;
      render();
      stopTimer();
      timer = setInterval(() => {
        tick += 1;
        render();
      }, options.frameIntervalMs ?? 100);
      timer.unref();
      return {
        progress,
        onEvent: (event) => {
          progress.apply(event);
        },
      };
    },
    endRun(progress) {
      if (current !== progress) return;
      stopTimer();
      render();
      logUpdate.done();
      current = undefined;
    },
    notice: (text) => above(() => errorLine(text)),
    log: (text) => above(() => options.stderr.write(redact(text))),
    summary(rows, failures) {
      if (summaryWritten) return;
      summaryWritten = true;
      options.stdout.write(`\n${redact(summaryText(rows, failures))}`);
    },
    close() {
      stopTimer();
      if (current) {
        render();
        logUpdate.done();
        current = undefined;
      }
    },
  };
}
