import { Cron } from 'croner';
import { EXIT_CODES, UsageError } from '../errors.ts';
import type { CliContext } from '../internal/context.ts';
import { formatSeconds } from '../internal/duration.ts';
import { type PipelineRunOutcome, runPipeline } from '../internal/run-pipeline.ts';
import { scheduleInWords } from './inspect.ts';

export interface ScheduleOptions {
  /** Seconds the running loads get to finish after the first SIGINT / SIGTERM before they are aborted. */
  grace?: string;
  /** Run every scheduled pipeline once at start, then on schedule. */
  now?: boolean;
}

/**
 * `hotdata-dlt schedule [names...]`: runs each pipeline with a `schedule` on its cron, never two runs of
 * one pipeline at once (a trigger that finds it busy is skipped and said so). The first SIGINT / SIGTERM
 * stops the triggers and lets running loads finish (up to `--grace` seconds, then they are aborted at the
 * next safe point: their packages stay pending, nothing is half-written). Exit: 0 after SIGTERM, 130
 * after SIGINT.
 */
export async function scheduleCommand(
  context: CliContext,
  names: string[],
  options: ScheduleOptions,
): Promise<number> {
  const graceSeconds = options.grace === undefined ? 60 : Number(options.grace);
  if (!Number.isFinite(graceSeconds) || graceSeconds < 0) {
    throw new UsageError(`--grace must be a number of seconds; got '${options.grace}'.`);
  }
  const resolved = await context.config();
  const selected = context.select(resolved, names);
  const scheduled = selected.filter((item) => item.definition.schedule);
  const unscheduled = names.length > 0 ? selected.filter((item) => !item.definition.schedule) : [];
  if (unscheduled.length > 0) {
    throw new UsageError(
      `Pipeline(s) ${unscheduled.map((item) => `'${item.name}'`).join(', ')} have no schedule; add schedule: '<cron>' to their definition.`,
    );
  }
  if (scheduled.length === 0) {
    throw new UsageError(
      `No pipeline in ${resolved.path} has a schedule; add schedule: '0 * * * *' (cron) to a pipeline definition.`,
    );
  }
  const { reporter } = context;
  const running = new Set<Promise<PipelineRunOutcome>>();
  let stopping = false;
  let resolveStop: () => void = () => {};
  const stopRequested = new Promise<void>((resolvePromise) => {
    resolveStop = resolvePromise;
  });
  context.interrupts.setGracefulHandler((signal) => {
    stopping = true;
    reporter.notice(
      `${signal} received: no new runs start; waiting up to ${graceSeconds}s for ${running.size} running load(s). Send it again to abort them now.`,
    );
    resolveStop();
  });
  context.interrupts.signal.addEventListener('abort', () => resolveStop(), { once: true });

  const counts = new Map<string, { ok: number; failed: number }>();
  const jobs = scheduled.map((item) => {
    const job: Cron = new Cron(
      item.definition.schedule!,
      {
        name: `hotdata-dlt:${item.name}:${process.pid}`,
        mode: '5-or-6-parts',
        ...(item.definition.timezone ? { timezone: item.definition.timezone } : {}),
        protect: () =>
          reporter.notice(`${item.name}: still running; skipped the trigger at ${new Date().toISOString()}.`),
        paused: true,
      },
      async () => {
        if (stopping) return;
        const run = runPipeline(resolved, item, {
          reporter,
          logger: context.logger,
          signal: context.interrupts.signal,
          secrets: () => context.secrets(),
        });
        running.add(run);
        try {
          const outcome = await run;
          const count = counts.get(item.name) ?? { ok: 0, failed: 0 };
          if (outcome.ok) count.ok += 1;
          else count.failed += 1;
          counts.set(item.name, count);
          if (reporter.mode !== 'json') {
            const next = job.nextRun();
            reporter.notice(
              `${item.name}: run ${count.ok + count.failed} ${outcome.ok ? 'succeeded' : 'FAILED'} in ${formatSeconds(outcome.progress.elapsedSeconds())}s${
                next && !stopping ? `; next run at ${next.toISOString()}` : ''
              }`,
            );
          }
        } finally {
          running.delete(run);
        }
      },
    );
    return job;
  });
  for (const [index, item] of scheduled.entries()) {
    const next = jobs[index]!.nextRun();
    reporter.notice(
      `${item.name}: ${scheduleInWords(item.definition.schedule)} (${item.definition.schedule})${next ? `, first run at ${next.toISOString()}` : ''}`,
    );
  }
  reporter.notice(
    `Scheduling ${scheduled.length} pipeline(s). Ctrl-C or SIGTERM stops after the running loads finish.`,
  );
  for (const job of jobs) job.resume();
  if (options.now) for (const job of jobs) void job.trigger();

  await stopRequested;
  for (const job of jobs) job.stop();
  if (running.size > 0) {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolveTimeout) => {
      timer = setTimeout(() => resolveTimeout('timeout'), graceSeconds * 1000);
    });
    const settled = await Promise.race([
      Promise.allSettled([...running]).then(() => 'done' as const),
      timeout,
    ]);
    clearTimeout(timer);
    if (settled === 'timeout') {
      reporter.notice(
        `The running loads did not finish within ${graceSeconds}s; aborting them (their packages stay pending).`,
      );
      context.interrupts.abort();
      await Promise.allSettled([...running]);
    }
  }
  const total = [...counts.values()].reduce(
    (sum, count) => ({ ok: sum.ok + count.ok, failed: sum.failed + count.failed }),
    { ok: 0, failed: 0 },
  );
  reporter.notice(`Stopped: ${total.ok} run(s) succeeded, ${total.failed} failed.`);
  return context.interrupts.received === 'SIGINT' ? EXIT_CODES.interrupted : EXIT_CODES.ok;
}
