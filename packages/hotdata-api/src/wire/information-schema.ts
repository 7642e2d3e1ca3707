import { z } from 'zod';
import { BooleanParamSchema, CursorPageSchema, IntegerParamSchema } from './common.ts';

/** Query string of `GET /v1/information_schema`; `schema` and `table` take SQL `%` wildcards. */
export const InformationSchemaQuerySchema = z.object({
  connection_id: z.string().optional(),
  schema: z.string().optional(),
  table: z.string().optional(),
  include_columns: BooleanParamSchema.optional(),
  limit: IntegerParamSchema.optional(),
  cursor: z.string().optional(),
});
export type InformationSchemaQuery = z.infer<typeof InformationSchemaQuerySchema>;

/** A partition key as read back (lenient: newer servers may add fields or transforms). */
export const TableInfoPartitionKeySchema = z.looseObject({ column: z.string(), transform: z.string() });
/** A sort key as read back. */
export const TableInfoSortKeySchema = z.looseObject({
  column: z.string(),
  direction: z.string().nullish(),
  nulls: z.string().nullish(),
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
  partition_by: z.array(TableInfoPartitionKeySchema).default([]),
  sorted_by: z.array(TableInfoSortKeySchema).default([]),
});
export type TableInfo = z.infer<typeof TableInfoSchema>;

export const InformationSchemaResponseSchema = z.looseObject({
  tables: z.array(TableInfoSchema),
  ...CursorPageSchema.shape,
});
export type InformationSchemaResponse = z.infer<typeof InformationSchemaResponseSchema>;
