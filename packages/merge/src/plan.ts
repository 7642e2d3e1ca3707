import type { Schema, Table } from 'apache-arrow';
import {
  type Batch,
  batchRows,
  type ChainSpec,
  chainSpec,
  dedupRows,
  isDeleted,
  type MergeInput,
  parentKeyColumn,
  rootKeyColumn,
  rowKeyColumn,
} from './chain.ts';
import { keyOf, type Row, rowsToTable, selectFields } from './rows.ts';
import { timestampValue } from './timestamps.ts';

/** A Hotdata load mode (see the load-mode semantics: replace, append, upsert, update, delete). */
export type LoadMode = 'replace' | 'append' | 'upsert' | 'update' | 'delete';

/** One server-side load: a table, a mode, its key columns and its rows. */
export interface PlanOperation {
  table: string;
  mode: LoadMode;
  /** Key columns for `upsert`, `update` and `delete`. */
  key?: string[];
  /** The rows to load; for `delete` only the key columns. */
  rows: Table;
}

/**
 * What the planner needs to know about the destination, answered by the caller (read-only queries on a
 * server, or in-memory tables), so the planner itself stays pure. Key values are rows holding the key
 * columns; results compare with SQL equality (a NULL key matches nothing).
 */
export interface PlanLookups {
  /** Which of the given key values exist in the table, as {@link keyOf} strings of `columns`. */
  existingKeys(table: string, columns: readonly string[], keys: readonly Row[]): Promise<Set<string>>;
  /**
   * The row keys (`rowKey`, default `_dlt_id`) of the root table's rows whose `columns` match any of the
   * key values.
   */
  matchingRowIds(
    table: string,
    columns: readonly string[],
    keys: readonly Row[],
    rowKey?: string,
  ): Promise<unknown[]>;
  /**
   * The active scd2 rows (at least their row version and valid-from values): `to` is NULL, or equals
   * `activeValue` (a storage value of the `to` column). With `mergeKey`, only rows whose merge key is one
   * of `mergeKey.keys`.
   */
  activeRows(
    table: string,
    scd2: { rowVersion: string; from: string; to: string; activeValue: bigint | null },
    mergeKey?: { columns: readonly string[]; keys: readonly Row[] },
  ): Promise<Row[]>;
}

function operation(
  table: string,
  mode: LoadMode,
  schema: Schema,
  rows: readonly Row[],
  key?: string[],
): PlanOperation {
  return { table, mode, ...(key ? { key } : {}), rows: rowsToTable(schema, rows) };
}

/** Distinct non-null key values of `columns`, as rows holding only those columns. */
function keyRows(rows: readonly Row[], columns: readonly string[]): Row[] {
  const seen = new Set<string>();
  const result: Row[] = [];
  for (const row of rows) {
    const id = keyOf(row, columns);
    if (id === undefined || seen.has(id)) continue;
    seen.add(id);
    result.push(Object.fromEntries(columns.map((column) => [column, row[column]])));
  }
  return result;
}

function deleteBy(batch: Batch, columns: string[], keys: readonly Row[]): PlanOperation[] {
  return keys.length === 0
    ? []
    : [operation(batch.table.name, 'delete', selectFields(batch.schema, columns), keys, columns)];
}

function appendRows(batch: Batch, rows: readonly Row[]): PlanOperation[] {
  return rows.length === 0 ? [] : [operation(batch.table.name, 'append', batch.schema, rows)];
}

/**
 * An idempotent append for a restored chain: the row key of an appended row (`_dlt_id`) is fixed in the
 * package file, so upserting on it loads each row once however often the chain runs.
 */
function upsertByRowKey(batch: Batch, rows: readonly Row[]): PlanOperation[] {
  if (rows.length === 0) return [];
  const rowKey = rowKeyColumn(batch.table);
  return [operation(batch.table.name, 'upsert', batch.schema, dedupRows(rows, [rowKey]), [rowKey])];
}

/**
 * Plans how to load a table chain with the server-side load modes, so the cost of a load grows with
 * the batch and not with the table (DESIGN §3). Facts about existing rows come from `lookups`.
 *
 * | disposition / strategy | operations |
 * |---|---|
 * | append | `append` per table; when restoring: `upsert` keyed on the row key (`_dlt_id`) |
 * | replace | `replace` every chain table (tables without rows are emptied) |
 * | merge / upsert | `delete` hard-deleted roots by primary key, `upsert` the others; nested: `delete` by root key of every batch root, `append` the batch's nested rows |
 * | merge / insert-only | `append` roots whose primary key is new and nested rows whose row key is new (lookups) |
 * | merge / delete-insert | root only: `delete` by primary key and by merge key; with nested tables: look up the matching roots, `delete` their nested rows by root key and them by row key; then `append` the deduplicated, not deleted batch and its nested rows. No keys: as append, without hard-deleted rows |
 * | merge / scd2 | look up active versions; `update` valid-to of retired ones (key: row version + valid-from); `append` new versions; `append` nested rows whose row key is new |
 *
 * Operations come in the order they must run. Hard deletes and `dedup_sort` are applied in the plan.
 *
 * @example
 * ```ts
 * const operations = await planMerge({ chain: [{ table: prepared, rows: batch }], loadId, boundaryTimestamp: new Date() }, lookups);
 * for (const op of operations) await load(op.table, op.mode, op.key, op.rows);
 * ```
 */
