import { dirname, resolve } from 'node:path';
import { ConfigurationError } from '@hotdata-dlt/core';
import { Cron } from 'croner';
import { z } from 'zod';
import type { HotdataDltConfig, PipelineDefinition, SourceFactory } from '../config.ts';
import { parseDuration } from './duration.ts';

/** Sources the CLI knows by name without registration (each lives in its own optional package). */
export const BUILT_IN_SOURCES = ['fred', 'linear'] as const;

/** A pipeline definition after validation. */
export interface ResolvedPipelineDefinition {
  readonly definition: PipelineDefinition;
  readonly name: string;
  /** Maximum age of the last load in milliseconds, when the definition has a freshness bound. */
  readonly freshnessMs: number | undefined;
}

/** A validated definitions file with absolute paths. */
export interface ResolvedConfig {
  /** The config file, or `undefined` for configurations built in code (the demo). */
  readonly path: string | undefined;
  /** Folder of the config file: base of every relative path. */
  readonly dir: string;
  readonly config: HotdataDltConfig;
  readonly pipelines: readonly ResolvedPipelineDefinition[];
  readonly pipelinesDir: string;
  readonly sources: Readonly<Record<string, SourceFactory>>;
}

const isFunction = (value: unknown) => typeof value === 'function';
const isObject = (value: unknown) => typeof value === 'object' && value !== null;

const PipelineSchema = z
  .object({
    name: z
      .string({ message: 'needs a name' })
      .regex(
        /^[A-Za-z_][A-Za-z0-9_.-]{0,99}$/,
        "must use letters, digits, '_', '.' or '-' (at most 100), starting with a letter or '_'",
      ),
    description: z.string().optional(),
    source: z
      .custom<unknown>(
        (value) =>
          (typeof value === 'string' && value.length > 0) ||
          isFunction(value) ||
          (isObject(value) && (value as { kind?: unknown }).kind === 'source'),
        { message: 'must be the name of a registered source, a factory function or a source' },
      )
      .optional(),
    sourceOptions: z.record(z.string(), z.unknown()).optional(),
    resources: z
      .custom<unknown>(
        (value) =>
          isFunction(value) ||
          (Array.isArray(value) &&
            value.every((item) => isObject(item) && (item as { kind?: unknown }).kind === 'resource')),
        { message: 'must be a list of resource(...) objects or a function returning one' },
      )
      .optional(),
    destination: z
      .custom<unknown>((value) => isFunction(value) || isObject(value), {
        message: 'must be hotdata() options, a destination or a function returning one',
      })
      .optional(),
    datasetName: z.string().trim().min(1).optional(),
    schedule: z
      .string()
      .optional()
      .superRefine((value, context) => {
        if (value === undefined) return;
        const problem = cronProblem(value);
        if (problem)
          context.addIssue({ code: 'custom', message: `is not a valid cron expression (${problem})` });
      }),
    timezone: z
      .string()
      .optional()
      .refine((value) => value === undefined || cronProblem('0 * * * *', value) === undefined, {
        message: "is not a time zone; use an IANA name such as 'Europe/Paris'",
      }),
    freshness: z
      .union([z.string(), z.number()])
      .optional()
      .refine((value) => value === undefined || parseDuration(value) !== undefined, {
        message: "must be a positive duration such as '90m', '6h' or '2 days' (or milliseconds)",
      }),
    pipelineOptions: z.record(z.string(), z.unknown()).optional(),
  })
  .strict()
  .refine((value) => (value.source === undefined) !== (value.resources === undefined), {
    message: 'needs exactly one of `source` or `resources`',
  });

const ConfigSchema = z
  .object({
    pipelines: z.array(PipelineSchema, { message: 'must be a list of pipeline definitions' }),
    sources: z
      .record(z.string(), z.custom<SourceFactory>(isFunction, { message: 'must be a factory function' }))
      .optional(),
    destination: z.record(z.string(), z.unknown()).optional(),
    pipelinesDir: z.string().min(1).optional(),
  })
  .strict();

/** Why a cron expression is refused, or `undefined` when croner accepts it. */
export function cronProblem(expression: string, timezone?: string): string | undefined {
  try {
    const job = new Cron(expression, {
      paused: true,
      mode: '5-or-6-parts',
      ...(timezone ? { timezone } : {}),
    });
    job.nextRun();
    job.stop();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

function issuePath(path: ReadonlyArray<PropertyKey>, config: unknown): string {
  let label = '';
  let current: unknown = config;
  for (const key of path) {
    if (typeof key === 'number') {
      const name = (current as unknown[] | undefined)?.[key] as { name?: unknown } | undefined;
      label += typeof name?.name === 'string' ? `[${key}] ('${name.name}')` : `[${key}]`;
    } else {
      label += label ? `.${String(key)}` : String(key);
    }
    current = (current as Record<PropertyKey, unknown> | undefined)?.[key];
  }
  return label || 'the default export';
}

/**
 * Validates a loaded definitions file (or a configuration built in code) and resolves its paths. Every
 * problem is a `ConfigurationError` that names the file, the pipeline and the field.
 */
export function validateConfig(value: unknown, path: string | undefined, baseDir?: string): ResolvedConfig {
  const where = path ?? 'the configuration';
  if (!isObject(value)) {
    throw new ConfigurationError(
      `${where} must export a configuration as its default export: export default defineConfig({ pipelines: [...] }).`,
    );
  }
  const parsed = ConfigSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigurationError(`${where}: ${issuePath(issue.path, value)} ${issue.message}.`, {
      cause: parsed.error,
    });
  }
  const config = value as HotdataDltConfig;
  const sources = config.sources ?? {};
  const seen = new Set<string>();
  const pipelines = config.pipelines.map((definition, index) => {
    if (seen.has(definition.name)) {
      throw new ConfigurationError(
        `${where}: two pipelines are named '${definition.name}'; pipeline names must be unique.`,
      );
    }
    seen.add(definition.name);
    if (
      typeof definition.source === 'string' &&
      !(definition.source in sources) &&
      !(BUILT_IN_SOURCES as readonly string[]).includes(definition.source)
    ) {
      const known = [...Object.keys(sources), ...BUILT_IN_SOURCES].join(', ');
      throw new ConfigurationError(
        `${where}: pipelines[${index}] ('${definition.name}') uses source '${definition.source}', which is not registered. Known sources: ${known}. Register it under \`sources\` in defineConfig().`,
      );
    }
    return {
      definition,
      name: definition.name,
      freshnessMs: definition.freshness === undefined ? undefined : parseDuration(definition.freshness),
    };
  });
  const dir = baseDir ?? (path ? dirname(path) : process.cwd());
  return {
    path,
    dir,
    config,
    pipelines,
    pipelinesDir: resolve(dir, config.pipelinesDir ?? '.pipelines'),
    sources,
  };
}
