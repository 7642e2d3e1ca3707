// Arrow data → Parquet column chunks, column by column. Arrow's buffers are already in Parquet's PLAIN
// layout for fixed-width values (little-endian) and its validity bitmaps are already bit-packed
// definition levels, so pages are built from the buffers directly instead of from JS values (which is
// what parquetjs's own PLAIN/RLE encoders take, one boxed value per cell).
import { type Data, type DataType, type Field, makeVector, type Schema, TimeUnit, Type } from 'apache-arrow';
import { ParquetError } from '../errors.ts';
import { DLT_DATA_TYPE_METADATA } from '../type-mapping.ts';
import { encodeDefinitionLevels } from './hybrid.ts';
import { toJsonText } from './json-text.ts';
import { type CompressionName, compress, serializeThrift, thrift, thriftClass } from './parquetjs.ts';

const { Type: Physical, ConvertedType: Converted, FieldRepetitionType: Repetition } = thrift;

/** How the values of one Arrow field become Parquet values. */
type ValueKind = 'fixed' | 'bytes' | 'bool' | 'decimal' | 'fixed-bytes' | 'json' | 'null';

/** How one Arrow field is stored in Parquet. */
export interface ColumnLayout {
  field: Field;
  kind: ValueKind;
  physical: number;
  /** Bytes per value of FIXED_LEN_BYTE_ARRAY columns. */
  typeLength?: number;
  required: boolean;
  schemaElement: Record<string, unknown>;
}

function logicalType(kind: string, args: Record<string, unknown> = {}): unknown {
  const typeClass: Record<string, string> = {
    STRING: 'StringType',
    JSON: 'JsonType',
    DATE: 'DateType',
    TIMESTAMP: 'TimestampType',
    TIME: 'TimeType',
    INTEGER: 'IntType',
    DECIMAL: 'DecimalType',
    UNKNOWN: 'NullType',
    FLOAT16: 'Float16Type',
  };
  const LogicalType = thriftClass('LogicalType');
  const Inner = thriftClass(typeClass[kind]!);
  return new LogicalType({ [kind]: new Inner(args) });
}

function parquetTimeUnit(unit: TimeUnit): unknown {
  const TimeUnitClass = thriftClass('TimeUnit');
  if (unit === TimeUnit.SECOND || unit === TimeUnit.MILLISECOND)
    return new TimeUnitClass({ MILLIS: new (thriftClass('MilliSeconds'))() });
  if (unit === TimeUnit.MICROSECOND)
    return new TimeUnitClass({ MICROS: new (thriftClass('MicroSeconds'))() });
  return new TimeUnitClass({ NANOS: new (thriftClass('NanoSeconds'))() });
}

/** Smallest two's-complement byte width holding every unscaled decimal of `precision` digits. */
export function decimalByteWidth(precision: number): number {
  const largest = 10n ** BigInt(precision) - 1n;
  let bytes = 1;
  while (1n << BigInt(bytes * 8 - 1) <= largest) bytes++;
  return bytes;
}

function isJsonField(field: Field): boolean {
  return (
    field.metadata.get(DLT_DATA_TYPE_METADATA) === 'json' ||
    field.metadata.get('ARROW:extension:name') === 'arrow.json'
  );
}

function unsupported(field: Field, type: DataType, hint: string): ParquetError {
  return new ParquetError(
    `Column '${field.name}' has Arrow type ${type}, which this codec does not write to Parquet; ${hint}`,
    { code: 'PARQUET_UNSUPPORTED' },
  );
}

