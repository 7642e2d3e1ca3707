import type { ArrowTableLike } from './arrow-like.ts';
import { ConfigurationError } from './errors.ts';
import { uniqueRowHash } from './hashing.ts';
import type { Incremental, IncrementalBinding, IncrementalState, LastValueFunc } from './incremental.ts';
import { type Logger, noopLogger } from './logger.ts';
import type { NamingConvention } from './naming/snake-case.ts';
import type { IncrementalHandle, ResourceBatch } from './resource.ts';

export interface IncrementalHandleOptions {
  resourceName: string;
  /** The resource's primary key (source column names): the default de-duplication key. Default: none. */
  resourcePrimaryKey?: string | string[];
  /**
   * Used to find the cursor and key columns of Arrow tables whose column names are already normalized
   * (`updatedAt` looked up as `updated_at` when the table has no `updatedAt`). Default: source names only.
   */
  naming?: NamingConvention;
  /** Receives the warning when more than 200 rows share the last value. Default: silent. */
  logger?: Logger;
}

/** dlt warns once the boundary hash list crosses this size (PR #1877). */
const HASH_WARNING_THRESHOLD = 200;

// apache-arrow's `Type` enum values, read by duck typing so no run-time import is needed.
const ARROW_TYPE_DATE = 8;
const ARROW_TYPE_TIMESTAMP = 10;

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

/** `func([a, b])` for the last-value function; max and min skip the array. */
function resolvePairFunction<T>(func: LastValueFunc<T> | undefined): (a: unknown, b: unknown) => unknown {
  if (func === undefined || func === 'max') return (a, b) => (compareCursorValues(a, b) >= 0 ? a : b);
  if (func === 'min') return (a, b) => (compareCursorValues(a, b) <= 0 ? a : b);
  const custom = func as (values: readonly unknown[]) => unknown;
  return (a, b) => custom([a, b]);
}

/** `func([v])`: the identity for max and min. */
function resolveSingleFunction<T>(func: LastValueFunc<T> | undefined): (value: unknown) => unknown {
  if (func === undefined || func === 'max' || func === 'min') return (value) => value;
  const custom = func as (values: readonly unknown[]) => unknown;
  return (value) => custom([value]);
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
  if (steps.length === 0) {
    throw new ConfigurationError(`incremental('${path}'): the cursor path names no field.`);
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
    `incremental lag works on numbers, dates and timestamps, not on ${JSON.stringify(String(value))}.`,
  );
}

function toKeyList(value: string | string[] | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value : [value];
}

interface ArrowVector {
  get(index: number): unknown;
}

interface ArrowTable extends ArrowTableLike {
  readonly schema: { readonly fields: ReadonlyArray<{ readonly name: string; readonly type: unknown }> };
  getChild(name: string): ArrowVector | null;
  slice(begin?: number, end?: number): ArrowTable;
  concat(...others: ArrowTable[]): ArrowTable;
}

function arrowTypeId(type: unknown): number | undefined {
  return (type as { typeId?: number } | null)?.typeId;
}

/** An Arrow cell as the incremental compares it: timestamps and dates as `Date`, safe int64 as number. */
function arrowCursorValue(raw: unknown, typeId: number | undefined): unknown {
  if (raw === null || raw === undefined) return raw;
  if ((typeId === ARROW_TYPE_TIMESTAMP || typeId === ARROW_TYPE_DATE) && typeof raw === 'number') {
    return new Date(raw);
  }
  if (
    typeof raw === 'bigint' &&
    raw <= BigInt(Number.MAX_SAFE_INTEGER) &&
    raw >= BigInt(Number.MIN_SAFE_INTEGER)
  ) {
    return Number(raw);
  }
  return raw;
}

/** An Arrow cell as dlt hashes it (a Python `date` serializes as `YYYY-MM-DD`). */
function arrowHashValue(raw: unknown, typeId: number | undefined): unknown {
  const value = arrowCursorValue(raw, typeId);
  if (typeId === ARROW_TYPE_DATE && value instanceof Date) return value.toISOString().slice(0, 10);
  return value;
}

/**
 * Binds an incremental to a resource's state and returns the handle that filters its batches (dlt's
 * `Incremental` transform, SEMANTICS §8): rows before the start value are dropped, rows on the start
 * boundary that were loaded before are dropped by hash, the last value moves as rows pass, and the
 * state keeps only the hashes of rows sitting on the current last value.
 *
 * Every row is looked at once and every kept boundary row hashed once (a `Set`, reset when the last
 * value moves), so a run is O(n) even when all rows share one cursor value — dlt itself re-hashes all
 * boundary rows after each batch (SEMANTICS §8.7).
 *
 * The state lives at `resourceState.incremental[cursorPath]` in dlt's shape
 * `{ initial_value, last_value, unique_hashes, start_value }`; with an `endValue` the run is stateless
 * and the resource state is not touched.
 *
 * @example
 * ```ts
 * const state = {};
 * const handle = createIncrementalHandle(incremental('id', { initialValue: 2 }), state, { resourceName: 'r' });
 * await handle.filter({ kind: 'rows', rows: [{ id: 1 }, { id: 3 }] }); // keeps { id: 3 }
 * state; // { incremental: { id: { initial_value: 2, last_value: 3, unique_hashes: ['…'], start_value: 2 } } }
 * ```
 */
