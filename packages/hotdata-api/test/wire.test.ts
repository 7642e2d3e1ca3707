import { describe, expect, it } from 'vitest';
import {
  CreateDatabaseRequestSchema,
  CreateDatabaseResponseSchema,
  DatabaseSummarySchema,
  FinalizeUploadRequestSchema,
  GetResultQuerySchema,
  InformationSchemaQuerySchema,
  InformationSchemaResponseSchema,
  identifierProblem,
  isValidIdentifier,
  ListDatabasesResponseSchema,
  LOAD_MODES,
  LoadManagedTableRequestSchema,
  MAX_IDENTIFIER_LENGTH,
  QueryRequestSchema,
  QueryResponseSchema,
  RESERVED_WORDS,
  UploadSessionResponseSchema,
} from '../src/index.ts';

const issuesOf = (result: { success: boolean; error?: { issues: Array<{ message: string }> } }) =>
  result.success ? [] : (result.error?.issues.map((issue) => issue.message) ?? []);

describe('identifiers', () => {
  it('accepts snake_case names, dlt nested names and a leading underscore, case-insensitively', () => {
    for (const name of [
      'orders',
      'orders__items',
      '_dlt_loads',
      'Orders',
      'a1',
      'x'.repeat(MAX_IDENTIFIER_LENGTH),
    ])
      expect(isValidIdentifier(name), name).toBe(true);
  });

  it('refuses empty, too long, leading digits, punctuation and reserved words', () => {
    expect(identifierProblem('')).toMatch(/empty/);
    expect(identifierProblem('x'.repeat(MAX_IDENTIFIER_LENGTH + 1))).toMatch(/longer than 128/);
    expect(identifierProblem('1abc')).toMatch(/must not start with a digit/);
    expect(identifierProblem('x; drop table y')).toMatch(/only letters, digits and '_'/);
    expect(identifierProblem('select')).toMatch(/reserved word/);
    expect(identifierProblem('SELECT')).toMatch(/reserved word/);
    expect(identifierProblem('hotdata', 'catalog')).toMatch(/reserved for the system catalog/);
    expect(isValidIdentifier('select', 'schema')).toBe(true);
    for (const word of ['from', 'order', 'limit', 'some']) expect(RESERVED_WORDS.has(word)).toBe(true);
    expect(isValidIdentifier('orders')).toBe(true);
  });
});

