export { arrowToRows, Dataset, Relation } from './dataset.ts';
export type { PackageLoadInfo } from './internal/load.ts';
export type { PipelineOptions } from './options.ts';
export {
  type ExtractInfo,
  type LoadInfo,
  type NormalizeInfo,
  Pipeline,
  pipeline,
  type RunOptions,
} from './pipeline.ts';
