import { sortedKeys } from './hashing.ts';

/**
 * dlt's typed JSON (SEMANTICS §6.5): values JSON cannot hold are strings prefixed with one
 * private-use character `U+F026 + code`. Used for extracted item files, load package state and the
 * pipeline state, so a state written here reads the same in Python dlt and back.
 */
const PUA_START = 0xf026;
const DECIMAL = 0;
const DATETIME = 1;
const DATE = 2;
const UUID = 3;
const HEXBYTES = 4;
const BYTES = 5;
const WEI = 6;
const TIME = 7;

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

/** Python's `datetime.isoformat()` of a UTC-aware datetime: `+00:00`, microseconds when non-zero. */
export function pythonIsoformat(date: Date): string {
  const base = `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1, 2)}-${pad(date.getUTCDate(), 2)}T${pad(
    date.getUTCHours(),
    2,
  )}:${pad(date.getUTCMinutes(), 2)}:${pad(date.getUTCSeconds(), 2)}`;
  const millis = date.getUTCMilliseconds();
  return `${base}${millis === 0 ? '' : `.${pad(millis * 1000, 6)}`}+00:00`;
}

function encodeValue(value: unknown, sortKeys: boolean, seen: Set<object>): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      // NaN and Infinity have no JSON form; Python's json writes them as NaN/Infinity, orjson as null.
      return Number.isFinite(value) ? JSON.stringify(value).replace('e+', 'e') : 'null';
    case 'bigint':
      return value.toString();
    case 'object':
      break;
    default:
      throw new TypeError(`Cannot write a ${typeof value} to typed JSON.`);
  }
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new TypeError('Cannot write an invalid Date to typed JSON.');
    return JSON.stringify(String.fromCharCode(PUA_START + DATETIME) + pythonIsoformat(value));
  }
  if (value instanceof Uint8Array) {
    return JSON.stringify(String.fromCharCode(PUA_START + BYTES) + Buffer.from(value).toString('base64'));
  }
  if (seen.has(value)) throw new TypeError('Cannot write a circular structure to typed JSON.');
  seen.add(value);
  let result: string;
  if (Array.isArray(value)) {
    result = `[${value.map((item) => encodeValue(item, sortKeys, seen)).join(',')}]`;
  } else {
    const record = value as Record<string, unknown>;
    const keys = sortKeys ? sortedKeys(record) : Object.keys(record);
    const parts: string[] = [];
    for (const key of keys) {
      if (record[key] === undefined) continue;
      parts.push(`${JSON.stringify(key)}:${encodeValue(record[key], sortKeys, seen)}`);
    }
    result = `{${parts.join(',')}}`;
  }
  seen.delete(value);
  return result;
}

/** Compact typed JSON. `sortKeys` sorts object keys by code point (for hashing). */
export function encodeTypedJson(value: unknown, options: { sortKeys?: boolean } = {}): string {
  return encodeValue(value, options.sortKeys ?? false, new Set());
}

const MAY_NEED_REVIVER = /[\uf026-\uf02d]|\d{16}/;

function decodeString(text: string): unknown {
  if (text.length < 2) return text;
  const code = text.charCodeAt(0) - PUA_START;
  if (code < 0 || code > TIME) return text;
  const body = text.slice(1);
  switch (code) {
    case DATETIME: {
      const date = new Date(body);
      return Number.isNaN(date.getTime()) ? text : date;
    }
    case BYTES:
      return new Uint8Array(Buffer.from(body, 'base64'));
    case HEXBYTES:
      return /^0x[0-9a-fA-F]*$/.test(body) ? new Uint8Array(Buffer.from(body.slice(2), 'hex')) : text;
    case WEI:
      return /^-?\d+$/.test(body) ? BigInt(body) : body;
    case DECIMAL:
    case DATE:
    case UUID:
    case TIME:
      return body;
    default:
      return text;
  }
}

/**
 * Parses typed JSON: PUA-prefixed strings become Date (datetime), Uint8Array (bytes, HexBytes), bigint
 * (Wei) or plain strings (Decimal, date, UUID, time); integers beyond 2^53 become bigint.
 */
export function decodeTypedJson<T = unknown>(text: string): T {
  // A reviver makes JSON.parse several times slower; text without PUA markers or 16+ digit runs has
  // nothing to revive (item files of plain rows).
  if (!MAY_NEED_REVIVER.test(text)) return JSON.parse(text) as T;
  return JSON.parse(text, function reviver(
    this: unknown,
    _key: string,
    value: unknown,
    context?: { source?: string },
  ) {
    if (typeof value === 'string') return decodeString(value);
    if (
      typeof value === 'number' &&
      !Number.isSafeInteger(value) &&
      context?.source &&
      /^-?\d+$/.test(context.source)
    ) {
      return BigInt(context.source);
    }
    return value;
  } as (key: string, value: unknown) => unknown) as T;
}
