import { ConfigurationError } from './errors.ts';
import { type AnyResource, isResource } from './resource.ts';
import type { SchemaContract, StoredSchema } from './schema/types.ts';

/** Options of {@link source}. */
export interface SourceOptions {
  /** Nesting depth for all resources of the source (a resource's own setting wins). Default 1000. */
  maxTableNesting?: number;
  /** Propagate `_dlt_root_id` to every nested table regardless of the write disposition. */
  rootKey?: boolean;
  /** Contract for every table of the source (a resource's own contract wins). */
  schemaContract?: SchemaContract;
  /** A stored schema to start from (e.g. an exported, hand-edited one). */
  schema?: StoredSchema;
}

/** An instance of a source: its resources, ready to run (dlt's `DltSource`). */
export interface DltSource {
  readonly kind: 'source';
  /** Source name = schema name = key under `state.sources`. */
  readonly name: string;
  readonly options: Readonly<SourceOptions>;
  /** Every resource, in declaration order. */
  readonly resources: readonly AnyResource[];
  /** The resources that run (selected ones). */
  readonly selectedResources: readonly AnyResource[];
  /** A copy where only the named resources are selected. */
  withResources(...names: string[]): DltSource;
  /** The named resource. Throws a clear error when there is none. */
  resource(name: string): AnyResource;
}

/** A function returning the resources of a source. */
export type SourceFactory<Args extends unknown[]> = (
  ...args: Args
) => AnyResource | Iterable<AnyResource> | Record<string, AnyResource>;

const SOURCE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

function createSource(name: string, options: SourceOptions, resources: readonly AnyResource[]): DltSource {
  const byName = new Map<string, AnyResource>();
  for (const item of resources) {
    if (byName.has(item.name)) {
      throw new ConfigurationError(
        `Source '${name}' has two resources named '${item.name}'; give one of them another name.`,
      );
    }
    byName.set(item.name, item);
  }
  const self: DltSource = {
    kind: 'source',
    name,
    options: Object.freeze({ ...options }),
    resources,
    selectedResources: resources.filter((item) => item.selected),
    withResources(...names: string[]) {
      for (const wanted of names) self.resource(wanted);
      return createSource(
        name,
        options,
        resources.map((item) => item.applyHints({ selected: names.includes(item.name) })),
      );
    },
    resource(resourceName: string) {
      const found = byName.get(resourceName);
      if (!found) {
        throw new ConfigurationError(
          `Source '${name}' has no resource '${resourceName}'. It has: ${[...byName.keys()].join(', ') || '(none)'}.`,
        );
      }
      return found;
    },
  };
  return Object.freeze(self);
}

/**
 * Declares a source: a named group of resources sharing one schema and one state (dlt's `@dlt.source`).
 * Returns a function; call it (with your arguments) to get a runnable {@link DltSource}.
 *
 * @example
 * ```ts
 * const shop = source('shop', (since: string) => [orders, events(since)]);
 * await pipeline({ pipelineName: 'shop', destination }).run(shop('2024-01-01'));
 * ```
 */
export function source<Args extends unknown[] = []>(
  name: string,
  factory: SourceFactory<Args>,
  options: SourceOptions = {},
): (...args: Args) => DltSource {
  if (!SOURCE_NAME.test(name)) {
    throw new ConfigurationError(
      `source('${name}'): a source name is an identifier of letters, digits and '_' (at most 64), not starting with a digit.`,
    );
  }
  return (...args: Args) => {
    const produced = factory(...args);
    const list: unknown[] = isResource(produced)
      ? [produced]
      : Symbol.iterator in Object(produced)
        ? [...(produced as Iterable<unknown>)]
        : Object.values(produced as Record<string, unknown>);
    for (const item of list) {
      if (!isResource(item)) {
        throw new ConfigurationError(
          `Source '${name}' returned something that is not a resource; return resource(...) objects.`,
        );
      }
    }
    return createSource(name, options, list as AnyResource[]);
  };
}

export function isSource(value: unknown): value is DltSource {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'source';
}
