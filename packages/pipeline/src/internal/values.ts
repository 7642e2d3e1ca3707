import type { ColumnSchema, DataType } from '@hotdata-dlt/core';

/**
 * Normalized values, by dlt type, as the Arrow builder takes them:
 * text/json/wei → string, bigint → bigint, double → number, bool → boolean,
 * timestamp → bigint microseconds since the epoch (UTC), date → number of days since the epoch,
 * time → bigint microseconds since midnight, decimal → { unscaled: bigint, scale }, binary → Uint8Array.
 */
export type NormalizedValue = string | bigint | number | boolean | Uint8Array | DecimalValue;

export interface DecimalValue {
  readonly unscaled: bigint;
  readonly scale: number;
}

/** Thrown inside coercion when a value does not fit a type; the normalizer turns it into a variant. */
export const CANNOT_COERCE = Symbol('cannot coerce');
type Result = NormalizedValue | typeof CANNOT_COERCE;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const ISO_DATETIME =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_TIME = /^(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?$/;
const MICROS_PER_DAY = 86_400_000_000n;

function daysFromCivil(year: number, month: number, day: number): number {
  return Math.floor(Date.UTC(year, month - 1, day) / 86_400_000);
}

function validDate(year: number, month: number, day: number): boolean {
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** Parses an ISO-8601 date-time (naive means UTC) into exact microseconds; `undefined` if it is not one. */
export function parseIsoTimestamp(text: string): bigint | undefined {
  const match = ISO_DATETIME.exec(text.trim());
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s = '0', fraction = '', zone] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (!validDate(year, month, day) || hour > 23 || minute > 59 || second > 60) return undefined;
  let micros = BigInt(daysFromCivil(year, month, day)) * MICROS_PER_DAY;
  micros += BigInt(hour * 3600 + minute * 60 + second) * 1_000_000n;
  micros += BigInt(fraction.padEnd(6, '0').slice(0, 6) || '0');
  if (zone && zone.toUpperCase() !== 'Z') {
    const sign = zone.startsWith('-') ? -1n : 1n;
    const digits = zone.slice(1).replace(':', '');
    const offsetMinutes = BigInt(Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || '0'));
    micros -= sign * offsetMinutes * 60_000_000n;
  }
  return micros;
}

/** True for strings dlt's `iso_timestamp` detector turns into timestamps (a date with a time part). */
export function isIsoTimestamp(text: string): boolean {
  return parseIsoTimestamp(text) !== undefined;
}

function parseIsoDate(text: string): number | undefined {
  const match = ISO_DATE.exec(text.trim());
  if (!match) return undefined;
  const [, y, m, d] = match;
  if (!validDate(Number(y), Number(m), Number(d))) return undefined;
  return daysFromCivil(Number(y), Number(m), Number(d));
}

