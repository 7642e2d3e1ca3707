import { z } from 'zod';
import { IntegerParamSchema } from './common.ts';

export const JOB_STATUSES = ['pending', 'running', 'succeeded', 'partially_succeeded', 'failed'] as const;
export const TERMINAL_JOB_STATUSES: ReadonlySet<string> = new Set([
  'succeeded',
  'partially_succeeded',
  'failed',
]);
export const JobStatusSchema = z.enum(JOB_STATUSES);

/** Job types the API documents; `managed_load` is the one loads create. */
export const JOB_TYPES = [
  'noop',
  'bulk_create_databases',
  'data_refresh_table',
  'data_refresh_connection',
  'create_index',
  'managed_load',
  'ducklake_vacuum',
  'ducklake_orphan_cleanup',
  'result_deletion',
  'stale_result_cleanup',
  'result_retention',
  'ducklake_compaction',
  'ducklake_table_compaction',
] as const;
export type JobStatus = z.infer<typeof JobStatusSchema>;

export const JobStatusResponseSchema = z.looseObject({
  id: z.string(),
  job_type: z.string(),
  status: JobStatusSchema,
  attempts: z.number().int().default(0),
  created_at: z.string(),
  completed_at: z.string().nullish(),
  error_message: z.string().nullish(),
  result: z.unknown().nullish(),
});
export type JobStatusResponse = z.infer<typeof JobStatusResponseSchema>;

export const ListJobsResponseSchema = z.looseObject({ jobs: z.array(JobStatusResponseSchema) });
export type ListJobsResponse = z.infer<typeof ListJobsResponseSchema>;

/** Query string of `GET /v1/jobs`: `limit` defaults to 50 server-side. */
export const ListJobsQuerySchema = z.object({
  job_type: z.string().optional(),
  /** Comma-separated statuses. */
  status: z.string().optional(),
  limit: IntegerParamSchema.optional(),
  offset: IntegerParamSchema.optional(),
});
export type ListJobsQuery = z.infer<typeof ListJobsQuerySchema>;

export const SubmitJobResponseSchema = z.looseObject({
  id: z.string(),
  status: JobStatusSchema,
  status_url: z.string().nullish(),
});
export type SubmitJobResponse = z.infer<typeof SubmitJobResponseSchema>;
