export {
  type DefinitionPipelineOptions,
  type DestinationContext,
  type DestinationDefinition,
  defineConfig,
  type HotdataDltConfig,
  type PipelineData,
  type PipelineDefinition,
  type SourceContext,
  type SourceFactory,
} from './config.ts';
export { type BasicDemoOptions, basicDemo, shopSource } from './demos/basic.ts';
export {
  HELPDESK_LAST_DAY,
  helpdeskSource,
  type IncrementalDemoOptions,
  incrementalDemo,
} from './demos/incremental.ts';
export { type FredDemoOptions, fredDemo, type LinearDemoOptions, linearDemo } from './demos/sources.ts';
export { EXIT_CODES, UsageError } from './errors.ts';
export { type MainOptions, main } from './main.ts';