function parseIsoTime(text: string): bigint | undefined {
  const match = ISO_TIME.exec(text.trim());
  if (!match) return undefined;
  const [, h, m, s = '0', fraction = ''] = match;
  if (Number(h) > 23 || Number(m) > 59 || Number(s) > 59) return undefined;
  return (
    BigInt(Number(h) * 3600 + Number(m) * 60 + Number(s)) * 1_000_000n +
    BigInt(fraction.padEnd(6, '0').slice(0, 6) || '0')
  );
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** The dlt type of a raw value (SEMANTICS §3.5, JS mapping): without preferred types. */
export function inferDataType(value: unknown, detections: readonly string[] = ['iso_timestamp']): DataType {
  switch (typeof value) {
    case 'string':
      return detections.includes('iso_timestamp') && isIsoTimestamp(value) ? 'timestamp' : 'text';
    case 'boolean':
      return 'bool';
    case 'number':
      if (Number.isInteger(value) && value >= -(2 ** 63) && value < 2 ** 63) return 'bigint';
      return 'double';
    case 'bigint':
      return value >= INT64_MIN && value <= INT64_MAX ? 'bigint' : 'decimal';
    case 'object':
      if (value instanceof Date) return 'timestamp';
      if (value instanceof Uint8Array) return 'binary';
      return 'json';
    default:
      return 'text';
  }
}

function microsToIso(micros: bigint): string {
  const millis = Number(micros / 1000n);
  const date = new Date(millis);
  const fraction = ((micros % 1_000_000n) + 1_000_000n) % 1_000_000n;
  const base = date.toISOString().slice(0, 19);
  return `${base}${fraction === 0n ? '' : `.${String(fraction).padStart(6, '0')}`}+00:00`;
}

function toDecimal(value: unknown, scale: number): Result {
  let text: string;
  if (typeof value === 'bigint') return { unscaled: value * 10n ** BigInt(scale), scale };
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return CANNOT_COERCE;
    text = value.toFixed(Math.min(scale, 20));
    if (Math.abs(value) >= 1e21) text = BigInt(Math.round(value)).toString();
  } else if (typeof value === 'string') text = value.trim();
  else return CANNOT_COERCE;
  const match = /^([+-]?)(\d*)(?:\.(\d*))?(?:e([+-]?\d+))?$/i.exec(text);
  if (!match || (match[2] === '' && (match[3] ?? '') === '')) return CANNOT_COERCE;
  const [, sign, whole = '', fraction = '', exponent = '0'] = match;
  let digits = `${whole}${fraction}`.replace(/^0+(?=\d)/, '') || '0';
  let shift = scale - fraction.length + Number(exponent);
  if (shift >= 0) digits += '0'.repeat(shift);
  else {
    // Round half away from zero to the column's scale.
    shift = -shift;
    const kept = digits.length > shift ? digits.slice(0, digits.length - shift) : '0';
    const dropped = digits.length > shift ? digits.slice(digits.length - shift) : digits.padStart(shift, '0');
    digits = (BigInt(kept) + (Number(dropped[0]) >= 5 ? 1n : 0n)).toString();
  }
  const unscaled = BigInt(digits) * (sign === '-' ? -1n : 1n);
  if (unscaled >= 10n ** 38n || unscaled <= -(10n ** 38n)) return CANNOT_COERCE;
  return { unscaled, scale };
}

/** A value as text the way dlt writes it (Python `str()` forms). */
export function valueToText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'nan';
    if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
    return String(value);
  }
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return microsToIso(BigInt(value.getTime()) * 1000n);
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  return JSON.stringify(value);
}

/**
 * Coerces a raw value into a column's type (SEMANTICS §3.7), returning the normalized representation,
 * or `CANNOT_COERCE` (the caller then writes a variant column).
 */
