// Nested Arrow values (lists, structs, maps) as JSON text, for columns stored as dlt `json`.

function plain(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'bigint':
      return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'string':
    case 'boolean':
      return value;
    default:
      break;
  }
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array)
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  if (value instanceof Map)
    return Object.fromEntries([...value].map(([key, item]) => [String(key), plain(item)]));
  // Arrow vectors (list values) and typed arrays iterate; struct and map rows are key/value objects.
  if (typeof (value as { [Symbol.iterator]?: unknown })[Symbol.iterator] === 'function' && !isRow(value))
    return Array.from(value as Iterable<unknown>, plain);
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    const json = (value as { toJSON(): unknown }).toJSON();
    if (json !== value && !isRow(json)) return plain(json);
    return Object.fromEntries(Object.entries(json as object).map(([key, item]) => [key, plain(item)]));
  }
  return Object.fromEntries(Object.entries(value as object).map(([key, item]) => [key, plain(item)]));
}

/** Struct rows and map rows iterate as `[key, value]` pairs but are objects in JSON. */
function isRow(value: unknown): boolean {
  const tag = Object.prototype.toString.call(value);
  return tag === '[object Row]' || tag === '[object MapRow]' || tag === '[object StructRow]';
}

/** JSON text of one Arrow value: bigints beyond 2^53 become strings, bytes base64, dates ISO strings. */
export function toJsonText(value: unknown): string {
  return JSON.stringify(plain(value));
}
