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
import { alignToSchema, promoteSchemas } from './promote.ts';
import { keyOf, type Row, rowsToTable, tableToRows } from './rows.ts';

interface State {
  schema: Schema;
  rows: Row[];
}

/** Converts a timestamp into the storage value of a column (int64 in the column's unit). */
export function timestampValue(date: Date | string, schema: Schema, column: string): bigint {
  const time = typeof date === 'string' ? Date.parse(date) : date.getTime();
  const field = schema.fields.find((item) => item.name === column);
  const unit = (field?.type as unknown as { unit?: number } | undefined)?.unit ?? 2;
  const millis = BigInt(time);
  return unit === 0
    ? millis / 1000n
    : unit === 1
      ? millis
      : unit === 3
        ? millis * 1_000_000n
        : millis * 1000n;
}

/**
 * Merges a batch into full existing tables in memory (read-modify-write), following dlt's SQL semantics
 * for every disposition and strategy (SEMANTICS §7). This is the fallback for servers without key-based
 * load modes, and the reference the server-side plans are tested against.
 *
 * @example
 * ```ts
 * const next = mergeClientSide(new Map([['orders', existingOrders]]), { chain: [{ table, rows: batch }], loadId, boundaryTimestamp });
 * ```
 */
export function mergeClientSide(existing: ReadonlyMap<string, Table>, input: MergeInput): Map<string, Table> {
  const spec = chainSpec(input.chain[0]!.table);
  const batches = batchRows(input);
  const state = new Map<string, State>();
  for (const { table, rows } of input.chain) {
    const current = existing.get(table.name);
    const schema = current ? promoteSchemas(current.schema, rows.schema) : rows.schema;
    state.set(table.name, { schema, rows: current ? tableToRows(alignToSchema(current, schema)) : [] });
    const batch = batches.get(table.name)!;
    batch.rows = tableToRows(alignToSchema(rows, schema));
  }
  const root = spec.root.name;
  const batchOf = (name: string) => batches.get(name)!.rows;
  const nested = input.chain.slice(1).map((item) => item.table);

  switch (spec.strategy) {
    case 'replace':
      for (const [name, tableState] of state) tableState.rows = [...batchOf(name)];
      break;
    case 'append':
      for (const [name, tableState] of state) {
        const ids = new Set(tableState.rows.map((row) => keyOf(row, [DLT_ID])));
        // A restored (re-run) append keeps rows already loaded by their `_dlt_id`: loaded once.
        tableState.rows.push(
          ...batchOf(name).filter((row) => !input.restore || !ids.has(keyOf(row, [DLT_ID]))),
        );
      }
      break;
    case 'delete-insert':
      deleteInsert(spec, state, batchOf, nested, root);
      break;
    case 'upsert':
      upsert(spec, state, batchOf, nested, root);
      break;
    case 'insert-only':
      insertOnly(spec, state, batchOf, nested, root);
      break;
    case 'scd2':
      scd2(spec, state, batchOf, nested, root, input.boundaryTimestamp);
      break;
  }
  return new Map(
    [...state].map(([name, tableState]) => [name, rowsToTable(tableState.schema, tableState.rows)]),
  );
}

type BatchOf = (name: string) => Row[];

function deleteInsert(
  spec: ChainSpec,
  state: Map<string, State>,
  batchOf: BatchOf,
  nested: PreparedTable[],
  root: string,
): void {
  const rootState = state.get(root)!;
  const batch = batchOf(root);
  const { primaryKey, mergeKey } = spec;
  if (primaryKey.length === 0 && mergeKey.length === 0) {
    rootState.rows.push(...batch.filter((row) => !isDeleted(row, spec)));
    for (const table of nested) state.get(table.name)!.rows.push(...batchOf(table.name));
    return;
  }
  const pkKeys = new Set<string | undefined>(
    batch.map((row) => keyOf(row, primaryKey)).filter((key) => key !== undefined),
  );
  const mkKeys = new Set<string | undefined>(
    batch.map((row) => keyOf(row, mergeKey)).filter((key) => key !== undefined),
  );
  const matches = (row: Row) =>
    (primaryKey.length > 0 && pkKeys.has(keyOf(row, primaryKey))) ||
    (mergeKey.length > 0 && mkKeys.has(keyOf(row, mergeKey)));
  const deletedIds = new Set(rootState.rows.filter(matches).map((row) => keyOf(row, [DLT_ID])));
  rootState.rows = rootState.rows.filter((row) => !matches(row));
  for (const table of nested) {
    const column = rootKeyColumn(table, root);
    const tableState = state.get(table.name)!;
    tableState.rows = tableState.rows.filter((row) => !deletedIds.has(keyOf(row, [column])));
  }
  const candidates =
    primaryKey.length > 0 && !spec.deduplicated ? dedupRows(batch, primaryKey, spec.dedupSort) : batch;
  const inserted = candidates.filter((row) => !isDeleted(row, spec));
  rootState.rows.push(...inserted);
  const insertedIds = new Set(inserted.map((row) => keyOf(row, [DLT_ID])));
  const filterNested = primaryKey.length > 0 || spec.hardDelete !== undefined;
  for (const table of nested) {
    const column = rootKeyColumn(table, root);
    const rows = filterNested
      ? batchOf(table.name).filter((row) => insertedIds.has(keyOf(row, [column])))
      : batchOf(table.name);
    state.get(table.name)!.rows.push(...(filterNested ? dedupRows(rows, [DLT_ID]) : rows));
  }
}

