// Barrel of the private test helpers. Several people add to it: re-read it before editing, and only
// add your own export lines.
export { sharedFixture, sharedFixturesDir, sharedFixturesSkipReason, workspaceRootDir } from './fixtures.ts';
export { startLocalForTest, useHotdataLocal } from './hotdata-local.ts';
export {
  type RecordedRequest,
  type ReplayHandler,
  type ReplayResponse,
  type ReplayServer,
  type ScriptedFault,
  startReplayServer,
} from './replay/server.ts';
