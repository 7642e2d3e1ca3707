import { z } from 'zod';

export const CreateUploadRequestSchema = z.strictObject({
  /** Omit for a streaming multipart upload (part URLs are minted later). */
  declared_size_bytes: z.number().int().nonnegative().optional(),
  content_type: z.string().optional(),
  content_encoding: z.string().optional(),
  filename: z.string().optional(),
  /** A hint; the server clamps it. */
  part_size: z.number().int().positive().optional(),
  checksum_algo: z.literal('sha256').optional(),
  checksum_value: z.string().optional(),
});
export type CreateUploadRequest = z.infer<typeof CreateUploadRequestSchema>;

export const UploadSessionResponseSchema = z.looseObject({
  upload_id: z.string(),
  mode: z.enum(['single', 'multipart']),
  url: z.string().nullish(),
  part_urls: z.array(z.string()).nullish(),
  part_size: z.number().int().nullish(),
  /** Headers to send verbatim on every PUT. */
  headers: z.record(z.string(), z.string()).default({}),
  /** Returned once: needed for parts and finalize. */
  finalize_token: z.string(),
});
export type UploadSessionResponse = z.infer<typeof UploadSessionResponseSchema>;

export const CreateUploadBatchRequestSchema = z.strictObject({
  uploads: z.array(CreateUploadRequestSchema).min(1),
});
export type CreateUploadBatchRequest = z.infer<typeof CreateUploadBatchRequestSchema>;
export const CreateUploadBatchResponseSchema = z.looseObject({
  uploads: z.array(UploadSessionResponseSchema),
});
export type CreateUploadBatchResponse = z.infer<typeof CreateUploadBatchResponseSchema>;

export const UploadPartsRequestSchema = z.strictObject({
  part_numbers: z.array(z.number().int().positive()).min(1),
});
export type UploadPartsRequest = z.infer<typeof UploadPartsRequestSchema>;
export const UploadPartsResponseSchema = z.looseObject({
  parts: z.array(z.looseObject({ part_number: z.number().int(), url: z.string() })),
});
export type UploadPartsResponse = z.infer<typeof UploadPartsResponseSchema>;

export const FinalizeUploadRequestSchema = z.strictObject({
  parts: z
    .array(z.strictObject({ part_number: z.number().int().positive(), e_tag: z.string().min(1) }))
    .min(1),
});
export type FinalizeUploadRequest = z.infer<typeof FinalizeUploadRequestSchema>;

export const UploadStatusSchema = z.string();

export const FinalizeUploadResponseSchema = z.looseObject({
  upload_id: z.string(),
  status: UploadStatusSchema,
  size_bytes: z.number().int(),
  content_type: z.string().nullish(),
  created_at: z.string(),
});
export type FinalizeUploadResponse = z.infer<typeof FinalizeUploadResponseSchema>;

/** Legacy `POST /v1/files` response: the id field is `id`, not `upload_id`. */
export const LegacyUploadResponseSchema = z.looseObject({
  id: z.string(),
  status: UploadStatusSchema,
  size_bytes: z.number().int(),
  content_type: z.string().nullish(),
  created_at: z.string(),
});
export type LegacyUploadResponse = z.infer<typeof LegacyUploadResponseSchema>;

export const ListLegacyUploadsResponseSchema = z.looseObject({
  uploads: z.array(LegacyUploadResponseSchema),
});
export type ListLegacyUploadsResponse = z.infer<typeof ListLegacyUploadsResponseSchema>;
