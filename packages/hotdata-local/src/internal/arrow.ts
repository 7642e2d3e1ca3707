import { type DuckDBResultReader, type DuckDBType, DuckDBTypeId, type DuckDBValue } from '@duckdb/node-api';
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
