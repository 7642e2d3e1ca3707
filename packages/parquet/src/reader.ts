import { type FileHandle, open } from 'node:fs/promises';
import { type Data, Field, makeData, RecordBatch, Schema, Struct, Table } from 'apache-arrow';
import { ParquetError } from './errors.ts';
import {
  ColumnAccumulator,
  type ColumnDescriptor,
  type ColumnMetaData,
  columnChunkRange,
  describeColumn,
  readColumnChunk,
  type SchemaElement,
} from './internal/column-reader.ts';
import { FIELD_METADATA_KEY } from './internal/file-writer.ts';
import { decodeThrift, thrift, thriftClass, toNumber } from './internal/parquetjs.ts';
import { DLT_DATA_TYPE_METADATA } from './type-mapping.ts';

interface FileMetaData {
  schema: SchemaElement[];
  num_rows: unknown;
  row_groups: Array<{ num_rows: unknown; columns: Array<{ meta_data: ColumnMetaData }> }> | null;
  key_value_metadata?: Array<{ key: string; value?: string | null }> | null;
  created_by?: string | null;
}

/** Options of {@link readParquet} and {@link readParquetBatches}. */
export interface ReadParquetOptions {
  /** Only these columns, in this order. Default: every column. */
  columns?: readonly string[];
}

/** What a Parquet file holds, from its footer alone. */
export interface ParquetFileInfo {
  rows: number;
  rowGroups: number;
  /** Names of the top-level columns, in file order. */
  columns: string[];
  /** The Arrow schema `readParquet` returns for the flat columns (nested columns are left out). */
  schema: Schema;
  /** Footer key/value metadata (the writer's own keys included). */
  metadata: Record<string, string>;
  createdBy: string | undefined;
}

/** Random access to the bytes of a file or a buffer. */
interface Source {
  label: string;
  size: number;
  read(position: number, length: number): Promise<Buffer>;
  close(): Promise<void>;
}

async function openSource(source: string | Uint8Array): Promise<Source> {
  if (typeof source !== 'string') {
    const buffer = Buffer.isBuffer(source)
      ? source
      : Buffer.from(source.buffer, source.byteOffset, source.byteLength);
    return {
      label: 'The buffer',
      size: buffer.length,
      read: async (position, length) => buffer.subarray(position, position + length),
      close: async () => {},
    };
  }
  let handle: FileHandle;
  try {
    handle = await open(source, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new ParquetError(`Parquet file '${source}' does not exist; check the path.`, {
        code: 'PARQUET_INVALID_FILE',
        cause: error,
      });
    }
    throw error;
  }
  const { size } = await handle.stat();
  return {
    label: `'${source}'`,
    size,
    async read(position, length) {
      const buffer = Buffer.allocUnsafe(length);
      const { bytesRead } = await handle.read(buffer, 0, length, position);
      return bytesRead === length ? buffer : buffer.subarray(0, bytesRead);
    },
    close: () => handle.close(),
  };
}

async function readFooter(source: Source): Promise<FileMetaData> {
  const invalid = (why: string, cause?: unknown) =>
    new ParquetError(`${source.label} is not a Parquet file (${why}).`, {
      code: 'PARQUET_INVALID_FILE',
      cause,
    });
  if (source.size < 12) throw invalid('too short');
  const head = await source.read(0, 4);
  const tail = await source.read(source.size - 8, 8);
  if (head.toString('latin1') !== 'PAR1' || tail.toString('latin1', 4) !== 'PAR1')
    throw invalid('missing PAR1 magic bytes');
  const footerLength = tail.readUInt32LE(0);
  if (footerLength > source.size - 12) throw invalid('footer length past the start of the file');
  const footer = await source.read(source.size - 8 - footerLength, footerLength);
  try {
    return decodeThrift<FileMetaData>(thriftClass('FileMetaData'), footer, 0).value;
  } catch (error) {
    throw invalid('the footer cannot be decoded', error);
  }
}