function upsert(
  spec: ChainSpec,
  state: Map<string, State>,
  batchOf: BatchOf,
  nested: PreparedTable[],
  root: string,
): void {
  const rootState = state.get(root)!;
  const batch = dedupRows(batchOf(root), spec.primaryKey, spec.dedupSort);
  const byKey = new Map(rootState.rows.map((row, index) => [keyOf(row, spec.primaryKey), index]));
  const removed = new Set<number>();
  for (const row of batch) {
    const key = keyOf(row, spec.primaryKey);
    const index = key === undefined ? undefined : byKey.get(key);
    if (isDeleted(row, spec)) {
      if (index !== undefined) removed.add(index);
      continue;
    }
    if (index !== undefined && !removed.has(index)) rootState.rows[index] = row;
    else {
      byKey.set(key, rootState.rows.length);
      rootState.rows.push(row);
    }
  }
  rootState.rows = rootState.rows.filter((_, index) => !removed.has(index));
  const touched = new Set(batch.map((row) => keyOf(row, [DLT_ID])));
  const deletedRoots = new Set(
    batch.filter((row) => isDeleted(row, spec)).map((row) => keyOf(row, [DLT_ID])),
  );
  for (const table of nested) {
    const column = rootKeyColumn(table, root);
    const tableState = state.get(table.name)!;
    const incoming = batchOf(table.name).filter((row) => !deletedRoots.has(keyOf(row, [column])));
    const incomingIds = new Set(incoming.map((row) => keyOf(row, [DLT_ID])));
    // Update/insert by nested row id, then drop elements of touched roots that left the batch.
    const kept = tableState.rows.filter(
      (row) => !incomingIds.has(keyOf(row, [DLT_ID])) && !touched.has(keyOf(row, [column])),
    );
    tableState.rows = [...kept, ...dedupRows(incoming, [DLT_ID])];
  }
}

function insertOnly(
  spec: ChainSpec,
  state: Map<string, State>,
  batchOf: BatchOf,
  nested: PreparedTable[],
  root: string,
): void {
  const rootState = state.get(root)!;
  const existingKeys = new Set(rootState.rows.map((row) => keyOf(row, spec.primaryKey)));
  const batch = dedupRows(batchOf(root), spec.primaryKey, spec.dedupSort);
  rootState.rows.push(
    ...batch.filter((row) => !isDeleted(row, spec) && !existingKeys.has(keyOf(row, spec.primaryKey))),
  );
  for (const table of nested) {
    const tableState = state.get(table.name)!;
    const ids = new Set(tableState.rows.map((row) => keyOf(row, [DLT_ID])));
    tableState.rows.push(
      ...dedupRows(batchOf(table.name), [DLT_ID]).filter((row) => !ids.has(keyOf(row, [DLT_ID]))),
    );
  }
}

function isActive(row: Row, to: string, activeValue: bigint | null): boolean {
  const value = row[to];
  if (activeValue === null) return value === null || value === undefined;
  return value !== null && value !== undefined && BigInt(value as bigint) === activeValue;
}

function scd2(
  spec: ChainSpec,
  state: Map<string, State>,
  batchOf: BatchOf,
  nested: PreparedTable[],
  root: string,
  boundary: Date,
): void {
  const { from, to, rowVersion, activeValue } = spec.scd2!;
  const rootState = state.get(root)!;
  const boundaryValue = timestampValue(boundary, rootState.schema, from);
  const active = activeValue === null ? null : timestampValue(activeValue, rootState.schema, to);
  const batch = dedupRows(batchOf(root), [rowVersion]);
  const batchHashes = new Set(batch.map((row) => keyOf(row, [rowVersion])));
  const batchMergeKeys = new Set(
    spec.mergeKey.length > 0 ? batch.map((row) => keyOf(row, spec.mergeKey)) : [],
  );
  const activeHashes = new Set<string | undefined>();
  for (const row of rootState.rows) {
    if (!isActive(row, to, active)) continue;
    const hash = keyOf(row, [rowVersion]);
    const retire =
      !batchHashes.has(hash) && (spec.mergeKey.length === 0 || batchMergeKeys.has(keyOf(row, spec.mergeKey)));
    if (retire) row[to] = boundaryValue;
    else activeHashes.add(hash);
  }
  for (const row of batch) {
    if (activeHashes.has(keyOf(row, [rowVersion]))) continue;
    rootState.rows.push({ ...row, [from]: boundaryValue, [to]: active });
  }
  for (const table of nested) {
    const tableState = state.get(table.name)!;
    const ids = new Set(tableState.rows.map((row) => keyOf(row, [DLT_ID])));
    tableState.rows.push(
      ...dedupRows(batchOf(table.name), [DLT_ID]).filter((row) => !ids.has(keyOf(row, [DLT_ID]))),
    );
  }
}