/** Chooses the Parquet physical, converted and logical type of an Arrow field. */
export function layoutOf(field: Field): ColumnLayout {
  let type = field.type;
  if (type.typeId === Type.Dictionary) {
    type = (type as unknown as { dictionary: DataType }).dictionary;
    if (type.typeId !== Type.Utf8 && type.typeId !== Type.Binary)
      throw unsupported(field, field.type, 'decode the dictionary first.');
  }
  const element: Record<string, unknown> = {
    name: field.name,
    repetition_type: field.nullable ? Repetition.OPTIONAL : Repetition.REQUIRED,
  };
  let kind: ValueKind = 'fixed';
  let physical: number;
  let typeLength: number | undefined;
  switch (type.typeId) {
    case Type.Utf8:
    case Type.LargeUtf8:
    case Type.Utf8View: {
      kind = 'bytes';
      physical = Physical.BYTE_ARRAY!;
      const json = isJsonField(field);
      element.converted_type = json ? Converted.JSON : Converted.UTF8;
      element.logicalType = logicalType(json ? 'JSON' : 'STRING');
      break;
    }
    case Type.List:
    case Type.LargeList:
    case Type.FixedSizeList:
    case Type.Struct:
    case Type.Map:
      // Nested values have no dlt type but `json`: they are stored as JSON text (what dlt loads too).
      kind = 'json';
      physical = Physical.BYTE_ARRAY!;
      element.converted_type = Converted.JSON;
      element.logicalType = logicalType('JSON');
      break;
    case Type.Null:
      kind = 'null';
      physical = Physical.BYTE_ARRAY!;
      element.converted_type = Converted.UTF8;
      element.logicalType = logicalType('STRING');
      element.repetition_type = Repetition.OPTIONAL;
      break;
    case Type.Binary:
    case Type.LargeBinary:
    case Type.BinaryView:
      kind = 'bytes';
      physical = Physical.BYTE_ARRAY!;
      break;
    case Type.FixedSizeBinary:
      kind = 'fixed-bytes';
      physical = Physical.FIXED_LEN_BYTE_ARRAY!;
      typeLength = (type as unknown as { byteWidth: number }).byteWidth;
      break;
    case Type.Bool:
      kind = 'bool';
      physical = Physical.BOOLEAN!;
      break;
    case Type.Int: {
      const { bitWidth, isSigned } = type as unknown as { bitWidth: number; isSigned: boolean };
      physical = bitWidth === 64 ? Physical.INT64! : Physical.INT32!;
      element.logicalType = logicalType('INTEGER', { bitWidth, isSigned });
      element.converted_type = Converted[`${isSigned ? 'INT' : 'UINT'}_${bitWidth}`];
      break;
    }
    case Type.Float: {
      const { precision } = type as unknown as { precision: number };
      if (precision === 0) {
        // Half floats: two little-endian bytes each, the FLOAT16 logical type.
        physical = Physical.FIXED_LEN_BYTE_ARRAY!;
        typeLength = 2;
        element.logicalType = logicalType('FLOAT16');
      } else physical = precision === 2 ? Physical.DOUBLE! : Physical.FLOAT!;
      break;
    }
    case Type.Date:
      physical = Physical.INT32!;
      element.converted_type = Converted.DATE;
      element.logicalType = logicalType('DATE');
      break;
    case Type.Time: {
      const { unit } = type as unknown as { unit: TimeUnit };
      const millis = unit === TimeUnit.SECOND || unit === TimeUnit.MILLISECOND;
      physical = millis ? Physical.INT32! : Physical.INT64!;
      element.logicalType = logicalType('TIME', { isAdjustedToUTC: false, unit: parquetTimeUnit(unit) });
      if (millis) element.converted_type = Converted.TIME_MILLIS;
      if (unit === TimeUnit.MICROSECOND) element.converted_type = Converted.TIME_MICROS;
      break;
    }
    case Type.Timestamp: {
      const { unit, timezone } = type as unknown as { unit: TimeUnit; timezone: string | null };
      physical = Physical.INT64!;
      // A zone means the values are instants (Arrow stores UTC); no zone means wall-clock time.
      const adjusted = Boolean(timezone);
      element.logicalType = logicalType('TIMESTAMP', {
        isAdjustedToUTC: adjusted,
        unit: parquetTimeUnit(unit),
      });
      // The legacy converted types imply UTC-adjusted values, so naive timestamps carry none.
      if (adjusted && (unit === TimeUnit.SECOND || unit === TimeUnit.MILLISECOND))
        element.converted_type = Converted.TIMESTAMP_MILLIS;
      if (adjusted && unit === TimeUnit.MICROSECOND) element.converted_type = Converted.TIMESTAMP_MICROS;
      break;
    }
    case Type.Decimal: {
      const { precision, scale } = type as unknown as { precision: number; scale: number };
      kind = 'decimal';
      if (precision <= 9) physical = Physical.INT32!;
      else if (precision <= 18) physical = Physical.INT64!;
      else {
        physical = Physical.FIXED_LEN_BYTE_ARRAY!;
        typeLength = decimalByteWidth(precision);
      }
      element.converted_type = Converted.DECIMAL;
      element.precision = precision;
      element.scale = scale;
      element.logicalType = logicalType('DECIMAL', { precision, scale });
      break;
    }
    default:
      throw unsupported(field, type, 'convert it to a dlt type first (see the type mapping in the README).');
  }
  element.type = physical;
  if (typeLength !== undefined) element.type_length = typeLength;
  const required = element.repetition_type === Repetition.REQUIRED;
  return { field, kind, physical, typeLength, required, schemaElement: element };
}

