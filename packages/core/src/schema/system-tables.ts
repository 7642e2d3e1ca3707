import type { ColumnSchema, TableSchema } from './types.ts';

/** Names of dlt's system tables (SEMANTICS §6). */
export const VERSION_TABLE_NAME = '_dlt_version';
export const LOADS_TABLE_NAME = '_dlt_loads';
export const STATE_TABLE_NAME = '_dlt_pipeline_state';

/** dlt's system columns. */
export const DLT_ID = '_dlt_id';
export const DLT_LOAD_ID = '_dlt_load_id';
export const DLT_PARENT_ID = '_dlt_parent_id';
export const DLT_ROOT_ID = '_dlt_root_id';
export const DLT_LIST_IDX = '_dlt_list_idx';

function columns(list: Array<[string, ColumnSchema]>): Record<string, ColumnSchema> {
  return Object.fromEntries(list.map(([name, column]) => [name, { name, ...column }]));
}

/** `_dlt_version`: one row per distinct schema version loaded. */
export function versionTable(): TableSchema & { name: string } {
  return {
    name: VERSION_TABLE_NAME,
    columns: columns([
      ['version', { data_type: 'bigint', nullable: false }],
      ['engine_version', { data_type: 'bigint', nullable: false }],
      ['inserted_at', { data_type: 'timestamp', nullable: false }],
      ['schema_name', { data_type: 'text', nullable: false }],
      ['version_hash', { data_type: 'text', nullable: false }],
      ['schema', { data_type: 'text', nullable: false }],
    ]),
    write_disposition: 'skip',
    resource: VERSION_TABLE_NAME,
    description: 'Created by DLT. Tracks schema updates',
  };
}

/** `_dlt_loads`: one row per completed load package (status 0). */
export function loadsTable(): TableSchema & { name: string } {
  return {
    name: LOADS_TABLE_NAME,
    columns: columns([
      ['load_id', { data_type: 'text', nullable: false, precision: 64 }],
      ['schema_name', { data_type: 'text', nullable: true }],
      ['status', { data_type: 'bigint', nullable: false }],
      ['inserted_at', { data_type: 'timestamp', nullable: false }],
      ['schema_version_hash', { data_type: 'text', nullable: true }],
    ]),
    write_disposition: 'skip',
    resource: LOADS_TABLE_NAME,
    description: 'Created by DLT. Tracks completed loads',
  };
}

/** `_dlt_pipeline_state`: the pipeline state, appended in every package that changes it. */
export function pipelineStateTable(): TableSchema & { name: string } {
  return {
    name: STATE_TABLE_NAME,
    columns: columns([
      ['version', { data_type: 'bigint', nullable: false }],
      ['engine_version', { data_type: 'bigint', nullable: false }],
      ['pipeline_name', { data_type: 'text', nullable: false }],
      ['state', { data_type: 'text', nullable: false }],
      ['created_at', { data_type: 'timestamp', nullable: false }],
      ['version_hash', { data_type: 'text', nullable: true }],
      [DLT_LOAD_ID, { data_type: 'text', nullable: false }],
      [DLT_ID, { data_type: 'text', nullable: false, unique: true, row_key: true }],
    ]),
    write_disposition: 'append',
    file_format: 'preferred',
    resource: STATE_TABLE_NAME,
  };
}