interface FileLayout {
  metadata: FileMetaData;
  /** Flat top-level columns, by name. */
  flat: Map<string, ColumnDescriptor>;
  /** Every top-level column name in file order, nested ones included. */
  names: string[];
  nested: Set<string>;
  keyValues: Record<string, string>;
  fieldMetadata: Record<string, Record<string, string>>;
}

function layoutOfFile(metadata: FileMetaData): FileLayout {
  const [root, ...elements] = metadata.schema;
  const flat = new Map<string, ColumnDescriptor>();
  const names: string[] = [];
  const nested = new Set<string>();
  let position = 0;
  let leafIndex = 0;
  // Walks one subtree; returns how many leaves (column chunks) it has.
  const leavesOf = (): number => {
    const element = elements[position++]!;
    if (!element.num_children) return 1;
    let leaves = 0;
    for (let child = 0; child < element.num_children; child++) leaves += leavesOf();
    return leaves;
  };
  for (let child = 0; child < (root?.num_children ?? 0); child++) {
    const element = elements[position];
    if (!element)
      throw new ParquetError('The Parquet schema is truncated.', { code: 'PARQUET_INVALID_FILE' });
    names.push(element.name);
    const isRepeated = element.repetition_type === thrift.FieldRepetitionType.REPEATED;
    if (element.num_children || isRepeated) {
      nested.add(element.name);
      leafIndex += leavesOf();
    } else {
      position++;
      flat.set(element.name, describeColumn(element, leafIndex++));
    }
  }
  const keyValues = Object.fromEntries(
    (metadata.key_value_metadata ?? []).map((entry) => [entry.key, entry.value ?? '']),
  );
  let fieldMetadata: Record<string, Record<string, string>> = {};
  try {
    fieldMetadata = JSON.parse(keyValues[FIELD_METADATA_KEY] ?? '{}');
  } catch {
    // Foreign or damaged metadata only loses the field annotations, never data.
  }
  return { metadata, flat, names, nested, keyValues, fieldMetadata };
}

function fieldOf(layout: FileLayout, column: ColumnDescriptor): Field {
  const metadata = new Map(Object.entries(layout.fieldMetadata[column.name] ?? {}));
  const logical = column.element.logicalType;
  if (
    !metadata.has(DLT_DATA_TYPE_METADATA) &&
    (logical?.JSON || column.element.converted_type === thrift.ConvertedType.JSON)
  )
    metadata.set(DLT_DATA_TYPE_METADATA, 'json');
  return new Field(column.name, column.type, column.optional, metadata);
}

function selectColumns(
  layout: FileLayout,
  label: string,
  wanted: readonly string[] | undefined,
): ColumnDescriptor[] {
  if (!wanted && layout.nested.size > 0) {
    throw new ParquetError(
      `${label} has nested columns (${[...layout.nested].join(', ')}), which this reader does not decode; pass the columns option to read the flat ones.`,
      { code: 'PARQUET_UNSUPPORTED' },
    );
  }
  return (wanted ?? layout.names).map((name) => {
    const column = layout.flat.get(name);
    if (column) return column;
    if (layout.nested.has(name)) {
      throw new ParquetError(
        `Column '${name}' of ${label} is nested (a group or a repeated field), which this reader does not decode.`,
        {
          code: 'PARQUET_UNSUPPORTED',
        },
      );
    }
    throw new ParquetError(
      `${label} has no column '${name}'; it has ${layout.names.join(', ') || 'no columns'}.`,
      {
        code: 'PARQUET_COLUMN_NOT_FOUND',
      },
    );
  });
}

/** Reads the chunks of `column` in the given row groups into one accumulator. */
async function readColumn(
  file: Source,
  groups: NonNullable<FileMetaData['row_groups']>,
  column: ColumnDescriptor,
): Promise<Data> {
  const rows = groups.reduce((total, group) => total + toNumber(group.num_rows), 0);
  const accumulator = new ColumnAccumulator(column, rows);
  for (const group of groups) {
    const meta = group.columns[column.leafIndex]?.meta_data;
    if (!meta) {
      throw new ParquetError(`${file.label} has a row group without column '${column.name}'.`, {
        code: 'PARQUET_INVALID_FILE',
      });
    }
    const { start, length } = columnChunkRange(meta);
    if (start + length > file.size) {
      throw new ParquetError(
        `${file.label} is truncated (column '${column.name}' ends past the end of the file).`,
        {
          code: 'PARQUET_INVALID_FILE',
        },
      );
    }
    await readColumnChunk(await file.read(start, length), meta, accumulator);
  }
  return accumulator.toData();
}

