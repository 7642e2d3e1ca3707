import { join } from 'node:path';
import {
  ConfigurationError,
  type Destination,
  isSource,
  type Logger,
  type PipelineEventListener,
  snakeCase,
} from '@hotdata-dlt/core';
import { type HotdataDestinationOptions, hotdata } from '@hotdata-dlt/destination-hotdata';
import { type Pipeline, pipeline } from '@hotdata-dlt/pipeline';
import type { PipelineData, SourceContext, SourceFactory } from '../config.ts';
import type { ResolvedConfig, ResolvedPipelineDefinition } from './validate-config.ts';

/** Runtime hooks of a pipeline built by the CLI. */
export interface PipelineHooks {
  logger: Logger;
  onEvent?: PipelineEventListener;
  signal?: AbortSignal;
}

function isDestination(value: unknown): value is Destination {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Destination).client === 'function' &&
    typeof (value as Destination).capabilities === 'object'
  );
}

/** The destination of a definition: `hotdata()` options merged over the config's, a destination, or a factory's. */
export async function createDestination(
  resolved: ResolvedConfig,
  item: ResolvedPipelineDefinition,
): Promise<Destination> {
  const defaults: HotdataDestinationOptions = resolved.config.destination ?? {};
  const definition = item.definition.destination;
  if (definition === undefined) return hotdata(defaults);
  if (typeof definition === 'function') {
    const created = await definition({ pipelineName: item.name, defaults });
    if (!isDestination(created)) {
      throw new ConfigurationError(
        `The destination factory of pipeline '${item.name}' did not return a destination; return hotdata({...}).`,
      );
    }
    return created;
  }
  if (isDestination(definition)) return definition;
  return hotdata({ ...defaults, ...definition });
}

/** The pipeline object of a definition, working in `<pipelinesDir>/<name>`. */
export async function createPipeline(
  resolved: ResolvedConfig,
  item: ResolvedPipelineDefinition,
  hooks: PipelineHooks,
): Promise<Pipeline> {
  const { definition } = item;
  return pipeline({
    ...(definition.pipelineOptions ?? {}),
    pipelineName: item.name,
    destination: await createDestination(resolved, item),
    ...(definition.datasetName ? { datasetName: definition.datasetName } : {}),
    workingDir: join(resolved.pipelinesDir, item.name),
    logger: hooks.logger,
    ...(hooks.onEvent ? { onEvent: hooks.onEvent } : {}),
    ...(hooks.signal ? { signal: hooks.signal } : {}),
  });
}

async function builtInSource(name: string): Promise<SourceFactory> {
  if (name === 'fred') {
    const { fred } = await import('@hotdata-dlt/source-fred');
    return ({ options }) => fred(options);
  }
  let module: { linear: (options: Record<string, unknown>) => PipelineData };
  try {
    module = (await import('@hotdata-dlt/source-linear')) as unknown as typeof module;
  } catch (error) {
    throw new ConfigurationError(
      'The built-in source `linear` needs the package @hotdata-dlt/source-linear; install it beside the config file.',
      { cause: error },
    );
  }
  return ({ options }) => module.linear(options);
}

/** Builds the data of one run: a fresh source from the factory, registry or resources of the definition. */
export async function createRunData(
  resolved: ResolvedConfig,
  item: ResolvedPipelineDefinition,
  logger: Logger,
): Promise<PipelineData> {
  const { definition } = item;
  const context: SourceContext = { pipelineName: item.name, options: definition.sourceOptions ?? {}, logger };
  if (definition.resources !== undefined) {
    return typeof definition.resources === 'function' ? definition.resources() : definition.resources;
  }
  const source = definition.source;
  if (typeof source === 'string') {
    const factory = resolved.sources[source] ?? (await builtInSource(source));
    return factory(context);
  }
  if (typeof source === 'function') return source(context);
  return source!;
}

/**
 * Schema names whose `_dlt_loads` rows belong to a pipeline: those of its local state, else the name of
 * its source (the factory is called, nothing is extracted), else — for bare resources — the name the
 * pipeline gives the schema.
 */
export async function schemaNamesOf(
  resolved: ResolvedConfig,
  item: ResolvedPipelineDefinition,
  p: Pipeline,
  logger: Logger,
): Promise<string[]> {
  await p.open();
  const fromState = p.state.schema_names ?? [];
  if (fromState.length > 0) return [...fromState];
  if (item.definition.resources === undefined) {
    const data = await createRunData(resolved, item, logger);
    if (isSource(data)) return [data.name];
  }
  return [snakeCase.normalizeIdentifier(item.name.replace(/_pipeline$/, ''))];
}
