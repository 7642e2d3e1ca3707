import { resolve } from 'node:path';
import { EXIT_CODES, UsageError } from '../errors.ts';
import type { CliContext } from '../internal/context.ts';

export interface LocalOptions {
  port?: string;
  host?: string;
  dataDir?: string;
  token?: string;
}

/**
 * `hotdata-dlt local`: starts hotdata-local in the foreground (data in `.hotdata-local/` beside the config,
 * or `--data-dir`) and prints the `HOTDATA_*` variables that point other commands at it. Stops on
 * SIGINT (exit 130) or SIGTERM (exit 0).
 */
export async function localCommand(context: CliContext, options: LocalOptions): Promise<number> {
  const port = options.port === undefined ? 8787 : Number(options.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new UsageError(`--port must be a port number (0-65535); got '${options.port}'.`);
  }
  const dataDir = options.dataDir ? resolve(context.io.cwd, options.dataDir) : context.localDataDir();
  const { startHotdataLocal } = await import('@hotdata-dlt/hotdata-local');
  const stopped = new Promise<void>((resolveStop) => {
    context.interrupts.setGracefulHandler(() => resolveStop());
    context.interrupts.signal.addEventListener('abort', () => resolveStop(), { once: true });
  });
  const local = await startHotdataLocal({
    port,
    host: options.host ?? '127.0.0.1',
    dataDir,
    ...(options.token ? { token: options.token } : {}),
    logger: context.logger,
  });
  try {
    if (context.options.json) {
      context.out(
        `${JSON.stringify({ type: 'local-ready', url: local.url, token: local.token, workspaceId: local.workspaceId, dataDir: local.dataDir })}\n`,
      );
    } else {
      context.out(
        [
          `hotdata-local listening on ${local.url} (data in ${local.dataDir})`,
          'Point other commands at it with:',
          `  export HOTDATA_API_URL=${local.url}`,
          `  export HOTDATA_API_KEY=${local.token}`,
          `  export HOTDATA_WORKSPACE=${local.workspaceId}`,
          'Ctrl-C stops it.',
          '',
        ].join('\n'),
      );
    }
    await stopped;
  } finally {
    await local.close();
  }
  return context.interrupts.received === 'SIGTERM' ? EXIT_CODES.ok : EXIT_CODES.interrupted;
}
