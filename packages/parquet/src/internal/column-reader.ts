// One column chunk of a flat Parquet column → one Arrow Data: pages are decompressed, definition levels
// and values decoded, values scattered over the rows, then laid out as the column's Arrow type.
import {
  Binary,
  Bool,
  type Data,
  type DataType,
  DateDay,
  Decimal,
  Float16,
  Float32,
  Float64,
  Int8,
  Int16,
  Int32,
  Int64,
  makeData,
  TimeMicrosecond,
  TimeMillisecond,
  TimeNanosecond,
  TimestampMicrosecond,
  TimestampMillisecond,
  TimestampNanosecond,
  Type,
  Uint8,
  Uint16,
  Uint32,
  Uint64,
  Utf8,
} from 'apache-arrow';
import { ParquetError } from '../errors.ts';
import {
  alignedWords,
  byteStreamSplit,
  corrupt,
  type DecodedValues,
  deltaBinaryPacked,
  deltaByteArrays,
  deltaLengthByteArrays,
  dictionaryIndices,
  gather,
  integerBytes,
  plainBooleans,
  plainByteArrays,
  plainFixed,
  rleBooleans,
} from './decode-values.ts';
import { decodeHybrid } from './hybrid.ts';
import { decodeThrift, decompress, thrift, thriftClass, toNumber } from './parquetjs.ts';

const { Type: Physical, ConvertedType: Converted, Encoding, PageType } = thrift;

/** A leaf of the Parquet schema as the thrift decoder returns it. */
export interface SchemaElement {
  name: string;
  type?: number;
  type_length?: number;
  repetition_type?: number;
  num_children?: number;
  converted_type?: number;
  scale?: number;
  precision?: number;
  logicalType?: Record<string, Record<string, unknown> | null | undefined>;
}

export interface ColumnMetaData {
  type: number;
  codec: number;
  num_values: unknown;
  data_page_offset: unknown;
  dictionary_page_offset?: unknown;
  total_compressed_size: unknown;
  path_in_schema: string[];
}

interface PageHeader {
  type: number;
  uncompressed_page_size: number;
  compressed_page_size: number;
  data_page_header?: { num_values: number; encoding: number; definition_level_encoding: number };
  data_page_header_v2?: {
    num_values: number;
    num_nulls: number;
    encoding: number;
    definition_levels_byte_length: number;
    repetition_levels_byte_length: number;
    is_compressed?: boolean | null;
  };
  dictionary_page_header?: { num_values: number };
}

const FIXED_WIDTH: Record<number, number> = {
  [Physical.INT32!]: 4,
  [Physical.INT64!]: 8,
  [Physical.FLOAT!]: 4,
  [Physical.DOUBLE!]: 8,
  [Physical.INT96!]: 12,
};

/** A flat column of the file: its schema leaf, index among the leaves and Arrow type. */
export interface ColumnDescriptor {
  name: string;
  leafIndex: number;
  element: SchemaElement;
  physical: number;
  /** Bytes per value for fixed-width physical types, 0 for BYTE_ARRAY and BOOLEAN. */
  width: number;
  optional: boolean;
  type: DataType;
}

export function describeColumn(element: SchemaElement, leafIndex: number): ColumnDescriptor {
  const physical = element.type!;
  const width =
    physical === Physical.FIXED_LEN_BYTE_ARRAY ? (element.type_length ?? 0) : (FIXED_WIDTH[physical] ?? 0);
  return {
    name: element.name,
    leafIndex,
    element,
    physical,
    width,
    optional: element.repetition_type !== thrift.FieldRepetitionType.REQUIRED,
    type: arrowTypeOf(element),
  };
}

function timeUnitOf(unit: Record<string, unknown> | null | undefined): 'ms' | 'us' | 'ns' {
  if (unit?.MILLIS) return 'ms';
  if (unit?.NANOS) return 'ns';
  return 'us';
}

function decimalType(element: SchemaElement, defaultPrecision: number): Decimal {
  const logical = element.logicalType?.DECIMAL as { precision?: number; scale?: number } | null | undefined;
  const precision = logical?.precision ?? element.precision ?? defaultPrecision;
  const scale = logical?.scale ?? element.scale ?? 0;
  return new Decimal(scale, precision, precision > 38 ? 256 : 128);
}