describe('requests are strict', () => {
  it('lists the load modes once', () => {
    expect(LOAD_MODES).toEqual(['replace', 'append', 'upsert', 'update', 'delete']);
  });

  it('accepts every documented load field', () => {
    const request = {
      mode: 'upsert',
      data: 'id,amount\n1,2.5\n',
      columns: { id: 'BIGINT', amount: 'DECIMAL(12,2)', note: { type: 'DECIMAL', precision: 10, scale: 2 } },
      format: 'csv',
      key: ['id'],
      async: true,
      async_after_ms: 10_000,
      idempotency_key: 'batch-1',
    };
    expect(LoadManagedTableRequestSchema.parse(request)).toEqual(request);
  });

  it('refuses unknown fields, bad combinations and out-of-range values', () => {
    const refuse = (request: unknown) => issuesOf(LoadManagedTableRequestSchema.safeParse(request));
    expect(refuse({ mode: 'append', upload_id: 'u', extra: 1 })).toEqual([expect.stringMatching(/extra/)]);
    expect(refuse({ mode: 'append' })).toContain('exactly one of upload_id, result_id or data is required');
    expect(refuse({ mode: 'append', upload_id: 'u', result_id: 'r' })).toContain(
      'exactly one of upload_id, result_id or data is required',
    );
    expect(refuse({ mode: 'append', upload_id: 'u', columns: { a: 'INTEGER' } })).toContain(
      'columns is only allowed with data',
    );
    expect(refuse({ mode: 'append', data: 'a\n1\n', columns: { a: 'INTEGERS' } })).not.toEqual([]);
    expect(refuse({ mode: 'append', data: 'a\n1\n', format: 'parquet' })).toContain(
      'inline data is CSV only',
    );
    expect(refuse({ mode: 'append', result_id: 'r', format: 'csv' })).toContain(
      'format is not allowed with result_id',
    );
    expect(refuse({ mode: 'append', result_id: 'r', async: true })).toContain(
      'loads from result_id are always synchronous',
    );
    expect(refuse({ mode: 'append', upload_id: 'u', async: true, async_after_ms: 999 })).not.toEqual([]);
    expect(refuse({ mode: 'append', upload_id: 'u', idempotency_key: 'k' })).toContain(
      'idempotency_key is only allowed with data',
    );
    expect(refuse({ mode: 'append', data: 'a', idempotency_key: 'k'.repeat(256) })).not.toEqual([]);
    expect(refuse({ mode: 'append', upload_id: 'u', key: [] })).not.toEqual([]);
  });

  it('checks database, upload and query requests', () => {
    expect(
      CreateDatabaseRequestSchema.parse({
        name: 'shop',
        schemas: [
          {
            name: 'public',
            tables: [{ name: 'orders', key: ['id'], partition_by: [{ column: 'at', transform: 'day' }] }],
          },
        ],
      }),
    ).toMatchObject({ name: 'shop' });
    expect(CreateDatabaseRequestSchema.safeParse({ name: 'x', schema: [] }).success).toBe(false);
    expect(
      CreateDatabaseRequestSchema.safeParse({
        schemas: [{ name: 's', tables: [{ name: 't', sorted_by: [{ column: 'a', direction: 'up' }] }] }],
      }).success,
    ).toBe(false);
    expect(FinalizeUploadRequestSchema.safeParse({ parts: [] }).success).toBe(false);
    expect(FinalizeUploadRequestSchema.safeParse({ parts: [{ part_number: 1, e_tag: '"x"' }] }).success).toBe(
      true,
    );
    expect(QueryRequestSchema.safeParse({ sql: 'select 1', dialect: 'mysql' }).success).toBe(false);
    expect(QueryRequestSchema.safeParse({ sql: 'select 1', async_after_ms: 2000 }).success).toBe(false);
  });

  it('parses query-string parameters as the server receives them', () => {
    expect(InformationSchemaQuerySchema.parse({ include_columns: 'true', limit: '5' })).toEqual({
      include_columns: true,
      limit: 5,
    });
    expect(InformationSchemaQuerySchema.safeParse({ include_columns: 'True' }).success).toBe(false);
    expect(GetResultQuerySchema.parse({ offset: '10', limit: '0', format: 'arrow' })).toEqual({
      offset: 10,
      limit: 0,
      format: 'arrow',
    });
    expect(GetResultQuerySchema.safeParse({ offset: '-1' }).success).toBe(false);
  });
});

describe('responses are lenient', () => {
  it('accepts a database list of an old deployment (no paging fields, nulls)', () => {
    expect(
      ListDatabasesResponseSchema.parse({
        databases: [{ id: 'd', name: null, default_catalog: 'default', expires_at: null }],
        count: null,
        next_cursor: null,
      }).databases,
    ).toHaveLength(1);
    expect(DatabaseSummarySchema.parse({ id: 'd', default_catalog: 'c', fork_of: 'x' })).toMatchObject({
      fork_of: 'x',
    });
  });

  it('fills defaults and keeps unknown fields', () => {
    expect(
      CreateDatabaseResponseSchema.parse({
        id: 'd',
        default_catalog: 'default',
        default_connection_id: 'c',
        default_schema: 'main',
        created: true,
        lineage: {},
      }),
    ).toMatchObject({ created: true, lineage: {} });
    expect(QueryResponseSchema.parse({ columns: ['a'], rows: [[1]] })).toMatchObject({
      truncated: false,
      nullable: [],
    });
    expect(
      UploadSessionResponseSchema.parse({
        upload_id: 'u',
        mode: 'single',
        url: 'http://x',
        finalize_token: 't',
      }).headers,
    ).toEqual({});
    expect(
      InformationSchemaResponseSchema.parse({
        tables: [
          {
            connection: 'c',
            schema: 's',
            table: 't',
            synced: false,
            partition_by: [{ column: 'a', transform: 'bucket[4]' }],
          },
        ],
      }).tables[0],
    ).toMatchObject({ sorted_by: [], partition_by: [{ column: 'a', transform: 'bucket[4]' }] });
  });
});
