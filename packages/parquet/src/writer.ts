import { type FileHandle, mkdir, open, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ConfigurationError } from '@hotdata-dlt/core';
import { type Data, RecordBatch, type Schema, Table } from 'apache-arrow';
import { type ColumnLayout, encodeColumnChunk, schemaElements } from './internal/encode.ts';
import { type CompressionName, serializeThrift, thrift } from './internal/parquetjs.ts';

const MAGIC = Buffer.from('PAR1');
/** Key of the file metadata holding each field's Arrow metadata (e.g. the dlt data type). */
export const FIELD_METADATA_KEY = 'hotdata-dlt:field_metadata';

/** Options shared by the Parquet writers. */
export interface ParquetWriteOptions {
  /** Page compression. Default `SNAPPY`. */
  compression?: CompressionName;
  /** Rows per row group. Default 131072. */
  rowGroupSize?: number;
  /** Extra key/value metadata written into the file footer. */
  metadata?: Record<string, string>;
}

interface Sink {
  write(bytes: Buffer): Promise<void>;
}

/** Writes one Parquet file: row groups appended one by one, the footer on close. */
class ParquetFileWriter {
  readonly schema: Schema;
  readonly #sink: Sink;
  readonly #layouts: ColumnLayout[];
  readonly #elements: unknown[];
  readonly #compression: CompressionName;
  readonly #metadata: Record<string, string>;
  readonly #rowGroups: unknown[] = [];
  #offset = 0;
  rows = 0;

  constructor(schema: Schema, sink: Sink, options: ParquetWriteOptions) {
    this.schema = schema;
    this.#sink = sink;
    const { layouts, elements } = schemaElements(schema);
    this.#layouts = layouts;
    this.#elements = elements;
    this.#compression = options.compression ?? 'SNAPPY';
    this.#metadata = options.metadata ?? {};
  }

  get bytesWritten(): number {
    return this.#offset;
  }

  async #write(bytes: Buffer): Promise<void> {
    await this.#sink.write(bytes);
    this.#offset += bytes.length;
  }

  async start(): Promise<void> {
    await this.#write(MAGIC);
  }

  async writeRowGroup(batches: readonly RecordBatch[]): Promise<void> {
    const rows = batches.reduce((total, batch) => total + batch.numRows, 0);
    if (rows === 0) return;
    const groupStart = this.#offset;
    const columns: unknown[] = [];
    let totalUncompressed = 0;
    for (let index = 0; index < this.#layouts.length; index++) {
      const layout = this.#layouts[index]!;
      const chunks: Data[] = batches.flatMap((batch) => batch.getChildAt(index)?.data ?? []);
      const start = this.#offset;
      const encoded = await encodeColumnChunk(layout, chunks, rows, this.#compression);
      await this.#write(encoded.bytes);
      totalUncompressed += encoded.uncompressedSize;
      columns.push(
        new thrift.ColumnChunk!({
          file_offset: start,
          meta_data: new thrift.ColumnMetaData!({
            type: layout.physical,
            encodings: [thrift.Encoding.PLAIN, thrift.Encoding.RLE],
            path_in_schema: [layout.field.name],
            codec: thrift.CompressionCodec[this.#compression],
            num_values: rows,
            total_uncompressed_size: encoded.uncompressedSize,
            total_compressed_size: encoded.bytes.length,
            data_page_offset: start,
            statistics: new thrift.Statistics!({ null_count: encoded.nullCount }),
          }),
        }),
      );
    }
    this.#rowGroups.push(
      new thrift.RowGroup!({
        columns,
        total_byte_size: totalUncompressed,
        num_rows: rows,
        file_offset: groupStart,
        total_compressed_size: this.#offset - groupStart,
        ordinal: this.#rowGroups.length,
      }),
    );
    this.rows += rows;
  }

  async finish(): Promise<void> {
    const fieldMetadata: Record<string, Record<string, string>> = {};
    for (const field of this.schema.fields) {
      if (field.metadata.size > 0) fieldMetadata[field.name] = Object.fromEntries(field.metadata);
    }
    const keyValues = Object.entries({
      ...this.#metadata,
      [FIELD_METADATA_KEY]: JSON.stringify(fieldMetadata),
    }).map(([key, value]) => new thrift.KeyValue!({ key, value }));
    const footer = serializeThrift(
      new thrift.FileMetaData!({
        version: 1,
        schema: this.#elements,
        num_rows: this.rows,
        row_groups: this.#rowGroups,
        key_value_metadata: keyValues,
        created_by: 'hotdata-dlt parquet (@dsnp/parquetjs thrift)',
      }),
    );
    const length = Buffer.alloc(4);
    length.writeUInt32LE(footer.length);
    await this.#write(Buffer.concat([footer, length, MAGIC]));
  }
}

