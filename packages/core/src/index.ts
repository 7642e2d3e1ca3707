export { type ArrowTableLike, isArrowTable } from './arrow-like.ts';
export { resourceState, runInResourceScope, sourceState } from './context.ts';
export type {
  Destination,
  DestinationCapabilities,
  DestinationClient,
  DestinationClientOptions,
  StorageSchemaUpdate,
  StoredSchemaInfo,
  StoredStateInfo,
  TableChainJob,
  TableChainResult,
  TableJob,
} from './destination.ts';
export { envBoolean, envNumber, envString } from './env.ts';
export {
  ConfigurationError,
  DataValidationError,
  DestinationError,
  DestinationUndefinedEntityError,
  HotdataDltError,
  type HotdataDltErrorOptions,
  LoadJobFailedError,
  type PipelineStep,
  PipelineStepError,
  type SchemaContractEntity,
  SchemaError,
} from './errors.ts';
export type { PipelineEvent, PipelineEventListener, PipelineEventType, TableMetrics } from './events.ts';
export {
  compactJson,
  digest128,
  formatUtcDatetime,
  nestedRowId,
  randomRowId,
  rowHash,
  rowKeyHash,
  sha3Base64,
  uniqueRowHash,
} from './hashing.ts';
export type {
  ColumnHints,
  NestedHints,
  Scd2Options,
  TableHints,
  TableNameFunction,
  WriteDispositionConfig,
} from './hints.ts';
export {
  type Incremental,
  type IncrementalBinding,
  type IncrementalOptions,
  type IncrementalState,
  incremental,
  isIncremental,
  type LastValueFunc,
} from './incremental.ts';
export {
  compareCursorValues,
  createIncrementalHandle,
  type IncrementalHandleOptions,
} from './incremental-runtime.ts';
export {
  type LogFields,
  type Logger,
  noopLogger,
  redactHeaders,
  redactSecrets,
  SECRET_HEADER_NAMES,
} from './logger.ts';
export {
  createSnakeCase,
  identifierTag,
  type NamingConvention,
  pythonStrip,
  type SnakeCaseOptions,
  snakeCase,
} from './naming/snake-case.ts';
export {
  type AnyResource,
  type IncrementalHandle,
  isResource,
  Resource,
  type ResourceBatch,
  type ResourceContext,
  type ResourceData,
  type ResourceFunction,
  type ResourceOptions,
  type ResourceRunContext,
  type ResourceYield,
  resource,
  type TransformerRun,
  transformer,
} from './resource.ts';
export {
  columnSchemaFromHints,
  resolveTableName,
  type TableTemplate,
  type TableTemplateOptions,
  tableTemplateFromHints,
} from './schema/hints-to-table.ts';
export {
  type ColumnFlagHint,
  type CreateSchemaOptions,
  computeStoredSchemaHash,
  type InheritedTableHint,
  type ResolvedSchemaContract,
  SCHEMA_ENGINE_VERSION,
  Schema,
} from './schema/schema.ts';
export {
  DLT_ID,
  DLT_LIST_IDX,
  DLT_LOAD_ID,
  DLT_PARENT_ID,
  DLT_ROOT_ID,
  LOADS_TABLE_NAME,
  loadsTable,
  pipelineStateTable,
  STATE_TABLE_NAME,
  VERSION_TABLE_NAME,
  versionTable,
} from './schema/system-tables.ts';
export {
  type ColumnSchema,
  type CompleteColumnSchema,
  DATA_TYPES,
  type DataType,
  type LoaderFileFormat,
  MERGE_STRATEGIES,
  type MergeStrategy,
  type NormalizersConfig,
  type PreparedTable,
  REPLACE_STRATEGIES,
  type ReplaceStrategy,
  type SchemaContract,
  type SchemaContractMode,
  type SchemaSettings,
  type SchemaUpdate,
  type StoredSchema,
  type TableSchema,
  WRITE_DISPOSITIONS,
  type WriteDisposition,
} from './schema/types.ts';
export {
  ColumnSchemaSchema,
  parseStoredSchema,
  StoredSchemaSchema,
  TableSchemaSchema,
} from './schema/zod.ts';
export { type DltSource, isSource, type SourceFactory, type SourceOptions, source } from './source.ts';
export {
  bumpStateVersion,
  decodeStoredState,
  encodeStoredState,
  type PipelineStateDocument,
  type ResourceStateDocument,
  type SourceStateDocument,
  STATE_ENGINE_VERSION,
  stateVersionHash,
} from './state-codec.ts';
export { decodeTypedJson, encodeTypedJson, pythonIsoformat } from './typed-json.ts';
