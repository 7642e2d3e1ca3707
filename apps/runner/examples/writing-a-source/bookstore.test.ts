import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hotdata } from '@hotdata-dlt/destination-hotdata';
import { startHotdataLocal } from '@hotdata-dlt/hotdata-local';
import { pipeline } from '@hotdata-dlt/pipeline';
import { expect, it } from 'vitest';
import { bookstore } from './bookstore.ts';
import { startBookstoreApi } from './bookstore-api.ts';

it('loads every page, then only the books that changed', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'bookstore-test-'));
  const api = await startBookstoreApi({ apiKey: 'test-key' });
  const local = await startHotdataLocal({ port: 0, host: '127.0.0.1', dataDir: join(dir, 'hotdata') });
  try {
    const books = pipeline({
      pipelineName: 'bookstore',
      workingDir: join(dir, 'pipeline'),
      destination: hotdata({
        apiUrl: local.url,
        apiKey: local.token,
        workspaceId: local.workspaceId,
        databaseName: 'bookstore',
      }),
    });
    const source = () => bookstore({ baseUrl: api.url, apiKey: 'test-key', pageSize: 3 });
    const count = async (table: string) =>
      (await books.dataset().sql(`select count(*) as n from ${table}`).toRows())[0]?.n;

    await books.run(source());
    const firstRun = api.requests.filter((url) => url.pathname === '/v1/books');
    expect(firstRun.map((url) => url.searchParams.get('page'))).toEqual([null, '2', '3']);
    expect(await count('books')).toBe(8);
    expect(await count('books__authors')).toBe(10);

    api.nextDay();
    api.requests.length = 0;
    await books.run(source());
    const secondRun = api.requests.find((url) => url.pathname === '/v1/books');
    expect(secondRun?.searchParams.get('updated_since')).toBe('2024-05-01T08:00:00Z');
    expect(await count('books')).toBe(9);
    const [solaris] = await books.dataset().sql('select price from books where id = 3').toRows();
    expect(String(solaris?.price)).toBe('12.00');
  } finally {
    await api.close();
    await local.close();
    await rm(dir, { recursive: true, force: true });
  }
});
