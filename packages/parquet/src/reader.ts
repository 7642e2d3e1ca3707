import { open, readFile } from 'node:fs/promises';
import { ConfigurationError } from '@hotdata-dlt/core';
import {
  Binary,
  Bool,
  type DataType,
  DateDay,
  Decimal,
  Field,
  Float32,
  Float64,
  Int8,
  Int16,
  Int32,
  Int64,
  makeData,
  makeVector,
  RecordBatch,
  Schema,
  Struct,
  Table,
  TimeMicrosecond,
  TimeMillisecond,
  TimeNanosecond,
  TimestampMicrosecond,
  TimestampMillisecond,
  TimestampNanosecond,
  Uint8,
  Uint16,
  Uint32,
  Uint64,
  Utf8,
  type Vector,
} from 'apache-arrow';
import { decodeHybrid } from './internal/hybrid.ts';
import { type CompressionName, decodeThrift, decompress, thrift, toNumber } from './internal/parquetjs.ts';
import { FIELD_METADATA_KEY } from './writer.ts';

interface SchemaElement {
  name: string;
  type?: number;
  type_length?: number;
  repetition_type?: number;
  num_children?: number;
  converted_type?: number;
  scale?: number;
  precision?: number;
  logicalType?: Record<string, Record<string, unknown> | undefined>;
}

interface ColumnMetaData {
  type: number;
  codec: number;
  num_values: unknown;
  data_page_offset: unknown;
  dictionary_page_offset?: unknown;
  total_compressed_size: unknown;
  path_in_schema: string[];
}

interface FileMetaData {
  schema: SchemaElement[];
  num_rows: unknown;
  row_groups: Array<{ num_rows: unknown; columns: Array<{ meta_data: ColumnMetaData }> }>;
  key_value_metadata?: Array<{ key: string; value?: string }>;
}

interface PageHeader {
  type: number;
  uncompressed_page_size: number;
  compressed_page_size: number;
  data_page_header?: { num_values: number; encoding: number };
  data_page_header_v2?: {
    num_values: number;
    num_nulls: number;
    encoding: number;
    definition_levels_byte_length: number;
    repetition_levels_byte_length: number;
    is_compressed?: boolean;
  };
  dictionary_page_header?: { num_values: number };
}

const { Type: P, ConvertedType: C, Encoding: E, PageType } = thrift;
const CODECS: Record<number, CompressionName> = { 0: 'UNCOMPRESSED', 1: 'SNAPPY', 2: 'GZIP', 4: 'BROTLI' };

/** Reads a file or buffer once (small metadata reads are not worth separate I/O for load files). */
async function bytesOf(source: string | Uint8Array): Promise<Buffer> {
  if (typeof source === 'string') return readFile(source);
  return Buffer.isBuffer(source) ? source : Buffer.from(source.buffer, source.byteOffset, source.byteLength);
}

/** The footer metadata of a Parquet file. */
function readMetadata(buffer: Buffer, label: string): FileMetaData {
  if (
    buffer.length < 12 ||
    buffer.toString('latin1', 0, 4) !== 'PAR1' ||
    buffer.toString('latin1', buffer.length - 4) !== 'PAR1'
  ) {
    throw new ConfigurationError(`${label} is not a Parquet file (missing PAR1 magic bytes).`);
  }
  const footerLength = buffer.readUInt32LE(buffer.length - 8);
  const { value } = decodeThrift<FileMetaData>(
    thrift.FileMetaData!,
    buffer,
    buffer.length - 8 - footerLength,
  );
  return value;
}

function timeUnitOf(unit: Record<string, unknown> | undefined): 'ms' | 'us' | 'ns' {
  if (unit?.MILLIS) return 'ms';
  if (unit?.NANOS) return 'ns';
  return 'us';
}

