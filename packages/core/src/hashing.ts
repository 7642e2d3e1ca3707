import { createHash, randomBytes } from 'node:crypto';

/** base64 of the first `bytes` bytes of SHAKE-128 of the UTF-8 text, without `=` (dlt's `digest128`). */
export function digest128(text: string, bytes = 10): string {
  return createHash('shake128', { outputLength: bytes })
    .update(text, 'utf8')
    .digest('base64')
    .replace(/=+$/, '');
}

/** Standard (padded) base64 of SHA3-256 of the UTF-8 text. */
export function sha3Base64(text: string): string {
  return createHash('sha3-256').update(text, 'utf8').digest('base64');
}

function formatNumber(value: number): string {
  if (!Number.isFinite(value)) {
    throw new TypeError(`Cannot hash ${value}: NaN and Infinity have no JSON form.`);
  }
  // orjson prints exponents without '+' ("1e20"); JSON.stringify writes "1e+21".
  return JSON.stringify(value).replace('e+', 'e');
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

/** RFC 3339 in UTC with `Z`, microseconds only when non-zero (orjson's datetime format). */
export function formatUtcDatetime(date: Date): string {
  const base = `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1, 2)}-${pad(date.getUTCDate(), 2)}T${pad(
    date.getUTCHours(),
    2,
  )}:${pad(date.getUTCMinutes(), 2)}:${pad(date.getUTCSeconds(), 2)}`;
  const millis = date.getUTCMilliseconds();
  return millis === 0 ? `${base}Z` : `${base}.${pad(millis * 1000, 6)}Z`;
}

function compareCodePoints(a: string, b: string): number {
  // JS sorts by UTF-16 code units; dlt (orjson) by code point. They differ only for astral characters.
  const left = Array.from(a);
  const right = Array.from(b);
  const length = Math.min(left.length, right.length);
  for (let index = 0; index < length; index++) {
    const difference = left[index]!.codePointAt(0)! - right[index]!.codePointAt(0)!;
    if (difference !== 0) return difference;
  }
  return left.length - right.length;
}

/** Object keys in code-point order (the order of dlt's sorted-key JSON). */
export function sortedKeys(object: object): string[] {
  return Object.keys(object).sort(compareCodePoints);
}

/**
 * Compact JSON with recursively sorted keys, as dlt hashes rows with orjson: no whitespace, non-ASCII
 * unescaped, `Date` as RFC 3339 UTC with `Z`, `bigint` as a plain integer, bytes as base64.
 * `undefined` object values are skipped, as `JSON.stringify` does.
 */
export function compactJson(value: unknown): string {
  const seen = new Set<object>();
  const write = (current: unknown): string => {
    if (current === null || current === undefined) return 'null';
    switch (typeof current) {
      case 'string':
        return JSON.stringify(current);
      case 'number':
        return formatNumber(current);
      case 'bigint':
        return current.toString();
      case 'boolean':
        return current ? 'true' : 'false';
      case 'object':
        break;
      default:
        throw new TypeError(`Cannot hash a value of type ${typeof current}.`);
    }
    if (current instanceof Date) return JSON.stringify(formatUtcDatetime(current));
    if (current instanceof Uint8Array) return JSON.stringify(Buffer.from(current).toString('base64'));
    if (seen.has(current as object)) throw new TypeError('Cannot hash a circular structure.');
    seen.add(current as object);
    let result: string;
    if (Array.isArray(current)) {
      result = `[${current.map((item) => write(item)).join(',')}]`;
    } else {
      const record = current as Record<string, unknown>;
      const parts: string[] = [];
      for (const key of sortedKeys(record)) {
        if (record[key] === undefined) continue;
        parts.push(`${JSON.stringify(key)}:${write(record[key])}`);
      }
      result = `{${parts.join(',')}}`;
    }
    seen.delete(current as object);
    return result;
  };
  return write(value);
}

let randomPool = Buffer.alloc(0);
let randomPoolOffset = 0;

/** A random row id: base64 of 10 random bytes without `=` (14 characters), as dlt's `uniq_id_base64`. */
export function randomRowId(): string {
  // One randomBytes call per 1024 ids: a call per row dominated the normalize profile.
  if (randomPoolOffset + 10 > randomPool.length) {
    randomPool = randomBytes(10 * 1024);
    randomPoolOffset = 0;
  }
  const id = randomPool.toString('base64', randomPoolOffset, randomPoolOffset + 10);
  randomPoolOffset += 10;
  return id.slice(0, 14);
}

/**
 * Root `_dlt_id` of upsert and insert-only tables: a hash of the primary key values (normalized column
 * names), so the id of a record is stable across loads.
 */
export function rowKeyHash(primaryKey: Record<string, unknown>): string {
  return digest128(compactJson(primaryKey), 10);
}

/** Root `_dlt_id` of scd2 tables: a hash of the original item without its `_dlt*` keys. */
export function rowHash(item: Record<string, unknown>): string {
  const content: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(item)) if (!key.startsWith('_dlt')) content[key] = value;
  return digest128(compactJson(content), 10);
}

/** `_dlt_id` of a nested row: deterministic from the parent id, the table and the list position. */
export function nestedRowId(parentId: string, tableName: string, listIndex: number): string {
  return digest128(`${parentId}_${tableName}_${listIndex}`, 10);
}

/**
 * Incremental boundary de-duplication hash (15 bytes → 20 characters): of the key value, the list of
 * values of a compound key, or the whole row when there is no key.
 */
export function uniqueRowHash(value: unknown): string {
  return digest128(compactJson(value), 15);
}
