import { SchemaError } from '@hotdata-dlt/core';
import {
  type DataType,
  DateMillisecond,
  Decimal,
  Field,
  Float16,
  Float32,
  Float64,
  Int8,
  Int16,
  Int32,
  Int64,
  LargeBinary,
  LargeUtf8,
  Schema,
  type Table,
  Time,
  Timestamp,
  TimeUnit,
  Type,
  Uint8,
  Uint16,
  Uint32,
  Uint64,
} from 'apache-arrow';
import { type Row, rowsToTable, tableToRows } from './rows.ts';

interface IntType {
  bitWidth: 8 | 16 | 32 | 64;
  isSigned: boolean;
}
interface DecimalType {
  precision: number;
  scale: number;
}

const SIGNED: Record<number, () => DataType> = {
  8: () => new Int8(),
  16: () => new Int16(),
  32: () => new Int32(),
  64: () => new Int64(),
};
const UNSIGNED: Record<number, () => DataType> = {
  8: () => new Uint8(),
  16: () => new Uint16(),
  32: () => new Uint32(),
  64: () => new Uint64(),
};
/** Decimal digits an integer type needs. */
const INT_DIGITS: Record<string, number> = {
  i8: 3,
  i16: 5,
  i32: 10,
  i64: 19,
  u8: 3,
  u16: 5,
  u32: 10,
  u64: 20,
};
const MAX_DECIMAL_PRECISION = 38;

const asInt = (type: DataType) => type as unknown as IntType;
const asDecimal = (type: DataType) => type as unknown as DecimalType;
const intDigits = (type: DataType) =>
  INT_DIGITS[`${asInt(type).isSigned ? 'i' : 'u'}${asInt(type).bitWidth}`]!;
const floatPrecision = (type: DataType) => (type as unknown as { precision: number }).precision;
const unitOf = (type: DataType) => (type as unknown as { unit: TimeUnit }).unit;
const zoneOf = (type: DataType) => (type as unknown as { timezone?: string | null }).timezone ?? null;

/** The value type of dictionaries; everything else as is (the engine stores plain columns). */
export function plainType(type: DataType): DataType {
  return type.typeId === Type.Dictionary
    ? plainType((type as unknown as { dictionary: DataType }).dictionary)
    : type;
}

function widerInt(left: DataType, right: DataType): DataType {
  const a = asInt(left);
  const b = asInt(right);
  if (a.isSigned === b.isSigned) return (a.isSigned ? SIGNED : UNSIGNED)[Math.max(a.bitWidth, b.bitWidth)]!();
  const signed = a.isSigned ? a : b;
  const unsigned = a.isSigned ? b : a;
  if (signed.bitWidth > unsigned.bitWidth) return SIGNED[signed.bitWidth]!();
  // The next signed width holds both; uint64 with a signed int needs 20 digits.
  return unsigned.bitWidth === 64 ? new Decimal(0, 20, 128) : SIGNED[unsigned.bitWidth * 2]!();
}

function widerDecimal(left: DecimalType, right: DecimalType): DataType {
  const scale = Math.max(left.scale, right.scale);
  const integerDigits = Math.max(left.precision - left.scale, right.precision - right.scale);
  return new Decimal(scale, Math.min(MAX_DECIMAL_PRECISION, integerDigits + scale), 128);
}

function widerFloat(left: DataType, right: DataType): DataType {
  const precision = Math.max(floatPrecision(left), floatPrecision(right));
  return precision === 2 ? new Float64() : precision === 1 ? new Float32() : new Float16();
}

/**
 * The type both `left` and `right` values fit in, or `undefined` when there is none. The rules follow
 * the Hotdata server (hotdata-local) so that a client-side merge and a server-side load widen alike:
 *
 * | left / right | result |
 * |---|---|
 * | Null / any | the other type |
 * | int / int | the wider int; signed with unsigned: the next signed width (uint64: Decimal(20, 0)) |
 * | float / float | the wider float |
 * | int or decimal / float | Float64 (exact for ints up to 32 bits; int64 beyond ±2^53 is rounded, as on the server) |
 * | decimal / decimal or int | Decimal with the larger scale and integer digits (at most 38 digits) |
 * | Date32 / Date64 | Date64 |
 * | date / timestamp | the timestamp |
 * | timestamp / timestamp | the finer unit, with a time zone if either has one |
 * | time / time | the finer unit |
 * | utf8 / large utf8, binary / large binary | the large type |
 *
 * Anything else (e.g. text with a number, bool with an int) is a conflict.
 */
