import { ConfigurationError } from './errors.ts';

/**
 * How the cursor's new value is chosen: `max` (default), `min`, or a function over values. The function
 * is declared bivariant so an `Incremental<string>` still fits where any incremental is expected.
 */
export type LastValueFunc<T> = 'max' | 'min' | { bivarianceHack(values: readonly T[]): T }['bivarianceHack'];

/** Options of {@link incremental}, named as in dlt (`dlt.sources.incremental`) in TypeScript casing. */
export interface IncrementalOptions<T = unknown> {
  /** `lastValue` when no state exists yet. */
  initialValue?: T;
  /** Upper bound (with `max`); requires `initialValue` and makes the run stateless (a backfill). */
  endValue?: T;
  /** Default `max`. */
  lastValueFunc?: LastValueFunc<T>;
  /**
   * Columns identifying a row for boundary de-duplication. Default: the resource's primary key, or a
   * hash of the whole row. `[]` turns de-duplication off.
   */
  primaryKey?: string | string[];
  /** Lets the engine stop reading once rows leave the range: `asc` at `endValue`, `desc` at `startValue`. */
  rowOrder?: 'asc' | 'desc';
  /** Rows without a cursor value: `raise` (default), `include` or `exclude`. */
  onCursorValueMissing?: 'raise' | 'include' | 'exclude';
  /** Re-read window behind the last value: seconds for timestamps, days for dates, units for numbers. */
  lag?: number;
  /** `closed` (default) re-reads rows equal to the start value and drops those already loaded. */
  rangeStart?: 'closed' | 'open';
  /** `open` (default) excludes rows equal to `endValue`. */
  rangeEnd?: 'open' | 'closed';
}

/** An incremental cursor declaration. Bind it to a resource with the `incremental` option. */
export interface Incremental<T = unknown> {
  readonly kind: 'incremental';
  readonly cursorPath: string;
  readonly options: Readonly<IncrementalOptions<T>>;
}

/** What a resource sees of its incremental at run time (`context.incremental`). */
export interface IncrementalBinding<T = unknown> {
  readonly cursorPath: string;
  readonly initialValue: T | undefined;
  /** The last value when the run started (lag applied): build your query from it. Fixed for the run. */
  readonly startValue: T | undefined;
  /** Moves as rows pass the filter. */
  readonly lastValue: T | undefined;
  readonly endValue: T | undefined;
}

/** The incremental's entry in pipeline state, with dlt's keys. */
export interface IncrementalState {
  initial_value: unknown;
  last_value: unknown;
  unique_hashes: string[];
  start_value?: unknown;
}

/**
 * Declares an incremental cursor on a field of the resource's items (dlt's `dlt.sources.incremental`).
 * Rows at or before the stored last value are filtered out, boundary rows already loaded are dropped by
 * hash, and the new last value is kept in the pipeline state.
 *
 * @example
 * ```ts
 * const events = resource(
 *   async function* ({ incremental }) { yield* fetchEventsSince(incremental.startValue); },
 *   { name: 'events', primaryKey: 'id', incremental: incremental('updated_at', { initialValue: '2024-01-01' }) },
 * );
 * ```
 */
export function incremental<T = unknown>(
  cursorPath: string,
  options: IncrementalOptions<T> = {},
): Incremental<T> {
  if (typeof cursorPath !== 'string' || cursorPath.trim() === '') {
    throw new ConfigurationError(
      'incremental(cursorPath) needs the name (or JSON path) of the cursor field.',
    );
  }
  if (options.endValue !== undefined && options.initialValue === undefined) {
    throw new ConfigurationError(
      `incremental('${cursorPath}'): endValue needs an initialValue too (a backfill runs from initialValue to endValue).`,
    );
  }
  if (options.lag !== undefined && (typeof options.lag !== 'number' || !(options.lag >= 0))) {
    throw new ConfigurationError(`incremental('${cursorPath}'): lag must be a number >= 0.`);
  }
  return Object.freeze({ kind: 'incremental', cursorPath, options: Object.freeze({ ...options }) });
}

export function isIncremental(value: unknown): value is Incremental {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'incremental';
}