/** The Arrow type of a Parquet leaf: the logical type first, the legacy converted type as a fallback. */
export function arrowTypeOf(element: SchemaElement): DataType {
  const logical = element.logicalType ?? {};
  const converted = element.converted_type;
  const isDecimal = Boolean(logical.DECIMAL) || converted === Converted.DECIMAL;
  switch (element.type) {
    case Physical.BOOLEAN:
      return new Bool();
    case Physical.INT32: {
      if (logical.DATE || converted === Converted.DATE) return new DateDay();
      if (logical.TIME || converted === Converted.TIME_MILLIS) return new TimeMillisecond();
      if (isDecimal) return decimalType(element, 9);
      const integer = logical.INTEGER as { bitWidth?: number; isSigned?: boolean } | null | undefined;
      const convertedBits: Record<number, [number, boolean]> = {
        [Converted.INT_8!]: [8, true],
        [Converted.INT_16!]: [16, true],
        [Converted.UINT_8!]: [8, false],
        [Converted.UINT_16!]: [16, false],
        [Converted.UINT_32!]: [32, false],
      };
      const [bits, signed] = integer
        ? [integer.bitWidth ?? 32, integer.isSigned ?? true]
        : (convertedBits[converted ?? -1] ?? [32, true]);
      if (bits === 8) return signed ? new Int8() : new Uint8();
      if (bits === 16) return signed ? new Int16() : new Uint16();
      return signed ? new Int32() : new Uint32();
    }
    case Physical.INT64: {
      const timestamp = logical.TIMESTAMP as
        | { isAdjustedToUTC?: boolean; unit?: Record<string, unknown> }
        | null
        | undefined;
      if (timestamp || converted === Converted.TIMESTAMP_MILLIS || converted === Converted.TIMESTAMP_MICROS) {
        const unit = timestamp
          ? timeUnitOf(timestamp.unit)
          : converted === Converted.TIMESTAMP_MILLIS
            ? 'ms'
            : 'us';
        // Legacy converted timestamps are UTC instants by definition.
        const zone = timestamp ? (timestamp.isAdjustedToUTC ? 'UTC' : null) : 'UTC';
        if (unit === 'ms') return new TimestampMillisecond(zone);
        if (unit === 'ns') return new TimestampNanosecond(zone);
        return new TimestampMicrosecond(zone);
      }
      const time = logical.TIME as { unit?: Record<string, unknown> } | null | undefined;
      if (time || converted === Converted.TIME_MICROS)
        return timeUnitOf(time?.unit) === 'ns' ? new TimeNanosecond() : new TimeMicrosecond();
      if (isDecimal) return decimalType(element, 18);
      const integer = logical.INTEGER as { isSigned?: boolean } | null | undefined;
      if (integer?.isSigned === false || converted === Converted.UINT_64) return new Uint64();
      return new Int64();
    }
    case Physical.INT96:
      return new TimestampNanosecond(null);
    case Physical.FLOAT:
      return new Float32();
    case Physical.DOUBLE:
      return new Float64();
    case Physical.BYTE_ARRAY:
      if (
        logical.STRING ||
        logical.JSON ||
        logical.ENUM ||
        converted === Converted.UTF8 ||
        converted === Converted.JSON ||
        converted === Converted.ENUM
      )
        return new Utf8();
      if (isDecimal) return decimalType(element, 38);
      return new Binary();
    case Physical.FIXED_LEN_BYTE_ARRAY:
      if (isDecimal) return decimalType(element, 38);
      if (logical.UUID && element.type_length === 16) return new Utf8();
      if (logical.FLOAT16 && element.type_length === 2) return new Float16();
      return new Binary();
    default:
      throw new ParquetError(
        `Parquet column '${element.name}' has an unknown physical type ${element.type}.`,
        {
          code: 'PARQUET_INVALID_FILE',
        },
      );
  }
}

/** Rows of one column in physical form, filled page by page from one or more column chunks. */
export class ColumnAccumulator {
  readonly validity: Uint8Array;
  nullCount = 0;
  row = 0;
  readonly fixed: Uint8Array | undefined;
  readonly bits: Uint8Array | undefined;
  readonly offsets: Int32Array | undefined;
  data: Uint8Array | undefined;
  dataLength = 0;
  readonly column: ColumnDescriptor;
  readonly rows: number;

