import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { RecordBatch, Schema, Table } from 'apache-arrow';
import { ParquetError } from './errors.ts';
import { BatchQueue, batchesOf, ParquetFileWriter, sameSchema, schemaOf } from './internal/file-writer.ts';
import { type ParquetWriteOptions, type ResolvedWriteOptions, resolveWriteOptions } from './options.ts';

/** A Parquet file on disk and what it holds. */
export interface WrittenFile {
  path: string;
  rows: number;
  bytes: number;
}

/** Arrow input of the writers: a table, one record batch or a list of batches sharing a schema. */
export type ArrowInput = Table | RecordBatch | readonly RecordBatch[];

async function writeAll(
  input: ArrowInput,
  options: ResolvedWriteOptions,
  write: (bytes: Buffer) => Promise<void>,
): Promise<ParquetFileWriter> {
  const schema = schemaOf(input, options.schema);
  const queue = new BatchQueue();
  for (const batch of batchesOf(input)) {
    if (!sameSchema(schema, batch.schema)) {
      throw new ParquetError(
        'The record batches do not share one schema (names, types, nullability); write them to separate files or cast them first.',
        { code: 'PARQUET_SCHEMA_MISMATCH' },
      );
    }
    queue.push(batch);
  }
  const writer = new ParquetFileWriter(schema, { write }, options);
  await writer.start();
  while (queue.rows > 0) await writer.writeRowGroup(queue.take(options.rowGroupSize, options.rowGroupBytes));
  await writer.finish();
  return writer;
}

/**
 * Writes an Arrow table (or record batches) as Parquet, column by column: PLAIN pages straight from
 * the Arrow buffers, definition levels from the validity bitmaps, the logical types DuckDB and other
 * readers expect for every dlt data type. Without a path it returns the file's bytes; with one it writes
 * the file atomically (a temporary name, renamed when complete) and returns its path, rows and bytes.
 *
 * @example
 * ```ts
 * const table = tableFromArrays({ id: Int32Array.from([1, 2]), name: ['a', 'b'] });
 * const bytes = await writeParquet(table);                          // Buffer
 * const file = await writeParquet(table, 'out/orders.parquet', { compression: 'ZSTD' });
 * ```
 */
export async function writeParquet(
  input: ArrowInput,
  path?: undefined,
  options?: ParquetWriteOptions & { schema?: Schema },
): Promise<Buffer>;
export async function writeParquet(
  input: ArrowInput,
  path: string,
  options?: ParquetWriteOptions & { schema?: Schema },
): Promise<WrittenFile>;
export async function writeParquet(
  input: ArrowInput,
  path?: string,
  options: ParquetWriteOptions & { schema?: Schema } = {},
): Promise<Buffer | WrittenFile> {
  const resolved = resolveWriteOptions(options);
  if (path === undefined) {
    const parts: Buffer[] = [];
    await writeAll(input, resolved, async (bytes) => void parts.push(bytes));
    return Buffer.concat(parts);
  }
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  const handle = await open(temporary, 'w');
  try {
    const writer = await writeAll(input, resolved, async (bytes) => void (await handle.write(bytes)));
    await handle.close();
    await rename(temporary, path);
    return { path, rows: writer.rows, bytes: writer.bytesWritten };
  } catch (error) {
    await handle.close().catch(() => {});
    await rm(temporary, { force: true });
    throw error;
  }
}

/**
 * The bytes of a Parquet file holding `input`: `writeParquet(input, undefined, options)`.
 *
 * @example
 * ```ts
 * const bytes = await encodeParquet(table, { compression: 'UNCOMPRESSED' });
 * ```
 */
export function encodeParquet(
  input: ArrowInput,
  options: ParquetWriteOptions & { schema?: Schema } = {},
): Promise<Buffer> {
  return writeParquet(input, undefined, options);
}
