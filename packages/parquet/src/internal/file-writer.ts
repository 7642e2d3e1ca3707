import { createRequire } from 'node:module';
import { type Data, RecordBatch, type Schema, Table, Type } from 'apache-arrow';
import { ParquetError } from '../errors.ts';
import { DLT_DATA_TYPE_METADATA } from '../type-mapping.ts';
import { type ColumnLayout, encodeColumnChunk, schemaElements } from './encode.ts';
import { type CompressionName, serializeThrift, thrift, thriftClass } from './parquetjs.ts';

const MAGIC = Buffer.from('PAR1');
/** Footer key holding each field's Arrow metadata as JSON (e.g. the dlt data type of a json column). */
export const FIELD_METADATA_KEY = 'hotdata-dlt:field_metadata';

const packageVersion = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;
/** `<application> version <semver>` is the form readers (Arrow, DuckDB) parse `created_by` with. */
const CREATED_BY = `hotdata-dlt parquet version ${packageVersion} (build @dsnp/parquetjs 1.8.9 thrift)`;

export interface ByteSink {
  write(bytes: Buffer): Promise<void>;
}

/** Writes one Parquet file: the magic, row groups one by one, then the footer. */
export class ParquetFileWriter {
  readonly schema: Schema;
  readonly #sink: ByteSink;
  readonly #layouts: ColumnLayout[];
  readonly #elements: unknown[];
  readonly #compression: CompressionName;
  readonly #metadata: Record<string, string>;
  readonly #rowGroups: unknown[] = [];
  #offset = 0;
  rows = 0;
  /** Estimated Arrow bytes of the rows written so far (see {@link estimateBatchBytes}). */
  arrowBytes = 0;

  constructor(
    schema: Schema,
    sink: ByteSink,
    options: { compression: CompressionName; metadata: Record<string, string> },
  ) {
    this.schema = schema;
    this.#sink = sink;
    const { layouts, elements } = schemaElements(schema);
    this.#layouts = layouts;
    this.#elements = elements;
    this.#compression = options.compression;
    this.#metadata = options.metadata;
  }

  /** Bytes written to the sink so far. */
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
    const ColumnChunk = thriftClass('ColumnChunk');
    const ColumnMetaData = thriftClass('ColumnMetaData');
    const Statistics = thriftClass('Statistics');
    for (let index = 0; index < this.#layouts.length; index++) {
      const layout = this.#layouts[index]!;
      const chunks: Data[] = batches.flatMap((batch) => batch.data.children[index] ?? []);
      const start = this.#offset;
      const encoded = await encodeColumnChunk(layout, chunks, rows, this.#compression);
      await this.#write(encoded.bytes);
      totalUncompressed += encoded.uncompressedSize;
      columns.push(
        new ColumnChunk({
          file_offset: start,
          meta_data: new ColumnMetaData({
            type: layout.physical,
            encodings: layout.required
              ? [thrift.Encoding.PLAIN]
              : [thrift.Encoding.PLAIN, thrift.Encoding.RLE],
            path_in_schema: [layout.field.name],
            codec: thrift.CompressionCodec[this.#compression],
            num_values: rows,
            total_uncompressed_size: encoded.uncompressedSize,
            total_compressed_size: encoded.bytes.length,
            data_page_offset: start,
            statistics: new Statistics({ null_count: encoded.nullCount }),
          }),
        }),
      );
    }
    this.#rowGroups.push(
      new (thriftClass('RowGroup'))({
        columns,
        total_byte_size: totalUncompressed,
        num_rows: rows,
        file_offset: groupStart,
        total_compressed_size: this.#offset - groupStart,
        ordinal: this.#rowGroups.length,
      }),
    );
    this.rows += rows;
    this.arrowBytes += batches.reduce((total, batch) => total + estimateBatchBytes(batch), 0);
  }

  async finish(): Promise<void> {
    const fieldMetadata: Record<string, Record<string, string>> = {};
    for (const field of this.schema.fields) {
      if (field.metadata.size > 0) fieldMetadata[field.name] = Object.fromEntries(field.metadata);
    }
    const KeyValue = thriftClass('KeyValue');
    const keyValues = Object.entries({
      ...this.#metadata,
      [FIELD_METADATA_KEY]: JSON.stringify(fieldMetadata),
    }).map(([key, value]) => new KeyValue({ key, value }));
    const footer = serializeThrift(
      new (thriftClass('FileMetaData'))({
        version: 1,
        schema: this.#elements,
        num_rows: this.rows,
        row_groups: this.#rowGroups,
        key_value_metadata: keyValues,
        created_by: CREATED_BY,
      }),
    );
    const length = Buffer.alloc(4);
    length.writeUInt32LE(footer.length);
    await this.#write(Buffer.concat([footer, length, MAGIC]));
  }
}

