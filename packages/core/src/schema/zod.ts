import { z } from 'zod';
import { SchemaError } from '../errors.ts';
import {
  DATA_TYPES,
  MERGE_STRATEGIES,
  REPLACE_STRATEGIES,
  type StoredSchema,
  WRITE_DISPOSITIONS,
} from './types.ts';

const contractMode = z.enum(['evolve', 'freeze', 'discard_row', 'discard_value']);

/** A schema contract in stored form. */
export const SchemaContractSchema = z.union([
  contractMode,
  z.looseObject({
    tables: contractMode.optional(),
    columns: contractMode.optional(),
    data_type: contractMode.optional(),
  }),
]);

/** A column in dlt's stored form; unknown `x-*` keys are kept. */
export const ColumnSchemaSchema = z.looseObject({
  name: z.string().optional(),
  // `complex` is the engine <= 9 name of `json`; migrated on load.
  data_type: z.enum([...DATA_TYPES, 'complex']).optional(),
  nullable: z.boolean().optional(),
  precision: z.number().int().optional(),
  scale: z.number().int().optional(),
  timezone: z.boolean().optional(),
  variant: z.boolean().optional(),
  partition: z.boolean().optional(),
  cluster: z.boolean().optional(),
  primary_key: z.boolean().optional(),
  sort: z.boolean().optional(),
  unique: z.boolean().optional(),
  merge_key: z.boolean().optional(),
  row_key: z.boolean().optional(),
  parent_key: z.boolean().optional(),
  root_key: z.boolean().optional(),
  hard_delete: z.boolean().optional(),
  dedup_sort: z.enum(['asc', 'desc']).optional(),
  incremental: z.boolean().optional(),
  description: z.string().optional(),
});

/** A table in dlt's stored form. */
export const TableSchemaSchema = z.looseObject({
  name: z.string().optional(),
  description: z.string().optional(),
  columns: z.record(z.string(), ColumnSchemaSchema).default({}),
  write_disposition: z.enum(WRITE_DISPOSITIONS).optional(),
  parent: z.string().optional(),
  resource: z.string().optional(),
  schema_contract: SchemaContractSchema.optional(),
  table_format: z.string().optional(),
  file_format: z.string().optional(),
  'x-merge-strategy': z.enum(MERGE_STRATEGIES).optional(),
  'x-replace-strategy': z.enum(REPLACE_STRATEGIES).optional(),
});

/** The stored schema document (engine version 11, older engines are migrated on load). */
export const StoredSchemaSchema = z.looseObject({
  version: z.number().int().default(1),
  version_hash: z.string().optional(),
  previous_hashes: z.array(z.string()).default([]),
  imported_version_hash: z.string().optional(),
  engine_version: z.number().int(),
  name: z.string().min(1),
  description: z.string().optional(),
  settings: z.looseObject({}).default({}),
  tables: z.record(z.string(), TableSchemaSchema),
  normalizers: z.looseObject({
    names: z.string(),
    json: z.looseObject({ module: z.string(), config: z.looseObject({}).optional() }),
  }),
});

/** Validates a stored schema document; a `ZodError` becomes a `SchemaError` naming the bad path. */
export function parseStoredSchema(document: unknown): StoredSchema {
  const result = StoredSchemaSchema.safeParse(document);
  if (!result.success) {
    const issue = result.error.issues[0];
    const path = issue?.path.join('.') || '(root)';
    throw new SchemaError(
      `The stored schema is invalid at '${path}': ${issue?.message}. Fix or re-export it.`,
      {
        cause: result.error,
      },
    );
  }
  return result.data as unknown as StoredSchema;
}
