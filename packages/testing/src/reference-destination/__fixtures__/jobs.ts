import { join } from 'node:path';
import {
  type PreparedTable,
  pipelineStateTable,
  Schema,
  type TableChainJob,
  type TableSchema,
} from '@hotdata-dlt/core';
import { rowsToTable } from '@hotdata-dlt/merge';
import { arrowSchemaForColumns, writeParquet } from '@hotdata-dlt/parquet';

/** Tables as the pipeline's schema holds them after a normalize (columns complete, seen data). */
export function exampleSchema(): Schema {
  const schema = Schema.create('shop');
  const seen = { 'x-normalizer': { 'seen-data': true } };
  const tables: Array<TableSchema & { name: string }> = [
    {
      name: 'orders',
      write_disposition: 'merge',
      'x-merge-strategy': 'upsert',
      ...seen,
      columns: {
        id: { name: 'id', data_type: 'bigint', nullable: false, primary_key: true },
        status: { name: 'status', data_type: 'text', nullable: true },
        deleted: { name: 'deleted', data_type: 'bool', nullable: true, hard_delete: true },
        _dlt_load_id: { name: '_dlt_load_id', data_type: 'text', nullable: false },
        _dlt_id: { name: '_dlt_id', data_type: 'text', nullable: false, unique: true, row_key: true },
      },
    },
    {
      name: 'orders__items',
      parent: 'orders',
      ...seen,
      columns: {
        sku: { name: 'sku', data_type: 'text', nullable: true },
        _dlt_root_id: { name: '_dlt_root_id', data_type: 'text', nullable: false, root_key: true },
        _dlt_parent_id: { name: '_dlt_parent_id', data_type: 'text', nullable: false, parent_key: true },
        _dlt_list_idx: { name: '_dlt_list_idx', data_type: 'bigint', nullable: false },
        _dlt_id: { name: '_dlt_id', data_type: 'text', nullable: false, unique: true, row_key: true },
      },
    },
    ...['events', 'notes'].map((name) => ({
      name,
      write_disposition: 'append' as const,
      ...seen,
      columns: {
        n: { name: 'n', data_type: 'bigint' as const, nullable: true },
        _dlt_load_id: { name: '_dlt_load_id', data_type: 'text' as const, nullable: false },
        _dlt_id: {
          name: '_dlt_id',
          data_type: 'text' as const,
          nullable: false,
          unique: true,
          row_key: true,
        },
      },
    })),
    { ...pipelineStateTable(), ...seen },
  ];
  for (const table of tables) schema.updateTable(table);
  schema.bumpVersion();
  return schema;
}

let fileCounter = 0;

/** Writes rows of a prepared table as a Parquet load file and returns its path. */
export async function loadFile(
  dir: string,
  table: PreparedTable,
  rows: Record<string, unknown>[],
): Promise<string> {
  fileCounter += 1;
  const path = join(dir, `${table.name}.${process.pid}_${fileCounter}.0.parquet`);
  await writeParquet(rowsToTable(arrowSchemaForColumns(table.columns), rows), path);
  return path;
}

/** A table chain job over files written from `rows` per table (tables without rows get no file). */
export async function chainJob(
  schema: Schema,
  dir: string,
  root: string,
  rows: Record<string, Record<string, unknown>[]>,
  loadId: string,
  restore = false,
): Promise<TableChainJob> {
  const chain = schema.getTableChain(root).map((table) => schema.prepareLoadTable(table.name!));
  const tables = [];
  for (const table of chain) {
    const tableRows = rows[table.name] ?? [];
    tables.push({
      table,
      files: tableRows.length > 0 ? [await loadFile(dir, table, tableRows)] : [],
      fileFormat: 'parquet' as const,
      rows: tableRows.length,
    });
  }
  return {
    loadId,
    schema,
    rootTable: chain[0]!,
    tables,
    restore,
    packageCreatedAt: new Date(Number(loadId.split('.')[0]) * 1000),
  };
}

/** An append chain of `table` (`events` or `notes`) with one row per value of `n`. */
export function appendJob(schema: Schema, dir: string, table: string, values: number[], loadId: string) {
  return chainJob(
    schema,
    dir,
    table,
    {
      [table]: values.map((n) => ({
        n: BigInt(n),
        _dlt_load_id: loadId,
        _dlt_id: `${table}-${loadId}-${n}`,
      })),
    },
    loadId,
  );
}