/** The Arrow type of a Parquet leaf column (logical type first, converted type as a fallback). */
function arrowTypeOf(element: SchemaElement): DataType {
  const logical = element.logicalType ?? {};
  const converted = element.converted_type;
  switch (element.type) {
    case P.BOOLEAN:
      return new Bool();
    case P.INT32: {
      if (logical.DATE || converted === C.DATE) return new DateDay();
      if (logical.TIME || converted === C.TIME_MILLIS) return new TimeMillisecond();
      if (logical.DECIMAL || converted === C.DECIMAL)
        return new Decimal(element.scale ?? 0, element.precision ?? 9, 128);
      const integer = logical.INTEGER as { bitWidth?: number; isSigned?: boolean } | undefined;
      const bits =
        integer?.bitWidth ??
        (converted === C.INT_8 || converted === C.UINT_8
          ? 8
          : converted === C.INT_16 || converted === C.UINT_16
            ? 16
            : 32);
      const signed =
        integer?.isSigned ?? !(converted === C.UINT_8 || converted === C.UINT_16 || converted === C.UINT_32);
      if (bits === 8) return signed ? new Int8() : new Uint8();
      if (bits === 16) return signed ? new Int16() : new Uint16();
      return signed ? new Int32() : new Uint32();
    }
    case P.INT64: {
      const timestamp = logical.TIMESTAMP as
        | { isAdjustedToUTC?: boolean; unit?: Record<string, unknown> }
        | undefined;
      if (timestamp || converted === C.TIMESTAMP_MILLIS || converted === C.TIMESTAMP_MICROS) {
        const unit = timestamp ? timeUnitOf(timestamp.unit) : converted === C.TIMESTAMP_MILLIS ? 'ms' : 'us';
        const zone = timestamp ? (timestamp.isAdjustedToUTC ? 'UTC' : null) : 'UTC';
        if (unit === 'ms') return new TimestampMillisecond(zone);
        if (unit === 'ns') return new TimestampNanosecond(zone);
        return new TimestampMicrosecond(zone);
      }
      const time = logical.TIME as { unit?: Record<string, unknown> } | undefined;
      if (time || converted === C.TIME_MICROS)
        return timeUnitOf(time?.unit) === 'ns' ? new TimeNanosecond() : new TimeMicrosecond();
      if (logical.DECIMAL || converted === C.DECIMAL)
        return new Decimal(element.scale ?? 0, element.precision ?? 18, 128);
      const integer = logical.INTEGER as { isSigned?: boolean } | undefined;
      if (integer?.isSigned === false || converted === C.UINT_64) return new Uint64();
      return new Int64();
    }
    case P.INT96:
      return new TimestampNanosecond(null);
    case P.FLOAT:
      return new Float32();
    case P.DOUBLE:
      return new Float64();
    case P.BYTE_ARRAY:
      if (
        logical.STRING ||
        logical.JSON ||
        logical.ENUM ||
        converted === C.UTF8 ||
        converted === C.JSON ||
        converted === C.ENUM
      ) {
        return new Utf8();
      }
      if (logical.DECIMAL || converted === C.DECIMAL)
        return new Decimal(element.scale ?? 0, element.precision ?? 38, 128);
      return new Binary();
    case P.FIXED_LEN_BYTE_ARRAY:
      if (logical.DECIMAL || converted === C.DECIMAL)
        return new Decimal(element.scale ?? 0, element.precision ?? 38, 128);
      if (logical.UUID) return new Utf8();
      return new Binary();
    default:
      throw new ConfigurationError(
        `Parquet column '${element.name}' has an unsupported physical type ${element.type}.`,
      );
  }
}

/** Values of one column across pages, in the physical representation. */
interface ColumnValues {
  physical: number;
  typeLength: number;
  /** Non-null values in order. Fixed width: raw little-endian bytes; byte arrays: offsets + bytes. */
  fixed: Buffer[];
  strings: { offsets: number[]; bytes: Buffer[]; used: number };
  booleans: number[];
  validity: Uint8Array;
  rows: number;
  nullCount: number;
}

const FIXED_WIDTH: Record<number, number> = {
  [P.INT32!]: 4,
  [P.INT64!]: 8,
  [P.FLOAT!]: 4,
  [P.DOUBLE!]: 8,
  [P.INT96!]: 12,
};

/** Splits PLAIN values of a page (or dictionary) into the column's accumulators; returns items read. */
function readPlain(
  column: ColumnValues,
  buffer: Buffer,
  start: number,
  end: number,
  count: number,
  sink: Buffer[] | null,
): void {
  const physical = column.physical;
  if (physical === P.BOOLEAN) {
    for (let index = 0; index < count; index++) {
      const bit = start * 8 + index;
      column.booleans.push((buffer[bit >> 3]! >> (bit & 7)) & 1);
    }
    return;
  }
  if (physical === P.BYTE_ARRAY) {
    let position = start;
    for (let index = 0; index < count; index++) {
      const length = buffer.readUInt32LE(position);
      const value = buffer.subarray(position + 4, position + 4 + length);
      if (sink) sink.push(value);
      else {
        column.strings.bytes.push(value);
        column.strings.used += length;
        column.strings.offsets.push(column.strings.used);
      }
      position += 4 + length;
    }
    return;
  }
  const width = physical === P.FIXED_LEN_BYTE_ARRAY ? column.typeLength : FIXED_WIDTH[physical]!;
  const bytes = buffer.subarray(start, Math.min(end, start + count * width));
  if (sink) {
    for (let index = 0; index < count; index++) sink.push(bytes.subarray(index * width, (index + 1) * width));
  } else {
    column.fixed.push(Buffer.from(bytes));
  }
}

