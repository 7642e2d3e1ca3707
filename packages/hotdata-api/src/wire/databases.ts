import { z } from 'zod';
import { CursorPageSchema } from './common.ts';

export const TablePartitionKeySchema = z.object({
  column: z.string().min(1),
  transform: z.enum(['identity', 'year', 'month', 'day', 'hour']),
});
export const TableSortKeySchema = z.object({
  column: z.string().min(1),
  direction: z.enum(['asc', 'desc']).optional(),
  nulls: z.enum(['first', 'last']).optional(),
});

/** A table declaration (`DatabaseDefaultTableDecl` / `AddManagedTableRequest`). */
export const TableDeclarationSchema = z.object({
  name: z.string().min(1),
  /** Row-identity columns enabling `upsert` / `update` / `delete` loads. */
  key: z.array(z.string().min(1)).optional(),
  partition_by: z.array(TablePartitionKeySchema).optional(),
  sorted_by: z.array(TableSortKeySchema).optional(),
});
export type TableDeclaration = z.infer<typeof TableDeclarationSchema>;

export const SchemaDeclarationSchema = z.object({
  name: z.string().min(1),
  tables: z.array(TableDeclarationSchema).optional(),
});
export type SchemaDeclaration = z.infer<typeof SchemaDeclarationSchema>;

export const CreateDatabaseRequestSchema = z.object({
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

export const ListDatabasesQuerySchema = z.object({
  limit: z.number().int().optional(),
  cursor: z.string().optional(),
  search: z.string().optional(),
  batch: z.string().optional(),
});

export const AddSchemaRequestSchema = z.object({
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
