import {
  type DuckDBResult,
  type DuckDBResultReader,
  type DuckDBType,
  DuckDBTypeId,
  type DuckDBValue,
} from '@duckdb/node-api';
import bindings from '@duckdb/node-bindings';
import {
  Binary,
  Bool,
  type Data,
  type DataType,
  DateDay,
  Decimal,
  Float32,
  Float64,
  Int8,
  Int16,
  Int32,
  Int64,
  makeData,
  makeVector,
  Table,
  TimeMicrosecond,
  TimestampMicrosecond,
  TimestampMillisecond,
  TimestampNanosecond,
  TimestampSecond,
  Uint8,
  Uint16,
  Uint32,
  Uint64,
  Utf8,
  type Vector,
} from 'apache-arrow';

/** The Arrow type display string the service reports in information_schema (DataFusion's form). */
export function arrowTypeString(type: DuckDBType): string {
  const text = type.toString();
  switch (type.typeId) {
    case DuckDBTypeId.BOOLEAN:
      return 'Boolean';
    case DuckDBTypeId.TINYINT:
      return 'Int8';
    case DuckDBTypeId.SMALLINT:
      return 'Int16';
    case DuckDBTypeId.INTEGER:
      return 'Int32';
    case DuckDBTypeId.BIGINT:
      return 'Int64';
    case DuckDBTypeId.UTINYINT:
      return 'UInt8';
    case DuckDBTypeId.USMALLINT:
      return 'UInt16';
    case DuckDBTypeId.UINTEGER:
      return 'UInt32';
    case DuckDBTypeId.UBIGINT:
      return 'UInt64';
    case DuckDBTypeId.FLOAT:
      return 'Float32';
    case DuckDBTypeId.DOUBLE:
      return 'Float64';
    case DuckDBTypeId.DATE:
      return 'Date32';
    case DuckDBTypeId.TIME:
      return 'Time64(Microsecond)';
    case DuckDBTypeId.TIMESTAMP:
      return 'Timestamp(Microsecond, None)';
    case DuckDBTypeId.TIMESTAMP_TZ:
      return 'Timestamp(Microsecond, Some("UTC"))';
    case DuckDBTypeId.TIMESTAMP_MS:
      return 'Timestamp(Millisecond, None)';
    case DuckDBTypeId.TIMESTAMP_S:
      return 'Timestamp(Second, None)';
    case DuckDBTypeId.TIMESTAMP_NS:
      return 'Timestamp(Nanosecond, None)';
    case DuckDBTypeId.DECIMAL: {
      const decimal = type as unknown as { width: number; scale: number };
      return `Decimal128(${decimal.width}, ${decimal.scale})`;
    }
    case DuckDBTypeId.HUGEINT:
      return 'Decimal128(38, 0)';
    case DuckDBTypeId.BLOB:
      return 'Binary';
    case DuckDBTypeId.VARCHAR:
    case DuckDBTypeId.UUID:
    case DuckDBTypeId.ENUM:
      return 'Utf8';
    default:
      return text;
  }
}

function validity(values: readonly DuckDBValue[]): { bitmap: Uint8Array; nullCount: number } {
  const bitmap = new Uint8Array(Math.ceil(values.length / 8));
  let nullCount = 0;
  for (let index = 0; index < values.length; index++) {
    if (values[index] === null) nullCount++;
    else bitmap[index >> 3]! |= 1 << (index & 7);
  }
  return { bitmap, nullCount };
}

function fixed<T extends { length: number; [index: number]: number | bigint }>(
  type: ConstructorParameters<typeof Object>[0],
  values: readonly DuckDBValue[],
  array: T,
  read: (value: DuckDBValue) => number | bigint,
): Data {
  const { bitmap, nullCount } = validity(values);
  for (let index = 0; index < values.length; index++) {
    const value = values[index];
    if (value !== null && value !== undefined) array[index] = read(value) as never;
  }
  return makeData({ type, length: values.length, nullCount, nullBitmap: bitmap, data: array } as never);
}

const encoder = new TextEncoder();