export function widerType(left: DataType, right: DataType): DataType | undefined {
  const a = plainType(left);
  const b = plainType(right);
  if (String(a) === String(b)) return a;
  if (a.typeId === Type.Null) return b;
  if (b.typeId === Type.Null) return a;
  const pair = (x: Type, y: Type) => (a.typeId === x && b.typeId === y) || (a.typeId === y && b.typeId === x);
  if (pair(Type.Int, Type.Int)) return widerInt(a, b);
  if (pair(Type.Float, Type.Float)) return widerFloat(a, b);
  if (pair(Type.Int, Type.Float) || pair(Type.Decimal, Type.Float)) return new Float64();
  if (pair(Type.Decimal, Type.Decimal)) return widerDecimal(asDecimal(a), asDecimal(b));
  if (pair(Type.Int, Type.Decimal)) {
    const [integer, decimal] = a.typeId === Type.Int ? [a, b] : [b, a];
    return widerDecimal({ precision: intDigits(integer), scale: 0 }, asDecimal(decimal));
  }
  if (pair(Type.Date, Type.Date)) return new DateMillisecond();
  if (pair(Type.Date, Type.Timestamp)) return a.typeId === Type.Timestamp ? a : b;
  if (pair(Type.Timestamp, Type.Timestamp)) {
    return new Timestamp(Math.max(unitOf(a), unitOf(b)), zoneOf(a) ?? zoneOf(b));
  }
  if (pair(Type.Time, Type.Time)) {
    const unit = Math.max(unitOf(a), unitOf(b));
    return new Time(unit, unit >= TimeUnit.MICROSECOND ? 64 : 32);
  }
  if (pair(Type.Utf8, Type.LargeUtf8)) return new LargeUtf8();
  if (pair(Type.Binary, Type.LargeBinary)) return new LargeBinary();
  return undefined;
}

/**
 * The union of two schemas: columns of `existing` in order, then the new columns of `incoming` (nullable:
 * existing rows have no value); a column in both takes {@link widerType}. Dictionary columns become
 * their value type. Incompatible types throw a core `SchemaError` naming the column.
 *
 * @example
 * ```ts
 * promoteSchemas(table.schema, batch.schema); // e.g. Int32 + Int64 -> Int64, new columns appended
 * ```
 */
export function promoteSchemas(existing: Schema, incoming: Schema): Schema {
  const fields = new Map(
    existing.fields.map((field) => [
      field.name,
      new Field(field.name, plainType(field.type), field.nullable, field.metadata),
    ]),
  );
  const added = existing.fields.length > 0;
  for (const field of incoming.fields) {
    const current = fields.get(field.name);
    if (!current) {
      fields.set(
        field.name,
        new Field(field.name, plainType(field.type), added || field.nullable, field.metadata),
      );
      continue;
    }
    const wider = widerType(current.type, field.type);
    if (!wider) {
      throw new SchemaError(
        `Column '${field.name}' is ${current.type} in the table but ${field.type} in the batch, and one cannot hold the other; load the values into a new (variant) column or convert them first.`,
        { column: field.name },
      );
    }
    fields.set(
      field.name,
      new Field(field.name, wider, current.nullable || field.nullable, current.metadata),
    );
  }
  return new Schema([...fields.values()]);
}

const UNIT_FACTOR = [1n, 1000n, 1_000_000n, 1_000_000_000n] as const;
const MILLIS_PER_DAY = 86_400_000n;

function scaleUnit(value: bigint, from: TimeUnit, to: TimeUnit): bigint {
  return (value * UNIT_FACTOR[to]!) / UNIT_FACTOR[from]!;
}

function toNumber(value: unknown, from: DataType): number {
  if (from.typeId === Type.Decimal) return Number(value as bigint) / 10 ** asDecimal(from).scale;
  return Number(value);
}

/** Converts one storage value from type `from` to the wider type `to` (see {@link Row}). */
function convert(value: unknown, from: DataType, to: DataType): unknown {
  if (value === null || value === undefined) return null;
  if (String(from) === String(to)) return value;
  switch (to.typeId) {
    case Type.Float:
      return toNumber(value, from);
    case Type.Int:
      return asInt(to).bitWidth === 64 ? BigInt(value as bigint) : Number(value);
    case Type.Decimal: {
      const scale = BigInt(asDecimal(to).scale);
      if (from.typeId === Type.Decimal) {
        return BigInt(value as bigint) * 10n ** (scale - BigInt(asDecimal(from).scale));
      }
      return BigInt(value as bigint) * 10n ** scale;
    }
    case Type.Date:
      // Only Date32 (days) widens to Date64 (milliseconds).
      return BigInt(value as number) * MILLIS_PER_DAY;
    case Type.Timestamp: {
      const unit = unitOf(to);
      if (from.typeId === Type.Date) {
        const millis =
          unitOf(from) === 0 ? BigInt(value as number) * MILLIS_PER_DAY : BigInt(value as bigint);
        return scaleUnit(millis, TimeUnit.MILLISECOND, unit);
      }
      return scaleUnit(BigInt(value as bigint), unitOf(from), unit);
    }
    case Type.Time: {
      const scaled = scaleUnit(BigInt(value as number), unitOf(from), unitOf(to));
      return unitOf(to) >= TimeUnit.MICROSECOND ? scaled : Number(scaled);
    }
    default:
      return value;
  }
}

function sameSchema(left: Schema, right: Schema): boolean {
  return (
    left.fields.length === right.fields.length &&
    left.fields.every((field, index) => {
      const other = right.fields[index]!;
      return field.name === other.name && String(field.type) === String(other.type);
    })
  );
}

/**
 * Casts a table to a (promoted) schema: columns in the schema's order, missing columns null, narrower
 * types widened exactly as {@link widerType} allows. Returns the table itself when it already matches.
 */
export function alignToSchema(table: Table, schema: Schema): Table {
  if (sameSchema(table.schema, schema)) return table;
  const types = new Map(table.schema.fields.map((field) => [field.name, plainType(field.type)]));
  const rows = tableToRows(table).map((row) => {
    const aligned: Row = {};
    for (const field of schema.fields) {
      const from = types.get(field.name);
      aligned[field.name] = from ? convert(row[field.name], from, field.type) : null;
    }
    return aligned;
  });
  return rowsToTable(schema, rows);
}
