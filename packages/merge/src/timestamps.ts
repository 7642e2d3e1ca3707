import { ConfigurationError } from '@hotdata-dlt/core';
import { type Schema, TimeUnit } from 'apache-arrow';

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * Nanoseconds since the epoch of a `Date` or an ISO 8601 string. Strings keep up to nine fractional
 * digits (a `Date` only has milliseconds); a string without offset is UTC, as dlt reads naive timestamps.
 */
export function epochNanoseconds(value: Date | string): bigint {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw invalid(String(value));
    return BigInt(value.getTime()) * 1_000_000n;
  }
  const match = ISO.exec(value.trim());
  if (!match) {
    const parsed = Date.parse(value);
    if (Number.isNaN(parsed)) throw invalid(value);
    return BigInt(parsed) * 1_000_000n;
  }
  const [, year, month, day, hour = '0', minute = '0', second = '0', fraction = '', zone] = match;
  const millis = Date.UTC(
    Number(year),
    Number(month) - 1,
    Number(day),
    Number(hour),
    Number(minute),
    Number(second),
  );
  if (Number.isNaN(millis)) throw invalid(value);
  let nanos = BigInt(millis) * 1_000_000n + BigInt(fraction.padEnd(9, '0') || '0');
  if (zone && zone.toUpperCase() !== 'Z') {
    const sign = zone.startsWith('-') ? -1n : 1n;
    const digits = zone.slice(1).replace(':', '');
    const offsetMinutes = BigInt(Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || '0'));
    nanos -= sign * offsetMinutes * 60_000_000_000n;
  }
  return nanos;
}

function invalid(value: string): ConfigurationError {
  return new ConfigurationError(
    `'${value}' is not a valid timestamp; use ISO 8601 such as 2024-01-01T00:00:00Z (boundary and active-record timestamps of scd2).`,
  );
}

const NANOS_PER_UNIT: Record<number, bigint> = {
  [TimeUnit.SECOND]: 1_000_000_000n,
  [TimeUnit.MILLISECOND]: 1_000_000n,
  [TimeUnit.MICROSECOND]: 1000n,
  [TimeUnit.NANOSECOND]: 1n,
};

/** The unit of a timestamp column (microseconds when the column is missing or not a timestamp). */
export function timestampUnit(schema: Schema, column: string): TimeUnit {
  const field = schema.fields.find((item) => item.name === column);
  const unit = (field?.type as unknown as { unit?: TimeUnit } | undefined)?.unit;
  return unit ?? TimeUnit.MICROSECOND;
}

/** Floor division of nanoseconds into `unit`. */
export function nanosecondsTo(nanos: bigint, unit: TimeUnit): bigint {
  const divisor = NANOS_PER_UNIT[unit]!;
  const quotient = nanos / divisor;
  return nanos % divisor < 0n ? quotient - 1n : quotient;
}

/**
 * Converts a timestamp (a `Date`, or an ISO string with up to nanoseconds) into the storage value of a
 * timestamp column: int64 in the column's unit.
 */
export function timestampValue(date: Date | string, schema: Schema, column: string): bigint {
  return nanosecondsTo(epochNanoseconds(date), timestampUnit(schema, column));
}