async function readGroups(
  file: Source,
  layout: FileLayout,
  columns: readonly ColumnDescriptor[],
  groups: NonNullable<FileMetaData['row_groups']>,
): Promise<RecordBatch> {
  const schema = new Schema(columns.map((column) => fieldOf(layout, column)));
  const rows = groups.reduce((total, group) => total + toNumber(group.num_rows), 0);
  const children: Data[] = [];
  for (const column of columns) children.push(await readColumn(file, groups, column));
  return new RecordBatch(
    schema,
    makeData({ type: new Struct(schema.fields), length: rows, nullCount: 0, children }),
  );
}

/**
 * Reads a Parquet file row group by row group, yielding one Arrow record batch per row group, so memory
 * stays bounded by one row group of the selected columns. Values are as {@link readParquet} returns them.
 *
 * @example
 * ```ts
 * for await (const batch of readParquetBatches('orders.parquet', { columns: ['id', 'amount'] })) {
 *   total += batch.numRows;
 * }
 * ```
 */
export async function* readParquetBatches(
  source: string | Uint8Array,
  options: ReadParquetOptions = {},
): AsyncGenerator<RecordBatch, void, undefined> {
  const file = await openSource(source);
  try {
    const layout = layoutOfFile(await readFooter(file));
    const columns = selectColumns(layout, file.label, options.columns);
    for (const group of layout.metadata.row_groups ?? [])
      yield await readGroups(file, layout, columns, [group]);
  } finally {
    await file.close();
  }
}

/**
 * Reads a Parquet file (a path or its bytes) into an Arrow table of one record batch, with exact values:
 * int64 as bigint storage, timestamps in their unit and zone, decimals as Decimal128 (Decimal256 past
 * 38 digits), strings as Utf8, JSON columns as Utf8 marked with the dlt type `json`, UUIDs as their
 * text. Reads files from this package and from other writers (DuckDB, pyarrow, arrow-rs, Spark):
 * version 1 and 2 data pages; PLAIN, dictionary, RLE, DELTA_* and BYTE_STREAM_SPLIT encodings; SNAPPY,
 * ZSTD, GZIP, BROTLI, LZ4_RAW or no compression. Nested columns (groups, repeated fields) are not
 * decoded: select the flat columns with `columns`. For files larger than memory, use
 * {@link readParquetBatches}.
 *
 * @example
 * ```ts
 * const table = await readParquet('orders.parquet', { columns: ['id', 'amount'] });
 * ```
 */
export async function readParquet(
  source: string | Uint8Array,
  options: ReadParquetOptions = {},
): Promise<Table> {
  const file = await openSource(source);
  try {
    const layout = layoutOfFile(await readFooter(file));
    const columns = selectColumns(layout, file.label, options.columns);
    return new Table([await readGroups(file, layout, columns, layout.metadata.row_groups ?? [])]);
  } finally {
    await file.close();
  }
}

/**
 * Rows, row groups, columns, Arrow schema and footer metadata of a Parquet file, from its footer alone.
 *
 * @example
 * ```ts
 * const { rows, columns } = await readParquetInfo('orders.parquet');
 * ```
 */
export async function readParquetInfo(source: string | Uint8Array): Promise<ParquetFileInfo> {
  const file = await openSource(source);
  try {
    const layout = layoutOfFile(await readFooter(file));
    return {
      rows: toNumber(layout.metadata.num_rows),
      rowGroups: layout.metadata.row_groups?.length ?? 0,
      columns: layout.names,
      schema: new Schema([...layout.flat.values()].map((column) => fieldOf(layout, column))),
      metadata: layout.keyValues,
      createdBy: layout.metadata.created_by ?? undefined,
    };
  } finally {
    await file.close();
  }
}
