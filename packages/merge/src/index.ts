export { applyOperations } from './apply.ts';
export {
  type ChainSpec,
  type ChainTable,
  chainSpec,
  dedupRows,
  isDeleted,
  type MergeInput,
  parentKeyColumn,
  rootKeyColumn,
  rowKeyColumn,
} from './chain.ts';
export { mergeClientSide } from './client-side.ts';
export { MergeError, type MergeErrorCode } from './errors.ts';
export { inMemoryLookups } from './in-memory-lookups.ts';
export { type LoadMode, type PlanLookups, type PlanOperation, planMerge } from './plan.ts';
export { alignToSchema, plainType, promoteSchemas, widerType } from './promote.ts';
export { keyOf, type Row, rowsToTable, selectFields, tableToRows, valuesToData } from './rows.ts';
export { timestampValue } from './timestamps.ts';