function appendDictionaryValue(column: ColumnValues, value: Buffer): void {
  if (column.physical === P.BYTE_ARRAY) {
    column.strings.bytes.push(value);
    column.strings.used += value.length;
    column.strings.offsets.push(column.strings.used);
  } else if (column.physical === P.BOOLEAN) {
    column.booleans.push(value[0]!);
  } else {
    column.fixed.push(value);
  }
}

async function readColumnChunk(
  buffer: Buffer,
  meta: ColumnMetaData,
  column: ColumnValues,
  optional: boolean,
): Promise<void> {
  const codec = CODECS[meta.codec];
  if (!codec)
    throw new ConfigurationError(
      `Parquet compression codec ${meta.codec} is not supported (use SNAPPY, GZIP or none).`,
    );
  let position = toNumber(meta.dictionary_page_offset ?? meta.data_page_offset);
  if (meta.dictionary_page_offset != null && toNumber(meta.dictionary_page_offset) === 0)
    position = toNumber(meta.data_page_offset);
  const total = toNumber(meta.num_values);
  let read = 0;
  let dictionary: Buffer[] | undefined;
  while (read < total) {
    const { value: header, length } = decodeThrift<PageHeader>(thrift.PageHeader!, buffer, position);
    const start = position + length;
    position = start + header.compressed_page_size;
    const raw = buffer.subarray(start, position);
    if (header.type === PageType.DICTIONARY_PAGE) {
      const page = await decompress(codec, raw);
      dictionary = [];
      const dictionaryColumn = { ...column, booleans: [] as number[] };
      readPlain(
        dictionaryColumn,
        page,
        0,
        page.length,
        header.dictionary_page_header!.num_values,
        dictionary,
      );
      if (column.physical === P.BOOLEAN) dictionary = dictionaryColumn.booleans.map((bit) => Buffer.of(bit));
      continue;
    }
    let page: Buffer;
    let levelsStart = 0;
    let levelsEnd = 0;
    let valuesStart: number;
    let count: number;
    let encoding: number;
    if (header.type === PageType.DATA_PAGE) {
      page = await decompress(codec, raw);
      count = header.data_page_header!.num_values;
      encoding = header.data_page_header!.encoding;
      if (optional) {
        const levelLength = page.readUInt32LE(0);
        levelsStart = 4;
        levelsEnd = 4 + levelLength;
      }
      valuesStart = levelsEnd;
    } else if (header.type === PageType.DATA_PAGE_V2) {
      const v2 = header.data_page_header_v2!;
      count = v2.num_values;
      encoding = v2.encoding;
      const levelBytes = v2.repetition_levels_byte_length + v2.definition_levels_byte_length;
      const levels = raw.subarray(0, levelBytes);
      const values =
        v2.is_compressed === false
          ? raw.subarray(levelBytes)
          : await decompress(codec, raw.subarray(levelBytes));
      page = Buffer.concat([levels, values]);
      levelsStart = v2.repetition_levels_byte_length;
      levelsEnd = levelBytes;
      valuesStart = levelBytes;
    } else {
      continue;
    }
    const defined = new Int32Array(count);
    if (optional) decodeHybrid(page, levelsStart, levelsEnd, 1, count, defined);
    else defined.fill(1);
    let present = 0;
    for (let index = 0; index < count; index++) {
      const row = column.rows + index;
      if (defined[index]) {
        column.validity[row >> 3]! |= 1 << (row & 7);
        present++;
      } else {
        column.nullCount++;
      }
    }
    if (encoding === E.PLAIN) {
      readPlain(column, page, valuesStart, page.length, present, null);
    } else if (encoding === E.RLE_DICTIONARY || encoding === E.PLAIN_DICTIONARY) {
      if (!dictionary)
        throw new ConfigurationError('A dictionary-encoded Parquet page has no dictionary page.');
      const bitWidth = page[valuesStart]!;
      const indices = new Int32Array(present);
      if (present > 0) decodeHybrid(page, valuesStart + 1, page.length, bitWidth, present, indices);
      for (const index of indices) appendDictionaryValue(column, dictionary[index]!);
    } else if (encoding === E.RLE && column.physical === P.BOOLEAN) {
      const bits = new Int32Array(present);
      decodeHybrid(page, valuesStart + 4, page.length, 1, present, bits);
      for (const bit of bits) column.booleans.push(bit);
    } else {
      throw new ConfigurationError(
        `Parquet encoding ${encoding} is not supported by this reader (PLAIN and dictionary are); rewrite the file with version 1 pages.`,
      );
    }
    column.rows += count;
    read += count;
  }
}

