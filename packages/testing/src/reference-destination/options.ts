import { ConfigurationError } from '@hotdata-dlt/core';
import { z } from 'zod';

/**
 * Failures to inject, like dlt's `dummy` destination. A failure "of table x" hits every chain that has
 * `x` as its root or one of its nested tables. Counters live as long as the destination object (or until
 * `setFailures`).
 */
export interface ReferenceFailures {
  /** The first `times` attempts of chains of `table` fail with a retryable error before touching data. Default: none. */
  transient?: { table: string; times: number };
  /** Every attempt of chains of `table` fails with a terminal (non-retryable) error before touching data. Default: none. */
  terminal?: { table: string };
  /**
   * Chains of `table` are applied, then fail with a retryable error, as if the response were lost: the
   * engine re-runs them with `restore: true`. The first `times` attempts (default 1). Default: none.
   */
  lostResponse?: { table: string; times?: number };
  /**
   * After this many chains completed (counted over the destination object), the destination crashes at
   * `crash.point`: it throws a `DestinationError` with code `SIMULATED_CRASH` (non-retryable unless
   * `crash.retryable`) and every
   * later call of any client throws it too (a dead process stays dead) — or, with `crash.kill`, the
   * process is killed with SIGKILL (for child-process crash tests with Parquet-dir storage). Default: never.
   */
  crashAfterChains?: number;
  /** How and where `crashAfterChains` crashes. Default `{ point: 'before-chain', kill: false, retryable: false }`. */
  crash?: {
    /**
     * `before-chain`: the next chain changes nothing; `mid-chain`: the next chain writes only its first
     * table; `after-chain`: the next chain is fully applied (a lost response). Default `before-chain`.
     */
    point?: 'before-chain' | 'mid-chain' | 'after-chain';
    /** SIGKILL the process instead of throwing. Default false. */
    kill?: boolean;
    /**
     * Mark the crash error retryable. The engine aborts a package on a non-retryable error; a retryable
     * crash makes it retry (all attempts fail while crashed) and leave the package pending, so the next
     * run — after `setFailures()` or with a new destination over the same storage — resumes it.
     * Default false.
     */
    retryable?: boolean;
  };
}

/** Options of `createReferenceDestination`. No environment variables: this is a test helper. */
export interface ReferenceDestinationOptions {
  /**
   * `memory`: tables live in the destination object (reuse the object to keep them across pipelines).
   * `{ dir }`: one Parquet file per table under `<dir>/<dataset>/`, shared by every process and surviving
   * a crash. Default `memory`.
   */
  storage?: 'memory' | { dir: string };
  /** Injected failures. Default: none. */
  failures?: ReferenceFailures;
  /**
   * How a chain is applied: `client-side` (default) reads the chain's tables whole and runs
   * `mergeClientSide`; `planned` runs `planMerge` with in-memory lookups and `applyOperations` (the path a
   * server-side destination takes), so suites can exercise both.
   */
  mergeExecution?: 'client-side' | 'planned';
  /** Destination name (stored in the pipeline state). Default `reference`. */
  name?: string;
}

const tableName = z.string().min(1);

const FailuresSchema = z
  .object({
    transient: z.object({ table: tableName, times: z.number().int().min(0) }).strict(),
    terminal: z.object({ table: tableName }).strict(),
    lostResponse: z.object({ table: tableName, times: z.number().int().min(0).optional() }).strict(),
    crashAfterChains: z.number().int().min(0),
    crash: z
      .object({
        point: z.enum(['before-chain', 'mid-chain', 'after-chain']).optional(),
        kill: z.boolean().optional(),
        retryable: z.boolean().optional(),
      })
      .strict(),
  })
  .partial()
  .strict();

const OptionsSchema = z
  .object({
    storage: z.union([z.literal('memory'), z.object({ dir: z.string().min(1) }).strict()]).optional(),
    failures: FailuresSchema.optional(),
    mergeExecution: z.enum(['client-side', 'planned']).optional(),
    name: z.string().min(1).optional(),
  })
  .strict();

function readable(error: z.ZodError, what: string): ConfigurationError {
  const issues = error.issues.map((issue) => `${issue.path.join('.') || 'options'}: ${issue.message}`);
  return new ConfigurationError(`Invalid ${what}: ${issues.join('; ')}.`, { cause: error });
}

/** Validates the options; a `ZodError` becomes a readable `ConfigurationError`. */
export function parseReferenceOptions(options: unknown): ReferenceDestinationOptions {
  const parsed = OptionsSchema.safeParse(options ?? {});
  if (!parsed.success) throw readable(parsed.error, 'reference destination options');
  return parsed.data as ReferenceDestinationOptions;
}

/** Validates injected failures (for `setFailures`). */
export function parseReferenceFailures(failures: unknown): ReferenceFailures {
  const parsed = FailuresSchema.safeParse(failures ?? {});
  if (!parsed.success) throw readable(parsed.error, 'reference destination failures');
  return parsed.data as ReferenceFailures;
}