function dataBytes(data: Data): number {
  let total = 0;
  const offsets = data.valueOffsets as Int32Array | BigInt64Array | undefined;
  if (
    data.typeId === Type.Utf8 ||
    data.typeId === Type.Binary ||
    data.typeId === Type.LargeUtf8 ||
    data.typeId === Type.LargeBinary
  ) {
    total += Number(offsets![data.length]) - Number(offsets![0]) + 4 * data.length;
  } else if (data.typeId === Type.Dictionary) {
    // Written expanded (PLAIN values), so count each row at the dictionary's average value size.
    const dictionary = (data as unknown as { dictionary?: { data: Data[]; length: number } }).dictionary;
    const dictionaryBytes = dictionary?.data.reduce((total, chunk) => total + dataBytes(chunk), 0) ?? 0;
    total += data.length * (4 + (dictionary?.length ? dictionaryBytes / dictionary.length : 0));
  } else if (data.typeId === Type.Bool) {
    total += Math.ceil(data.length / 8);
  } else if (data.values) {
    total += (data.values as Uint8Array).byteLength;
  }
  for (const child of data.children) total += dataBytes(child);
  return total;
}

/** Approximate in-memory size of a batch's values, what row groups and file budgets are measured in. */
export function estimateBatchBytes(batch: RecordBatch): number {
  return batch.data.children.reduce((total, child) => total + dataBytes(child), 0) + batch.numRows / 8;
}

/** Record batches waiting to become row groups; hands out groups cut by rows and estimated bytes. */
export class BatchQueue {
  readonly #batches: Array<{ batch: RecordBatch; bytesPerRow: number }> = [];
  #consumed = 0;
  rows = 0;
  bytes = 0;

  push(batch: RecordBatch): void {
    if (batch.numRows === 0) return;
    const bytes = estimateBatchBytes(batch);
    this.#batches.push({ batch, bytesPerRow: bytes / batch.numRows });
    this.rows += batch.numRows;
    this.bytes += bytes;
  }

  get schema(): Schema | undefined {
    return this.#batches[0]?.batch.schema;
  }

  /** Removes and returns at most `maxRows` rows and about `maxBytes` bytes (always at least one row). */
  take(maxRows: number, maxBytes: number): RecordBatch[] {
    const group: RecordBatch[] = [];
    let rows = 0;
    let bytes = 0;
    while (this.#batches.length > 0 && rows < maxRows) {
      const { batch, bytesPerRow } = this.#batches[0]!;
      const available = batch.numRows - this.#consumed;
      const byBytes = bytesPerRow > 0 ? Math.floor((maxBytes - bytes) / bytesPerRow) : available;
      const take = Math.min(available, maxRows - rows, rows === 0 ? Math.max(1, byBytes) : byBytes);
      if (take <= 0) break;
      group.push(
        this.#consumed === 0 && take === batch.numRows
          ? batch
          : batch.slice(this.#consumed, this.#consumed + take),
      );
      rows += take;
      bytes += take * bytesPerRow;
      this.#consumed += take;
      if (this.#consumed === batch.numRows) {
        this.#batches.shift();
        this.#consumed = 0;
      }
    }
    this.rows -= rows;
    this.bytes = Math.max(0, this.bytes - bytes);
    return group;
  }
}

/** The record batches of a table, a batch or a list of batches. */
export function batchesOf(input: Table | RecordBatch | readonly RecordBatch[]): RecordBatch[] {
  if (input instanceof Table) return input.batches;
  if (input instanceof RecordBatch) return [input];
  return [...input];
}

/** The schema of the input, or the explicit one (needed for an empty list of batches). */
export function schemaOf(input: Table | RecordBatch | readonly RecordBatch[], schema?: Schema): Schema {
  if (schema) return schema;
  if (input instanceof Table || input instanceof RecordBatch) return input.schema;
  const first = input[0];
  if (!first) {
    throw new ParquetError(
      'Cannot write an empty list of record batches without a schema; pass the schema option.',
      {
        code: 'PARQUET_UNSUPPORTED',
      },
    );
  }
  return first.schema;
}

/** Same column names, types, nullability and dlt types: batches that can share a file. */
export function sameSchema(left: Schema, right: Schema): boolean {
  if (left === right) return true;
  if (left.fields.length !== right.fields.length) return false;
  return left.fields.every((field, index) => {
    const other = right.fields[index]!;
    return (
      field.name === other.name &&
      field.nullable === other.nullable &&
      String(field.type) === String(other.type) &&
      field.metadata.get(DLT_DATA_TYPE_METADATA) === other.metadata.get(DLT_DATA_TYPE_METADATA)
    );
  });
}