function decimalWords(values: Buffer, width: number, physical: number, count: number): Uint32Array {
  const words = new Uint32Array(count * 4);
  const view = new DataView(words.buffer);
  for (let index = 0; index < count; index++) {
    let value: bigint;
    if (physical === P.INT32) value = BigInt(values.readInt32LE(index * 4));
    else if (physical === P.INT64) value = values.readBigInt64LE(index * 8);
    else {
      const bytes = values.subarray(index * width, (index + 1) * width);
      value = 0n;
      for (const byte of bytes) value = (value << 8n) | BigInt(byte);
      if (bytes[0]! & 0x80) value -= 1n << BigInt(width * 8);
    }
    view.setBigInt64(index * 16, BigInt.asIntN(64, value), true);
    view.setBigInt64(index * 16 + 8, value >> 64n, true);
  }
  return words;
}

/** Spreads the non-null values over all rows (nulls get zeros) and builds the Arrow vector. */
function toVector(type: DataType, column: ColumnValues): Vector {
  const rows = column.rows;
  const nullBitmap = column.validity;
  const isPresent = (row: number) => ((nullBitmap[row >> 3]! >> (row & 7)) & 1) === 1;
  const base = { type, length: rows, nullCount: column.nullCount, nullBitmap };
  if (type instanceof Utf8 || type instanceof Binary) {
    const valueOffsets = new Int32Array(rows + 1);
    const data = Buffer.concat(column.strings.bytes, column.strings.used);
    let next = 0;
    for (let row = 0; row < rows; row++) {
      valueOffsets[row + 1] = isPresent(row)
        ? (column.strings.offsets[next++] ?? valueOffsets[row]!)
        : valueOffsets[row]!;
    }
    return makeVector(makeData({ ...base, valueOffsets, data } as never));
  }
  if (type instanceof Bool) {
    const data = new Uint8Array(Math.ceil(rows / 8));
    let next = 0;
    for (let row = 0; row < rows; row++)
      if (isPresent(row) && column.booleans[next++]) data[row >> 3]! |= 1 << (row & 7);
    return makeVector(makeData({ ...base, data } as never));
  }
  const values = Buffer.concat(column.fixed);
  const present = rows - column.nullCount;
  if (type instanceof Decimal) {
    const compact = decimalWords(values, column.typeLength, column.physical, present);
    const data = new Uint32Array(rows * 4);
    let next = 0;
    for (let row = 0; row < rows; row++)
      if (isPresent(row)) data.set(compact.subarray(next * 4, ++next * 4), row * 4);
    return makeVector(makeData({ ...base, data } as never));
  }
  if (column.physical === P.INT96) {
    const data = new BigInt64Array(rows);
    let next = 0;
    for (let row = 0; row < rows; row++) {
      if (!isPresent(row)) continue;
      const nanos = values.readBigInt64LE(next * 12);
      const julian = BigInt(values.readInt32LE(next * 12 + 8));
      data[row] = (julian - 2_440_588n) * 86_400_000_000_000n + nanos;
      next++;
    }
    return makeVector(makeData({ ...base, data } as never));
  }
  const TargetArray = (type as unknown as { ArrayType: TypedArrayConstructor }).ArrayType;
  const aligned = new ArrayBuffer(values.length);
  new Uint8Array(aligned).set(values);
  const source = physicalArray(column.physical, aligned);
  // Same element width and kind (e.g. INT64 → Int64 / Timestamp, or INT32 → UInt32): reinterpret the
  // bytes; narrower integers (Int8, Int16, ...) are copied value by value.
  const sameWidth = TargetArray.BYTES_PER_ELEMENT === source.BYTES_PER_ELEMENT;
  const compact = sameWidth
    ? new TargetArray(aligned, 0, present)
    : TargetArray.from(source as ArrayLike<number>);
  if (column.nullCount === 0) return makeVector(makeData({ ...base, data: compact } as never));
  const data = new TargetArray(rows);
  let next = 0;
  for (let row = 0; row < rows; row++) if (isPresent(row)) data[row] = compact[next++]!;
  return makeVector(makeData({ ...base, data } as never));
}