function variableWidth(
  type: Utf8 | Binary,
  values: readonly DuckDBValue[],
  bytesOf: (value: DuckDBValue) => Uint8Array,
): Data {
  const { bitmap, nullCount } = validity(values);
  const pieces: Uint8Array[] = new Array(values.length);
  const offsets = new Int32Array(values.length + 1);
  let total = 0;
  for (let index = 0; index < values.length; index++) {
    const value = values[index];
    const bytes = value === null || value === undefined ? new Uint8Array(0) : bytesOf(value);
    pieces[index] = bytes;
    total += bytes.length;
    offsets[index + 1] = total;
  }
  const data = new Uint8Array(total);
  for (let index = 0; index < values.length; index++) data.set(pieces[index]!, offsets[index]!);
  return makeData({
    type,
    length: values.length,
    nullCount,
    nullBitmap: bitmap,
    valueOffsets: offsets,
    data,
  } as never);
}

function textOf(value: DuckDBValue): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'bigint' || typeof value === 'number' || typeof value === 'boolean')
    return String(value);
  return String(value);
}

function decimalWords(values: readonly DuckDBValue[]): Uint32Array {
  const words = new Uint32Array(values.length * 4);
  for (let index = 0; index < values.length; index++) {
    const value = values[index];
    if (value === null || value === undefined) continue;
    let unscaled = (value as { value: bigint }).value ?? BigInt(value as bigint);
    if (unscaled < 0n) unscaled += 1n << 128n;
    for (let word = 0; word < 4; word++) {
      words[index * 4 + word] = Number(unscaled & 0xffffffffn);
      unscaled >>= 32n;
    }
  }
  return words;
}

/** Converts one DuckDB column (materialized values) into an Arrow vector of the matching type. */
export function columnToArrow(type: DuckDBType, values: readonly DuckDBValue[]): Vector {
  const length = values.length;
  switch (type.typeId) {
    case DuckDBTypeId.BOOLEAN: {
      const { bitmap, nullCount } = validity(values);
      const data = new Uint8Array(Math.ceil(length / 8));
      for (let index = 0; index < length; index++)
        if (values[index] === true) data[index >> 3]! |= 1 << (index & 7);
      return makeVector(makeData({ type: new Bool(), length, nullCount, nullBitmap: bitmap, data }));
    }
    case DuckDBTypeId.TINYINT:
      return makeVector(fixed(new Int8(), values, new Int8Array(length), (v) => v as number));
    case DuckDBTypeId.SMALLINT:
      return makeVector(fixed(new Int16(), values, new Int16Array(length), (v) => v as number));
    case DuckDBTypeId.INTEGER:
      return makeVector(fixed(new Int32(), values, new Int32Array(length), (v) => v as number));
    case DuckDBTypeId.BIGINT:
      return makeVector(fixed(new Int64(), values, new BigInt64Array(length), (v) => v as bigint));
    case DuckDBTypeId.UTINYINT:
      return makeVector(fixed(new Uint8(), values, new Uint8Array(length), (v) => v as number));
    case DuckDBTypeId.USMALLINT:
      return makeVector(fixed(new Uint16(), values, new Uint16Array(length), (v) => v as number));
    case DuckDBTypeId.UINTEGER:
      return makeVector(fixed(new Uint32(), values, new Uint32Array(length), (v) => v as number));
    case DuckDBTypeId.UBIGINT:
      return makeVector(fixed(new Uint64(), values, new BigUint64Array(length), (v) => v as bigint));
    case DuckDBTypeId.FLOAT:
      return makeVector(fixed(new Float32(), values, new Float32Array(length), (v) => v as number));
    case DuckDBTypeId.DOUBLE:
      return makeVector(fixed(new Float64(), values, new Float64Array(length), (v) => v as number));
    case DuckDBTypeId.DATE:
      return makeVector(
        fixed(new DateDay(), values, new Int32Array(length), (v) => (v as { days: number }).days),
      );
    case DuckDBTypeId.TIME:
      return makeVector(
        fixed(
          new TimeMicrosecond(),
          values,
          new BigInt64Array(length),
          (v) => (v as { micros: bigint }).micros,
        ),
      );
    case DuckDBTypeId.TIMESTAMP:
      return makeVector(
        fixed(
          new TimestampMicrosecond(),
          values,
          new BigInt64Array(length),
          (v) => (v as { micros: bigint }).micros,
        ),
      );
    case DuckDBTypeId.TIMESTAMP_TZ:
      return makeVector(
        fixed(
          new TimestampMicrosecond('UTC'),
          values,
          new BigInt64Array(length),
          (v) => (v as { micros: bigint }).micros,
        ),
      );
    case DuckDBTypeId.TIMESTAMP_MS:
      return makeVector(
        fixed(
          new TimestampMillisecond(),
          values,
          new BigInt64Array(length),
          (v) => (v as { millis: bigint }).millis,
        ),
      );
    case DuckDBTypeId.TIMESTAMP_S:
      return makeVector(
        fixed(
          new TimestampSecond(),
          values,
          new BigInt64Array(length),
          (v) => (v as { seconds: bigint }).seconds,
        ),
      );
    case DuckDBTypeId.TIMESTAMP_NS:
      return makeVector(
        fixed(
          new TimestampNanosecond(),
          values,
          new BigInt64Array(length),
          (v) => (v as { nanos: bigint }).nanos,
        ),
      );
    case DuckDBTypeId.DECIMAL:
    case DuckDBTypeId.HUGEINT: {
      const decimal = type as unknown as { width?: number; scale?: number };
      const arrowType = new Decimal(decimal.scale ?? 0, decimal.width ?? 38, 128);
      const { bitmap, nullCount } = validity(values);
      return makeVector(
        makeData({ type: arrowType, length, nullCount, nullBitmap: bitmap, data: decimalWords(values) }),
      );
    }
    case DuckDBTypeId.BLOB:
      return makeVector(
        variableWidth(new Binary(), values, (value) => (value as { bytes: Uint8Array }).bytes),
      );
    default:
      return makeVector(variableWidth(new Utf8(), values, (value) => encoder.encode(textOf(value))));
  }
}

