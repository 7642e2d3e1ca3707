import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigurationError, HotdataDltError } from '@hotdata-dlt/core';
import { type ResolvedConfig, validateConfig } from './validate-config.ts';

/** File names looked for, in this order, in the working directory and its parents. */
export const CONFIG_FILE_NAMES = [
  'hotdata-dlt.config.ts',
  'hotdata-dlt.config.mts',
  'hotdata-dlt.config.js',
  'hotdata-dlt.config.mjs',
] as const;

/** Node's answers when it cannot run a TypeScript file itself: jiti takes over. */
const NEEDS_TRANSPILER = new Set([
  'ERR_UNKNOWN_FILE_EXTENSION',
  'ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX',
  'ERR_UNSUPPORTED_NODE_MODULES_TYPE_STRIPPING',
  'ERR_NO_TYPESCRIPT',
  'ERR_INVALID_TYPESCRIPT_SYNTAX',
]);

/** Packages the config shares with the CLI: loaded natively by jiti so both see one copy. */
const SHARED_PACKAGES = [
  '@hotdata-dlt/core',
  '@hotdata-dlt/pipeline',
  '@hotdata-dlt/destination-hotdata',
  '@hotdata-dlt/runner',
  '@hotdata-dlt/source-fred',
  '@hotdata-dlt/source-linear',
  'apache-arrow',
  'zod',
];

/**
 * The definitions file: `explicit` (relative to `cwd`) when given, else the first
 * `hotdata-dlt.config.{ts,mts,js,mjs}` in `cwd` or one of its parents. `undefined` when there is none.
 */
export function findConfigFile(cwd: string, explicit?: string): string | undefined {
  if (explicit !== undefined) {
    const path = resolve(cwd, explicit);
    if (!existsSync(path) || !statSync(path).isFile()) {
      throw new ConfigurationError(`The config file ${path} does not exist; check --config.`);
    }
    return path;
  }
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    for (const name of CONFIG_FILE_NAMES) {
      const path = join(dir, name);
      if (existsSync(path)) return path;
    }
    if (dirname(dir) === dir) return undefined;
  }
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

async function importConfigModule(path: string): Promise<unknown> {
  try {
    return await import(pathToFileURL(path).href);
  } catch (error) {
    if (!NEEDS_TRANSPILER.has(errorCode(error) ?? '')) throw error;
  }
  // Node without type stripping (< 22.18) or TypeScript beyond erasable syntax (enums, namespaces).
  const { createJiti } = await import('jiti');
  const jiti = createJiti(pathToFileURL(path).href, { nativeModules: SHARED_PACKAGES, moduleCache: false });
  return jiti.import(path);
}

/**
 * Loads and validates a definitions file. TypeScript runs through Node's type stripping when it can
 * (Node >= 22.18, erasable syntax) and through jiti otherwise, so published installs need no build.
 * Imports in the file resolve from its own folder: install the runner and your sources there.
 */
export async function loadConfigFile(path: string): Promise<ResolvedConfig> {
  let loaded: unknown;
  try {
    loaded = await importConfigModule(path);
  } catch (error) {
    if (HotdataDltError.isInstance(error)) throw error;
    throw new ConfigurationError(`Loading ${path} failed: ${(error as Error)?.message ?? String(error)}`, {
      cause: error,
    });
  }
  const module = loaded as { default?: unknown };
  return validateConfig(module.default ?? undefined, path);
}
