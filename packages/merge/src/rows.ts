import { ConfigurationError } from '@hotdata-dlt/core';
import {
  type Data,
  type DataType,
  makeData,
  RecordBatch,
  Schema,
  Struct,
  Table,
  Type,
  type Vector,
} from 'apache-arrow';

/**
 * A row with exact storage values, keyed by column name: int64, timestamps and 64-bit times as `bigint`
 * (in the column's unit), narrower ints, floats and dates as `number`, decimals as the unscaled
 * `bigint`, strings as `string`, binary as `Uint8Array`, booleans as `boolean`, null as `null`.
 * Converting Arrow → rows → Arrow loses nothing.
 */
export type Row = Record<string, unknown>;

const decoder = new TextDecoder();
const encoder = new TextEncoder();

function valid(data: Data, index: number): boolean {
  if (!data.nullBitmap || data.nullCount === 0 || data.nullBitmap.length === 0) return true;
  const bit = data.offset + index;
  return ((data.nullBitmap[bit >> 3]! >> (bit & 7)) & 1) === 1;
}

function readValue(data: Data, index: number): unknown {
  if (!valid(data, index)) return null;
  const type = data.type;
  switch (type.typeId) {
    case Type.Utf8: {
      const offsets = data.valueOffsets as Int32Array;
      return decoder.decode((data.values as Uint8Array).subarray(offsets[index]!, offsets[index + 1]!));
    }
    case Type.Binary: {
      const offsets = data.valueOffsets as Int32Array;
      return (data.values as Uint8Array).slice(offsets[index]!, offsets[index + 1]!);
    }
    case Type.Bool: {
      const bit = data.offset + index;
      return (((data.values as Uint8Array)[bit >> 3]! >> (bit & 7)) & 1) === 1;
    }
    case Type.Decimal: {
      const words = data.values as Uint32Array;
      const view = new DataView(words.buffer, words.byteOffset, words.byteLength);
      const low = view.getBigUint64(index * 16, true);
      const high = view.getBigInt64(index * 16 + 8, true);
      return (high << 64n) | low;
    }
    case Type.Dictionary: {
      const dictionary = (data as unknown as { dictionary: Vector }).dictionary;
      return dictionary.get(Number((data.values as Int32Array)[index]));
    }
    case Type.Null:
      return null;
    case Type.Int:
    case Type.Float:
    case Type.Date:
    case Type.Time:
    case Type.Timestamp:
      return (data.values as unknown as ArrayLike<unknown>)[index];
    default:
      throw new ConfigurationError(`The merge engine cannot handle Arrow type ${type}.`);
  }
}

/** The rows of an Arrow table with exact storage values. */
export function tableToRows(table: Table): Row[] {
  const rows: Row[] = Array.from({ length: table.numRows }, () => ({}));
  table.schema.fields.forEach((field, column) => {
    const vector = table.getChildAt(column)!;
    let offset = 0;
    for (const data of vector.data) {
      for (let index = 0; index < data.length; index++)
        rows[offset + index]![field.name] = readValue(data, index);
      offset += data.length;
    }
  });
  return rows;
}

function bitmap(values: readonly unknown[]): { nullBitmap: Uint8Array; nullCount: number } {
  const nullBitmap = new Uint8Array(Math.ceil(values.length / 8));
  let nullCount = 0;
  values.forEach((value, index) => {
    if (value === null || value === undefined) nullCount++;
    else nullBitmap[index >> 3]! |= 1 << (index & 7);
  });
  return { nullBitmap, nullCount };
}

/** One Arrow data chunk of exact storage values (the inverse of {@link tableToRows}). */
export function valuesToData(type: DataType, values: readonly unknown[]): Data {
  const length = values.length;
  const { nullBitmap, nullCount } = bitmap(values);
  const base = { type, length, nullCount, nullBitmap };
  switch (type.typeId) {
    case Type.Utf8:
    case Type.Binary: {
      const pieces = values.map((value) =>
        value === null || value === undefined
          ? new Uint8Array(0)
          : type.typeId === Type.Utf8
            ? encoder.encode(String(value))
            : (value as Uint8Array),
      );
      const valueOffsets = new Int32Array(length + 1);
      pieces.forEach((piece, index) => {
        valueOffsets[index + 1] = valueOffsets[index]! + piece.length;
      });
      const data = new Uint8Array(valueOffsets[length]!);
      pieces.forEach((piece, index) => data.set(piece, valueOffsets[index]!));
      return makeData({ ...base, valueOffsets, data } as never);
    }
    case Type.Bool: {
      const data = new Uint8Array(Math.ceil(length / 8));
      values.forEach((value, index) => {
        if (value === true) data[index >> 3]! |= 1 << (index & 7);
      });
      return makeData({ ...base, data } as never);
    }
    case Type.Decimal: {
      const words = new Uint32Array(length * 4);
      const view = new DataView(words.buffer);
      values.forEach((value, index) => {
        if (value === null || value === undefined) return;
        const unscaled = BigInt(value as bigint);
        view.setBigInt64(index * 16, BigInt.asIntN(64, unscaled), true);
        view.setBigInt64(index * 16 + 8, unscaled >> 64n, true);
      });
      return makeData({ ...base, data: words } as never);
    }
    case Type.Null:
      return makeData({ type, length, nullCount: length } as never);
    default: {
      const ArrayType = (
        type as unknown as { ArrayType: new (length: number) => { [index: number]: unknown } }
      ).ArrayType;
      const data = new ArrayType(length);
      const wantsBigInt = data instanceof BigInt64Array || data instanceof BigUint64Array;
      values.forEach((value, index) => {
        if (value === null || value === undefined) return;
        data[index] = wantsBigInt ? BigInt(value as bigint) : Number(value);
      });
      return makeData({ ...base, data } as never);
    }
  }
}

/** An Arrow table of exact storage rows for a schema (missing columns are null). */
export function rowsToTable(schema: Schema, rows: readonly Row[]): Table {
  const children = schema.fields.map((field) =>
    valuesToData(
      field.type,
      rows.map((row) => row[field.name] ?? null),
    ),
  );
  const data = makeData({ type: new Struct(schema.fields), length: rows.length, nullCount: 0, children });
  return new Table([new RecordBatch(schema, data)]);
}

/** A schema with only the named fields (in that order). */
export function selectFields(schema: Schema, names: readonly string[]): Schema {
  return new Schema(
    names.map((name) => {
      const field = schema.fields.find((item) => item.name === name);
      if (!field)
        throw new ConfigurationError(
          `Column '${name}' is not in the table (it has ${schema.fields.map((item) => item.name).join(', ')}).`,
        );
      return field;
    }),
  );
}

/** A string identifying a row's values in `columns`, or `undefined` when one of them is null. */
export function keyOf(row: Row, columns: readonly string[]): string | undefined {
  const parts: string[] = [];
  for (const column of columns) {
    const value = row[column];
    if (value === null || value === undefined) return undefined;
    parts.push(
      typeof value === 'bigint' || (typeof value === 'number' && Number.isInteger(value))
        ? `b${value}`
        : value instanceof Uint8Array
          ? `x${Buffer.from(value).toString('hex')}`
          : `${typeof value}:${String(value)}`,
    );
  }
  return parts.join('\u0000');
}