type TypedArray =
  | BigInt64Array
  | BigUint64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | Float32Array
  | Float64Array;

/** Fixed-width DuckDB types whose vectors keep their values in a typed array (read without boxing). */
const TYPED_STORAGE: Partial<
  Record<
    DuckDBTypeId,
    { array: new (length: number) => TypedArray; arrow: () => import('apache-arrow').DataType }
  >
> = {
  [DuckDBTypeId.TINYINT]: { array: Int8Array, arrow: () => new Int8() },
  [DuckDBTypeId.SMALLINT]: { array: Int16Array, arrow: () => new Int16() },
  [DuckDBTypeId.INTEGER]: { array: Int32Array, arrow: () => new Int32() },
  [DuckDBTypeId.BIGINT]: { array: BigInt64Array, arrow: () => new Int64() },
  [DuckDBTypeId.UTINYINT]: { array: Uint8Array, arrow: () => new Uint8() },
  [DuckDBTypeId.USMALLINT]: { array: Uint16Array, arrow: () => new Uint16() },
  [DuckDBTypeId.UINTEGER]: { array: Uint32Array, arrow: () => new Uint32() },
  [DuckDBTypeId.UBIGINT]: { array: BigUint64Array, arrow: () => new Uint64() },
  [DuckDBTypeId.FLOAT]: { array: Float32Array, arrow: () => new Float32() },
  [DuckDBTypeId.DOUBLE]: { array: Float64Array, arrow: () => new Float64() },
  [DuckDBTypeId.DATE]: { array: Int32Array, arrow: () => new DateDay() },
  [DuckDBTypeId.TIME]: { array: BigInt64Array, arrow: () => new TimeMicrosecond() },
  [DuckDBTypeId.TIMESTAMP]: { array: BigInt64Array, arrow: () => new TimestampMicrosecond() },
  [DuckDBTypeId.TIMESTAMP_TZ]: { array: BigInt64Array, arrow: () => new TimestampMicrosecond('UTC') },
  [DuckDBTypeId.TIMESTAMP_MS]: { array: BigInt64Array, arrow: () => new TimestampMillisecond() },
  [DuckDBTypeId.TIMESTAMP_S]: { array: BigInt64Array, arrow: () => new TimestampSecond() },
  [DuckDBTypeId.TIMESTAMP_NS]: { array: BigInt64Array, arrow: () => new TimestampNanosecond() },
};

interface RawVector {
  itemCount: number;
  getItem(index: number): DuckDBValue;
  items?: TypedArray;
  dataView?: DataView;
  validity?: { data: BigUint64Array | null; offset: number; itemValid(index: number): boolean };
}

