export type { FaultOptions } from './internal/faults.ts';
export { widenType } from './internal/loads.ts';
export type { HotdataLocalOptions } from './internal/options.ts';
export { rewriteCatalog } from './internal/query.ts';
export { type HotdataLocal, type RequestLogEntry, startHotdataLocal } from './server.ts';
