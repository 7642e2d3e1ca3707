import { DLT_ID, type PreparedTable } from '@hotdata-dlt/core';
import type { Schema, Table } from 'apache-arrow';
import {
  batchRows,
  type ChainSpec,
  chainSpec,
  dedupRows,
  isDeleted,
  type MergeInput,
  rootKeyColumn,
} from './chain.ts';
import { timestampValue } from './client-side.ts';
import { keyOf, type Row, rowsToTable, selectFields, tableToRows as tableRows } from './rows.ts';

/** A Hotdata load mode. */
export type LoadMode = 'replace' | 'append' | 'upsert' | 'update' | 'delete';

/** One server-side load: a mode, its key columns and its rows. */
export interface PlanOperation {
  table: string;
  mode: LoadMode;
  /** Key columns for `upsert`, `update` and `delete`. */
  key?: string[];
  rows: Table;
}

/**
 * What the planner needs to know about the destination, answered by the caller (queries on a server,
 * or in-memory tables in tests), so the planner itself stays pure.
 */
export interface PlanLookups {
  /** Which of the given key values exist in the table (as `keyOf` strings of `columns`). */
  existingKeys(table: string, columns: readonly string[], keys: readonly Row[]): Promise<Set<string>>;
  /** `_dlt_id` of the rows of a root table matching any of the key values. */
  matchingRowIds(table: string, columns: readonly string[], keys: readonly Row[]): Promise<unknown[]>;
  /**
   * Active scd2 rows (row version and valid-from), optionally only those whose merge key is among
   * `mergeKeys`.
   */
  activeRows(
    table: string,
    scd2: { rowVersion: string; from: string; to: string; activeValue: bigint | null },
    mergeKey?: { columns: readonly string[]; keys: readonly Row[] },
  ): Promise<Row[]>;
}

interface Batch {
  table: PreparedTable;
  schema: Schema;
  rows: Row[];
}

function op(
  table: string,
  mode: LoadMode,
  schema: Schema,
  rows: readonly Row[],
  key?: string[],
): PlanOperation {
  return { table, mode, ...(key ? { key } : {}), rows: rowsToTable(schema, rows) };
}

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

/**
 * Plans how to load a table chain with server-side load modes, so the cost grows with the batch and
 * not with the table (DESIGN §3). Lookups about existing rows are functions passed in.
 *
 * | strategy | plan |
 * |---|---|
 * | append | `append` per table (`upsert` on `_dlt_id` when restoring an interrupted load) |
 * | replace | `replace` every chain table (tables without rows are emptied) |
 * | upsert | `delete` hard-deleted roots by key, `upsert` roots by key; nested: `delete` by root key of touched roots, `append` |
 * | insert-only | `append` roots whose key is absent and nested rows whose id is new |
 * | delete-insert | `delete` nested and root rows whose root matches a batch key (primary or merge key), `append` the deduplicated batch |
 * | scd2 | `update` retired versions' valid-to, `append` new versions, `append` new nested rows |
 */
export async function planMerge(input: MergeInput, lookups: PlanLookups): Promise<PlanOperation[]> {
  const spec = chainSpec(input.chain[0]!.table);
  const batches = batchRows(input);
  const root = batches.get(spec.root.name)!;
  const nested = input.chain.slice(1).map((item) => batches.get(item.table.name)!);
  switch (spec.strategy) {
    case 'replace':
      return [...batches.values()].map((batch) => op(batch.table.name, 'replace', batch.schema, batch.rows));
    case 'append':
      return [...batches.values()]
        .filter((batch) => batch.rows.length > 0)
        .map((batch) =>
          input.restore
            ? op(batch.table.name, 'upsert', batch.schema, dedupRows(batch.rows, [DLT_ID]), [DLT_ID])
            : op(batch.table.name, 'append', batch.schema, batch.rows),
        );
    case 'upsert':
      return planUpsert(spec, root, nested);
    case 'insert-only':
      return planInsertOnly(spec, root, nested, lookups);
    case 'delete-insert':
      return planDeleteInsert(spec, root, nested, lookups);
    case 'scd2':
      return planScd2(spec, root, nested, lookups, input.boundaryTimestamp);
  }
}