const POPCOUNT = Uint8Array.from({ length: 256 }, (_, byte) => {
  let bits = 0;
  for (let value = byte; value > 0; value >>= 1) bits += value & 1;
  return bits;
});

/**
 * Copies a chunk's validity mask into an Arrow bitmap at row `offset`, returning the chunk's null count.
 * DuckDB's mask (little-endian 64-bit words, bit i = row i is valid, or no mask when all are valid) has
 * Arrow's bit layout, so whole bytes are copied when the chunk starts on a byte boundary.
 */
function copyValidity(
  validity: NonNullable<RawVector['validity']>,
  rows: number,
  bitmap: Uint8Array,
  offset: number,
): number {
  const mask = validity.data
    ? new Uint8Array(validity.data.buffer, validity.data.byteOffset, Math.ceil(rows / 8))
    : undefined;
  let valid = 0;
  if (offset % 8 === 0) {
    const base = offset >> 3;
    const full = rows >> 3;
    for (let index = 0; index < full; index++) {
      const byte = mask ? mask[index]! : 0xff;
      bitmap[base + index] = byte;
      valid += POPCOUNT[byte]!;
    }
    const rest = rows & 7;
    if (rest > 0) {
      const byte = (mask ? mask[full]! : 0xff) & ((1 << rest) - 1);
      bitmap[base + full]! |= byte;
      valid += POPCOUNT[byte]!;
    }
  } else {
    for (let row = 0; row < rows; row++) {
      if (mask && ((mask[row >> 3]! >> (row & 7)) & 1) === 0) continue;
      bitmap[(offset + row) >> 3]! |= 1 << ((offset + row) & 7);
      valid++;
    }
  }
  return rows - valid;
}

const isValid = (bitmap: Uint8Array, row: number) => ((bitmap[row >> 3]! >> (row & 7)) & 1) === 1;

/** Growable UTF-8 bytes + offsets of a string column, filled straight from DuckDB's string_t entries. */
class StringColumn {
  bytes = new Uint8Array(1 << 16);
  used = 0;
  readonly offsets: Int32Array;

  constructor(rows: number) {
    this.offsets = new Int32Array(rows + 1);
  }

  push(row: number, piece: Uint8Array | undefined): void {
    if (piece) {
      if (this.used + piece.length > this.bytes.length) {
        const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.used + piece.length));
        grown.set(this.bytes.subarray(0, this.used));
        this.bytes = grown;
      }
      this.bytes.set(piece, this.used);
      this.used += piece.length;
    }
    this.offsets[row + 1] = this.used;
  }
}

/** The bytes of the string_t at `index` of a VARCHAR/BLOB vector (inline up to 12 bytes, else a pointer). */
function stringBytes(view: DataView, index: number): Uint8Array {
  const offset = index * 16;
  const length = view.getUint32(offset, true);
  if (length <= 12) return new Uint8Array(view.buffer, view.byteOffset + offset + 4, length);
  return bindings.get_data_from_pointer(view.buffer as ArrayBuffer, view.byteOffset + offset + 8, length);
}

/**
 * Writes a chunk of DECIMAL/HUGEINT values (stored by DuckDB as int16/int32/int64/int128 by width) as
 * Arrow's Decimal128: four little-endian 32-bit words per value, two's complement.
 */
function copyDecimals(view: DataView, rows: number, words: Uint32Array, offset: number): void {
  const size = view.byteLength / rows;
  for (let row = 0; row < rows; row++) {
    const at = (offset + row) * 4;
    if (size === 16) {
      for (let word = 0; word < 4; word++) words[at + word] = view.getUint32(row * 16 + word * 4, true);
      continue;
    }
    let low: number;
    let high: number;
    if (size === 8) {
      low = view.getUint32(row * 8, true);
      high = view.getInt32(row * 8 + 4, true);
    } else {
      const value = size === 4 ? view.getInt32(row * 4, true) : view.getInt16(row * 2, true);
      low = value >>> 0;
      high = value < 0 ? -1 : 0;
    }
    const sign = high < 0 ? 0xffffffff : 0;
    words[at] = low;
    words[at + 1] = high >>> 0;
    words[at + 2] = sign;
    words[at + 3] = sign;
  }
}

