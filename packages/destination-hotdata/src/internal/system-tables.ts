import { deflateSync, inflateSync } from 'node:zlib';
import type { StoredSchema } from '@hotdata-dlt/core';
import { rowsToTable } from '@hotdata-dlt/merge';
import { Field, Int64, Schema, type Table, TimestampMicrosecond, Utf8 } from 'apache-arrow';

const VERSION_SCHEMA = new Schema([
  new Field('version', new Int64(), false),
  new Field('engine_version', new Int64(), false),
  new Field('inserted_at', new TimestampMicrosecond('UTC'), false),
  new Field('schema_name', new Utf8(), false),
  new Field('version_hash', new Utf8(), false),
  new Field('schema', new Utf8(), false),
]);

const LOADS_SCHEMA = new Schema([
  new Field('load_id', new Utf8(), false),
  new Field('schema_name', new Utf8(), true),
  new Field('status', new Int64(), false),
  new Field('inserted_at', new TimestampMicrosecond('UTC'), false),
  new Field('schema_version_hash', new Utf8(), true),
]);

const micros = (date: Date) => BigInt(date.getTime()) * 1000n;

/**
 * The `schema` column of `_dlt_version`: compact JSON of the stored schema, or base64(zlib level 9) of it
 * when its UTF-8 length exceeds `maxTextLength` (as dlt does above `max_text_data_type_length`).
 */
export function encodeSchemaText(stored: StoredSchema, maxTextLength: number): string {
  const json = JSON.stringify(stored);
  if (Buffer.byteLength(json, 'utf8') <= maxTextLength) return json;
  return deflateSync(Buffer.from(json, 'utf8'), { level: 9 }).toString('base64');
}

/** Reads the `schema` column of `_dlt_version`: plain JSON, or base64(zlib(JSON)). */
export function decodeSchemaText(text: string): StoredSchema {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) return JSON.parse(trimmed) as StoredSchema;
  return JSON.parse(inflateSync(Buffer.from(trimmed, 'base64')).toString('utf8')) as StoredSchema;
}

/** One `_dlt_version` row as an Arrow table. */
export function versionRow(stored: StoredSchema, maxTextLength: number, now = new Date()): Table {
  return rowsToTable(VERSION_SCHEMA, [
    {
      version: BigInt(stored.version),
      engine_version: BigInt(stored.engine_version),
      inserted_at: micros(now),
      schema_name: stored.name,
      version_hash: stored.version_hash,
      schema: encodeSchemaText(stored, maxTextLength),
    },
  ]);
}

/** One `_dlt_loads` row (status 0: completed) as an Arrow table. */
export function loadsRow(loadId: string, schemaName: string, versionHash: string, now = new Date()): Table {
  return rowsToTable(LOADS_SCHEMA, [
    {
      load_id: loadId,
      schema_name: schemaName,
      status: 0n,
      inserted_at: micros(now),
      schema_version_hash: versionHash,
    },
  ]);
}

/** A timestamp the query endpoint sent as JSON (ISO text), or a number of milliseconds. */
export function parseTimestamp(value: unknown): Date {
  if (value instanceof Date) return value;
  if (typeof value === 'number') return new Date(value);
  return new Date(String(value));
}
