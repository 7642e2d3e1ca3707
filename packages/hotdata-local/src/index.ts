export type { FaultOptions } from './internal/faults.ts';
export { widenType } from './internal/loads.ts';
export { rewriteCatalog } from './internal/query.ts';
export {
  type HotdataLocal,
  type HotdataLocalOptions,
  type RequestLogEntry,
  startHotdataLocal,
} from './server.ts';
