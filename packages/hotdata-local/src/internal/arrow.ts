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
  validity?: { itemValid(index: number): boolean };
}

/** Growable UTF-8 bytes + offsets of a string column, filled straight from DuckDB's string_t entries. */
class StringColumn {
  bytes = new Uint8Array(1 << 16);
  used = 0;
  readonly offsets: Int32Array;
  readonly bitmap: Uint8Array;
  nullCount = 0;

  constructor(rows: number) {
    this.offsets = new Int32Array(rows + 1);
    this.bitmap = new Uint8Array(Math.ceil(rows / 8));
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
      this.bitmap[row >> 3]! |= 1 << (row & 7);
    } else {
      this.nullCount++;
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
 * Converts a DuckDB result chunk by chunk. Fixed-width columns are copied straight from the vectors'
 * typed arrays (the vectors' `items`, stable in the pinned @duckdb/node-api), other columns go value by
 * value; either way the Arrow data is exact (microseconds, int64, decimals).
 */
export async function resultToArrow(result: DuckDBResult, totalRows: number): Promise<Table> {
  const count = result.columnCount;
  const types = Array.from({ length: count }, (_, index) => result.columnType(index));
  const storage = types.map((type) => TYPED_STORAGE[type.typeId]);
  const fixedArrays = storage.map((entry) => (entry ? new entry.array(totalRows) : undefined));
  const bitmaps = types.map(() => new Uint8Array(Math.ceil(totalRows / 8)));
  const nullCounts = types.map(() => 0);
  const boxed: DuckDBValue[][] = types.map(() => []);
  const strings = types.map((type) =>
    type.typeId === DuckDBTypeId.VARCHAR || type.typeId === DuckDBTypeId.BLOB
      ? new StringColumn(totalRows)
      : undefined,
  );
  let offset = 0;
  while (true) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    const rows = chunk.rowCount;
    for (let column = 0; column < count; column++) {
      const vector = chunk.getColumnVector(column) as unknown as RawVector;
      const target = fixedArrays[column];
      const text = strings[column];
      if (text && vector.dataView && vector.validity) {
        for (let row = 0; row < rows; row++) {
          text.push(
            offset + row,
            vector.validity.itemValid(row) ? stringBytes(vector.dataView, row) : undefined,
          );
        }
      } else if (
        target &&
        vector.items &&
        vector.validity &&
        vector.items.constructor === target.constructor
      ) {
        (target as Int32Array).set(vector.items.subarray(0, rows) as Int32Array, offset);
        const bitmap = bitmaps[column]!;
        for (let row = 0; row < rows; row++) {
          if (vector.validity.itemValid(row)) bitmap[(offset + row) >> 3]! |= 1 << ((offset + row) & 7);
          else nullCounts[column]!++;
        }
      } else {
        const values = boxed[column]!;
        for (let row = 0; row < rows; row++) values.push(vector.getItem(row));
      }
    }
    offset += rows;
  }
  const vectors: Record<string, Vector> = {};
  for (let column = 0; column < count; column++) {
    const entry = storage[column];
    const array = fixedArrays[column];
    const name = result.columnName(column);
    const text = strings[column];
    if (text && boxed[column]!.length === 0) {
      vectors[name] = makeVector(
        makeData({
          type: types[column]!.typeId === DuckDBTypeId.BLOB ? new Binary() : new Utf8(),
          length: offset,
          nullCount: text.nullCount,
          nullBitmap: text.bitmap,
          valueOffsets: text.offsets.subarray(0, offset + 1),
          data: text.bytes.subarray(0, text.used),
        } as never),
      );
    } else if (entry && array && boxed[column]!.length === 0) {
      vectors[name] = makeVector(
        makeData({
          type: entry.arrow(),
          length: offset,
          nullCount: nullCounts[column]!,
          nullBitmap: bitmaps[column]!,
          data: array.subarray(0, offset),
        } as never),
      );
    } else {
      vectors[name] = columnToArrow(types[column]!, boxed[column]!);
    }
  }
  return new Table(vectors);
}

/** A materialized DuckDB result as an Arrow table with the same column names and types. */
export function readerToArrow(reader: DuckDBResultReader): Table {
  const columns = reader.getColumns();
  const vectors: Record<string, Vector> = {};
  for (let index = 0; index < reader.columnCount; index++) {
    vectors[reader.columnName(index)] = columnToArrow(reader.columnType(index), columns[index] ?? []);
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