function sameSchema(left: Schema, right: Schema): boolean {
  if (left === right) return true;
  if (left.fields.length !== right.fields.length) return false;
  return left.fields.every((field, index) => {
    const other = right.fields[index]!;
    return (
      field.name === other.name &&
      field.nullable === other.nullable &&
      String(field.type) === String(other.type)
    );
  });
}

function batchesOf(input: Table | RecordBatch | readonly RecordBatch[]): RecordBatch[] {
  if (input instanceof Table) return input.batches;
  if (input instanceof RecordBatch) return [input];
  return [...input];
}

/** Splits batches into groups of at most `size` rows (slicing batches that straddle a boundary). */
function* rowGroups(batches: readonly RecordBatch[], size: number): Generator<RecordBatch[]> {
  let group: RecordBatch[] = [];
  let rows = 0;
  for (const batch of batches) {
    let offset = 0;
    while (offset < batch.numRows) {
      const take = Math.min(size - rows, batch.numRows - offset);
      group.push(offset === 0 && take === batch.numRows ? batch : batch.slice(offset, offset + take));
      rows += take;
      offset += take;
      if (rows === size) {
        yield group;
        group = [];
        rows = 0;
      }
    }
  }
  if (rows > 0) yield group;
}

function schemaOf(input: Table | RecordBatch | readonly RecordBatch[], schema?: Schema): Schema {
  if (schema) return schema;
  if (input instanceof Table || input instanceof RecordBatch) return input.schema;
  const first = input[0];
  if (!first) throw new ConfigurationError('Cannot write an empty list of record batches without a schema.');
  return first.schema;
}

/**
 * Encodes an Arrow table (or record batches) as a Parquet file in memory. Every dlt data type is
 * supported; columns are written column by column (PLAIN pages, definition levels from the validity
 * bitmaps), not row by row.
 *
 * @example
 * ```ts
 * const bytes = await encodeParquet(tableFromArrays({ id: Int32Array.from([1, 2]) }));
 * ```
 */
export async function encodeParquet(
  input: Table | RecordBatch | readonly RecordBatch[],
  options: ParquetWriteOptions & { schema?: Schema } = {},
): Promise<Buffer> {
  const parts: Buffer[] = [];
  const writer = new ParquetFileWriter(
    schemaOf(input, options.schema),
    { write: async (bytes) => void parts.push(bytes) },
    options,
  );
  await writer.start();
  for (const group of rowGroups(batchesOf(input), options.rowGroupSize ?? 131_072))
    await writer.writeRowGroup(group);
  await writer.finish();
  return Buffer.concat(parts);
}