  constructor(column: ColumnDescriptor, rows: number) {
    this.column = column;
    this.rows = rows;
    this.validity = new Uint8Array(Math.ceil(rows / 8));
    if (column.physical === Physical.BOOLEAN) this.bits = new Uint8Array(Math.ceil(rows / 8));
    else if (column.physical === Physical.BYTE_ARRAY) {
      this.offsets = new Int32Array(rows + 1);
      this.data = new Uint8Array(1024);
    } else this.fixed = new Uint8Array(rows * column.width);
  }

  /** Places `values` (the non-null values of `count` rows) where `defined` says, nulls elsewhere. */
  add(values: DecodedValues, defined: Uint8Array | undefined, count: number): void {
    if (this.row + count > this.rows)
      throw corrupt(`more values than the ${this.rows} rows of the row group`);
    const present = defined ? countOnes(defined, count) : count;
    if (values.count < present) throw corrupt(`${values.count} values for ${present} non-null rows`);
    for (let index = 0; index < count; index++) {
      const row = this.row + index;
      if (!defined || defined[index]) this.validity[row >> 3]! |= 1 << (row & 7);
    }
    this.nullCount += count - present;
    if (values.kind === 'bool') this.#addBooleans(values.bits, defined, count);
    else if (values.kind === 'bytes') this.#addByteArrays(values.offsets, values.data, defined, count);
    else this.#addFixed(values.bytes, defined, count);
    this.row += count;
  }

  #addBooleans(bits: Uint8Array, defined: Uint8Array | undefined, count: number): void {
    const target = this.bits!;
    let next = 0;
    for (let index = 0; index < count; index++) {
      if (defined && !defined[index]) continue;
      const row = this.row + index;
      if (bits[next++]) target[row >> 3]! |= 1 << (row & 7);
    }
  }

  #addByteArrays(
    offsets: Int32Array,
    data: Uint8Array,
    defined: Uint8Array | undefined,
    count: number,
  ): void {
    const target = this.offsets!;
    const present = defined ? countOnes(defined, count) : count;
    const bytes = offsets[present]! - offsets[0]!;
    if (this.dataLength + bytes > this.data!.length) {
      const grown = new Uint8Array(Math.max(this.data!.length * 2, this.dataLength + bytes));
      grown.set(this.data!.subarray(0, this.dataLength));
      this.data = grown;
    }
    this.data!.set(data.subarray(offsets[0]!, offsets[present]!), this.dataLength);
    const base = this.dataLength - offsets[0]!;
    let next = 0;
    for (let index = 0; index < count; index++) {
      const row = this.row + index;
      if (!defined || defined[index]) target[row + 1] = base + offsets[++next]!;
      else target[row + 1] = target[row]!;
    }
    this.dataLength += bytes;
  }

  #addFixed(bytes: Uint8Array, defined: Uint8Array | undefined, count: number): void {
    const width = this.column.width;
    const target = this.fixed!;
    if (!defined || countOnes(defined, count) === count) {
      target.set(bytes.subarray(0, count * width), this.row * width);
      return;
    }
    if (width % 4 === 0) {
      const words = width / 4;
      const source = alignedWords(bytes);
      const output = new Int32Array(target.buffer, target.byteOffset, target.byteLength >> 2);
      let next = 0;
      for (let index = 0; index < count; index++) {
        if (!defined[index]) continue;
        const to = (this.row + index) * words;
        const from = next++ * words;
        for (let word = 0; word < words; word++) output[to + word] = source[from + word]!;
      }
      return;
    }
    let next = 0;
    for (let index = 0; index < count; index++) {
      if (!defined[index]) continue;
      const to = (this.row + index) * width;
      const from = next++ * width;
      for (let byte = 0; byte < width; byte++) target[to + byte] = bytes[from + byte]!;
    }
  }

  toData(): Data {
    const { column, rows, nullCount } = this;
    if (this.row !== rows)
      throw corrupt(`a column chunk of ${this.row} values in a row group of ${rows} rows`);
    const nullBitmap = nullCount > 0 ? this.validity : undefined;
    return toArrowData(column, rows, nullCount, nullBitmap, this);
  }
}

function countOnes(defined: Uint8Array, count: number): number {
  let ones = 0;
  for (let index = 0; index < count; index++) ones += defined[index]!;
  return ones;
}

