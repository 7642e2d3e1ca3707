import { ConfigurationError } from '@hotdata-dlt/core';
import { type Data, type DataType, type Field, type Schema, TimeUnit, Type } from 'apache-arrow';
import { encodeDefinitionLevels } from './hybrid.ts';
import { type CompressionName, compress, serializeThrift, thrift } from './parquetjs.ts';

/** How one Arrow field is stored in Parquet. */
export interface ColumnLayout {
  field: Field;
  physical: number;
  typeLength?: number;
  required: boolean;
  schemaElement: Record<string, unknown>;
}

const { Type: PType, ConvertedType: CType, FieldRepetitionType: Repetition } = thrift;

function logical(kind: string, args: Record<string, unknown> = {}): unknown {
  const typeClass = {
    STRING: 'StringType',
    JSON: 'JsonType',
    DATE: 'DateType',
    TIMESTAMP: 'TimestampType',
    TIME: 'TimeType',
    INTEGER: 'IntType',
    DECIMAL: 'DecimalType',
    UNKNOWN: 'NullType',
  }[kind]!;
  return new thrift.LogicalType!({ [kind]: new thrift[typeClass]!(args) });
}

function timeUnit(unit: TimeUnit): unknown {
  if (unit === TimeUnit.MILLISECOND || unit === TimeUnit.SECOND)
    return new thrift.TimeUnit!({ MILLIS: new thrift.MilliSeconds!() });
  if (unit === TimeUnit.MICROSECOND) return new thrift.TimeUnit!({ MICROS: new thrift.MicroSeconds!() });
  return new thrift.TimeUnit!({ NANOS: new thrift.NanoSeconds!() });
}

function valueType(type: DataType): DataType {
  return type.typeId === Type.Dictionary ? (type as unknown as { dictionary: DataType }).dictionary : type;
}

/** Chooses the Parquet physical and logical type of an Arrow field. */
export function layoutOf(field: Field): ColumnLayout {
  const type = valueType(field.type);
  const required = !field.nullable;
  const element: Record<string, unknown> = {
    name: field.name,
    repetition_type: required ? Repetition.REQUIRED : Repetition.OPTIONAL,
  };
  let physical: number;
  let typeLength: number | undefined;
  switch (type.typeId) {
    case Type.Utf8:
    case Type.LargeUtf8: {
      physical = PType.BYTE_ARRAY!;
      const isJson = field.metadata.get('hotdata-dlt:data_type') === 'json';
      element.converted_type = isJson ? CType.JSON : CType.UTF8;
      element.logicalType = logical(isJson ? 'JSON' : 'STRING');
      break;
    }
    case Type.Null:
      physical = PType.BYTE_ARRAY!;
      element.converted_type = CType.UTF8;
      element.logicalType = logical('STRING');
      element.repetition_type = Repetition.OPTIONAL;
      break;
    case Type.Binary:
    case Type.LargeBinary:
      physical = PType.BYTE_ARRAY!;
      break;
    case Type.Bool:
      physical = PType.BOOLEAN!;
      break;
    case Type.Int: {
      const { bitWidth, isSigned } = type as unknown as { bitWidth: number; isSigned: boolean };
      physical = bitWidth === 64 ? PType.INT64! : PType.INT32!;
      element.logicalType = logical('INTEGER', { bitWidth, isSigned });
      const converted = `${isSigned ? 'INT' : 'UINT'}_${bitWidth}`;
      if (CType[converted] !== undefined) element.converted_type = CType[converted];
      break;
    }
    case Type.Float: {
      const { precision } = type as unknown as { precision: number };
      physical = precision === 2 ? PType.DOUBLE! : PType.FLOAT!;
      if (precision === 0)
        throw new ConfigurationError(`Column '${field.name}': half floats cannot be written to Parquet.`);
      break;
    }
    case Type.Date:
      physical = PType.INT32!;
      element.converted_type = CType.DATE;
      element.logicalType = logical('DATE');
      break;
    case Type.Time: {
      const { unit } = type as unknown as { unit: TimeUnit };
      physical = unit === TimeUnit.SECOND || unit === TimeUnit.MILLISECOND ? PType.INT32! : PType.INT64!;
      element.logicalType = logical('TIME', { isAdjustedToUTC: false, unit: timeUnit(unit) });
      if (unit === TimeUnit.MILLISECOND || unit === TimeUnit.SECOND)
        element.converted_type = CType.TIME_MILLIS;
      if (unit === TimeUnit.MICROSECOND) element.converted_type = CType.TIME_MICROS;
      break;
    }
    case Type.Timestamp: {
      const { unit, timezone } = type as unknown as { unit: TimeUnit; timezone: string | null };
      physical = PType.INT64!;
      const adjusted = Boolean(timezone);
      element.logicalType = logical('TIMESTAMP', { isAdjustedToUTC: adjusted, unit: timeUnit(unit) });
      if (adjusted && (unit === TimeUnit.MILLISECOND || unit === TimeUnit.SECOND))
        element.converted_type = CType.TIMESTAMP_MILLIS;
      if (adjusted && unit === TimeUnit.MICROSECOND) element.converted_type = CType.TIMESTAMP_MICROS;
      break;
    }
    case Type.Decimal: {
      const { precision, scale, bitWidth } = type as unknown as {
        precision: number;
        scale: number;
        bitWidth: number;
      };
      if (bitWidth !== 128)
        throw new ConfigurationError(`Column '${field.name}': only 128-bit decimals can be written.`);
      physical = precision <= 18 ? PType.INT64! : PType.FIXED_LEN_BYTE_ARRAY!;
      if (precision > 18) typeLength = 16;
      element.converted_type = CType.DECIMAL;
      element.precision = precision;
      element.scale = scale;
      element.logicalType = logical('DECIMAL', { precision, scale });
      break;
    }
    default:
      throw new ConfigurationError(
        `Column '${field.name}' has Arrow type ${type}, which hotdata-dlt does not write to Parquet; convert it to a dlt type first.`,
      );
  }
  element.type = physical;
  if (typeLength !== undefined) element.type_length = typeLength;
  return { field, physical, typeLength, required, schemaElement: element };
}

