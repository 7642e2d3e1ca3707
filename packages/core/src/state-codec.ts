import { deflateSync, inflateSync } from 'node:zlib';
import { sha3Base64 } from './hashing.ts';
import type { IncrementalState } from './incremental.ts';
import { decodeTypedJson, encodeTypedJson } from './typed-json.ts';

/** Engine version of the pipeline state document (dlt's `STATE_ENGINE_VERSION`). */
export const STATE_ENGINE_VERSION = 4;

/** State of one resource: arbitrary keys plus the incremental cursors. */
export interface ResourceStateDocument {
  incremental?: Record<string, IncrementalState>;
  [key: string]: unknown;
}

/** State of one source (= schema). */
export interface SourceStateDocument {
  resources?: Record<string, ResourceStateDocument>;
  [key: string]: unknown;
}

/** The pipeline state document in dlt's shape (SEMANTICS §6.4). */
export interface PipelineStateDocument {
  _state_version: number;
  _state_engine_version: number;
  _version_hash?: string;
  pipeline_name: string;
  dataset_name?: string;
  default_schema_name?: string | null;
  schema_names?: string[];
  destination_type?: string | null;
  destination_name?: string | null;
  staging_type?: string | null;
  staging_name?: string | null;
  sources?: Record<string, SourceStateDocument>;
  /** Machine-local part: never sent to the destination, not hashed. */
  _local?: Record<string, unknown>;
  [key: string]: unknown;
}

const UNHASHED_KEYS = new Set(['_local', '_state_version', '_state_engine_version', '_version_hash']);

/** dlt's state content hash: base64 SHA3-256 of sorted typed JSON without local and version keys. */
export function stateVersionHash(state: PipelineStateDocument): string {
  const content: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(state)) if (!UNHASHED_KEYS.has(key)) content[key] = value;
  return sha3Base64(encodeTypedJson(content, { sortKeys: true }));
}

/**
 * Sets `_version_hash` and bumps `_state_version` when the content changed (the first hash is set
 * without a bump, as dlt does). Mutates and returns whether the content changed.
 */
export function bumpStateVersion(state: PipelineStateDocument): boolean {
  const hash = stateVersionHash(state);
  const previous = state._version_hash;
  const changed = previous !== hash;
  if (previous && changed) state._state_version += 1;
  state._version_hash = hash;
  return changed;
}

/** The state as stored in `_dlt_pipeline_state.state`: base64(zlib level 9(typed JSON without `_local`)). */
export function encodeStoredState(state: PipelineStateDocument): string {
  const { _local: _ignored, ...shared } = state;
  return deflateSync(Buffer.from(encodeTypedJson(shared), 'utf8'), { level: 9 }).toString('base64');
}

/** Reads a stored state: compressed (base64 zlib) or plain typed JSON. */
export function decodeStoredState(stored: string): PipelineStateDocument {
  const trimmed = stored.trim();
  if (trimmed.startsWith('{')) return decodeTypedJson<PipelineStateDocument>(trimmed);
  return decodeTypedJson<PipelineStateDocument>(inflateSync(Buffer.from(trimmed, 'base64')).toString('utf8'));
}
