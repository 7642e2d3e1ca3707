import { z } from 'zod';
import { CursorPageSchema } from './common.ts';
import { TablePartitionKeySchema, TableSortKeySchema } from './databases.ts';

export const InformationSchemaQuerySchema = z.object({
  connection_id: z.string().optional(),
  schema: z.string().optional(),
  table: z.string().optional(),
  include_columns: z.boolean().optional(),
  limit: z.number().int().optional(),
  cursor: z.string().optional(),
});

export const ColumnInfoSchema = z.looseObject({
  name: z.string(),
  /** The Arrow type's display string, e.g. `Int64`, `Utf8`, `Timestamp(Microsecond, Some("UTC"))`. */
  data_type: z.string(),
  nullable: z.boolean(),
});
export type ColumnInfo = z.infer<typeof ColumnInfoSchema>;

export const TableInfoSchema = z.looseObject({
  /** The connection's name. */
  connection: z.string(),
  schema: z.string(),
  table: z.string(),
  synced: z.boolean(),
  last_sync: z.string().nullish(),
  columns: z.array(ColumnInfoSchema).optional(),
  partition_by: z.array(TablePartitionKeySchema).default([]),
  sorted_by: z.array(TableSortKeySchema).default([]),
});
export type TableInfo = z.infer<typeof TableInfoSchema>;

export const InformationSchemaResponseSchema = z.looseObject({
  tables: z.array(TableInfoSchema),
  ...CursorPageSchema.shape,
});
export type InformationSchemaResponse = z.infer<typeof InformationSchemaResponseSchema>;