/** A growable byte buffer. */
class Bytes {
  buffer: Buffer;
  length = 0;

  constructor(initial: number) {
    this.buffer = Buffer.allocUnsafe(Math.max(64, initial));
  }

  reserve(extra: number): void {
    if (this.length + extra <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + extra));
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }

  append(view: ArrayBufferView): void {
    this.reserve(view.byteLength);
    this.buffer.set(new Uint8Array(view.buffer, view.byteOffset, view.byteLength), this.length);
    this.length += view.byteLength;
  }

  /** One PLAIN BYTE_ARRAY value: 4-byte little-endian length, then the bytes. */
  appendByteArray(source: Uint8Array, start: number, end: number): void {
    const length = end - start;
    this.reserve(4 + length);
    const buffer = this.buffer;
    let position = this.length;
    buffer[position++] = length & 0xff;
    buffer[position++] = (length >>> 8) & 0xff;
    buffer[position++] = (length >>> 16) & 0xff;
    buffer[position++] = length >>> 24;
    if (length > 32) buffer.set(source.subarray(start, end), position);
    else for (let index = start; index < end; index++) buffer[position++] = source[index]!;
    this.length += 4 + length;
  }

  view(): Buffer {
    return this.buffer.subarray(0, this.length);
  }
}

function isValid(data: Data, index: number): boolean {
  const bitmap = data.nullBitmap;
  if (data.nullCount === 0 || !bitmap || bitmap.length === 0) return true;
  const bit = data.offset + index;
  return ((bitmap[bit >> 3]! >> (bit & 7)) & 1) === 1;
}

function nullsOf(data: Data): number {
  return data.typeId === Type.Null ? data.length : data.nullCount;
}

/** Packs booleans (non-null entries only) into `out`, continuing at bit `bitCount`. */
class BitWriter {
  bytes: Uint8Array;
  count = 0;

  constructor(capacity: number) {
    this.bytes = new Uint8Array(Math.ceil(capacity / 8));
  }

  push(bit: number): void {
    if (bit) this.bytes[this.count >> 3]! |= 1 << (this.count & 7);
    this.count++;
  }
}

/** Fixed-width values of one chunk in their Parquet representation (before dropping nulls). */
function fixedValues(
  data: Data,
): Int32Array | BigInt64Array | BigUint64Array | Float32Array | Float64Array | Uint32Array | Uint16Array {
  const type = data.type as DataType & { unit?: number; bitWidth?: number };
  const values = data.values as Int32Array | BigInt64Array | Float64Array;
  const length = data.length;
  if (type.typeId === Type.Timestamp && type.unit === TimeUnit.SECOND)
    return (values as BigInt64Array).subarray(0, length).map((value) => value * 1000n);
  if (type.typeId === Type.Time && type.unit === TimeUnit.SECOND)
    return (values as Int32Array).subarray(0, length).map((value) => value * 1000);
  if (type.typeId === Type.Date && type.unit === 1) {
    // Date64 (milliseconds) → days, rounding down for dates before 1970.
    const days = new Int32Array(length);
    for (let index = 0; index < length; index++)
      days[index] = Math.floor(Number((values as unknown as BigInt64Array)[index]!) / 86_400_000);
    return days;
  }
  if (type.typeId === Type.Int && (type.bitWidth ?? 32) < 32) {
    return Int32Array.from((values as unknown as Int8Array).subarray(0, length));
  }
  return values.subarray(0, length) as Int32Array;
}

function writeFixed(data: Data, out: Bytes): void {
  const values = fixedValues(data);
  if (data.nullCount === 0) {
    out.append(values);
    return;
  }
  const Constructor = values.constructor as new (size: number) => typeof values;
  const compact = new Constructor(data.length - data.nullCount) as Int32Array;
  let count = 0;
  for (let index = 0; index < data.length; index++)
    if (isValid(data, index)) compact[count++] = (values as Int32Array)[index]!;
  out.append(compact);
}