function planUpsert(spec: ChainSpec, root: Batch, nested: Batch[]): PlanOperation[] {
  const operations: PlanOperation[] = [];
  const rows = dedupRows(root.rows, spec.primaryKey, spec.dedupSort);
  const deleted = rows.filter((row) => isDeleted(row, spec));
  const live = rows.filter((row) => !isDeleted(row, spec));
  const name = root.table.name;
  if (deleted.length > 0) {
    operations.push(
      op(
        name,
        'delete',
        selectFields(root.schema, spec.primaryKey),
        keyRows(deleted, spec.primaryKey),
        spec.primaryKey,
      ),
    );
  }
  if (live.length > 0) operations.push(op(name, 'upsert', root.schema, live, spec.primaryKey));
  const deletedIds = new Set(deleted.map((row) => keyOf(row, [DLT_ID])));
  const touched = keyRows(rows, [DLT_ID]);
  for (const batch of nested) {
    const column = rootKeyColumn(batch.table, name);
    if (touched.length > 0) {
      const keys = touched.map((row) => ({ [column]: row[DLT_ID] }));
      operations.push(op(batch.table.name, 'delete', selectFields(batch.schema, [column]), keys, [column]));
    }
    const incoming = dedupRows(
      batch.rows.filter((row) => !deletedIds.has(keyOf(row, [column]))),
      [DLT_ID],
    );
    if (incoming.length > 0) operations.push(op(batch.table.name, 'append', batch.schema, incoming));
  }
  return operations;
}

async function planInsertOnly(
  spec: ChainSpec,
  root: Batch,
  nested: Batch[],
  lookups: PlanLookups,
): Promise<PlanOperation[]> {
  const operations: PlanOperation[] = [];
  const rows = dedupRows(root.rows, spec.primaryKey, spec.dedupSort).filter((row) => !isDeleted(row, spec));
  const existing = await lookups.existingKeys(
    root.table.name,
    spec.primaryKey,
    keyRows(rows, spec.primaryKey),
  );
  const inserted = rows.filter((row) => !existing.has(keyOf(row, spec.primaryKey)!));
  if (inserted.length > 0) operations.push(op(root.table.name, 'append', root.schema, inserted));
  for (const batch of nested) {
    const candidates = dedupRows(batch.rows, [DLT_ID]);
    const ids = await lookups.existingKeys(batch.table.name, [DLT_ID], keyRows(candidates, [DLT_ID]));
    const fresh = candidates.filter((row) => !ids.has(keyOf(row, [DLT_ID])!));
    if (fresh.length > 0) operations.push(op(batch.table.name, 'append', batch.schema, fresh));
  }
  return operations;
}

async function planDeleteInsert(
  spec: ChainSpec,
  root: Batch,
  nested: Batch[],
  lookups: PlanLookups,
): Promise<PlanOperation[]> {
  const operations: PlanOperation[] = [];
  const name = root.table.name;
  const { primaryKey, mergeKey } = spec;
  if (primaryKey.length === 0 && mergeKey.length === 0) {
    const live = root.rows.filter((row) => !isDeleted(row, spec));
    if (live.length > 0) operations.push(op(name, 'append', root.schema, live));
    for (const batch of nested)
      if (batch.rows.length > 0) operations.push(op(batch.table.name, 'append', batch.schema, batch.rows));
    return operations;
  }
  const ids = new Map<string, unknown>();
  for (const columns of [primaryKey, mergeKey]) {
    if (columns.length === 0) continue;
    const keys = keyRows(root.rows, columns);
    if (keys.length === 0) continue;
    for (const id of await lookups.matchingRowIds(name, columns, keys)) ids.set(keyOf({ id }, ['id'])!, id);
  }
  const doomed = [...ids.values()];
  if (doomed.length > 0) {
    for (const batch of nested) {
      const column = rootKeyColumn(batch.table, name);
      operations.push(
        op(
          batch.table.name,
          'delete',
          selectFields(batch.schema, [column]),
          doomed.map((id) => ({ [column]: id })),
          [column],
        ),
      );
    }
    operations.push(
      op(
        name,
        'delete',
        selectFields(root.schema, [DLT_ID]),
        doomed.map((id) => ({ [DLT_ID]: id })),
        [DLT_ID],
      ),
    );
  }
  const candidates =
    primaryKey.length > 0 && !spec.deduplicated
      ? dedupRows(root.rows, primaryKey, spec.dedupSort)
      : root.rows;
  const inserted = candidates.filter((row) => !isDeleted(row, spec));
  if (inserted.length > 0) operations.push(op(name, 'append', root.schema, inserted));
  const insertedIds = new Set(inserted.map((row) => keyOf(row, [DLT_ID])));
  const filterNested = primaryKey.length > 0 || spec.hardDelete !== undefined;
  for (const batch of nested) {
    const column = rootKeyColumn(batch.table, name);
    const rows = filterNested
      ? dedupRows(
          batch.rows.filter((row) => insertedIds.has(keyOf(row, [column]))),
          [DLT_ID],
        )
      : batch.rows;
    if (rows.length > 0) operations.push(op(batch.table.name, 'append', batch.schema, rows));
  }
  return operations;
}

