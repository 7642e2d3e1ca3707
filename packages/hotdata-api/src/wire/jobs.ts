import { z } from 'zod';

export const JOB_STATUSES = ['pending', 'running', 'succeeded', 'partially_succeeded', 'failed'] as const;
export const TERMINAL_JOB_STATUSES: ReadonlySet<string> = new Set([
  'succeeded',
  'partially_succeeded',
  'failed',
]);
export const JobStatusSchema = z.enum(JOB_STATUSES);
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

export const ListJobsQuerySchema = z.object({
  job_type: z.string().optional(),
  /** Comma-separated statuses. */
  status: z.string().optional(),
  limit: z.number().int().optional(),
  offset: z.number().int().optional(),
});

export const SubmitJobResponseSchema = z.looseObject({
  id: z.string(),
  status: JobStatusSchema,
  status_url: z.string().nullish(),
});
export type SubmitJobResponse = z.infer<typeof SubmitJobResponseSchema>;