/** A growable byte buffer. */
class Bytes {
  buffer: Buffer;
  length = 0;

  constructor(initial = 1 << 16) {
    this.buffer = Buffer.allocUnsafe(initial);
  }

  reserve(extra: number): void {
    if (this.length + extra <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + extra));
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }

  append(view: ArrayBufferView): void {
    this.reserve(view.byteLength);
    Buffer.from(view.buffer, view.byteOffset, view.byteLength).copy(this.buffer, this.length);
    this.length += view.byteLength;
  }

  view(): Buffer {
    return this.buffer.subarray(0, this.length);
  }
}

function isValid(data: Data, index: number): boolean {
  const bitmap = data.nullBitmap;
  if (!bitmap || data.nullCount === 0 || bitmap.length === 0) return true;
  const bit = data.offset + index;
  return ((bitmap[bit >> 3]! >> (bit & 7)) & 1) === 1;
}

/** Writes the PLAIN values of the non-null entries of one Arrow data chunk. */
function writeValues(layout: ColumnLayout, data: Data, out: Bytes, booleans: number[]): void {
  const type = data.type;
  const length = data.length;
  const allValid = data.nullCount === 0;
  if (type.typeId === Type.Dictionary) {
    writeDictionaryValues(data, out);
    return;
  }
  switch (type.typeId) {
    case Type.Null:
      return;
    case Type.Utf8:
    case Type.Binary:
    case Type.LargeUtf8:
    case Type.LargeBinary: {
      const offsets = data.valueOffsets as Int32Array;
      const values = data.values as Uint8Array;
      let total = 0;
      for (let index = 0; index < length; index++)
        if (allValid || isValid(data, index))
          total += 4 + (Number(offsets[index + 1]) - Number(offsets[index]));
      out.reserve(total);
      for (let index = 0; index < length; index++) {
        if (!allValid && !isValid(data, index)) continue;
        const start = Number(offsets[index]);
        const end = Number(offsets[index + 1]);
        out.buffer.writeUInt32LE(end - start, out.length);
        out.buffer.set(values.subarray(start, end), out.length + 4);
        out.length += 4 + end - start;
      }
      return;
    }
    case Type.Bool: {
      const values = data.values as Uint8Array;
      for (let index = 0; index < length; index++) {
        if (!allValid && !isValid(data, index)) continue;
        const bit = data.offset + index;
        booleans.push((values[bit >> 3]! >> (bit & 7)) & 1);
      }
      return;
    }
    case Type.Decimal: {
      const words = data.values as Uint32Array;
      if (layout.physical === thrift.Type.INT64) {
        const view = new DataView(words.buffer, words.byteOffset, words.byteLength);
        const target = new BigInt64Array(length);
        let count = 0;
        for (let index = 0; index < length; index++) {
          if (allValid || isValid(data, index)) target[count++] = view.getBigInt64(index * 16, true);
        }
        out.append(target.subarray(0, count));
      } else {
        const bytes = new Uint8Array(words.buffer, words.byteOffset, words.byteLength);
        out.reserve(length * 16);
        for (let index = 0; index < length; index++) {
          if (!allValid && !isValid(data, index)) continue;
          for (let byte = 0; byte < 16; byte++)
            out.buffer[out.length + byte] = bytes[index * 16 + 15 - byte]!;
          out.length += 16;
        }
      }
      return;
    }
    default:
      break;
  }
  // Fixed-width numbers: dates, times, timestamps, ints, floats.
  let values = data.values as Int32Array | BigInt64Array | Float64Array;
  if (type.typeId === Type.Timestamp && (type as unknown as { unit: TimeUnit }).unit === TimeUnit.SECOND) {
    values = (values as BigInt64Array).map((value) => value * 1000n);
  } else if (type.typeId === Type.Time && (type as unknown as { unit: TimeUnit }).unit === TimeUnit.SECOND) {
    values = (values as Int32Array).map((value) => value * 1000);
  } else if (type.typeId === Type.Date && (type as unknown as { unit: number }).unit === 1) {
    // Date64 (milliseconds) → days.
    values = Int32Array.from(values as BigInt64Array, (value) => Number(value / 86_400_000n));
  } else if (type.typeId === Type.Int && (type as unknown as { bitWidth: number }).bitWidth < 32) {
    values = Int32Array.from(values as unknown as ArrayLike<number>);
  }
  const slice = values.subarray(0, length);
  if (allValid) {
    out.append(slice);
    return;
  }
  const Constructor = slice.constructor as new (size: number) => typeof slice;
  const compact = new Constructor(length);
  let count = 0;
  for (let index = 0; index < length; index++) {
    if (isValid(data, index)) (compact as Int32Array)[count++] = (slice as Int32Array)[index]!;
  }
  out.append(compact.subarray(0, count));
}

