import { AsyncLocalStorage } from 'node:async_hooks';
import { ConfigurationError } from './errors.ts';

interface ExtractScope {
  resourceName: string;
  resourceState: Record<string, unknown>;
  sourceState: Record<string, unknown>;
}

const scope = new AsyncLocalStorage<ExtractScope>();

/** Engine SPI: runs `fn` so that {@link resourceState} and {@link sourceState} see the given state. */
export function runInResourceScope<R>(current: ExtractScope, fn: () => R): R {
  return scope.run(current, fn);
}

/**
 * The state of the resource being extracted: a plain object kept in the pipeline state under
 * `sources.<source>.resources.<resource>` and restored on the next run. Write only JSON-compatible
 * values (plus Date, bigint and Uint8Array, which round-trip).
 *
 * @example
 * ```ts
 * const pages = resource(async function* () {
 *   const state = resourceState<{ cursor?: string }>();
 *   for await (const page of fetchPages(state.cursor)) { state.cursor = page.next; yield page.rows; }
 * }, { name: 'pages' });
 * ```
 */
export function resourceState<T extends Record<string, unknown> = Record<string, unknown>>(): T {
  const current = scope.getStore();
  if (!current) {
    throw new ConfigurationError('resourceState() can only be called while a pipeline extracts a resource.');
  }
  return current.resourceState as T;
}

/** The state of the source being extracted (`state.sources.<source>`), shared by its resources. */
export function sourceState<T extends Record<string, unknown> = Record<string, unknown>>(): T {
  const current = scope.getStore();
  if (!current) {
    throw new ConfigurationError('sourceState() can only be called while a pipeline extracts a source.');
  }
  return current.sourceState as T;
}
