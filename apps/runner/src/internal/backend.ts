import { relative } from 'node:path';
import { ConfigurationError, type Logger } from '@hotdata-dlt/core';

/** Where the CLI's pipelines load: the Hotdata service named by the environment, or an embedded hotdata-local. */
export interface Backend {
  readonly kind: 'hotdata' | 'embedded';
  /** API URL of the embedded server (`undefined` for the service: `hotdata()` reads `HOTDATA_API_URL`). */
  readonly apiUrl: string | undefined;
  /** Secret values to keep out of every line the CLI writes. */
  readonly secrets: readonly string[];
  close(): Promise<void>;
}

export interface BackendOptions {
  /** Data folder of the embedded hotdata-local. */
  dataDir: string;
  /** Base for showing `dataDir` as a relative path. */
  cwd: string;
  env: NodeJS.ProcessEnv;
  logger: Logger;
  /** Receives the one-line notice that the embedded server is used. */
  notice: (line: string) => void;
  /** Use the embedded server even when credentials are set (the demo). */
  forceEmbedded?: boolean;
}

const ENV_KEYS = ['HOTDATA_API_URL', 'HOTDATA_API_KEY', 'HOTDATA_WORKSPACE'] as const;

/** True when both `HOTDATA_API_KEY` and `HOTDATA_WORKSPACE` are set; a lone one is a configuration error. */
export function hasHotdataCredentials(env: NodeJS.ProcessEnv): boolean {
  const key = Boolean(env.HOTDATA_API_KEY?.trim());
  const workspace = Boolean(env.HOTDATA_WORKSPACE?.trim());
  if (key !== workspace) {
    const [set, missing] = key
      ? ['HOTDATA_API_KEY', 'HOTDATA_WORKSPACE']
      : ['HOTDATA_WORKSPACE', 'HOTDATA_API_KEY'];
    throw new ConfigurationError(
      `${set} is set but ${missing} is not: set both to load into Hotdata, or neither to use the embedded hotdata-local.`,
    );
  }
  return key;
}

function isLockError(error: unknown): boolean {
  return /lock|already open|in use/i.test((error as Error)?.message ?? '');
}

/**
 * Chooses the backend. With `HOTDATA_API_KEY` and `HOTDATA_WORKSPACE` the pipelines load into that
 * service (`HOTDATA_API_URL` may point elsewhere, e.g. at a running `hotdata-dlt local`). Without them an
 * embedded hotdata-local starts in this process on a free loopback port, its URL and token are exported
 * as `HOTDATA_API_URL` / `HOTDATA_API_KEY` / `HOTDATA_WORKSPACE` for every `hotdata()` of the config, and
 * `notice` gets one line saying so. `close()` stops the server and restores the environment.
 */
export async function openBackend(options: BackendOptions): Promise<Backend> {
  const { env } = options;
  if (!options.forceEmbedded && hasHotdataCredentials(env)) {
    return { kind: 'hotdata', apiUrl: undefined, secrets: [env.HOTDATA_API_KEY!.trim()], async close() {} };
  }
  const { startHotdataLocal } = await import('@hotdata-dlt/hotdata-local');
  let local: Awaited<ReturnType<typeof startHotdataLocal>>;
  try {
    local = await startHotdataLocal({
      port: 0,
      host: '127.0.0.1',
      dataDir: options.dataDir,
      logger: options.logger,
    });
  } catch (error) {
    if (isLockError(error)) {
      throw new ConfigurationError(
        `The embedded hotdata-local data in ${options.dataDir} is in use by another process (a running \`hotdata-dlt schedule\` or \`hotdata-dlt local\`?). Start \`hotdata-dlt local\`, export the HOTDATA_* lines it prints, and run this command again.`,
        { cause: error },
      );
    }
    throw error;
  }
  const previous = Object.fromEntries(ENV_KEYS.map((key) => [key, env[key]]));
  env.HOTDATA_API_URL = local.url;
  env.HOTDATA_API_KEY = local.token;
  env.HOTDATA_WORKSPACE = local.workspaceId;
  const shown = relative(options.cwd, local.dataDir) || '.';
  const where = shown.startsWith('..') ? local.dataDir : `${shown}/`;
  options.notice(
    options.forceEmbedded
      ? `Using an embedded hotdata-local, data in ${where}.`
      : `No Hotdata credentials (HOTDATA_API_KEY, HOTDATA_WORKSPACE): using an embedded hotdata-local, data in ${where}.`,
  );
  return {
    kind: 'embedded',
    apiUrl: local.url,
    secrets: [local.token],
    async close() {
      for (const key of ENV_KEYS) {
        if (previous[key] === undefined) delete env[key];
        else env[key] = previous[key];
      }
      await local.close();
    },
  };
}