function writeBytes(data: Data, out: Bytes): void {
  const allValid = data.nullCount === 0;
  const typeId = data.typeId;
  if (typeId === Type.Dictionary) {
    const dictionary = (data as unknown as { dictionary?: { data: Data[] } }).dictionary;
    const chunk = dictionary?.data.length === 1 ? dictionary.data[0] : undefined;
    if (!chunk || chunk.valueOffsets === undefined)
      throw new ParquetError(
        'Dictionary columns with chunked dictionaries are not supported; decode them first.',
        {
          code: 'PARQUET_UNSUPPORTED',
        },
      );
    const offsets = chunk.valueOffsets as Int32Array;
    const bytes = chunk.values as Uint8Array;
    const keys = data.values as Int32Array;
    for (let index = 0; index < data.length; index++) {
      if (!allValid && !isValid(data, index)) continue;
      const key = Number(keys[index]);
      out.appendByteArray(bytes, offsets[key]!, offsets[key + 1]!);
    }
    return;
  }
  if (typeId === Type.Utf8View || typeId === Type.BinaryView) {
    const vector = makeVector(data);
    const encoder = new TextEncoder();
    for (let index = 0; index < data.length; index++) {
      const value = vector.get(index) as string | Uint8Array | null;
      if (value === null) continue;
      const bytes = typeof value === 'string' ? encoder.encode(value) : value;
      out.appendByteArray(bytes, 0, bytes.length);
    }
    return;
  }
  const offsets = data.valueOffsets as Int32Array | BigInt64Array;
  const values = data.values as Uint8Array;
  const large = offsets instanceof BigInt64Array;
  const first = Number(offsets[0]);
  const last = Number(offsets[data.length]);
  out.reserve(last - first + 4 * data.length);
  for (let index = 0; index < data.length; index++) {
    if (!allValid && !isValid(data, index)) continue;
    const start = large ? Number(offsets[index]) : (offsets[index] as number);
    const end = large ? Number(offsets[index + 1]) : (offsets[index + 1] as number);
    out.appendByteArray(values, start, end);
  }
}

function writeJson(data: Data, out: Bytes): void {
  const vector = makeVector(data);
  const encoder = new TextEncoder();
  for (let index = 0; index < data.length; index++) {
    if (!isValid(data, index)) continue;
    const bytes = encoder.encode(toJsonText(vector.get(index)));
    out.appendByteArray(bytes, 0, bytes.length);
  }
}

function writeBooleans(data: Data, bits: BitWriter): void {
  const values = data.values as Uint8Array;
  for (let index = 0; index < data.length; index++) {
    if (!isValid(data, index)) continue;
    const bit = data.offset + index;
    bits.push((values[bit >> 3]! >> (bit & 7)) & 1);
  }
}

function writeDecimals(layout: ColumnLayout, data: Data, out: Bytes): void {
  const words = data.values as Uint32Array;
  const stride = ((data.type as unknown as { bitWidth: number }).bitWidth ?? 128) / 32;
  const present = data.length - data.nullCount;
  if (layout.physical === Physical.INT32 || layout.physical === Physical.INT64) {
    const wide = layout.physical === Physical.INT64;
    const target = wide ? new Uint32Array(present * 2) : new Int32Array(present);
    let count = 0;
    for (let index = 0; index < data.length; index++) {
      if (!isValid(data, index)) continue;
      // The unscaled value fits the narrower integer, so its low words are its two's complement.
      if (wide) {
        target[count * 2] = words[index * stride]!;
        target[count * 2 + 1] = words[index * stride + 1]!;
      } else target[count] = words[index * stride]!;
      count++;
    }
    out.append(target);
    return;
  }
  const width = layout.typeLength!;
  const bytes = new Uint8Array(words.buffer, words.byteOffset, words.byteLength);
  const byteStride = stride * 4;
  out.reserve(present * width);
  for (let index = 0; index < data.length; index++) {
    if (!isValid(data, index)) continue;
    // Parquet wants big-endian; Arrow holds little-endian words. Keep the low `width` bytes.
    const base = index * byteStride;
    for (let byte = 0; byte < width; byte++) out.buffer[out.length + byte] = bytes[base + width - 1 - byte]!;
    out.length += width;
  }
}

function writeFixedBytes(layout: ColumnLayout, data: Data, out: Bytes): void {
  const width = layout.typeLength!;
  const values = data.values as Uint8Array;
  if (data.nullCount === 0) {
    out.append(values.subarray(0, data.length * width));
    return;
  }
  for (let index = 0; index < data.length; index++)
    if (isValid(data, index)) out.append(values.subarray(index * width, (index + 1) * width));
}

