import { z } from 'zod';

/** Load modes: `replace` / `append`, and the key-based `upsert` / `update` / `delete`. */
export const LOAD_MODES = ['replace', 'append', 'upsert', 'update', 'delete'] as const;
export type LoadMode = (typeof LOAD_MODES)[number];
export const KEYED_LOAD_MODES: ReadonlySet<LoadMode> = new Set(['upsert', 'update', 'delete']);
export const LoadModeSchema = z.enum(LOAD_MODES);

/** File formats of a load: auto-detected when omitted; `json` is NDJSON; inline `data` is CSV only. */
export const LOAD_FORMATS = ['csv', 'json', 'parquet'] as const;
export type LoadFormat = (typeof LOAD_FORMATS)[number];

/** Longest `idempotency_key`. */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

/** Column types accepted in `columns` for inline CSV data. */
export const INLINE_COLUMN_TYPES = [
  'VARCHAR',
  'TEXT',
  'STRING',
  'CHAR',
  'BOOLEAN',
  'TINYINT',
  'SMALLINT',
  'INTEGER',
  'BIGINT',
  'UTINYINT',
  'USMALLINT',
  'UINTEGER',
  'UBIGINT',
  'REAL',
  'FLOAT',
  'DOUBLE',
  'DECIMAL',
  'NUMERIC',
  'DATE',
  'TIME',
  'TIMESTAMP',
  'TIMESTAMPTZ',
  'BINARY',
  'BLOB',
  'UUID',
  'JSON',
] as const;

/** Largest inline `data` payload (bytes): 2 MiB. */
export const MAX_INLINE_DATA_BYTES = 2 * 1024 * 1024;

/** A column type of inline CSV data: a type name, `DECIMAL(p,s)`, or `{type, precision?, scale?}`. */
export const InlineColumnTypeSchema = z.union([
  z.string().regex(/^(DECIMAL|NUMERIC)\(\s*\d+\s*,\s*\d+\s*\)$/i),
  z.string().refine((value) => (INLINE_COLUMN_TYPES as readonly string[]).includes(value.toUpperCase()), {
    message: `must be one of ${INLINE_COLUMN_TYPES.join(', ')} or DECIMAL(p,s)`,
  }),
  z.strictObject({
    type: z.string(),
    precision: z.number().int().min(1).max(38).optional(),
    scale: z.number().int().min(0).optional(),
  }),
]);
export type InlineColumnType = z.infer<typeof InlineColumnTypeSchema>;

/** `LoadManagedTableRequest`: exactly one of `upload_id`, `result_id`, `data`. */
export const LoadRequestSchema = z
  .strictObject({
    mode: LoadModeSchema,
    upload_id: z.string().min(1).optional(),
    result_id: z.string().min(1).optional(),
    data: z.string().optional(),
    columns: z.record(z.string(), InlineColumnTypeSchema).optional(),
    format: z.enum(LOAD_FORMATS).optional(),
    key: z.array(z.string().min(1)).min(1).optional(),
    async: z.boolean().optional(),
    async_after_ms: z.number().int().min(1000).optional(),
    idempotency_key: z.string().min(1).max(MAX_IDEMPOTENCY_KEY_LENGTH).optional(),
  })
  .superRefine((request, context) => {
    const sources = [request.upload_id, request.result_id, request.data].filter(
      (value) => value !== undefined,
    );
    if (sources.length !== 1) {
      context.addIssue({
        code: 'custom',
        message: 'exactly one of upload_id, result_id or data is required',
      });
    }
    if (request.columns !== undefined && request.data === undefined) {
      context.addIssue({ code: 'custom', path: ['columns'], message: 'columns is only allowed with data' });
    }
    if (request.data !== undefined && request.format !== undefined && request.format !== 'csv') {
      context.addIssue({ code: 'custom', path: ['format'], message: 'inline data is CSV only' });
    }
    if (request.result_id !== undefined && request.format !== undefined) {
      context.addIssue({ code: 'custom', path: ['format'], message: 'format is not allowed with result_id' });
    }
    if (request.result_id !== undefined && request.async) {
      context.addIssue({
        code: 'custom',
        path: ['async'],
        message: 'loads from result_id are always synchronous',
      });
    }
    if (request.async_after_ms !== undefined && !request.async) {
      context.addIssue({
        code: 'custom',
        path: ['async_after_ms'],
        message: 'async_after_ms requires async: true',
      });
    }
    if (request.idempotency_key !== undefined && request.data === undefined) {
      context.addIssue({
        code: 'custom',
        path: ['idempotency_key'],
        message: 'idempotency_key is only allowed with data',
      });
    }
  });
export type LoadRequest = z.infer<typeof LoadRequestSchema>;
/** The API's name of {@link LoadRequestSchema}. */
export const LoadManagedTableRequestSchema = LoadRequestSchema;
export type LoadManagedTableRequest = LoadRequest;

/** 200 body of a load: `row_count` = rows in the table after the load. */
export const LoadResponseSchema = z.looseObject({
  connection_id: z.string(),
  schema_name: z.string(),
  table_name: z.string(),
  row_count: z.number().int(),
  arrow_schema_json: z.string(),
});
export type LoadResponse = z.infer<typeof LoadResponseSchema>;
/** The API's name of {@link LoadResponseSchema}. */
export const LoadManagedTableResponseSchema = LoadResponseSchema;
export type LoadManagedTableResponse = LoadResponse;
