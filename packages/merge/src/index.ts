export { applyOperations } from './apply.ts';
export {
  type ChainSpec,
  type ChainTable,
  chainSpec,
  dedupRows,
  isDeleted,
  type MergeInput,
  rootKeyColumn,
} from './chain.ts';
export { mergeClientSide, timestampValue } from './client-side.ts';
export { inMemoryLookups, type LoadMode, type PlanLookups, type PlanOperation, planMerge } from './plan.ts';
export { alignToSchema, promoteSchemas, widerType } from './promote.ts';
export { keyOf, type Row, rowsToTable, selectFields, tableToRows, valuesToData } from './rows.ts';
