import { type HotdataLocal, type HotdataLocalOptions, startHotdataLocal } from '@hotdata-dlt/hotdata-local';
import { afterAll, beforeAll } from 'vitest';

/** Starts hotdata-local on 127.0.0.1 with a free port and a temporary data dir (removed on close). */
export function startLocalForTest(options: HotdataLocalOptions = {}): Promise<HotdataLocal> {
  return startHotdataLocal({ port: 0, host: '127.0.0.1', ...options });
}

/**
 * One hotdata-local per test file: started before the file's tests, closed after them. Returns a getter
 * (the server exists only once `beforeAll` ran).
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
