import { z } from 'zod';
import { IntegerParamSchema } from './common.ts';

export const QUERY_DIALECTS = ['hotsql', 'duckdb', 'postgres', 'snowflake'] as const;

export const QueryRequestSchema = z
  .strictObject({
    sql: z.string().min(1),
    database_id: z.string().optional(),
    async: z.boolean().optional(),
    async_after_ms: z.number().int().min(1000).optional(),
    default_catalog: z.string().optional(),
    default_schema: z.string().optional(),
    dialect: z.enum(QUERY_DIALECTS).optional(),
  })
  .superRefine((request, context) => {
    if (request.async_after_ms !== undefined && !request.async) {
      context.addIssue({
        code: 'custom',
        path: ['async_after_ms'],
        message: 'async_after_ms requires async: true',
      });
    }
  });
export type QueryRequest = z.infer<typeof QueryRequestSchema>;

export const QueryResponseSchema = z.looseObject({
  columns: z.array(z.string()),
  nullable: z.array(z.boolean()).default([]),
  rows: z.array(z.array(z.unknown())),
  preview_row_count: z.number().int().nullish(),
  /** Deprecated alias of `preview_row_count`. */
  row_count: z.number().int().nullish(),
  total_row_count: z.number().int().nullish(),
  truncated: z.boolean().default(false),
  result_id: z.string().nullish(),
  query_run_id: z.string().nullish(),
  execution_time_ms: z.number().nullish(),
  warning: z.string().nullish(),
});
export type QueryResponse = z.infer<typeof QueryResponseSchema>;

export const AsyncQueryResponseSchema = z.looseObject({
  query_run_id: z.string(),
  status: z.string(),
  status_url: z.string().nullish(),
  reason: z.string().nullish(),
});
export type AsyncQueryResponse = z.infer<typeof AsyncQueryResponseSchema>;

export const QueryRunInfoSchema = z.looseObject({
  id: z.string(),
  status: z.enum(['queued', 'pending', 'running', 'succeeded', 'failed', 'cancelled']),
  sql_text: z.string().nullish(),
  created_at: z.string().nullish(),
  completed_at: z.string().nullish(),
  execution_time_ms: z.number().nullish(),
  row_count: z.number().int().nullish(),
  result_id: z.string().nullish(),
  error_message: z.string().nullish(),
  warning_message: z.string().nullish(),
});
export type QueryRunInfo = z.infer<typeof QueryRunInfoSchema>;

export const RESULT_FORMATS = ['json', 'arrow', 'parquet', 'csv', 'md'] as const;
export type ResultFormat = (typeof RESULT_FORMATS)[number];
export const RESULT_CONTENT_TYPES: Record<ResultFormat, string> = {
  json: 'application/json',
  arrow: 'application/vnd.apache.arrow.stream',
  parquet: 'application/vnd.apache.parquet',
  csv: 'text/csv; charset=utf-8',
  md: 'text/markdown; charset=utf-8',
};

/** Query string of `GET /v1/results/{id}`; `format` overrides `Accept`. */
export const GetResultQuerySchema = z.object({
  offset: IntegerParamSchema.pipe(z.number().nonnegative()).optional(),
  limit: IntegerParamSchema.pipe(z.number().nonnegative()).optional(),
  format: z.enum([...RESULT_FORMATS, 'markdown']).optional(),
});
export type GetResultQuery = z.infer<typeof GetResultQuerySchema>;

/** A ready result as JSON rows (one slice). */
export const GetResultResponseSchema = z.looseObject({
  result_id: z.string(),
  status: z.literal('ready'),
  columns: z.array(z.string()),
  nullable: z.array(z.boolean()).default([]),
  rows: z.array(z.array(z.unknown())),
  row_count: z.number().int(),
  error_message: z.string().nullish(),
});
export type GetResultResponse = z.infer<typeof GetResultResponseSchema>;

/** 202 while a result is persisting; 409 with `failed`. */
export const ResultPendingResponseSchema = z.looseObject({
  status: z.enum(['pending', 'processing', 'failed']),
  result_id: z.string(),
  error_message: z.string().nullish(),
});
export type ResultPendingResponse = z.infer<typeof ResultPendingResponseSchema>;

export const ListResultsResponseSchema = z.looseObject({
  results: z.array(
    z.looseObject({
      id: z.string(),
      status: z.string(),
      created_at: z.string().nullish(),
      error_message: z.string().nullish(),
    }),
  ),
  count: z.number().int().nullish(),
  limit: z.number().int().nullish(),
  offset: z.number().int().nullish(),
  has_more: z.boolean().nullish(),
});
export type ListResultsResponse = z.infer<typeof ListResultsResponseSchema>;