function writeDictionaryValues(data: Data, out: Bytes): void {
  const dictionary = (data as unknown as { dictionary: { data: Data[] } }).dictionary;
  const dictionaryData = dictionary.data;
  if (dictionaryData.length !== 1)
    throw new ConfigurationError('Dictionary columns with chunked dictionaries are not supported.');
  const dictionaryChunk = dictionaryData[0]!;
  const offsets = dictionaryChunk.valueOffsets as Int32Array;
  const bytes = dictionaryChunk.values as Uint8Array;
  const indices = data.values as Int32Array;
  for (let index = 0; index < data.length; index++) {
    if (!isValid(data, index)) continue;
    const key = Number(indices[index]);
    const start = offsets[key]!;
    const end = offsets[key + 1]!;
    out.reserve(4 + end - start);
    out.buffer.writeUInt32LE(end - start, out.length);
    out.buffer.set(bytes.subarray(start, end), out.length + 4);
    out.length += 4 + end - start;
  }
}

function packBooleans(bits: number[]): Uint8Array {
  const packed = new Uint8Array(Math.ceil(bits.length / 8));
  for (let index = 0; index < bits.length; index++) if (bits[index]) packed[index >> 3]! |= 1 << (index & 7);
  return packed;
}

/** Combined validity bitmap of a column's data chunks, or `undefined` when nothing is null. */
function validityOf(
  chunks: readonly Data[],
  rows: number,
): { bitmap: Uint8Array | undefined; nullCount: number } {
  const nullCount = chunks.reduce(
    (total, data) => total + (data.typeId === Type.Null ? data.length : data.nullCount),
    0,
  );
  if (nullCount === 0) return { bitmap: undefined, nullCount };
  const bitmap = new Uint8Array(Math.ceil(rows / 8));
  let position = 0;
  for (const data of chunks) {
    for (let index = 0; index < data.length; index++, position++) {
      if (data.typeId !== Type.Null && isValid(data, index)) bitmap[position >> 3]! |= 1 << (position & 7);
    }
  }
  return { bitmap, nullCount };
}

export interface EncodedColumnChunk {
  /** Page header + page bytes. */
  bytes: Buffer;
  uncompressedSize: number;
  nullCount: number;
}

/** Encodes one column of one row group as a single PLAIN data page (V1). */
export async function encodeColumnChunk(
  layout: ColumnLayout,
  chunks: readonly Data[],
  rows: number,
  compression: CompressionName,
): Promise<EncodedColumnChunk> {
  const { bitmap, nullCount } = validityOf(chunks, rows);
  if (layout.required && nullCount > 0) {
    throw new ConfigurationError(
      `Column '${layout.field.name}' is not nullable but has ${nullCount} null value(s); fix the data or make the column nullable.`,
    );
  }
  const values = new Bytes();
  const booleans: number[] = [];
  for (const data of chunks) writeValues(layout, data, values, booleans);
  if (layout.physical === thrift.Type.BOOLEAN) values.append(packBooleans(booleans));
  const levels = layout.required ? Buffer.alloc(0) : encodeDefinitionLevels(bitmap, 0, rows);
  const page = Buffer.concat([levels, values.view()]);
  const compressed = await compress(compression, page);
  const header = serializeThrift(
    new thrift.PageHeader!({
      type: thrift.PageType.DATA_PAGE,
      uncompressed_page_size: page.length,
      compressed_page_size: compressed.length,
      data_page_header: new thrift.DataPageHeader!({
        num_values: rows,
        encoding: thrift.Encoding.PLAIN,
        definition_level_encoding: thrift.Encoding.RLE,
        repetition_level_encoding: thrift.Encoding.RLE,
        statistics: new thrift.Statistics!({ null_count: nullCount }),
      }),
    }),
  );
  return {
    bytes: Buffer.concat([header, compressed]),
    uncompressedSize: header.length + page.length,
    nullCount,
  };
}

/** The Parquet schema elements (root + one leaf per field) of an Arrow schema. */
export function schemaElements(schema: Schema): { layouts: ColumnLayout[]; elements: unknown[] } {
  const layouts = schema.fields.map((field) => layoutOf(field));
  const root = new thrift.SchemaElement!({ name: 'schema', num_children: layouts.length });
  return {
    layouts,
    elements: [root, ...layouts.map((layout) => new thrift.SchemaElement!(layout.schemaElement))],
  };
}
