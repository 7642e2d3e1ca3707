export { hotdataCapabilities } from './capabilities.ts';
export {
  type HotdataDestinationOptions,
  type MergeExecution,
  type ResolvedDestinationConfiguration,
  resolveConfiguration,
} from './configuration.ts';
export { type HotdataDestination, hotdata } from './hotdata.ts';
export { BATCH_KEY_COLUMN, ROW_KEY_COLUMN } from './internal/idempotency.ts';
