import { isAscii } from 'node:buffer';
import {
  type Data,
  type DataType,
  makeData,
  RecordBatch,
  Schema,
  Struct,
  Table,
  Type,
  util,
  type Vector,
} from 'apache-arrow';
import { MergeError } from './errors.ts';

/**
 * A row with exact storage values, keyed by column name: 64-bit ints, Date64, timestamps and Time64 as
 * `bigint` (in the column's unit), narrower ints, floats, Date32 (days) and Time32 as `number`, decimals
 * as the unscaled `bigint`, strings as `string`, binary as `Uint8Array`, booleans as `boolean`, null as
 * `null`. Converting Arrow → rows → Arrow loses nothing.
 */
export type Row = Record<string, unknown>;

function unsupported(type: DataType): MergeError {
  return new MergeError(
    `The merge engine cannot handle Arrow type ${type}; store nested values as JSON text (utf8) or convert the column to a plain type.`,
    { code: 'UNSUPPORTED_ARROW_TYPE' },
  );
}

function decimalBitWidth(type: DataType): number {
  return (type as unknown as { bitWidth?: number }).bitWidth ?? 128;
}

type Reader = (index: number) => unknown;

/** A reader of one Arrow data chunk's values, set up once per chunk (the per-value path is hot). */
function columnReader(data: Data): Reader {
  const read = valueReader(data);
  if (!data.nullBitmap || data.nullCount === 0 || data.nullBitmap.length === 0) return read;
  const bitmap = data.nullBitmap;
  const offset = data.offset;
  return (index) => {
    const bit = offset + index;
    return ((bitmap[bit >> 3]! >> (bit & 7)) & 1) === 1 ? read(index) : null;
  };
}

function valueReader(data: Data): Reader {
  const type = data.type;
  // Typed arrays of a sliced Data already start at its offset; bitmaps and bool values do not.
  switch (type.typeId) {
    case Type.Utf8:
    case Type.LargeUtf8:
    case Type.Binary:
    case Type.LargeBinary: {
      const offsets = data.valueOffsets as Int32Array | BigInt64Array;
      const bytes = data.values as Uint8Array;
      if (type.typeId === Type.Binary || type.typeId === Type.LargeBinary)
        return (index) => bytes.slice(Number(offsets[index]!), Number(offsets[index + 1]!));
      const first = Number(offsets[0]!);
      const last = Number(offsets[data.length]!);
      const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      if (isAscii(buffer.subarray(first, last))) {
        // One decode for the chunk: with ASCII text byte offsets are character offsets.
        const text = buffer.toString('latin1', first, last);
        return (index) => text.slice(Number(offsets[index]!) - first, Number(offsets[index + 1]!) - first);
      }
      return (index) => buffer.toString('utf8', Number(offsets[index]!), Number(offsets[index + 1]!));
    }
    case Type.Bool: {
      const values = data.values as Uint8Array;
      const offset = data.offset;
      return (index) => {
        const bit = offset + index;
        return ((values[bit >> 3]! >> (bit & 7)) & 1) === 1;
      };
    }
    case Type.Decimal: {
      if (decimalBitWidth(type) !== 128) throw unsupported(type);
      const words = data.values as Uint32Array;
      const view = new DataView(words.buffer, words.byteOffset, words.byteLength);
      return (index) => (view.getBigInt64(index * 16 + 8, true) << 64n) | view.getBigUint64(index * 16, true);
    }
    case Type.Dictionary: {
      const indices = data.values as unknown as ArrayLike<number | bigint>;
      const chunks = (data as unknown as { dictionary: Vector }).dictionary.data.map((chunk) => ({
        length: chunk.length,
        read: columnReader(chunk),
      }));
      return (index) => {
        let position = Number(indices[index]);
        for (const chunk of chunks) {
          if (position < chunk.length) return chunk.read(position);
          position -= chunk.length;
        }
        return null;
      };
    }
    case Type.Float: {
      const values = data.values as unknown as ArrayLike<number>;
      return (type as unknown as { precision: number }).precision === 0
        ? (index) => util.uint16ToFloat64(values[index]!)
        : (index) => values[index];
    }
    case Type.Null:
      return () => null;
    case Type.Int:
    case Type.Date:
    case Type.Time:
    case Type.Timestamp: {
      const values = data.values as unknown as ArrayLike<unknown>;
      return (index) => values[index];
    }
    default:
      throw unsupported(type);
  }
}

