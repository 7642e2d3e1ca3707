import type { ArrowTableLike } from './arrow-like.ts';
import { ConfigurationError } from './errors.ts';
import { uniqueRowHash } from './hashing.ts';
import type { Incremental, IncrementalBinding, IncrementalState, LastValueFunc } from './incremental.ts';
import type { IncrementalHandle, ResourceBatch } from './resource.ts';

export interface IncrementalHandleOptions {
  resourceName: string;
  /** The resource's primary key (source column names): the default de-duplication key. */
  resourcePrimaryKey?: string | string[];
}

function toEpoch(value: unknown): number | undefined {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'string') {
    const parsed = Date.parse(value);
    return Number.isNaN(parsed) ? undefined : parsed;
  }
  return undefined;
}

/** Orders cursor values: numbers and bigints numerically, dates by time (ISO strings too), strings lexically. */
export function compareCursorValues(left: unknown, right: unknown): number {
  if (
    (typeof left === 'number' || typeof left === 'bigint') &&
    (typeof right === 'number' || typeof right === 'bigint')
  ) {
    return left < right ? -1 : left > right ? 1 : 0;
  }
  if (left instanceof Date || right instanceof Date) {
    const a = toEpoch(left);
    const b = toEpoch(right);
    if (a !== undefined && b !== undefined) return a < b ? -1 : a > b ? 1 : 0;
  }
  if (typeof left === 'string' && typeof right === 'string') return left < right ? -1 : left > right ? 1 : 0;
  throw new ConfigurationError(
    `Cannot compare cursor values ${JSON.stringify(String(left))} (${typeof left}) and ${JSON.stringify(String(right))} (${typeof right}): keep the cursor field one type.`,
  );
}

function valuesEqual(left: unknown, right: unknown): boolean {
  if (left === right) return true;
  if (left === undefined || right === undefined || left === null || right === null) return false;
  try {
    return compareCursorValues(left, right) === 0;
  } catch {
    return false;
  }
}

function resolveFunction<T>(func: LastValueFunc<T> | undefined): (values: readonly unknown[]) => unknown {
  if (func === undefined || func === 'max') {
    return (values) => values.reduce((best, value) => (compareCursorValues(value, best) > 0 ? value : best));
  }
  if (func === 'min') {
    return (values) => values.reduce((best, value) => (compareCursorValues(value, best) < 0 ? value : best));
  }
  return func as (values: readonly unknown[]) => unknown;
}

/** Parses `a.b`, `a[0].b`, `$.a.b` into path steps. */
function parseCursorPath(path: string): Array<string | number> {
  const trimmed = path.startsWith('$.') ? path.slice(2) : path.startsWith('$') ? path.slice(1) : path;
  const steps: Array<string | number> = [];
  for (const part of trimmed.split('.')) {
    const match = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part);
    if (!match)
      throw new ConfigurationError(`incremental('${path}'): unsupported cursor path; use a.b or a[0].b.`);
    if (match[1]) steps.push(match[1]);
    for (const index of match[2]!.matchAll(/\[(\d+)\]/g)) steps.push(Number(index[1]));
  }
  return steps;
}

function lookup(row: unknown, steps: ReadonlyArray<string | number>): unknown {
  let current = row;
  for (const step of steps) {
    if (current === null || current === undefined || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[step];
  }
  return current;
}

function applyLag(value: unknown, lag: number, direction: 1 | -1): unknown {
  if (typeof value === 'number') return value + direction * lag;
  if (typeof value === 'bigint') return value + BigInt(direction * lag);
  if (value instanceof Date) return new Date(value.getTime() + direction * lag * 1000);
  if (typeof value === 'string') {
    if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
      const date = new Date(`${value}T00:00:00Z`);
      date.setUTCDate(date.getUTCDate() + direction * lag);
      return date.toISOString().slice(0, 10);
    }
    const epoch = Date.parse(value);
    if (!Number.isNaN(epoch)) return new Date(epoch + direction * lag * 1000).toISOString();
  }
  throw new ConfigurationError(
    `incremental lag works on numbers, dates and timestamps, not on ${JSON.stringify(value)}.`,
  );
}