/** Validity of a column's chunks as one bitmap, or `undefined` when nothing is null. */
function validityOf(chunks: readonly Data[], rows: number, nullCount: number): Uint8Array | undefined {
  if (nullCount === 0) return undefined;
  const bitmap = new Uint8Array(Math.ceil(rows / 8));
  let position = 0;
  for (const data of chunks) {
    const source = data.nullBitmap;
    if (data.typeId === Type.Null) {
      position += data.length;
      continue;
    }
    if (data.nullCount === 0 || !source || source.length === 0) {
      for (let index = 0; index < data.length; index++, position++)
        bitmap[position >> 3]! |= 1 << (position & 7);
      continue;
    }
    if (position % 8 === 0 && data.offset % 8 === 0) {
      const bytes = Math.ceil(data.length / 8);
      bitmap.set(source.subarray(data.offset / 8, data.offset / 8 + bytes), position / 8);
      position += data.length;
      // Bits past this chunk's end are garbage from the source bitmap: clear them for the next chunk.
      if (position % 8 !== 0) bitmap[position >> 3]! &= (1 << (position % 8)) - 1;
      continue;
    }
    for (let index = 0; index < data.length; index++, position++) {
      const bit = data.offset + index;
      if ((source[bit >> 3]! >> (bit & 7)) & 1) bitmap[position >> 3]! |= 1 << (position & 7);
    }
  }
  return bitmap;
}

/** Estimated PLAIN size of the chunks' values (to size the output buffer once). */
function estimateBytes(layout: ColumnLayout, chunks: readonly Data[], rows: number): number {
  if (layout.kind === 'bytes' || layout.kind === 'json') {
    let total = 4 * rows;
    for (const data of chunks) {
      const offsets = data.valueOffsets as Int32Array | undefined;
      if (offsets && data.typeId !== Type.Dictionary)
        total += Number(offsets[data.length]) - Number(offsets[0]);
    }
    return total;
  }
  if (layout.kind === 'bool') return Math.ceil(rows / 8);
  if (layout.physical === Physical.FIXED_LEN_BYTE_ARRAY) return rows * layout.typeLength!;
  return rows * (layout.physical === Physical.INT32 || layout.physical === Physical.FLOAT ? 4 : 8);
}

export interface EncodedColumnChunk {
  /** Page header + (compressed) page. */
  bytes: Buffer;
  /** Page header + uncompressed page size. */
  uncompressedSize: number;
  nullCount: number;
}

/** Encodes one column of one row group as a single V1 data page of PLAIN values. */
export async function encodeColumnChunk(
  layout: ColumnLayout,
  chunks: readonly Data[],
  rows: number,
  compression: CompressionName,
): Promise<EncodedColumnChunk> {
  const nullCount = chunks.reduce((total, data) => total + nullsOf(data), 0);
  if (layout.required && nullCount > 0) {
    throw new ParquetError(
      `Column '${layout.field.name}' is not nullable but has ${nullCount} null value(s); fix the data or make the Arrow field nullable.`,
      { code: 'PARQUET_NULL_IN_REQUIRED_COLUMN' },
    );
  }
  const levels = layout.required
    ? undefined
    : encodeDefinitionLevels(validityOf(chunks, rows, nullCount), rows);
  const out = new Bytes((levels?.length ?? 0) + estimateBytes(layout, chunks, rows));
  if (levels) out.append(levels);
  if (layout.kind === 'bool') {
    const bits = new BitWriter(rows);
    for (const data of chunks) writeBooleans(data, bits);
    out.append(bits.bytes);
  } else {
    for (const data of chunks) {
      if (layout.kind === 'fixed') writeFixed(data, out);
      else if (layout.kind === 'bytes') writeBytes(data, out);
      else if (layout.kind === 'json') writeJson(data, out);
      else if (layout.kind === 'decimal') writeDecimals(layout, data, out);
      else if (layout.kind === 'fixed-bytes') writeFixedBytes(layout, data, out);
    }
  }
  const page = out.view();
  const compressed = await compress(compression, page);
  const header = serializeThrift(
    new (thriftClass('PageHeader'))({
      type: thrift.PageType.DATA_PAGE,
      uncompressed_page_size: page.length,
      compressed_page_size: compressed.length,
      data_page_header: new (thriftClass('DataPageHeader'))({
        num_values: rows,
        encoding: thrift.Encoding.PLAIN,
        definition_level_encoding: thrift.Encoding.RLE,
        repetition_level_encoding: thrift.Encoding.RLE,
        statistics: new (thriftClass('Statistics'))({ null_count: nullCount }),
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
  const SchemaElement = thriftClass('SchemaElement');
  const root = new SchemaElement({ name: 'schema', num_children: layouts.length });
  return { layouts, elements: [root, ...layouts.map((layout) => new SchemaElement(layout.schemaElement))] };
}