export async function planMerge(input: MergeInput, lookups: PlanLookups): Promise<PlanOperation[]> {
  const spec = chainSpec(input.chain[0]!.table);
  const batches = batchRows(input, spec);
  const [root, ...nested] = input.chain.map((item) => batches.get(item.table.name)!) as [Batch, ...Batch[]];
  switch (spec.strategy) {
    case 'replace':
      return [root, ...nested].map((batch) =>
        operation(batch.table.name, 'replace', batch.schema, batch.rows),
      );
    case 'append':
      return [root, ...nested].flatMap((batch) => {
        if (batch.rows.length === 0) return [];
        return input.restore ? upsertByRowKey(batch, batch.rows) : appendRows(batch, batch.rows);
      });
    case 'upsert':
      return planUpsert(spec, root, nested);
    case 'insert-only':
      return planInsertOnly(spec, root, nested, lookups);
    case 'delete-insert':
      return planDeleteInsert(spec, root, nested, lookups, input.restore === true);
    case 'scd2':
      return planScd2(spec, root, nested, lookups, input.boundaryTimestamp);
  }
}

function planUpsert(spec: ChainSpec, root: Batch, nested: Batch[]): PlanOperation[] {
  const { primaryKey, rowKey } = spec;
  // A key may appear once per upsert batch; keep the dedup_sort winner (else the last row).
  const rows = dedupRows(root.rows, primaryKey, spec.dedupSort);
  const deleted = rows.filter((row) => isDeleted(row, spec));
  const live = rows.filter((row) => !isDeleted(row, spec));
  const operations = deleteBy(root, primaryKey, keyRows(deleted, primaryKey));
  if (live.length > 0) operations.push(operation(root.table.name, 'upsert', root.schema, live, primaryKey));
  const touched = keyRows(rows, [rowKey]).map((row) => row[rowKey]);
  const deletedRoots = new Set(deleted.map((row) => keyOf(row, [rowKey])));
  for (const batch of nested) {
    const column = rootKeyColumn(batch.table, root.table.name);
    operations.push(
      ...deleteBy(
        batch,
        [column],
        touched.map((id) => ({ [column]: id })),
      ),
    );
    const incoming = batch.rows.filter((row) => !deletedRoots.has(keyOf(row, [column])));
    operations.push(...appendRows(batch, dedupRows(incoming, [rowKeyColumn(batch.table)])));
  }
  return operations;
}

async function newRows(batch: Batch, lookups: PlanLookups): Promise<Row[]> {
  const rowKey = rowKeyColumn(batch.table);
  const candidates = dedupRows(batch.rows, [rowKey]);
  if (candidates.length === 0) return [];
  const existing = await lookups.existingKeys(batch.table.name, [rowKey], keyRows(candidates, [rowKey]));
  return candidates.filter((row) => {
    const id = keyOf(row, [rowKey]);
    return id === undefined || !existing.has(id);
  });
}

async function planInsertOnly(
  spec: ChainSpec,
  root: Batch,
  nested: Batch[],
  lookups: PlanLookups,
): Promise<PlanOperation[]> {
  const { primaryKey } = spec;
  const rows = dedupRows(root.rows, primaryKey, spec.dedupSort).filter((row) => !isDeleted(row, spec));
  const existing =
    rows.length === 0
      ? new Set<string>()
      : await lookups.existingKeys(root.table.name, primaryKey, keyRows(rows, primaryKey));
  const operations = appendRows(
    root,
    rows.filter((row) => {
      const id = keyOf(row, primaryKey);
      return id === undefined || !existing.has(id);
    }),
  );
  // Nested ids derive from the root key: new elements of existing roots are inserted, nothing is updated.
  for (const batch of nested) operations.push(...appendRows(batch, await newRows(batch, lookups)));
  return operations;
}

/** Nested rows whose parent row was kept, level by level (tables come parents first). */
function descendantsOf(root: Batch, keptRoots: readonly Row[], nested: Batch[]): Map<string, Row[]> {
  const kept = new Map<string, Set<string | undefined>>([
    [root.table.name, new Set(keptRoots.map((row) => keyOf(row, [rowKeyColumn(root.table)])))],
  ]);
  const result = new Map<string, Row[]>();
  for (const batch of nested) {
    const parents = kept.get(batch.table.parent ?? '') ?? new Set();
    const parentKey = parentKeyColumn(batch.table);
    const rows = batch.rows.filter((row) => parents.has(keyOf(row, [parentKey])));
    result.set(batch.table.name, rows);
    kept.set(batch.table.name, new Set(rows.map((row) => keyOf(row, [rowKeyColumn(batch.table)]))));
  }
  return result;
}

