import type { Row } from '@hotdata-dlt/merge';
import { type DataType, type Field, type Schema, type TimeUnit, Type } from 'apache-arrow';

/** A SQL identifier in double quotes (a `"` inside is doubled). */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** `"schema"."table"`. */
export function qualifiedTable(schema: string, table: string): string {
  return `${quoteIdentifier(schema)}.${quoteIdentifier(table)}`;
}

/** A SQL string literal (a `'` inside is doubled). */
export function quoteString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

const pad = (value: number | bigint, width: number) => String(value).padStart(width, '0');
/** Values of one second in each Arrow time unit (SECOND, MILLISECOND, MICROSECOND, NANOSECOND). */
const PER_SECOND = [1n, 1000n, 1_000_000n, 1_000_000_000n] as const;
const DIGITS_OF_UNIT = [0, 3, 6, 9] as const;

function floorDivide(value: bigint, divisor: bigint): [bigint, bigint] {
  let quotient = value / divisor;
  let remainder = value % divisor;
  if (remainder < 0n) {
    quotient -= 1n;
    remainder += divisor;
  }
  return [quotient, remainder];
}

/** ISO text of a timestamp storage value (an integer in `unit`), with the unit's fractional digits. */
export function timestampText(value: bigint, unit: TimeUnit, withZone: boolean): string {
  const [seconds, fraction] = floorDivide(value, PER_SECOND[unit]!);
  const date = new Date(Number(seconds) * 1000);
  const base = `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1, 2)}-${pad(date.getUTCDate(), 2)} ${pad(
    date.getUTCHours(),
    2,
  )}:${pad(date.getUTCMinutes(), 2)}:${pad(date.getUTCSeconds(), 2)}`;
  const digits = DIGITS_OF_UNIT[unit]!;
  const fractional = digits > 0 ? `.${pad(fraction, digits)}` : '';
  return `${base}${fractional}${withZone ? '+00:00' : ''}`;
}

function dateText(days: number): string {
  const date = new Date(days * 86_400_000);
  return `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1, 2)}-${pad(date.getUTCDate(), 2)}`;
}

function timeText(value: bigint, unit: TimeUnit): string {
  const [seconds, fraction] = floorDivide(value, PER_SECOND[unit]!);
  const total = Number(seconds);
  const digits = DIGITS_OF_UNIT[unit]!;
  const base = `${pad(Math.floor(total / 3600), 2)}:${pad(Math.floor((total % 3600) / 60), 2)}:${pad(total % 60, 2)}`;
  return digits > 0 ? `${base}.${pad(fraction, digits)}` : base;
}

function decimalText(unscaled: bigint, scale: number): string {
  if (scale === 0) return unscaled.toString();
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  return `${negative ? '-' : ''}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}

function untypedLiteral(value: unknown): string {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : `'${value}'`;
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (value instanceof Uint8Array) return `from_hex('${Buffer.from(value).toString('hex')}')`;
  return quoteString(String(value));
}

/**
 * A SQL literal for one exact storage value (the values of `@hotdata-dlt/merge` rows) of an Arrow type:
 * timestamps, dates and times as typed casts of ISO text, decimals with their scale, strings quoted.
 * Without a type the literal follows the JavaScript value.
 */
export function sqlLiteral(value: unknown, type?: DataType): string {
  if (value === null || value === undefined) return 'NULL';
  if (!type) return untypedLiteral(value);
  switch (type.typeId) {
    case Type.Timestamp: {
      const { unit, timezone } = type as unknown as { unit: TimeUnit; timezone?: string | null };
      const zoned = Boolean(timezone);
      return `CAST(${quoteString(timestampText(BigInt(value as bigint), unit, zoned))} AS ${zoned ? 'TIMESTAMPTZ' : 'TIMESTAMP'})`;
    }
    case Type.Date: {
      const { unit } = type as unknown as { unit: number };
      const days = unit === 0 ? Number(value) : Number(BigInt(value as bigint) / 86_400_000n);
      return `CAST(${quoteString(dateText(days))} AS DATE)`;
    }
    case Type.Time: {
      const { unit } = type as unknown as { unit: TimeUnit };
      return `CAST(${quoteString(timeText(BigInt(value as bigint), unit))} AS TIME)`;
    }
    case Type.Decimal:
      return decimalText(BigInt(value as bigint), (type as unknown as { scale: number }).scale);
    default:
      return untypedLiteral(value);
  }
}

/** The Arrow type of a column in a schema, if present. */
export function fieldType(schema: Schema | undefined, column: string): DataType | undefined {
  return schema?.fields.find((field: Field) => field.name === column)?.type;
}

/**
 * A WHERE condition matching rows whose `columns` equal any of the key rows: `c IN (...)` for one column,
 * an OR of ANDs for several. NULL key values never match (SQL equality), so the caller passes only
 * complete keys.
 */
export function keyCondition(columns: readonly string[], keys: readonly Row[], schema?: Schema): string {
  if (keys.length === 0) return 'FALSE';
  if (columns.length === 1) {
    const column = columns[0]!;
    const type = fieldType(schema, column);
    return `${quoteIdentifier(column)} IN (${keys.map((key) => sqlLiteral(key[column], type)).join(', ')})`;
  }
  const types = columns.map((column) => fieldType(schema, column));
  return keys
    .map(
      (key) =>
        `(${columns.map((column, index) => `${quoteIdentifier(column)} = ${sqlLiteral(key[column], types[index])}`).join(' AND ')})`,
    )
    .join(' OR ');
}