type TypedArray =
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array
  | BigInt64Array
  | BigUint64Array;
interface TypedArrayConstructor {
  new (length: number): TypedArray & { [index: number]: number | bigint };
  new (
    buffer: ArrayBuffer,
    offset: number,
    length: number,
  ): TypedArray & { [index: number]: number | bigint };
  from(values: ArrayLike<number>): TypedArray & { [index: number]: number | bigint };
  readonly BYTES_PER_ELEMENT: number;
}

function physicalArray(physical: number, buffer: ArrayBuffer): TypedArray {
  if (physical === P.INT64) return new BigInt64Array(buffer);
  if (physical === P.DOUBLE) return new Float64Array(buffer);
  if (physical === P.FLOAT) return new Float32Array(buffer);
  return new Int32Array(buffer);
}

/** Options of {@link readParquet}. */
export interface ReadParquetOptions {
  /** Only these columns, in this order. Default: all. */
  columns?: string[];
}

/**
 * Reads a Parquet file (path or bytes) into an Arrow table with exact values: int64 as bigint storage,
 * timestamps in their unit and time zone, decimals as Decimal128, strings as Utf8. Reads files written
 * by this package and by other writers (DuckDB, pyarrow) that use PLAIN or dictionary encoding with
 * SNAPPY, GZIP or no compression. Nested (group) columns are not supported.
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
  const buffer = await bytesOf(source);
  const label = typeof source === 'string' ? `'${source}'` : 'The buffer';
  const metadata = readMetadata(buffer, label);
  const [, ...leaves] = metadata.schema;
  if (leaves.some((element) => element.num_children != null)) {
    throw new ConfigurationError(`${label} has nested (group) columns; only flat Parquet files can be read.`);
  }
  const fieldMetadata = JSON.parse(
    metadata.key_value_metadata?.find((entry) => entry.key === FIELD_METADATA_KEY)?.value ?? '{}',
  ) as Record<string, Record<string, string>>;
  const wanted = options.columns ?? leaves.map((element) => element.name);
  const rows = toNumber(metadata.num_rows);
  const vectors: Record<string, Vector> = {};
  const fields: Field[] = [];
  for (const name of wanted) {
    const index = leaves.findIndex((element) => element.name === name);
    if (index < 0) throw new ConfigurationError(`${label} has no column '${name}'.`);
    const element = leaves[index]!;
    const column: ColumnValues = {
      physical: element.type!,
      typeLength: element.type_length ?? 0,
      fixed: [],
      strings: { offsets: [], bytes: [], used: 0 },
      booleans: [],
      validity: new Uint8Array(Math.ceil(rows / 8)),
      rows: 0,
      nullCount: 0,
    };
    const optional = element.repetition_type !== thrift.FieldRepetitionType.REQUIRED;
    for (const group of metadata.row_groups)
      await readColumnChunk(buffer, group.columns[index]!.meta_data, column, optional);
    const type = arrowTypeOf(element);
    vectors[name] = toVector(type, column);
    fields.push(new Field(name, type, optional, new Map(Object.entries(fieldMetadata[name] ?? {}))));
  }
  const schema = new Schema(fields);
  const data = makeData({
    type: new Struct(fields),
    length: rows,
    nullCount: 0,
    children: fields.map((field) => vectors[field.name]!.data[0]!),
  });
  return new Table([new RecordBatch(schema, data)]);
}

/** Row count and column names of a Parquet file without reading its data. */
export async function readParquetInfo(path: string): Promise<{ rows: number; columns: string[] }> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const tail = Buffer.alloc(8);
    await handle.read(tail, 0, 8, size - 8);
    const footerLength = tail.readUInt32LE(0);
    const footer = Buffer.alloc(footerLength + 8);
    await handle.read(footer, 0, footerLength + 8, size - 8 - footerLength);
    const { value } = decodeThrift<FileMetaData>(thrift.FileMetaData!, footer, 0);
    return { rows: toNumber(value.num_rows), columns: value.schema.slice(1).map((element) => element.name) };
  } finally {
    await handle.close();
  }
}
