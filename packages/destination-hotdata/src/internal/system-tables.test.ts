import { Schema } from '@hotdata-dlt/core';
import { HotdataApiError } from '@hotdata-dlt/hotdata-api';
import { tableToRows } from '@hotdata-dlt/merge';
import { describe, expect, it } from 'vitest';
import { refusedLoadMode } from './chain-job.ts';
import { isMissingTableError, isNotDeclaredError } from './database.ts';
import { decodeSchemaText, encodeSchemaText, loadsRow, versionRow } from './system-tables.ts';

describe('_dlt_version and _dlt_loads rows', () => {
  const stored = Schema.create('shop').toStored();

  it('store the schema as compact JSON, compressed (base64 zlib) above the text limit, and read both', () => {
    const plain = encodeSchemaText(stored, 1_000_000);
    expect(plain).toBe(JSON.stringify(stored));
    const compressed = encodeSchemaText(stored, 10);
    expect(compressed).not.toContain('{');
    expect(Buffer.from(compressed, 'base64').length).toBeGreaterThan(0);
    expect(decodeSchemaText(plain)).toEqual(stored);
    expect(decodeSchemaText(compressed)).toEqual(stored);
  });

  it('hold dlt columns in dlt order', () => {
    const version = tableToRows(versionRow(stored, 1_000_000, new Date('2024-01-01T00:00:00Z')))[0]!;
    expect(Object.keys(version)).toEqual([
      'version',
      'engine_version',
      'inserted_at',
      'schema_name',
      'version_hash',
      'schema',
    ]);
    expect(version.inserted_at).toBe(1_704_067_200_000_000n);
    const loads = tableToRows(loadsRow('123.4', 'shop', 'hash'))[0]!;
    expect(loads).toMatchObject({
      load_id: '123.4',
      schema_name: 'shop',
      status: 0n,
      schema_version_hash: 'hash',
    });
  });
});

describe('error classification', () => {
  const apiError = (message: string, kind: 'bad_request' | 'not_found' | 'conflict' = 'bad_request') =>
    new HotdataApiError(message, { kind, method: 'POST', path: '/v1/x' });

  it('recognises missing tables, undeclared tables and refused load modes', () => {
    expect(isMissingTableError(apiError('Catalog Error: Table with name x does not exist!'))).toBe(true);
    expect(isMissingTableError(apiError("table 'default.public.x' not found"))).toBe(true);
    expect(isMissingTableError(apiError('duplicate key in batch'))).toBe(false);
    expect(isNotDeclaredError(apiError("Schema 'public' is not declared"))).toBe(true);
    expect(refusedLoadMode(apiError("Unknown mode 'upsert'"))).toBe(true);
    expect(refusedLoadMode(apiError('invalid load mode: delete'))).toBe(true);
    expect(refusedLoadMode(apiError('Key column(s) id are missing from the load data.'))).toBe(false);
    expect(refusedLoadMode(apiError("Unknown mode 'upsert'", 'conflict'))).toBe(false);
  });
});