/**
 * Binds an incremental to a resource's state and returns the handle that filters its batches (dlt's
 * `Incremental` transform, SEMANTICS §8): rows before the start value are dropped, rows on the start
 * boundary that were loaded before are dropped by hash, the last value moves as rows pass, and the
 * state keeps only the hashes of rows sitting on the current last value. O(n) in the rows seen.
 *
 * The state lives at `resourceState.incremental[cursorPath]` in dlt's shape; with an `endValue` the run
 * is stateless and the resource state is not touched.
 */
export function createIncrementalHandle(
  incremental: Incremental,
  resourceState: Record<string, unknown>,
  options: IncrementalHandleOptions,
): IncrementalHandle {
  const { cursorPath } = incremental;
  const settings = incremental.options;
  const func = resolveFunction(settings.lastValueFunc);
  const builtin =
    settings.lastValueFunc === undefined ||
    settings.lastValueFunc === 'max' ||
    settings.lastValueFunc === 'min';
  const steps = parseCursorPath(cursorPath);
  const label = `resource '${options.resourceName}', incremental('${cursorPath}')`;

  if (
    settings.endValue !== undefined &&
    !valuesEqual(func([settings.endValue, settings.initialValue]), settings.endValue)
  ) {
    throw new ConfigurationError(
      `${label}: endValue must be beyond initialValue for the last-value function.`,
    );
  }

  const keyColumns =
    settings.primaryKey !== undefined
      ? Array.isArray(settings.primaryKey)
        ? settings.primaryKey
        : [settings.primaryKey]
      : options.resourcePrimaryKey === undefined
        ? undefined
        : Array.isArray(options.resourcePrimaryKey)
          ? options.resourcePrimaryKey
          : [options.resourcePrimaryKey];
  const dedup =
    !(Array.isArray(keyColumns) && keyColumns.length === 0) &&
    settings.rangeStart !== 'open' &&
    settings.endValue === undefined &&
    !(settings.lag !== undefined && builtin);

  let state: IncrementalState;
  if (settings.endValue !== undefined) {
    state = { initial_value: settings.initialValue, last_value: settings.initialValue, unique_hashes: [] };
  } else {
    if (resourceState.incremental === undefined) resourceState.incremental = {};
    const container = resourceState.incremental as Record<string, IncrementalState>;
    container[cursorPath] ??= {
      initial_value: settings.initialValue,
      last_value: settings.initialValue,
      unique_hashes: [],
    };
    state = container[cursorPath];
    state.unique_hashes ??= [];
  }

  let startValue: unknown = state.last_value;
  if (
    settings.lag !== undefined &&
    builtin &&
    settings.endValue === undefined &&
    startValue !== undefined &&
    startValue !== null
  ) {
    const lagged = applyLag(startValue, settings.lag, settings.lastValueFunc === 'min' ? 1 : -1);
    startValue =
      settings.initialValue === undefined || settings.initialValue === null
        ? lagged
        : func([lagged, settings.initialValue]);
  }
  if (startValue === null) startValue = undefined;
  const startHashes = new Set(dedup ? state.unique_hashes : []);
  let lastValue: unknown = state.last_value === null ? undefined : state.last_value;
  // Hashes of kept rows sitting exactly on `lastValue`; seeded with the start hashes while it has not moved.
  let boundaryHashes = new Set(startHashes);
  let moved = false;

  const rowHashOf = (row: unknown): string => {
    if (keyColumns === undefined) return uniqueRowHash(row);
    const values = keyColumns.map((column) => (row as Record<string, unknown>)?.[column] ?? null);
    return uniqueRowHash(values.length === 1 ? values[0] : values);
  };

  const binding: IncrementalBinding = {
    cursorPath,
    get initialValue() {
      return settings.initialValue;
    },
    get startValue() {
      return startValue;
    },
    get lastValue() {
      return lastValue;
    },
    get endValue() {
      return settings.endValue;
    },
  };

  /** Decides one row; returns [keep, stop]. */
  const decide = (row: unknown, value: unknown): [boolean, boolean] => {
    if (value === undefined || value === null) {
      if (settings.onCursorValueMissing === 'include') return [true, false];
      if (settings.onCursorValueMissing === 'exclude') return [false, false];
      throw new ConfigurationError(
        `${label}: a row has no value at '${cursorPath}'. Fix the cursor path, or set onCursorValueMissing to 'include' or 'exclude'.`,
      );
    }
    if (settings.endValue !== undefined) {
      const beyond = !valuesEqual(func([value, settings.endValue]), settings.endValue);
      const atEnd = settings.rangeEnd !== 'closed' && valuesEqual(value, settings.endValue);
      if (beyond || atEnd) return [false, settings.rowOrder === 'asc'];
    }
    const candidate = lastValue === undefined ? func([value]) : func([value, lastValue]);
    if (lastValue !== undefined && valuesEqual(candidate, lastValue)) {
      const own = func([value]);
      if (settings.rangeStart === 'open' && startValue !== undefined && valuesEqual(own, startValue))
        return [false, false];
      if (startValue !== undefined && valuesEqual(func([value, startValue]), startValue)) {
        if (valuesEqual(own, startValue)) {
          if (dedup && startHashes.has(rowHashOf(row))) return [false, false];
        } else {
          return [false, settings.rowOrder === 'desc'];
        }
      }
      if (dedup && valuesEqual(own, lastValue)) boundaryHashes.add(rowHashOf(row));
      return [true, false];
    }
    lastValue = candidate;
    moved = true;
    boundaryHashes = dedup ? new Set([rowHashOf(row)]) : new Set();
    return [true, false];
  };

  const commit = (): void => {
    if (settings.endValue !== undefined) return;
    state.last_value = lastValue;
    if (moved || lastValue !== undefined) state.start_value = startValue;
    state.unique_hashes = dedup ? [...boundaryHashes] : [];
  };

  const filterRows = (rows: unknown[]): { rows: unknown[]; stop: boolean } => {
    const kept: unknown[] = [];
    let stop = false;
    for (const row of rows) {
      const [keep, stopHere] = decide(row, lookup(row, steps));
      if (keep) kept.push(row);
      if (stopHere) {
        stop = true;
        if (settings.rowOrder === 'asc') break;
      }
    }
    return { rows: kept, stop };
  };

  const filterArrow = async (
    table: ArrowTableLike,
  ): Promise<{ table: ArrowTableLike | undefined; stop: boolean }> => {
    const arrowTable = table as ArrowTableLike & {
      getChild(name: string): { get(index: number): unknown } | null;
      toArray(): unknown[];
      schema: { fields: Array<{ name: string; type: unknown }> };
    };
    if (steps.length !== 1 || typeof steps[0] !== 'string') {
      throw new ConfigurationError(`${label}: Arrow tables need a top-level column as cursor.`);
    }
    const column = arrowTable.getChild(steps[0]);
    if (!column) throw new ConfigurationError(`${label}: the Arrow table has no column '${steps[0]}'.`);
    const keep: number[] = [];
    let stop = false;
    const needsRow = dedup;
    const rows = needsRow
      ? arrowTable.toArray().map((row) => (row as { toJSON(): unknown }).toJSON())
      : undefined;
    for (let index = 0; index < table.numRows; index++) {
      const raw = column.get(index);
      const value =
        typeof raw === 'bigint' &&
        raw <= BigInt(Number.MAX_SAFE_INTEGER) &&
        raw >= BigInt(Number.MIN_SAFE_INTEGER)
          ? Number(raw)
          : raw;
      const [kept, stopHere] = decide(rows?.[index], value);
      if (kept) keep.push(index);
      if (stopHere) {
        stop = true;
        if (settings.rowOrder === 'asc') break;
      }
    }
    if (keep.length === table.numRows) return { table, stop };
    if (keep.length === 0) return { table: undefined, stop };
    const arrow = await import('apache-arrow');
    const columns: Record<string, unknown> = {};
    for (const field of arrowTable.schema.fields) {
      const vector = arrowTable.getChild(field.name)!;
      columns[field.name] = arrow.vectorFromArray(
        keep.map((index) => vector.get(index)),
        field.type as never,
      );
    }
    return { table: new arrow.Table(columns as never) as unknown as ArrowTableLike, stop };
  };

  return {
    binding,
    async filter(batch: ResourceBatch) {
      if (batch.kind === 'rows') {
        const result = filterRows(batch.rows);
        commit();
        return { batch: { kind: 'rows', rows: result.rows }, stop: result.stop };
      }
      const result = await filterArrow(batch.table);
      commit();
      return { batch: result.table ? { kind: 'arrow', table: result.table } : undefined, stop: result.stop };
    },
  };
}
