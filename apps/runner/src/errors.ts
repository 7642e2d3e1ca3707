import { HotdataDltError } from '@hotdata-dlt/core';

/** Exit codes of the `hotdata-dlt` command. */
export const EXIT_CODES = Object.freeze({
  /** Everything succeeded (also: `schedule` / `local` stopped by SIGTERM). */
  ok: 0,
  /** A pipeline failed (extract, normalize or load), a query failed, or `freshness` found a stale pipeline. */
  failed: 1,
  /** Bad arguments, an unknown command or pipeline, or an invalid config file or environment. */
  usage: 2,
  /** Interrupted by SIGINT (Ctrl-C). */
  interrupted: 130,
  /** `run` stopped by SIGTERM. */
  terminated: 143,
});

/** A command line the CLI cannot act on: an unknown pipeline, a missing argument, conflicting options. */
export class UsageError extends HotdataDltError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { code: 'USAGE_ERROR', cause: options.cause, isRetryable: false });
    this.name = 'UsageError';
  }
}

/** The exit code an error maps to: 2 for usage and configuration errors, 1 for everything else. */
export function exitCodeOf(error: unknown): number {
  if (HotdataDltError.isInstance(error) && ['USAGE_ERROR', 'CONFIGURATION_ERROR'].includes(error.code)) {
    return EXIT_CODES.usage;
  }
  return EXIT_CODES.failed;
}
