import type { CompleteColumnSchema } from '@hotdata-dlt/core';
import { arrowSchemaForColumns, type TypeMappingOptions } from '@hotdata-dlt/parquet';
import { type Data, type DataType, makeData, RecordBatch, Struct, TimeUnit, Type } from 'apache-arrow';
import type { DecimalValue, NormalizedValue } from './values.ts';

function bitmapOf(values: readonly unknown[]): { bitmap: Uint8Array; nullCount: number } {
  const bitmap = new Uint8Array(Math.ceil(values.length / 8));
  let nullCount = 0;
  for (let index = 0; index < values.length; index++) {
    if (values[index] === undefined || values[index] === null) nullCount++;
    else bitmap[index >> 3]! |= 1 << (index & 7);
  }
  return { bitmap, nullCount };
}

function variableWidth(
  type: DataType,
  values: readonly unknown[],
  bytesOf: (value: unknown) => Uint8Array,
): Data {
  const { bitmap, nullCount } = bitmapOf(values);
  const offsets = new Int32Array(values.length + 1);
  const pieces: Uint8Array[] = new Array(values.length);
  let total = 0;
  for (let index = 0; index < values.length; index++) {
    const value = values[index];
    const bytes = value === undefined || value === null ? new Uint8Array(0) : bytesOf(value);
    pieces[index] = bytes;
    total += bytes.length;
    offsets[index + 1] = total;
  }
  const data = new Uint8Array(total);
  for (let index = 0; index < pieces.length; index++) data.set(pieces[index]!, offsets[index]!);
  return makeData({
    type,
    length: values.length,
    nullCount,
    nullBitmap: bitmap,
    valueOffsets: offsets,
    data,
  } as never);
}

/** A UTF-8 column written straight into one buffer (no per-value Uint8Array). */
function utf8Data(type: DataType, values: readonly unknown[]): Data {
  const { bitmap, nullCount } = bitmapOf(values);
  const offsets = new Int32Array(values.length + 1);
  let total = 0;
  for (let index = 0; index < values.length; index++) {
    const value = values[index];
    if (value !== undefined && value !== null) total += Buffer.byteLength(value as string, 'utf8');
    offsets[index + 1] = total;
  }
  const data = Buffer.allocUnsafeSlow(total);
  for (let index = 0; index < values.length; index++) {
    const value = values[index];
    if (value !== undefined && value !== null) data.write(value as string, offsets[index]!, 'utf8');
  }
  return makeData({
    type,
    length: values.length,
    nullCount,
    nullBitmap: bitmap,
    valueOffsets: offsets,
    data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
  } as never);
}

function fixedWidth<T extends { [index: number]: number | bigint }>(
  type: DataType,
  values: readonly unknown[],
  array: T,
  convert: (value: unknown) => number | bigint,
): Data {
  const { bitmap, nullCount } = bitmapOf(values);
  for (let index = 0; index < values.length; index++) {
    const value = values[index];
    if (value !== undefined && value !== null) array[index] = convert(value);
  }
  return makeData({ type, length: values.length, nullCount, nullBitmap: bitmap, data: array } as never);
}

function rescale(value: DecimalValue, scale: number): bigint {
  if (value.scale === scale) return value.unscaled;
  if (value.scale < scale) return value.unscaled * 10n ** BigInt(scale - value.scale);
  return value.unscaled / 10n ** BigInt(value.scale - scale);
}

/** An Arrow data chunk of normalized values for one column type. */
export function columnData(type: DataType, values: readonly unknown[]): Data {
  const length = values.length;
  switch (type.typeId) {
    case Type.Utf8:
      return utf8Data(type, values);
    case Type.Binary:
      return variableWidth(type, values, (value) => value as Uint8Array);
    case Type.Bool: {
      const { bitmap, nullCount } = bitmapOf(values);
      const data = new Uint8Array(Math.ceil(length / 8));
      for (let index = 0; index < length; index++)
        if (values[index] === true) data[index >> 3]! |= 1 << (index & 7);
      return makeData({ type, length, nullCount, nullBitmap: bitmap, data } as never);
    }
    case Type.Int: {
      const { bitWidth } = type as unknown as { bitWidth: number };
      if (bitWidth === 64)
        return fixedWidth(type, values, new BigInt64Array(length), (value) => value as bigint);
      const ArrayType = bitWidth === 8 ? Int8Array : bitWidth === 16 ? Int16Array : Int32Array;
      return fixedWidth(type, values, new ArrayType(length), (value) => Number(value));
    }
    case Type.Float:
      return fixedWidth(type, values, new Float64Array(length), (value) => value as number);
    case Type.Date:
      return fixedWidth(type, values, new Int32Array(length), (value) => value as number);
    case Type.Timestamp: {
      const { unit } = type as unknown as { unit: TimeUnit };
      const convert =
        unit === TimeUnit.SECOND
          ? (value: unknown) => (value as bigint) / 1_000_000n
          : unit === TimeUnit.MILLISECOND
            ? (value: unknown) => (value as bigint) / 1000n
            : unit === TimeUnit.NANOSECOND
              ? (value: unknown) => (value as bigint) * 1000n
              : (value: unknown) => value as bigint;
      return fixedWidth(type, values, new BigInt64Array(length), convert);
    }
    case Type.Time: {
      const { unit } = type as unknown as { unit: TimeUnit };
      if (unit === TimeUnit.MILLISECOND || unit === TimeUnit.SECOND) {
        return fixedWidth(type, values, new Int32Array(length), (value) => Number((value as bigint) / 1000n));
      }
      const scale = unit === TimeUnit.NANOSECOND ? 1000n : 1n;
      return fixedWidth(type, values, new BigInt64Array(length), (value) => (value as bigint) * scale);
    }
    case Type.Decimal: {
      const { scale } = type as unknown as { scale: number };
      const { bitmap, nullCount } = bitmapOf(values);
      const words = new Uint32Array(length * 4);
      const view = new DataView(words.buffer);
      for (let index = 0; index < length; index++) {
        const value = values[index];
        if (value === undefined || value === null) continue;
        // bigint(128) columns are Decimal(38, 0) in Arrow (as in dlt) but hold plain bigints.
        const unscaled =
          typeof value === 'bigint' ? value * 10n ** BigInt(scale) : rescale(value as DecimalValue, scale);
        view.setBigInt64(index * 16, BigInt.asIntN(64, unscaled), true);
        view.setBigInt64(index * 16 + 8, unscaled >> 64n, true);
      }
      return makeData({ type, length, nullCount, nullBitmap: bitmap, data: words } as never);
    }
    default:
      throw new Error(`No Arrow builder for ${type}`);
  }
}

/** Builds a record batch of normalized rows for a table's complete columns (missing values are null). */
export function rowsToRecordBatch(
  columns: Record<string, CompleteColumnSchema>,
  rows: ReadonlyArray<Record<string, NormalizedValue | undefined>>,
  options: TypeMappingOptions = {},
): RecordBatch {
  const schema = arrowSchemaForColumns(columns, options);
  const children = schema.fields.map((field) =>
    columnData(
      field.type,
      rows.map((row) => row[field.name]),
    ),
  );
  const data = makeData({ type: new Struct(schema.fields), length: rows.length, nullCount: 0, children });
  return new RecordBatch(schema, data);
}
