import { existsSync } from 'node:fs';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DestinationUndefinedEntityError } from '@hotdata-dlt/core';
import { rowsToTable } from '@hotdata-dlt/merge';
import { readParquet, writeParquet } from '@hotdata-dlt/parquet';
import { Field, makeData, RecordBatch, Schema, Struct, Table } from 'apache-arrow';

/** Where the reference destination keeps its datasets: one table per name, whole tables at a time. */
export interface ReferenceStorage {
  /** Whether the dataset was created. */
  exists(dataset: string): Promise<boolean>;
  create(dataset: string): Promise<void>;
  drop(dataset: string): Promise<void>;
  /** Table names of the dataset (none when it does not exist). */
  list(dataset: string): Promise<string[]>;
  read(dataset: string, table: string): Promise<Table | undefined>;
  /** Replaces the table; the dataset must exist. */
  write(dataset: string, table: string, data: Table): Promise<void>;
}

/** The table with every column nullable: stored tables accept NULL in columns added later. */
export function relaxNullability(table: Table): Table {
  if (table.schema.fields.every((field) => field.nullable)) return table;
  const schema = new Schema(
    table.schema.fields.map((field) => new Field(field.name, field.type, true, field.metadata)),
    table.schema.metadata,
  );
  if (table.batches.length === 0) return rowsToTable(schema, []);
  return new Table(
    table.batches.map(
      (batch) =>
        new RecordBatch(
          schema,
          makeData({
            type: new Struct(schema.fields),
            length: batch.numRows,
            nullCount: 0,
            children: batch.data.children,
          }),
        ),
    ),
  );
}

/** Tables held in this process: they live as long as the destination object. */
export function memoryStorage(): ReferenceStorage {
  const datasets = new Map<string, Map<string, Table>>();
  return {
    async exists(dataset) {
      return datasets.has(dataset);
    },
    async create(dataset) {
      if (!datasets.has(dataset)) datasets.set(dataset, new Map());
    },
    async drop(dataset) {
      datasets.delete(dataset);
    },
    async list(dataset) {
      return [...(datasets.get(dataset)?.keys() ?? [])];
    },
    async read(dataset, table) {
      return datasets.get(dataset)?.get(table);
    },
    async write(dataset, table, data) {
      const tables = datasets.get(dataset);
      if (!tables)
        throw new DestinationUndefinedEntityError(
          `Dataset '${dataset}' does not exist; call initializeStorage() first.`,
        );
      tables.set(table, relaxNullability(data));
    },
  };
}

const SUFFIX = '.parquet';

/**
 * One Parquet file per table under `<dir>/<dataset>/`: shared by every process using the same folder,
 * and it survives a killed process. Each file is replaced atomically (written aside, then renamed).
 */
export function directoryStorage(dir: string): ReferenceStorage {
  const folder = (dataset: string) => join(dir, dataset);
  return {
    async exists(dataset) {
      return existsSync(folder(dataset));
    },
    async create(dataset) {
      await mkdir(folder(dataset), { recursive: true });
    },
    async drop(dataset) {
      await rm(folder(dataset), { recursive: true, force: true });
    },
    async list(dataset) {
      if (!existsSync(folder(dataset))) return [];
      return (await readdir(folder(dataset)))
        .filter((file) => file.endsWith(SUFFIX))
        .map((file) => file.slice(0, -SUFFIX.length));
    },
    async read(dataset, table) {
      const path = join(folder(dataset), `${table}${SUFFIX}`);
      return existsSync(path) ? readParquet(path) : undefined;
    },
    async write(dataset, table, data) {
      if (!existsSync(folder(dataset)))
        throw new DestinationUndefinedEntityError(
          `Dataset folder '${folder(dataset)}' does not exist; call initializeStorage() first.`,
        );
      await writeParquet(relaxNullability(data), join(folder(dataset), `${table}${SUFFIX}`));
    },
  };
}