type ColumnSink =
  | { kind: 'fixed'; array: TypedArray; arrow: DataType; bitmap: Uint8Array; nulls: number }
  | { kind: 'string'; column: StringColumn; bitmap: Uint8Array; nulls: number }
  | { kind: 'decimal'; words: Uint32Array; arrow: DataType; bitmap: Uint8Array; nulls: number }
  | { kind: 'boolean'; data: Uint8Array; bitmap: Uint8Array; nulls: number }
  | { kind: 'boxed'; values: DuckDBValue[] };

function sinkFor(type: DuckDBType, rows: number): ColumnSink {
  const bitmap = new Uint8Array(Math.ceil(rows / 8));
  const typed = TYPED_STORAGE[type.typeId];
  if (typed) return { kind: 'fixed', array: new typed.array(rows), arrow: typed.arrow(), bitmap, nulls: 0 };
  switch (type.typeId) {
    case DuckDBTypeId.VARCHAR:
    case DuckDBTypeId.BLOB:
      return { kind: 'string', column: new StringColumn(rows), bitmap, nulls: 0 };
    case DuckDBTypeId.DECIMAL:
    case DuckDBTypeId.HUGEINT: {
      const decimal = type as unknown as { width?: number; scale?: number };
      const arrow = new Decimal(decimal.scale ?? 0, decimal.width ?? 38, 128);
      return { kind: 'decimal', words: new Uint32Array(rows * 4), arrow, bitmap, nulls: 0 };
    }
    case DuckDBTypeId.BOOLEAN:
      return { kind: 'boolean', data: new Uint8Array(Math.ceil(rows / 8)), bitmap, nulls: 0 };
    default:
      return { kind: 'boxed', values: [] };
  }
}

/** Moves one chunk's column into its sink; `false` when the vector is not laid out as expected. */
function fillSink(sink: ColumnSink, vector: RawVector, rows: number, offset: number): boolean {
  if (sink.kind === 'boxed') {
    for (let row = 0; row < rows; row++) sink.values.push(vector.getItem(row));
    return true;
  }
  const validity = vector.validity;
  if (validity?.offset !== 0) return false;
  if (sink.kind === 'fixed') {
    if (!vector.items || vector.items.constructor !== sink.array.constructor) return false;
    (sink.array as Int32Array).set(vector.items.subarray(0, rows) as Int32Array, offset);
  } else if (!vector.dataView) {
    return false;
  }
  sink.nulls += copyValidity(validity, rows, sink.bitmap, offset);
  const view = vector.dataView;
  if (sink.kind === 'string' && view) {
    for (let row = 0; row < rows; row++) {
      sink.column.push(offset + row, isValid(sink.bitmap, offset + row) ? stringBytes(view, row) : undefined);
    }
  } else if (sink.kind === 'decimal' && view) {
    copyDecimals(view, rows, sink.words, offset);
  } else if (sink.kind === 'boolean' && view) {
    for (let row = 0; row < rows; row++) {
      if (view.getUint8(row) !== 0) sink.data[(offset + row) >> 3]! |= 1 << ((offset + row) & 7);
    }
  }
  return true;
}

function sinkToVector(sink: ColumnSink, type: DuckDBType, length: number): Vector {
  switch (sink.kind) {
    case 'fixed':
      return makeVector(
        makeData({
          type: sink.arrow,
          length,
          nullCount: sink.nulls,
          nullBitmap: sink.bitmap,
          data: sink.array.subarray(0, length),
        } as never),
      );
    case 'string':
      return makeVector(
        makeData({
          type: type.typeId === DuckDBTypeId.BLOB ? new Binary() : new Utf8(),
          length,
          nullCount: sink.nulls,
          nullBitmap: sink.bitmap,
          valueOffsets: sink.column.offsets.subarray(0, length + 1),
          data: sink.column.bytes.subarray(0, sink.column.used),
        } as never),
      );
    case 'decimal':
      return makeVector(
        makeData({
          type: sink.arrow as Decimal,
          length,
          nullCount: sink.nulls,
          nullBitmap: sink.bitmap,
          data: sink.words.subarray(0, length * 4),
        }),
      );
    case 'boolean':
      return makeVector(
        makeData({
          type: new Bool(),
          length,
          nullCount: sink.nulls,
          nullBitmap: sink.bitmap,
          data: sink.data,
        }),
      );
    case 'boxed':
      return columnToArrow(type, sink.values);
  }
}