/** The rows of an Arrow table with exact storage values (see {@link Row}). */
export function tableToRows(table: Table): Row[] {
  const rows: Row[] = Array.from({ length: table.numRows }, () => ({}));
  table.schema.fields.forEach((field, column) => {
    const name = field.name;
    let offset = 0;
    for (const data of table.getChildAt(column)!.data) {
      const read = columnReader(data);
      for (let index = 0; index < data.length; index++) rows[offset + index]![name] = read(index);
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

function variableWidth(
  type: DataType,
  values: readonly unknown[],
): { valueOffsets: unknown; data: Uint8Array } {
  const text = type.typeId === Type.Utf8 || type.typeId === Type.LargeUtf8;
  const large = type.typeId === Type.LargeUtf8 || type.typeId === Type.LargeBinary;
  const ends = new Float64Array(values.length + 1);
  let data: Uint8Array;
  if (text) {
    const strings = values.map((value) => (value === null || value === undefined ? '' : String(value)));
    const joined = strings.join('');
    data = Buffer.from(joined, 'utf8');
    // ASCII (bytes = characters): offsets are string lengths; otherwise measure each value in bytes.
    const ascii = data.byteLength === joined.length;
    strings.forEach((value, index) => {
      ends[index + 1] = ends[index]! + (ascii ? value.length : Buffer.byteLength(value, 'utf8'));
    });
  } else {
    values.forEach((value, index) => {
      ends[index + 1] =
        ends[index]! + (value === null || value === undefined ? 0 : (value as Uint8Array).byteLength);
    });
    data = new Uint8Array(ends[values.length]!);
    values.forEach((value, index) => {
      if (value !== null && value !== undefined) data.set(value as Uint8Array, ends[index]!);
    });
  }
  const valueOffsets = large ? BigInt64Array.from(ends, (end) => BigInt(end)) : Int32Array.from(ends);
  return { valueOffsets, data };
}

/** One Arrow data chunk of exact storage values (the inverse of {@link tableToRows}). */
export function valuesToData(type: DataType, values: readonly unknown[]): Data {
  const length = values.length;
  const { nullBitmap, nullCount } = bitmap(values);
  const base = { type, length, nullCount, nullBitmap };
  switch (type.typeId) {
    case Type.Utf8:
    case Type.LargeUtf8:
    case Type.Binary:
    case Type.LargeBinary:
      return makeData({ ...base, ...variableWidth(type, values) } as never);
    case Type.Bool: {
      const data = new Uint8Array(Math.ceil(length / 8));
      values.forEach((value, index) => {
        if (value === true) data[index >> 3]! |= 1 << (index & 7);
      });
      return makeData({ ...base, data } as never);
    }
    case Type.Decimal: {
      if (decimalBitWidth(type) !== 128) throw unsupported(type);
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
    case Type.Float: {
      if ((type as unknown as { precision: number }).precision !== 0) break;
      const data = new Uint16Array(length);
      values.forEach((value, index) => {
        if (value !== null && value !== undefined) data[index] = util.float64ToUint16(Number(value));
      });
      return makeData({ ...base, data } as never);
    }
    case Type.Null:
      return makeData({ type, length, nullCount: length } as never);
    case Type.Int:
    case Type.Date:
    case Type.Time:
    case Type.Timestamp:
      break;
    default:
      throw unsupported(type);
  }
  const ArrayType = (type as unknown as { ArrayType: new (length: number) => { [index: number]: unknown } })
    .ArrayType;
  const data = new ArrayType(length);
  const wantsBigInt = data instanceof BigInt64Array || data instanceof BigUint64Array;
  values.forEach((value, index) => {
    if (value === null || value === undefined) return;
    data[index] = wantsBigInt ? BigInt(value as bigint) : Number(value);
  });
  return makeData({ ...base, data } as never);
}

/** An Arrow table of exact storage rows for a schema (columns a row lacks are null). */
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
        throw new MergeError(
          `Column '${name}' is not in the table (it has ${schema.fields.map((item) => item.name).join(', ')}); declare it in the table's columns.`,
          { code: 'NO_DECLARED_KEY' },
        );
      return field;
    }),
  );
}

function keyPart(value: unknown): string {
  if (typeof value === 'bigint') return `n${value}`;
  if (typeof value === 'number') return Number.isInteger(value) ? `n${value}` : `f${value}`;
  if (value instanceof Uint8Array) return `x${Buffer.from(value).toString('hex')}`;
  return `${typeof value}:${String(value)}`;
}

/**
 * A string identifying a row's values in `columns`, or `undefined` when one of them is null (SQL
 * equality: a NULL key never matches). Integers compare equal across `number` and `bigint`.
 */
export function keyOf(row: Row, columns: readonly string[]): string | undefined {
  const parts: string[] = [];
  for (const column of columns) {
    const value = row[column];
    if (value === null || value === undefined) return undefined;
    parts.push(keyPart(value));
  }
  return parts.join('\u0000');
}