async function planScd2(
  spec: ChainSpec,
  root: Batch,
  nested: Batch[],
  lookups: PlanLookups,
  boundary: Date,
): Promise<PlanOperation[]> {
  const operations: PlanOperation[] = [];
  const { from, to, rowVersion, activeValue } = spec.scd2!;
  const name = root.table.name;
  const boundaryValue = timestampValue(boundary, root.schema, from);
  const active = activeValue === null ? null : timestampValue(activeValue, root.schema, to);
  const rows = dedupRows(root.rows, [rowVersion]);
  const batchHashes = new Set(rows.map((row) => keyOf(row, [rowVersion])));
  const current = await lookups.activeRows(
    name,
    { rowVersion, from, to, activeValue: active },
    spec.mergeKey.length > 0 ? { columns: spec.mergeKey, keys: keyRows(rows, spec.mergeKey) } : undefined,
  );
  const retired = current.filter((row) => !batchHashes.has(keyOf(row, [rowVersion])));
  if (retired.length > 0) {
    const schema = selectFields(root.schema, [rowVersion, from, to]);
    operations.push(
      op(
        name,
        'update',
        schema,
        retired.map((row) => ({ [rowVersion]: row[rowVersion], [from]: row[from], [to]: boundaryValue })),
        [rowVersion, from],
      ),
    );
  }
  const activeHashes = new Set(current.map((row) => keyOf(row, [rowVersion])));
  const inserted = rows
    .filter((row) => !activeHashes.has(keyOf(row, [rowVersion])))
    .map((row) => ({ ...row, [from]: boundaryValue, [to]: active }));
  if (inserted.length > 0) operations.push(op(name, 'append', root.schema, inserted));
  for (const batch of nested) {
    const candidates = dedupRows(batch.rows, [DLT_ID]);
    const ids = await lookups.existingKeys(batch.table.name, [DLT_ID], keyRows(candidates, [DLT_ID]));
    const fresh = candidates.filter((row) => !ids.has(keyOf(row, [DLT_ID])!));
    if (fresh.length > 0) operations.push(op(batch.table.name, 'append', batch.schema, fresh));
  }
  return operations;
}

/**
 * Lookups over in-memory tables (for tests, the reference destination and client-side execution).
 */
export function inMemoryLookups(tables: ReadonlyMap<string, Table>): PlanLookups {
  const rowsOf = (name: string): Row[] => {
    const table = tables.get(name);
    return table ? tableRows(table) : [];
  };
  return {
    async existingKeys(table, columns, keys) {
      const wanted = new Set(keys.map((row) => keyOf(row, columns)));
      return new Set(
        rowsOf(table)
          .map((row) => keyOf(row, columns))
          .filter((key): key is string => key !== undefined && wanted.has(key)),
      );
    },
    async matchingRowIds(table, columns, keys) {
      const wanted = new Set(keys.map((row) => keyOf(row, columns)));
      return rowsOf(table)
        .filter((row) => wanted.has(keyOf(row, columns)))
        .map((row) => row[DLT_ID]);
    },
    async activeRows(table, scd2, mergeKey) {
      const wanted = mergeKey ? new Set(mergeKey.keys.map((row) => keyOf(row, mergeKey.columns))) : undefined;
      return rowsOf(table).filter((row) => {
        const value = row[scd2.to];
        const activeRow =
          scd2.activeValue === null
            ? value === null || value === undefined
            : value !== null && BigInt(value as bigint) === scd2.activeValue;
        return activeRow && (!wanted || wanted.has(keyOf(row, mergeKey!.columns)));
      });
    },
  };
}
