// Barrel of the private test helpers. Several people add to it: re-read it before editing, and only
// add your own export lines.

export {
  type ConformanceOptions,
  type ConformancePipeline,
  type ConformancePipelineFactory,
  type DestinationConformanceOptions,
  describeDestinationConformance,
} from './conformance/index.ts';
export {
  FRED_RECORDED_FILES,
  sharedFixture,
  sharedFixturesDir,
  sharedFixturesSkipReason,
  workspaceRootDir,
} from './fixtures.ts';
export { startLocalForTest, useHotdataLocal } from './hotdata-local.ts';
export {
  createReferenceDestination,
  REFERENCE_CAPABILITIES,
  type ReferenceDestination,
  type ReferenceDestinationOptions,
  type ReferenceFailures,
} from './reference-destination/index.ts';
export {
  FRED_ERROR_MESSAGES,
  FRED_REPLAY_API_KEY,
  type FredReplayOptions,
  type FredReplaySeries,
  type FredReplayServer,
  fredErrorResponse,
  parseFredgraphCsvForReplay,
  startFredReplayServer,
} from './replay/fred.ts';
export {
  LINEAR_REPLAY_ACCESS_TOKEN,
  LINEAR_REPLAY_API_KEY,
  LINEAR_REPLAY_ROOTS,
  type LinearFaultMatch,
  type LinearReplayCall,
  type LinearReplayFault,
  type LinearReplayNode,
  type LinearReplayOptions,
  type LinearReplayRoot,
  type LinearReplayServer,
  linearErrorBody,
  parseLinearRecording,
  startLinearReplayServer,
} from './replay/linear.ts';
export {
  type RecordedRequest,
  type ReplayHandler,
  type ReplayResponse,
  type ReplayServer,
  type ScriptedFault,
  startReplayServer,
} from './replay/server.ts';