/** Writes an Arrow table to a Parquet file atomically (temporary name, then rename). */
export async function writeParquet(
  input: Table | RecordBatch | readonly RecordBatch[],
  path: string,
  options: ParquetWriteOptions & { schema?: Schema } = {},
): Promise<{ path: string; rows: number; bytes: number }> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.tmp-${process.pid}`;
  const handle = await open(temporary, 'w');
  try {
    const writer = new ParquetFileWriter(
      schemaOf(input, options.schema),
      { write: async (bytes) => void (await handle.write(bytes)) },
      options,
    );
    await writer.start();
    for (const group of rowGroups(batchesOf(input), options.rowGroupSize ?? 131_072))
      await writer.writeRowGroup(group);
    await writer.finish();
    await handle.sync();
    await handle.close();
    await rename(temporary, path);
    return { path, rows: writer.rows, bytes: writer.bytesWritten };
  } catch (error) {
    await handle.close().catch(() => {});
    throw error;
  }
}

/** Options of {@link ParquetStreamWriter}. */
export interface ParquetStreamWriterOptions extends ParquetWriteOptions {
  /** Folder of the files. */
  directory: string;
  /** File name for the n-th file (0-based). Default `part-00000.parquet`, ... */
  fileName?: (index: number) => string;
  /** Start a new file once the current one reaches this many bytes. Default 128 MiB. */
  maxFileSize?: number;
  /** Start a new file once the current one has this many rows. Default unlimited. */
  maxRowsPerFile?: number;
}

/** A file written by {@link ParquetStreamWriter}. */
export interface WrittenFile {
  path: string;
  rows: number;
  bytes: number;
}

/**
 * Appends record batches to Parquet files in a folder, rotating to a new file past `maxFileSize` bytes
 * or `maxRowsPerFile` rows, and when the schema changes (a new column). Memory stays bounded by one row
 * group. Files are written under a temporary name and renamed when complete.
 *
 * @example
 * ```ts
 * const writer = new ParquetStreamWriter({ directory: 'out', maxFileSize: 64 * 1024 * 1024 });
 * for await (const batch of batches) await writer.write(batch);
 * const files = await writer.close(); // [{ path, rows, bytes }, ...]
 * ```
 */
export class ParquetStreamWriter {
  readonly #options: ParquetStreamWriterOptions;
  readonly #files: WrittenFile[] = [];
  #handle: FileHandle | undefined;
  #writer: ParquetFileWriter | undefined;
  #path = '';
  #pending: RecordBatch[] = [];
  #pendingRows = 0;
  #closed = false;

  constructor(options: ParquetStreamWriterOptions) {
    this.#options = options;
  }

  get #rowGroupSize(): number {
    return this.#options.rowGroupSize ?? 131_072;
  }

  /** Appends a table or record batch. */
  async write(input: Table | RecordBatch): Promise<void> {
    if (this.#closed) throw new ConfigurationError('This ParquetStreamWriter is closed.');
    for (const batch of batchesOf(input)) {
      if (batch.numRows === 0) continue;
      const current = this.#pending[0]?.schema ?? this.#writer?.schema;
      if (current && !sameSchema(current, batch.schema)) {
        await this.#flush();
        await this.#closeFile();
      }
      this.#pending.push(batch);
      this.#pendingRows += batch.numRows;
      if (this.#pendingRows >= this.#rowGroupSize) await this.#flush();
    }
  }

  async #flush(): Promise<void> {
    if (this.#pendingRows === 0) return;
    const batches = this.#pending;
    this.#pending = [];
    this.#pendingRows = 0;
    for (const group of rowGroups(batches, this.#rowGroupSize)) {
      if (!this.#writer) await this.#openFile(group[0]!.schema);
      await this.#writer!.writeRowGroup(group);
      const { maxFileSize = 128 * 1024 * 1024, maxRowsPerFile = Number.POSITIVE_INFINITY } = this.#options;
      if (this.#writer!.bytesWritten >= maxFileSize || this.#writer!.rows >= maxRowsPerFile)
        await this.#closeFile();
    }
  }

  async #openFile(schema: Schema): Promise<void> {
    const index = this.#files.length;
    const name = this.#options.fileName?.(index) ?? `part-${String(index).padStart(5, '0')}.parquet`;
    this.#path = join(this.#options.directory, name);
    await mkdir(this.#options.directory, { recursive: true });
    const handle = await open(`${this.#path}.tmp`, 'w');
    this.#handle = handle;
    this.#writer = new ParquetFileWriter(
      schema,
      { write: async (bytes) => void (await handle.write(bytes)) },
      this.#options,
    );
    await this.#writer.start();
  }

  async #closeFile(): Promise<void> {
    if (!this.#writer || !this.#handle) return;
    await this.#writer.finish();
    await this.#handle.close();
    await rename(`${this.#path}.tmp`, this.#path);
    this.#files.push({ path: this.#path, rows: this.#writer.rows, bytes: this.#writer.bytesWritten });
    this.#writer = undefined;
    this.#handle = undefined;
  }

  /** Flushes and closes the current file; returns every file written. */
  async close(): Promise<WrittenFile[]> {
    if (!this.#closed) {
      await this.#flush();
      await this.#closeFile();
      this.#closed = true;
    }
    return [...this.#files];
  }
}
