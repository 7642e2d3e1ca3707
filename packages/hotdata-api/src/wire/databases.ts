import { z } from 'zod';
import { CursorPageSchema, IntegerParamSchema } from './common.ts';

export const TablePartitionKeySchema = z.strictObject({
  column: z.string().min(1),
  transform: z.enum(['identity', 'year', 'month', 'day', 'hour']),
});
export type TablePartitionKey = z.infer<typeof TablePartitionKeySchema>;
export const TableSortKeySchema = z.strictObject({
  column: z.string().min(1),
  direction: z.enum(['asc', 'desc']).optional(),
  nulls: z.enum(['first', 'last']).optional(),
});
export type TableSortKey = z.infer<typeof TableSortKeySchema>;

/** A table declaration (`DatabaseDefaultTableDecl` / `AddManagedTableRequest`). */
export const TableDeclarationSchema = z.strictObject({
  name: z.string().min(1),
  /** Row-identity columns enabling `upsert` / `update` / `delete` loads. */
  key: z.array(z.string().min(1)).optional(),
  partition_by: z.array(TablePartitionKeySchema).optional(),
  sorted_by: z.array(TableSortKeySchema).optional(),
});
export type TableDeclaration = z.infer<typeof TableDeclarationSchema>;

export const SchemaDeclarationSchema = z.strictObject({
  name: z.string().min(1),
  tables: z.array(TableDeclarationSchema).optional(),
});
export type SchemaDeclaration = z.infer<typeof SchemaDeclarationSchema>;

export const CreateDatabaseRequestSchema = z.strictObject({
  name: z.string().optional(),
  /** Legacy alias of `name` still accepted by servers. */
  description: z.string().optional(),
  default_catalog: z.string().optional(),
  default_schema: z.string().optional(),
  expires_at: z.string().optional(),
  schemas: z.array(SchemaDeclarationSchema).optional(),
  if_not_exists: z.boolean().optional(),
});
export type CreateDatabaseRequest = z.infer<typeof CreateDatabaseRequestSchema>;

export const CreateDatabaseResponseSchema = z.looseObject({
  id: z.string(),
  name: z.string().nullish(),
  default_catalog: z.string(),
  default_connection_id: z.string(),
  default_schema: z.string(),
  expires_at: z.string().nullish(),
  created: z.boolean().optional(),
});
export type CreateDatabaseResponse = z.infer<typeof CreateDatabaseResponseSchema>;

export const DatabaseAttachmentSchema = z.looseObject({
  connection_id: z.string(),
  alias: z.string().nullish(),
});
export type DatabaseAttachment = z.infer<typeof DatabaseAttachmentSchema>;

export const DatabaseDetailResponseSchema = z.looseObject({
  id: z.string(),
  name: z.string().nullish(),
  default_catalog: z.string(),
  default_connection_id: z.string(),
  default_schema: z.string(),
  expires_at: z.string().nullish(),
  created_at: z.string().nullish(),
  attachments: z.array(DatabaseAttachmentSchema).default([]),
});
export type DatabaseDetail = z.infer<typeof DatabaseDetailResponseSchema>;

/** A row of the database list: no `default_connection_id` (get the database for it). */
export const DatabaseSummarySchema = z.looseObject({
  id: z.string(),
  name: z.string().nullish(),
  default_catalog: z.string(),
  default_schema: z.string().nullish(),
  expires_at: z.string().nullish(),
  created_at: z.string().nullish(),
});
export type DatabaseSummary = z.infer<typeof DatabaseSummarySchema>;

export const ListDatabasesResponseSchema = z.looseObject({
  databases: z.array(DatabaseSummarySchema),
  ...CursorPageSchema.shape,
});
export type ListDatabasesResponse = z.infer<typeof ListDatabasesResponseSchema>;

/** Query string of `GET /v1/databases`: `limit` 1–100 (the server clamps), `search` is a substring. */
export const ListDatabasesQuerySchema = z.object({
  limit: IntegerParamSchema.optional(),
  cursor: z.string().optional(),
  search: z.string().optional(),
  batch: z.string().optional(),
});
export type ListDatabasesQuery = z.infer<typeof ListDatabasesQuerySchema>;

export const AddSchemaRequestSchema = z.strictObject({
  name: z.string().min(1),
  tables: z.array(TableDeclarationSchema).optional(),
});
export type AddSchemaRequest = z.infer<typeof AddSchemaRequestSchema>;

export const AddTableRequestSchema = TableDeclarationSchema;
export type AddTableRequest = z.infer<typeof AddTableRequestSchema>;

export const ManagedSchemaResponseSchema = z.looseObject({
  connection_id: z.string(),
  schema: z.string(),
  tables: z.array(z.string()).default([]),
});
export type ManagedSchemaResponse = z.infer<typeof ManagedSchemaResponseSchema>;

export const ManagedTableResponseSchema = z.looseObject({
  connection_id: z.string(),
  schema: z.string(),
  table: z.string(),
});
export type ManagedTableResponse = z.infer<typeof ManagedTableResponseSchema>;
