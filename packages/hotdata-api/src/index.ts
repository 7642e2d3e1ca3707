export {
  createHotdataClient,
  type HotdataClient,
  type LoadOptions,
  type LoadTarget,
  type QueryOptions,
  type QueryRows,
  type SubmittedLoad,
} from './client.ts';
export { type HotdataClientOptions, normalizeApiUrl } from './config.ts';
export {
  HotdataAmbiguousResultError,
  HotdataApiError,
  type HotdataApiErrorDetails,
  type HotdataApiErrorKind,
} from './errors.ts';
export { backoffMs, parseRetryAfter } from './internal/transport.ts';
export type { UploadOptions, UploadResult, UploadSource } from './internal/uploads.ts';
export * from './wire/common.ts';
export * from './wire/databases.ts';
export * from './wire/information-schema.ts';
export * from './wire/jobs.ts';
export * from './wire/loads.ts';
export * from './wire/query.ts';
export * from './wire/uploads.ts';
export * from './wire/workspaces.ts';
