import type { PreparedTable } from '@hotdata-dlt/core';
import { Schema, type Table } from 'apache-arrow';
import {
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
import { alignToSchema, promoteSchemas } from './promote.ts';
import { keyOf, type Row, rowsToTable, tableToRows } from './rows.ts';
import { timestampValue } from './timestamps.ts';

/** One chain table during a client-side merge: D (destination rows) and S (staging = the batch). */
interface Working {
  table: PreparedTable;
  schema: Schema;
  destination: Row[];
  staging: Row[];
  /** The columns the batch carries: an UPDATE sets only these (dlt sets the prepared table's columns). */
  batchColumns: string[];
}

function updated(row: Row, source: Row, columns: readonly string[]): Row {
  const result = { ...row };
  for (const column of columns) result[column] = source[column] ?? null;
  return result;
}

const idsOf = (rows: readonly Row[], columns: readonly string[]) =>
  new Set(rows.map((row) => keyOf(row, columns)).filter((key) => key !== undefined));
const memberOf = (set: ReadonlySet<string>, row: Row, columns: readonly string[]) => {
  const key = keyOf(row, columns);
  return key !== undefined && set.has(key);
};

/**
 * Merges a table chain into full existing tables in memory (read-modify-write), restating dlt's SQL
 * for every disposition and strategy (SEMANTICS §7) over rows: the fallback for servers without
 * key-based load modes, and the reference the server-side plans of `planMerge` are tested against.
 * Returns the chain's tables after the load (schemas widened with `promoteSchemas`); other tables of
 * `existing` are not included.
 *
 * Deliberate differences from dlt's SQL, shared with `planMerge`: `upsert` and `insert-only` keep one
 * row per primary key (the `dedup_sort` winner, else the last) where dlt requires unique keys;
 * `upsert` does not insert a hard-deleted row whose key is absent; scd2 compares a compound merge key
 * column by column, not as `CONCAT(...)`.
 *
 * @example
 * ```ts
 * const next = mergeClientSide(new Map([['orders', orders]]), {
 *   chain: [{ table: preparedOrders, rows: batch }],
 *   loadId,
 *   boundaryTimestamp: new Date(),
 * });
 * ```
 */
export function mergeClientSide(existing: ReadonlyMap<string, Table>, input: MergeInput): Map<string, Table> {
  const spec = chainSpec(input.chain[0]!.table);
  const batches = batchRows(input, spec);
  const chain: Working[] = input.chain.map(({ table }) => {
    const batch = batches.get(table.name)!;
    const current = existing.get(table.name);
    const schema = promoteSchemas(current?.schema ?? new Schema([]), batch.schema);
    return {
      table,
      schema,
      destination: current ? tableToRows(alignToSchema(current, schema)) : [],
      staging: tableToRows(alignToSchema(rowsToTable(batch.schema, batch.rows), schema)),
      batchColumns: batch.schema.fields.map((field) => field.name),
    };
  });
  const [root, ...nested] = chain as [Working, ...Working[]];
  switch (spec.strategy) {
    case 'replace':
      for (const table of chain) table.destination = [...table.staging];
      break;
    case 'append':
      for (const table of chain) appendOnce(table, table.staging, input.restore === true);
      break;
    case 'delete-insert':
      deleteInsert(spec, root, nested, input.restore === true);
      break;
    case 'upsert':
      upsert(spec, root, nested);
      break;
    case 'insert-only':
      insertOnly(spec, root, nested);
      break;
    case 'scd2':
      scd2(spec, root, nested, input.boundaryTimestamp);
      break;
  }
  return new Map(chain.map((table) => [table.table.name, rowsToTable(table.schema, table.destination)]));
}

/** INSERT INTO N SELECT * FROM S_N WHERE row_key NOT IN (SELECT row_key FROM N). */
function insertNewNestedRows(table: Working): void {
  const rowKey = [rowKeyColumn(table.table)];
  const present = idsOf(table.destination, rowKey);
  for (const row of dedupRows(table.staging, rowKey)) {
    if (!memberOf(present, row, rowKey)) table.destination.push(row);
  }
}

/**
 * INSERT the rows; a restored chain may already hold some of them, recognised by their row key, which
 * comes from the package file.
 */
function appendOnce(table: Working, rows: readonly Row[], restore: boolean): void {
  const rowKey = [rowKeyColumn(table.table)];
  const loaded = restore ? idsOf(table.destination, rowKey) : new Set<string>();
  table.destination.push(...rows.filter((row) => !memberOf(loaded, row, rowKey)));
}

function deleteInsert(spec: ChainSpec, root: Working, nested: Working[], restore: boolean): void {
  const { primaryKey, mergeKey, rowKey } = spec;
  const notDeleted = (row: Row) => !isDeleted(row, spec);
  if (primaryKey.length === 0 && mergeKey.length === 0) {
    // Append fallback: INSERT ... WHERE not deleted; nested rows of rows not inserted stay out.
    const inserted = root.staging.filter(notDeleted);
    appendOnce(root, inserted, restore);
    const kept = new Map([[root.table.name, idsOf(inserted, [rowKey])]]);
    for (const table of nested) {
      const parents = kept.get(table.table.parent ?? '') ?? new Set<string>();
      const parentKey = [parentKeyColumn(table.table)];
      const rows = spec.hardDelete
        ? table.staging.filter((row) => memberOf(parents, row, parentKey))
        : table.staging;
      appendOnce(table, rows, restore);
      kept.set(table.table.name, idsOf(rows, [rowKeyColumn(table.table)]));
    }
    return;
  }
  // DELETE ... WHERE EXISTS (SELECT 1 FROM S WHERE d.pk = s.pk OR d.mk = s.mk), hard-deleted rows included.
  const stagedPrimary = idsOf(root.staging, primaryKey);
  const stagedMerge = idsOf(root.staging, mergeKey);
  const matches = (row: Row) =>
    (primaryKey.length > 0 && memberOf(stagedPrimary, row, primaryKey)) ||
    (mergeKey.length > 0 && memberOf(stagedMerge, row, mergeKey));
  const doomed = idsOf(root.destination.filter(matches), [rowKey]);
  for (const table of nested) {
    const rootKey = [rootKeyColumn(table.table, root.table.name)];
    table.destination = table.destination.filter((row) => !memberOf(doomed, row, rootKey));
  }
  root.destination = root.destination.filter((row) => !matches(row));
  // Insert: dedup by primary key (ROW_NUMBER ... = 1) first, then drop hard deletes.
  const deduplicated =
    primaryKey.length > 0 && !spec.deduplicated
      ? dedupRows(root.staging, primaryKey, spec.dedupSort)
      : root.staging;
  const inserted = deduplicated.filter(notDeleted);
  root.destination.push(...inserted);
  const insertedIds = idsOf(inserted, [rowKey]);
  for (const table of nested) {
    if (primaryKey.length === 0 && spec.hardDelete === undefined) {
      table.destination.push(...table.staging);
      continue;
    }
    const rootKey = [rootKeyColumn(table.table, root.table.name)];
    const rows = table.staging.filter((row) => memberOf(insertedIds, row, rootKey));
    table.destination.push(...dedupRows(rows, [rowKeyColumn(table.table)]));
  }
}

function upsert(spec: ChainSpec, root: Working, nested: Working[]): void {
  const { primaryKey, rowKey } = spec;
  const staging = dedupRows(root.staging, primaryKey, spec.dedupSort);
  // MERGE INTO D USING S ON pk: matched & deleted -> DELETE; matched -> UPDATE all; not matched -> INSERT.
  const byKey = new Map<string, Row>();
  for (const row of staging) {
    const key = keyOf(row, primaryKey);
    if (key !== undefined) byKey.set(key, row);
  }
  const matched = new Set<string>();
  const merged: Row[] = [];
  for (const row of root.destination) {
    const key = keyOf(row, primaryKey);
    const source = key === undefined ? undefined : byKey.get(key);
    if (!source) {
      merged.push(row);
      continue;
    }
    matched.add(key!);
    if (!isDeleted(source, spec)) merged.push(updated(row, source, root.batchColumns));
  }
  for (const row of staging) {
    const key = keyOf(row, primaryKey);
    if ((key === undefined || !matched.has(key)) && !isDeleted(row, spec)) merged.push(row);
  }
  root.destination = merged;
  const stagedRoots = idsOf(staging, [rowKey]);
  const deletedRoots = idsOf(
    staging.filter((row) => isDeleted(row, spec)),
    [rowKey],
  );
  for (const table of nested) {
    const rootKey = [rootKeyColumn(table.table, root.table.name)];
    const nestedKey = [rowKeyColumn(table.table)];
    const stagedNested = idsOf(table.staging, nestedKey);
    // DELETE elements that left the lists of staged roots, then MERGE on the nested row key.
    const remaining = table.destination.filter(
      (row) => !(memberOf(stagedRoots, row, rootKey) && !memberOf(stagedNested, row, nestedKey)),
    );
    const incoming = new Map<string, Row>();
    const unkeyed: Row[] = [];
    for (const row of dedupRows(table.staging, nestedKey)) {
      const key = keyOf(row, nestedKey);
      if (key === undefined) unkeyed.push(row);
      else incoming.set(key, row);
    }
    const merged = remaining.map((row) => {
      const key = keyOf(row, nestedKey);
      const source = key === undefined ? undefined : incoming.get(key);
      if (!source) return row;
      incoming.delete(key!);
      return updated(row, source, table.batchColumns);
    });
    // Finally DELETE nested rows of hard-deleted roots.
    table.destination = [...merged, ...incoming.values(), ...unkeyed].filter(
      (row) => !memberOf(deletedRoots, row, rootKey),
    );
  }
}

function insertOnly(spec: ChainSpec, root: Working, nested: Working[]): void {
  const { primaryKey } = spec;
  const present = idsOf(root.destination, primaryKey);
  const staging = dedupRows(root.staging, primaryKey, spec.dedupSort).filter((row) => !isDeleted(row, spec));
  for (const row of staging) if (!memberOf(present, row, primaryKey)) root.destination.push(row);
  for (const table of nested) insertNewNestedRows(table);
}

function scd2(spec: ChainSpec, root: Working, nested: Working[], boundaryTimestamp: Date | string): void {
  const { from, to, rowVersion, activeValue } = spec.scd2!;
  const boundary = timestampValue(boundaryTimestamp, root.schema, from);
  const active = activeValue === null ? null : timestampValue(activeValue, root.schema, to);
  const isActive = (row: Row) =>
    active === null
      ? row[to] === null || row[to] === undefined
      : row[to] !== null && row[to] !== undefined && BigInt(row[to] as bigint) === active;
  const stagedVersions = idsOf(root.staging, [rowVersion]);
  const stagedMergeKeys = idsOf(root.staging, spec.mergeKey);
  // UPDATE D SET to = B WHERE active AND hash NOT IN S [AND mk IN S].
  for (const row of root.destination) {
    if (!isActive(row) || memberOf(stagedVersions, row, [rowVersion])) continue;
    if (spec.mergeKey.length > 0 && !memberOf(stagedMergeKeys, row, spec.mergeKey)) continue;
    row[to] = boundary;
  }
  // INSERT new versions: S rows whose hash is not an active row's hash.
  const activeVersions = idsOf(root.destination.filter(isActive), [rowVersion]);
  for (const row of dedupRows(root.staging, [rowVersion])) {
    if (!memberOf(activeVersions, row, [rowVersion]))
      root.destination.push({ ...row, [from]: boundary, [to]: active });
  }
  for (const table of nested) insertNewNestedRows(table);
}