export function coerceValue(
  value: unknown,
  column: ColumnSchema & { data_type: DataType },
  decimalScale = 9,
): Result {
  switch (column.data_type) {
    case 'text':
    case 'wei':
      if (
        typeof value === 'object' &&
        value !== null &&
        !(value instanceof Date) &&
        !(value instanceof Uint8Array)
      ) {
        return JSON.stringify(value);
      }
      return valueToText(value);
    case 'json':
      if (typeof value === 'string') {
        try {
          JSON.parse(value);
          return value;
        } catch {
          return CANNOT_COERCE;
        }
      }
      if (
        typeof value === 'object' &&
        value !== null &&
        !(value instanceof Date) &&
        !(value instanceof Uint8Array)
      ) {
        return JSON.stringify(value, (_key, inner) => (typeof inner === 'bigint' ? inner.toString() : inner));
      }
      return JSON.stringify(value);
    case 'bigint': {
      if (typeof value === 'bigint') return value >= INT64_MIN && value <= INT64_MAX ? value : CANNOT_COERCE;
      if (typeof value === 'number') {
        return Number.isInteger(value) && value >= -(2 ** 63) && value < 2 ** 63
          ? BigInt(value)
          : CANNOT_COERCE;
      }
      if (typeof value === 'string') {
        const text = value.trim();
        if (/^0x[0-9a-f]+$/i.test(text) || /^[+-]?\d+$/.test(text)) {
          const parsed = BigInt(text.replace(/^\+/, ''));
          return parsed >= INT64_MIN && parsed <= INT64_MAX ? parsed : CANNOT_COERCE;
        }
      }
      return CANNOT_COERCE;
    }
    case 'double': {
      if (typeof value === 'number') return value;
      if (typeof value === 'bigint') return Number(value);
      if (typeof value === 'string') {
        const text = value.trim();
        if (/^0x[0-9a-f]+$/i.test(text)) return Number(BigInt(text));
        if (text !== '' && /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text)) return Number(text);
        if (/^[+-]?(inf|infinity)$/i.test(text)) return text.startsWith('-') ? -Infinity : Infinity;
        if (/^nan$/i.test(text)) return Number.NaN;
      }
      return CANNOT_COERCE;
    }
    case 'bool': {
      if (typeof value === 'boolean') return value;
      if (typeof value === 'number') return value !== 0;
      if (typeof value === 'bigint') return value !== 0n;
      if (typeof value === 'string') {
        const text = value.trim().toLowerCase();
        if (['yes', 'true', 't', 'y', '1'].includes(text)) return true;
        if (['no', 'false', 'f', 'n', '0'].includes(text)) return false;
      }
      return CANNOT_COERCE;
    }
    case 'timestamp': {
      if (value instanceof Date) {
        const time = value.getTime();
        return Number.isNaN(time) ? CANNOT_COERCE : BigInt(time) * 1000n;
      }
      if (typeof value === 'string') {
        const parsed = parseIsoTimestamp(value);
        if (parsed !== undefined) return parsed;
        const date = parseIsoDate(value);
        return date === undefined ? CANNOT_COERCE : BigInt(date) * MICROS_PER_DAY;
      }
      if (typeof value === 'number' && Number.isFinite(value)) return BigInt(Math.round(value * 1_000_000));
      if (typeof value === 'bigint') return value * 1_000_000n;
      return CANNOT_COERCE;
    }
    case 'date': {
      if (value instanceof Date) {
        const time = value.getTime();
        return Number.isNaN(time) ? CANNOT_COERCE : Math.floor(time / 86_400_000);
      }
      if (typeof value === 'string') {
        const date = parseIsoDate(value);
        if (date !== undefined) return date;
        const timestamp = parseIsoTimestamp(value);
        return timestamp === undefined
          ? CANNOT_COERCE
          : Number(
              timestamp / MICROS_PER_DAY - (timestamp < 0n && timestamp % MICROS_PER_DAY !== 0n ? 1n : 0n),
            );
      }
      if (typeof value === 'number' && Number.isFinite(value)) return Math.floor(value / 86_400);
      return CANNOT_COERCE;
    }
    case 'time': {
      if (typeof value === 'string') return parseIsoTime(value) ?? CANNOT_COERCE;
      return CANNOT_COERCE;
    }
    case 'decimal':
      return toDecimal(value, column.scale ?? decimalScale);
    case 'binary': {
      if (value instanceof Uint8Array) return value;
      if (typeof value === 'string') {
        const text = value.trim();
        if (/^0x([0-9a-f]{2})*$/i.test(text)) return new Uint8Array(Buffer.from(text.slice(2), 'hex'));
        if (/^[A-Za-z0-9+/]*={0,2}$/.test(text) && text.length % 4 === 0)
          return new Uint8Array(Buffer.from(text, 'base64'));
      }
      if (typeof value === 'bigint' && value >= 0n) {
        const bytes: number[] = [];
        let rest = value;
        do {
          bytes.push(Number(rest & 0xffn));
          rest >>= 8n;
        } while (rest > 0n);
        return new Uint8Array(bytes);
      }
      return CANNOT_COERCE;
    }
    default:
      return CANNOT_COERCE;
  }
}

export { isPlainObject };