export function createIncrementalHandle(
  incremental: Incremental,
  resourceState: Record<string, unknown>,
  options: IncrementalHandleOptions,
): IncrementalHandle {
  const { cursorPath } = incremental;
  const settings = incremental.options;
  const pick = resolvePairFunction(settings.lastValueFunc);
  const own = resolveSingleFunction(settings.lastValueFunc);
  const builtin =
    settings.lastValueFunc === undefined ||
    settings.lastValueFunc === 'max' ||
    settings.lastValueFunc === 'min';
  const steps = parseCursorPath(cursorPath);
  const label = `resource '${options.resourceName}', incremental('${cursorPath}')`;
  const logger = options.logger ?? noopLogger;
  const missingPolicy = settings.onCursorValueMissing ?? 'raise';
  if (!['raise', 'include', 'exclude'].includes(missingPolicy)) {
    throw new ConfigurationError(`${label}: onCursorValueMissing must be 'raise', 'include' or 'exclude'.`);
  }

  if (
    settings.endValue !== undefined &&
    !valuesEqual(pick(settings.endValue, settings.initialValue), settings.endValue)
  ) {
    throw new ConfigurationError(
      `${label}: endValue must be beyond initialValue for the last-value function.`,
    );
  }

  // An explicit key on the incremental (even []) wins over the resource's primary key.
  const keyColumns = toKeyList(settings.primaryKey) ?? toKeyList(options.resourcePrimaryKey);
  const dedup =
    !(keyColumns !== undefined && keyColumns.length === 0) &&
    settings.rangeStart !== 'open' &&
    settings.endValue === undefined &&
    !(settings.lag !== undefined && builtin);

  const initialValue = settings.initialValue ?? null;
  let state: IncrementalState;
  if (settings.endValue !== undefined) {
    state = { initial_value: initialValue, last_value: initialValue, unique_hashes: [] };
  } else {
    if (resourceState.incremental === undefined) resourceState.incremental = {};
    const container = resourceState.incremental as Record<string, IncrementalState>;
    container[cursorPath] ??= { initial_value: initialValue, last_value: initialValue, unique_hashes: [] };
    state = container[cursorPath];
    state.unique_hashes ??= [];
  }

  let startValue: unknown = state.last_value ?? undefined;
  if (settings.lag !== undefined && builtin && settings.endValue === undefined && startValue !== undefined) {
    const lagged = applyLag(startValue, settings.lag, settings.lastValueFunc === 'min' ? 1 : -1);
    // Lag never reaches back beyond the initial value.
    startValue = settings.initialValue === undefined ? lagged : pick(lagged, settings.initialValue);
  }
  const startHashes: ReadonlySet<string> = new Set(dedup ? state.unique_hashes : []);
  let lastValue: unknown = state.last_value ?? undefined;
  // Hashes of kept rows sitting exactly on `lastValue`, as a set for lookups and a list for the state
  // (written by reference, so committing a batch costs nothing). Seeded with the start hashes while the
  // last value has not moved.
  let boundaryHashes = new Set(startHashes);
  let boundaryList = [...boundaryHashes];
  let moved = false;
  let warned = false;

  const rememberBoundary = (hash: string): void => {
    if (boundaryHashes.has(hash)) return;
    boundaryHashes.add(hash);
    boundaryList.push(hash);
    if (!warned && boundaryList.length > HASH_WARNING_THRESHOLD) {
      warned = true;
      logger.warn(
        `${label}: more than ${HASH_WARNING_THRESHOLD} rows share the cursor value ${JSON.stringify(String(lastValue))}; each is kept as a hash in the pipeline state. Use a finer cursor, rangeStart: 'open' or primaryKey: [] if rows never repeat across runs.`,
        { resource: options.resourceName, cursorPath, hashes: boundaryList.length },
      );
    }
  };

  const hashKey = (row: unknown): string => {
    if (keyColumns === undefined) return uniqueRowHash(row);
    const record = row as Record<string, unknown> | null | undefined;
    const values = keyColumns.map((column) => record?.[column] ?? null);
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

  let stopRequested = false;
  /**
   * Decides one row (SEMANTICS §8.4): true keeps it. `rowOf` materializes the row only when its hash is
   * needed; `stopRequested` is set when the row order has passed a bound.
   */
  const decide = (value: unknown, rowOf: () => unknown): boolean => {
    if (value === undefined || value === null) {
      if (missingPolicy === 'include') return true;
      if (missingPolicy === 'exclude') return false;
      throw new ConfigurationError(
        `${label}: a row has no value at '${cursorPath}'. Fix the cursor path, or set onCursorValueMissing to 'include' or 'exclude'.`,
      );
    }
    if (settings.endValue !== undefined) {
      const beyond = !valuesEqual(pick(value, settings.endValue), settings.endValue);
      const atEnd = settings.rangeEnd !== 'closed' && valuesEqual(own(value), settings.endValue);
      if (beyond || atEnd) {
        if (settings.rowOrder === 'asc') stopRequested = true;
        return false;
      }
    }
    const candidate = lastValue === undefined ? own(value) : pick(value, lastValue);
    if (lastValue !== undefined && valuesEqual(candidate, lastValue)) {
      const single = own(value);
      if (settings.rangeStart === 'open' && startValue !== undefined && valuesEqual(single, startValue)) {
        return false;
      }
      if (startValue !== undefined && valuesEqual(pick(value, startValue), startValue)) {
        if (!valuesEqual(single, startValue)) {
          if (settings.rowOrder === 'desc') stopRequested = true;
          return false;
        }
        if (dedup && startHashes.size > 0) {
          const hash = hashKey(rowOf());
          if (startHashes.has(hash)) return false;
          if (valuesEqual(single, lastValue)) rememberBoundary(hash);
          return true;
        }
      }
      if (dedup && valuesEqual(single, lastValue)) rememberBoundary(hashKey(rowOf()));
      return true;
    }
    lastValue = candidate;
    moved = true;
    boundaryHashes = new Set();
    boundaryList = [];
    if (dedup) rememberBoundary(hashKey(rowOf()));
    return true;
  };

  const commit = (): void => {
    if (settings.endValue !== undefined) return;
    state.last_value = lastValue ?? null;
    if (moved || lastValue !== undefined) state.start_value = startValue ?? null;
    state.unique_hashes = dedup ? boundaryList : [];
  };

  const filterRows = (rows: unknown[]): unknown[] => {
    const kept: unknown[] = [];
    for (const row of rows) {
      if (decide(lookup(row, steps), () => row)) kept.push(row);
    }
    return kept;
  };

  const findArrowColumn = (table: ArrowTable, name: string) => {
    const exact = table.schema.fields.find((field) => field.name === name);
    if (exact || !options.naming) return exact;
    const normalized = options.naming.normalizeIdentifier(name);
    return table.schema.fields.find((field) => field.name === normalized);
  };

  const filterArrow = (table: ArrowTable): ArrowTable | undefined => {
    if (steps.length !== 1 || typeof steps[0] !== 'string') {
      throw new ConfigurationError(
        `${label}: Arrow tables need a top-level column as cursor, not a nested path.`,
      );
    }
    const cursorField = findArrowColumn(table, steps[0]);
    if (!cursorField) {
      if (missingPolicy === 'include') return table;
      if (missingPolicy === 'exclude') return undefined;
      throw new ConfigurationError(
        `${label}: the Arrow table has no column '${steps[0]}' (columns: ${table.schema.fields.map((field) => field.name).join(', ')}). Fix the cursor path, or set onCursorValueMissing to 'include' or 'exclude'.`,
      );
    }
    const cursorVector = table.getChild(cursorField.name)!;
    const cursorType = arrowTypeId(cursorField.type);
    const hashFields =
      keyColumns === undefined
        ? table.schema.fields.map((field) => ({ key: field.name, field }))
        : keyColumns.map((key) => ({ key, field: findArrowColumn(table, key) }));
    const rowAt = (index: number): Record<string, unknown> => {
      const row: Record<string, unknown> = {};
      for (const { key, field } of hashFields) {
        row[key] = field
          ? arrowHashValue(table.getChild(field.name)!.get(index), arrowTypeId(field.type))
          : null;
      }
      return row;
    };
    // Kept rows as [start, end) runs, so the result is made of zero-copy slices with exact values.
    const runs: Array<[number, number]> = [];
    for (let index = 0; index < table.numRows; index++) {
      const value = arrowCursorValue(cursorVector.get(index), cursorType);
      if (!decide(value, () => rowAt(index))) continue;
      const last = runs[runs.length - 1];
      if (last && last[1] === index) last[1] = index + 1;
      else runs.push([index, index + 1]);
    }
    if (runs.length === 0) return undefined;
    if (runs.length === 1 && runs[0]![0] === 0 && runs[0]![1] === table.numRows) return table;
    const pieces = runs.map(([start, end]) => table.slice(start, end));
    return pieces.length === 1 ? pieces[0] : pieces[0]!.concat(...pieces.slice(1));
  };

  return {
    binding,
    filter(batch: ResourceBatch) {
      stopRequested = false;
      if (batch.kind === 'rows') {
        const rows = filterRows(batch.rows);
        commit();
        return { batch: { kind: 'rows', rows }, stop: stopRequested };
      }
      const table = filterArrow(batch.table as ArrowTable);
      commit();
      return { batch: table ? { kind: 'arrow', table } : undefined, stop: stopRequested };
    },
  };
}