/** Sign-extends big-endian two's-complement integers of `width` bytes into little-endian words. */
function decimalWords(
  rows: number,
  wordsPerValue: number,
  valueBytes: (row: number) => Uint8Array,
  isPresent: (row: number) => boolean,
): Uint32Array {
  const words = new Uint32Array(rows * wordsPerValue);
  const bytes = new Uint8Array(words.buffer);
  const stride = wordsPerValue * 4;
  for (let row = 0; row < rows; row++) {
    if (!isPresent(row)) continue;
    const value = valueBytes(row);
    const width = Math.min(value.length, stride);
    const sign = value.length > 0 && value[0]! & 0x80 ? 0xff : 0;
    const base = row * stride;
    for (let byte = 0; byte < width; byte++) bytes[base + byte] = value[value.length - 1 - byte]!;
    for (let byte = width; byte < stride; byte++) bytes[base + byte] = sign;
  }
  return words;
}

function formatUuid(bytes: Uint8Array): string {
  const hex = Buffer.from(bytes.buffer, bytes.byteOffset, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function toArrowData(
  column: ColumnDescriptor,
  rows: number,
  nullCount: number,
  nullBitmap: Uint8Array | undefined,
  accumulator: ColumnAccumulator,
): Data {
  const { type, physical, width } = column;
  const base = { type, length: rows, nullCount, nullBitmap } as const;
  const isPresent = (row: number) => !nullBitmap || ((nullBitmap[row >> 3]! >> (row & 7)) & 1) === 1;
  if (physical === Physical.BOOLEAN)
    return makeData({ ...base, type: type as Bool, data: accumulator.bits! });
  if (physical === Physical.BYTE_ARRAY) {
    const offsets = accumulator.offsets!;
    const data = accumulator.data!.subarray(0, accumulator.dataLength);
    if (type instanceof Decimal) {
      const words = decimalWords(
        rows,
        type.bitWidth / 32,
        (row) => data.subarray(offsets[row]!, offsets[row + 1]!),
        isPresent,
      );
      return makeData({ ...base, type, data: words });
    }
    return makeData({ ...base, type: type as Utf8, valueOffsets: offsets, data });
  }
  const fixed = accumulator.fixed!;
  if (type instanceof Decimal) {
    const words = decimalWords(
      rows,
      type.bitWidth / 32,
      (row) => {
        const value = fixed.subarray(row * width, (row + 1) * width);
        // INT32 / INT64 decimals are little-endian: present them big-endian like FIXED_LEN_BYTE_ARRAY.
        return physical === Physical.FIXED_LEN_BYTE_ARRAY ? value : new Uint8Array(value).reverse();
      },
      isPresent,
    );
    return makeData({ ...base, type, data: words });
  }
  if (physical === Physical.FIXED_LEN_BYTE_ARRAY) {
    if (type instanceof Float16)
      return makeData({ ...base, type, data: new Uint16Array(fixed.buffer, 0, rows) });
    if (type instanceof Utf8) {
      const text = new Uint8Array(rows * 36);
      const offsets = new Int32Array(rows + 1);
      let length = 0;
      for (let row = 0; row < rows; row++) {
        if (isPresent(row)) {
          text.set(Buffer.from(formatUuid(fixed.subarray(row * 16, row * 16 + 16)), 'latin1'), length);
          length += 36;
        }
        offsets[row + 1] = length;
      }
      return makeData({ ...base, type, valueOffsets: offsets, data: text.subarray(0, length) });
    }
    const offsets = new Int32Array(rows + 1);
    for (let row = 0; row < rows; row++) offsets[row + 1] = offsets[row]! + (isPresent(row) ? width : 0);
    const data = new Uint8Array(offsets[rows]!);
    let position = 0;
    for (let row = 0; row < rows; row++) {
      if (!isPresent(row)) continue;
      data.set(fixed.subarray(row * width, (row + 1) * width), position);
      position += width;
    }
    return makeData({ ...base, type: type as Binary, valueOffsets: offsets, data });
  }
  if (physical === Physical.INT96) {
    // Legacy Impala/Spark timestamps: nanoseconds of the day (int64) + Julian day (int32).
    const data = new BigInt64Array(rows);
    const view = new DataView(fixed.buffer);
    for (let row = 0; row < rows; row++) {
      if (!isPresent(row)) continue;
      const nanos = view.getBigInt64(row * 12, true);
      const julianDay = BigInt(view.getInt32(row * 12 + 8, true));
      data[row] = (julianDay - 2_440_588n) * 86_400_000_000_000n + nanos;
    }
    return makeData({ ...base, type: type as TimestampNanosecond, data });
  }
  const buffer = fixed.buffer;
  switch (type.typeId) {
    case Type.Int: {
      const { bitWidth, isSigned } = type as unknown as { bitWidth: number; isSigned: boolean };
      if (bitWidth === 64) {
        const data = isSigned ? new BigInt64Array(buffer, 0, rows) : new BigUint64Array(buffer, 0, rows);
        return makeData({ ...base, type: type as Int64, data } as never);
      }
      const source = new Int32Array(buffer, 0, rows);
      if (bitWidth === 32) {
        const data = isSigned ? source : new Uint32Array(buffer, 0, rows);
        return makeData({ ...base, type: type as Int32, data } as never);
      }
      const Target =
        bitWidth === 8 ? (isSigned ? Int8Array : Uint8Array) : isSigned ? Int16Array : Uint16Array;
      return makeData({ ...base, type: type as Int8, data: Target.from(source) } as never);
    }
    case Type.Float:
      return makeData({
        ...base,
        type: type as Float64,
        data:
          physical === Physical.DOUBLE
            ? new Float64Array(buffer, 0, rows)
            : new Float32Array(buffer, 0, rows),
      } as never);
    case Type.Date:
    case Type.Time:
    case Type.Timestamp:
      return makeData({
        ...base,
        type: type as DateDay,
        data:
          physical === Physical.INT32 ? new Int32Array(buffer, 0, rows) : new BigInt64Array(buffer, 0, rows),
      } as never);
    default:
      throw new ParquetError(`Parquet column '${column.name}' cannot be read as ${type}.`, {
        code: 'PARQUET_UNSUPPORTED',
      });
  }
}

/** Decodes the non-null values of one data page. */
function decodeValues(
  column: ColumnDescriptor,
  encoding: number,
  page: Uint8Array,
  start: number,
  present: number,
  dictionary: DecodedValues | undefined,
): DecodedValues {
  const { physical, width } = column;
  switch (encoding) {
    case Encoding.PLAIN:
      if (physical === Physical.BOOLEAN) return plainBooleans(page, start, present);
      if (physical === Physical.BYTE_ARRAY) return plainByteArrays(page, start, present);
      return plainFixed(page, start, present, width);
    case Encoding.PLAIN_DICTIONARY:
    case Encoding.RLE_DICTIONARY:
      if (!dictionary) throw corrupt('a dictionary-encoded page without a dictionary page');
      return gather(dictionary, dictionaryIndices(page, start, present), width);
    case Encoding.RLE:
      if (physical === Physical.BOOLEAN) return rleBooleans(page, start, present);
      break;
    case Encoding.DELTA_BINARY_PACKED:
      if (physical === Physical.INT32 || physical === Physical.INT64)
        return integerBytes(deltaBinaryPacked(page, start, physical === Physical.INT64).values, present);
      break;
    case Encoding.DELTA_LENGTH_BYTE_ARRAY:
      if (physical === Physical.BYTE_ARRAY) return deltaLengthByteArrays(page, start, present);
      break;
    case Encoding.DELTA_BYTE_ARRAY:
      if (physical === Physical.BYTE_ARRAY) return deltaByteArrays(page, start, present);
      if (physical === Physical.FIXED_LEN_BYTE_ARRAY) {
        const values = deltaByteArrays(page, start, present);
        return { kind: 'fixed', bytes: values.data, count: present };
      }
      break;
    case Encoding.BYTE_STREAM_SPLIT:
      if (width > 0) return byteStreamSplit(page, start, present, width);
      break;
    default:
      break;
  }
  const name = Object.entries(Encoding).find(([, code]) => code === encoding)?.[0] ?? String(encoding);
  throw new ParquetError(
    `Parquet column '${column.name}' uses encoding ${name}, which this reader does not support for its type; rewrite the file with PLAIN or dictionary encoding.`,
    { code: 'PARQUET_UNSUPPORTED' },
  );
}

function definitionLevels(page: Uint8Array, start: number, end: number, count: number): Uint8Array {
  const levels = new Int32Array(count);
  decodeHybrid(page, start, end, 1, count, levels);
  const defined = new Uint8Array(count);
  for (let index = 0; index < count; index++) {
    const level = levels[index]!;
    if (level > 1) throw corrupt(`definition level ${level} in a flat column`);
    defined[index] = level;
  }
  return defined;
}

/** Start of a column chunk in the file: its dictionary page when it has one, else its first data page. */
export function columnChunkRange(meta: ColumnMetaData): { start: number; length: number } {
  const data = toNumber(meta.data_page_offset);
  const dictionary = meta.dictionary_page_offset == null ? 0 : toNumber(meta.dictionary_page_offset);
  // Some writers put 0 in an unused dictionary_page_offset; only an offset before the data counts.
  const start = dictionary > 0 && dictionary < data ? dictionary : data;
  return { start, length: toNumber(meta.total_compressed_size) };
}

/** Decodes one column chunk (`bytes` holds exactly the chunk) into the accumulator's next rows. */
export async function readColumnChunk(
  bytes: Buffer,
  meta: ColumnMetaData,
  accumulator: ColumnAccumulator,
): Promise<void> {
  const column = accumulator.column;
  const total = toNumber(meta.num_values);
  const PageHeaderClass = thriftClass('PageHeader');
  let position = 0;
  let read = 0;
  let dictionary: DecodedValues | undefined;
  while (read < total) {
    if (position >= bytes.length)
      throw corrupt(`column '${column.name}' ends after ${read} of ${total} values`);
    let header: PageHeader;
    let headerLength: number;
    try {
      ({ value: header, length: headerLength } = decodeThrift<PageHeader>(PageHeaderClass, bytes, position));
    } catch (error) {
      throw new ParquetError(
        `A page header of Parquet column '${column.name}' cannot be decoded; the file is corrupt.`,
        {
          code: 'PARQUET_INVALID_FILE',
          cause: error,
        },
      );
    }
    const start = position + headerLength;
    position = start + header.compressed_page_size;
    if (position > bytes.length)
      throw corrupt(`a page of column '${column.name}' ends past its column chunk`);
    const raw = bytes.subarray(start, position);
    if (header.type === PageType.DICTIONARY_PAGE) {
      const page = await decompress(meta.codec, raw, header.uncompressed_page_size);
      const count = header.dictionary_page_header!.num_values;
      dictionary = decodeValues(column, Encoding.PLAIN!, page, 0, count, undefined);
      continue;
    }
    let page: Uint8Array;
    let defined: Uint8Array | undefined;
    let valuesStart: number;
    let count: number;
    let encoding: number;
    if (header.type === PageType.DATA_PAGE) {
      const v1 = header.data_page_header!;
      page = await decompress(meta.codec, raw, header.uncompressed_page_size);
      count = v1.num_values;
      encoding = v1.encoding;
      valuesStart = 0;
      if (column.optional) {
        if (v1.definition_level_encoding !== Encoding.RLE)
          throw new ParquetError(
            `Parquet column '${column.name}' uses BIT_PACKED definition levels (deprecated); rewrite the file.`,
            {
              code: 'PARQUET_UNSUPPORTED',
            },
          );
        const length = new DataView(page.buffer, page.byteOffset, 4).getUint32(0, true);
        defined = definitionLevels(page, 4, 4 + length, count);
        valuesStart = 4 + length;
      }
    } else if (header.type === PageType.DATA_PAGE_V2) {
      const v2 = header.data_page_header_v2!;
      count = v2.num_values;
      encoding = v2.encoding;
      const levelBytes = v2.repetition_levels_byte_length + v2.definition_levels_byte_length;
      if (column.optional)
        defined = definitionLevels(raw, v2.repetition_levels_byte_length, levelBytes, count);
      page =
        v2.is_compressed === false
          ? raw.subarray(levelBytes)
          : await decompress(
              meta.codec,
              raw.subarray(levelBytes),
              header.uncompressed_page_size - levelBytes,
            );
      valuesStart = 0;
    } else {
      continue;
    }
    const present = defined ? countOnes(defined, count) : count;
    accumulator.add(decodeValues(column, encoding, page, valuesStart, present, dictionary), defined, count);
    read += count;
  }
}