/**
 * Converts a DuckDB result chunk by chunk into exact Arrow data (microseconds, int64, decimals): fixed-
 * width columns are copied from the vectors' typed arrays, validity masks byte by byte, decimals from
 * their raw integers and strings from their string_t entries, without boxing a value. Other types (and
 * a vector not laid out as expected) go value by value.
 */
export async function resultToArrow(result: DuckDBResult, totalRows: number): Promise<Table> {
  const count = result.columnCount;
  const types = Array.from({ length: count }, (_, index) => result.columnType(index));
  const sinks = types.map((type) => sinkFor(type, totalRows));
  let offset = 0;
  while (true) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    const rows = chunk.rowCount;
    if (offset + rows > totalRows)
      throw new Error(`The result has more than the expected ${totalRows} rows.`);
    for (let column = 0; column < count; column++) {
      const vector = chunk.getColumnVector(column) as unknown as RawVector;
      if (fillSink(sinks[column]!, vector, rows, offset)) continue;
      // A vector class of another @duckdb/node-api version: go value by value (same type every chunk).
      if (offset > 0) throw new Error(`Column ${column} changed its vector layout between chunks.`);
      sinks[column] = { kind: 'boxed', values: [] };
      fillSink(sinks[column]!, vector, rows, offset);
    }
    offset += rows;
  }
  const vectors: Record<string, Vector> = {};
  for (let column = 0; column < count; column++) {
    vectors[result.columnName(column)] = sinkToVector(sinks[column]!, types[column]!, offset);
  }
  return new Table(vectors);
}

const pad = (value: number, width = 2) => String(value).padStart(width, '0');

function isoFromMicros(micros: bigint, withZone: boolean): string {
  const millis = Number(micros / 1000n);
  const date = new Date(millis);
  const fraction = ((micros % 1_000_000n) + 1_000_000n) % 1_000_000n;
  const base = `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}T${pad(
    date.getUTCHours(),
  )}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`;
  return `${base}${fraction === 0n ? '' : `.${String(fraction).padStart(6, '0')}`}${withZone ? 'Z' : ''}`;
}

/** A DuckDB value as a JSON scalar, as the API's JSON rows carry it (timestamps as ISO strings). */
export function toJsonValue(type: DuckDBType, value: DuckDBValue): unknown {
  if (value === null || value === undefined) return null;
  switch (type.typeId) {
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.HUGEINT: {
      const big = value as bigint;
      return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER)
        ? Number(big)
        : big.toString();
    }
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
      return Number.isFinite(value as number) ? value : null;
    case DuckDBTypeId.DECIMAL:
      return Number(value.toString());
    case DuckDBTypeId.TIMESTAMP:
      return isoFromMicros((value as { micros: bigint }).micros, false);
    case DuckDBTypeId.TIMESTAMP_TZ:
      return isoFromMicros((value as { micros: bigint }).micros, true);
    case DuckDBTypeId.TIMESTAMP_MS:
      return isoFromMicros((value as { millis: bigint }).millis * 1000n, false);
    case DuckDBTypeId.TIMESTAMP_S:
      return isoFromMicros((value as { seconds: bigint }).seconds * 1_000_000n, false);
    case DuckDBTypeId.TIMESTAMP_NS:
      return isoFromMicros((value as { nanos: bigint }).nanos / 1000n, false);
    case DuckDBTypeId.BLOB:
      return Buffer.from((value as { bytes: Uint8Array }).bytes).toString('base64');
    case DuckDBTypeId.BOOLEAN:
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.USMALLINT:
    case DuckDBTypeId.UINTEGER:
    case DuckDBTypeId.VARCHAR:
      return value;
    default:
      return value.toString();
  }
}

/** Rows of a materialized result as arrays of JSON scalars. */
export function readerToJsonRows(reader: DuckDBResultReader): unknown[][] {
  const types = reader.columnTypes();
  return reader.getRows().map((row) => row.map((value, index) => toJsonValue(types[index]!, value)));
}