async function planDeleteInsert(
  spec: ChainSpec,
  root: Batch,
  nested: Batch[],
  lookups: PlanLookups,
  restore: boolean,
): Promise<PlanOperation[]> {
  const { primaryKey, mergeKey, rowKey } = spec;
  const operations: PlanOperation[] = [];
  if (primaryKey.length === 0 && mergeKey.length === 0) {
    // No keys: dlt appends; hard-deleted rows (and their nested rows) are just not inserted.
    const live = root.rows.filter((row) => !isDeleted(row, spec));
    const kept = spec.hardDelete ? descendantsOf(root, live, nested) : undefined;
    for (const batch of [root, ...nested]) {
      const rows = batch === root ? live : (kept?.get(batch.table.name) ?? batch.rows);
      operations.push(...(restore ? upsertByRowKey(batch, rows) : appendRows(batch, rows)));
    }
    return operations;
  }
  // Every batch row's keys delete, hard-deleted rows included (dlt's OR of primary and merge key).
  const keySets = [primaryKey, mergeKey].filter((columns) => columns.length > 0);
  if (nested.length === 0) {
    for (const columns of keySets) operations.push(...deleteBy(root, columns, keyRows(root.rows, columns)));
  } else {
    const ids = new Map<string, unknown>();
    for (const columns of keySets) {
      const keys = keyRows(root.rows, columns);
      if (keys.length === 0) continue;
      for (const id of await lookups.matchingRowIds(root.table.name, columns, keys, rowKey)) {
        const identity = keyOf({ id }, ['id']);
        if (identity !== undefined) ids.set(identity, id);
      }
    }
    const doomed = [...ids.values()];
    for (const batch of nested) {
      const column = rootKeyColumn(batch.table, root.table.name);
      operations.push(
        ...deleteBy(
          batch,
          [column],
          doomed.map((id) => ({ [column]: id })),
        ),
      );
    }
    operations.push(
      ...deleteBy(
        root,
        [rowKey],
        doomed.map((id) => ({ [rowKey]: id })),
      ),
    );
  }
  const candidates =
    primaryKey.length > 0 && !spec.deduplicated
      ? dedupRows(root.rows, primaryKey, spec.dedupSort)
      : root.rows;
  const inserted = candidates.filter((row) => !isDeleted(row, spec));
  operations.push(...appendRows(root, inserted));
  const insertedIds = new Set(inserted.map((row) => keyOf(row, [rowKey])));
  const filterNested = primaryKey.length > 0 || spec.hardDelete !== undefined;
  for (const batch of nested) {
    if (!filterNested) {
      operations.push(...appendRows(batch, batch.rows));
      continue;
    }
    const column = rootKeyColumn(batch.table, root.table.name);
    const rows = batch.rows.filter((row) => insertedIds.has(keyOf(row, [column])));
    operations.push(...appendRows(batch, dedupRows(rows, [rowKeyColumn(batch.table)])));
  }
  return operations;
}

async function planScd2(
  spec: ChainSpec,
  root: Batch,
  nested: Batch[],
  lookups: PlanLookups,
  boundaryTimestamp: Date | string,
): Promise<PlanOperation[]> {
  const { from, to, rowVersion, activeValue } = spec.scd2!;
  const boundary = timestampValue(boundaryTimestamp, root.schema, from);
  const active = activeValue === null ? null : timestampValue(activeValue, root.schema, to);
  const rows = dedupRows(root.rows, [rowVersion]);
  const batchVersions = new Set(rows.map((row) => keyOf(row, [rowVersion])));
  const mergeKey = spec.mergeKey;
  const current =
    mergeKey.length > 0 && rows.length === 0
      ? []
      : await lookups.activeRows(
          root.table.name,
          { rowVersion, from, to, activeValue: active },
          mergeKey.length > 0 ? { columns: mergeKey, keys: keyRows(rows, mergeKey) } : undefined,
        );
  const operations: PlanOperation[] = [];
  const retired = current.filter((row) => !batchVersions.has(keyOf(row, [rowVersion])));
  if (retired.length > 0) {
    // Keyed on version + valid-from so only the active version changes, never an older retired copy.
    operations.push(
      operation(
        root.table.name,
        'update',
        selectFields(root.schema, [rowVersion, from, to]),
        retired.map((row) => ({ [rowVersion]: row[rowVersion], [from]: row[from], [to]: boundary })),
        [rowVersion, from],
      ),
    );
  }
  const activeVersions = new Set(current.map((row) => keyOf(row, [rowVersion])));
  const inserted = rows
    .filter((row) => !activeVersions.has(keyOf(row, [rowVersion])))
    .map((row) => ({ ...row, [from]: boundary, [to]: active }));
  operations.push(...appendRows(root, inserted));
  // Nested rows are insert-only by their deterministic row key; retiring never touches them.
  for (const batch of nested) operations.push(...appendRows(batch, await newRows(batch, lookups)));
  return operations;
}
