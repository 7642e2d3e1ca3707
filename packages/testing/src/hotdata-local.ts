import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type HotdataLocal, type HotdataLocalOptions, startHotdataLocal } from '@hotdata-dlt/hotdata-local';
import { afterAll, beforeAll } from 'vitest';

/**
 * Starts hotdata-local for a test: on 127.0.0.1 with a free port and, unless `dataDir` is given, a fresh
 * temporary data dir that `close()` removes. Test-relevant settings are pinned so a developer's
 * `HOTDATA_LOCAL_*` environment variables cannot change what a test sees.
 */
export async function startLocalForTest(options: HotdataLocalOptions = {}): Promise<HotdataLocal> {
  const ownDir =
    options.dataDir === undefined ? await mkdtemp(join(tmpdir(), 'hotdata-local-test-')) : undefined;
  let local: HotdataLocal;
  try {
    local = await startHotdataLocal({
      port: 0,
      host: '127.0.0.1',
      legacyDeclaredTables: false,
      previewRowLimit: 10_000,
      ...options,
      ...(ownDir ? { dataDir: ownDir } : {}),
    });
  } catch (error) {
    if (ownDir) await rm(ownDir, { recursive: true, force: true });
    throw error;
  }
  if (!ownDir) return local;
  const close = local.close.bind(local);
  return Object.assign(local, {
    temporary: true,
    async close() {
      try {
        await close();
      } finally {
        await rm(ownDir, { recursive: true, force: true });
      }
    },
  });
}

/**
 * One hotdata-local per test file: started before the file's tests, closed (and its temporary data dir
 * removed) after them. Returns a getter, since the server exists only once `beforeAll` ran.
 *
 * ```ts
 * const local = useHotdataLocal();
 * it('loads', async () => { const client = createHotdataClient({ apiUrl: local().url, ... }) });
 * ```
 */
export function useHotdataLocal(options: HotdataLocalOptions = {}): () => HotdataLocal {
  let server: HotdataLocal | undefined;
  beforeAll(async () => {
    server = await startLocalForTest(options);
  });
  afterAll(async () => {
    await server?.close();
    server = undefined;
  });
  return () => {
    if (!server)
      throw new Error('hotdata-local is not running: call useHotdataLocal() at the top of the test file.');
    return server;
  };
}
