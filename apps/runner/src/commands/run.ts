import { EXIT_CODES } from '../errors.ts';
import type { CliContext } from '../internal/context.ts';
import type { SummaryRow } from '../internal/progress/run-progress.ts';
import { type PipelineRunOutcome, runPipeline } from '../internal/run-pipeline.ts';

/** Exit code after runs: interrupted (130 / 143), a failure (1), or 0. */
export function exitCodeAfterRuns(context: CliContext, outcomes: readonly PipelineRunOutcome[]): number {
  const received = context.interrupts.received;
  if (received === 'SIGINT') return EXIT_CODES.interrupted;
  if (received === 'SIGTERM') return EXIT_CODES.terminated;
  return outcomes.every((outcome) => outcome.ok) ? EXIT_CODES.ok : EXIT_CODES.failed;
}

/** `hotdata-dlt run [names...]`: runs the named pipelines (all when none is named), one after another. */
export async function runCommand(context: CliContext, names: string[]): Promise<number> {
  const resolved = await context.config();
  const selected = context.select(resolved, names);
  if (selected.length === 0) {
    context.reporter.notice(`${resolved.path} defines no pipelines; nothing to run.`);
    return EXIT_CODES.ok;
  }
  const outcomes: PipelineRunOutcome[] = [];
  for (const item of selected) {
    if (context.interrupts.signal.aborted) break;
    outcomes.push(
      await runPipeline(resolved, item, {
        reporter: context.reporter,
        logger: context.logger,
        signal: context.interrupts.signal,
        secrets: () => context.secrets(),
      }),
    );
  }
  const rows: SummaryRow[] = outcomes.flatMap((outcome) => outcome.progress.summary());
  const failures = outcomes
    .filter((outcome) => !outcome.ok)
    .map((outcome) => ({ pipeline: outcome.name, error: outcome.progress.error ?? 'failed' }));
  context.reporter.summary(rows, failures);
  for (const failure of failures) {
    if (context.reporter.mode !== 'json')
      context.reporter.notice(`✖ ${failure.pipeline} failed: ${failure.error}`);
  }
  return exitCodeAfterRuns(context, outcomes);
}
