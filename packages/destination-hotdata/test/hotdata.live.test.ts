// Live test against the real Hotdata service: runs when HOTDATA_API_KEY and HOTDATA_WORKSPACE are set
// (HOTDATA_API_URL optional), skips with a printed reason otherwise. It creates its own database,
// hotdata_dlt_live_<pid>_<n>, loads and merges into it through pipeline().run and hotdata(), reads the
// rows back through the query endpoint, and deletes the database at the end.
import { resource } from '@hotdata-dlt/core';
import { createHotdataClient } from '@hotdata-dlt/hotdata-api';
import { pipeline } from '@hotdata-dlt/pipeline';
import { afterAll, describe, expect, it } from 'vitest';
import { hotdata } from '../src/index.ts';
import { uniqueName, useTempDirs } from './helpers.ts';

const missing = ['HOTDATA_API_KEY', 'HOTDATA_WORKSPACE'].filter((name) => !process.env[name]?.trim());
const reason = missing.length
  ? `${missing.join(' and ')} ${missing.length === 1 ? 'is' : 'are'} not set (a Hotdata token and workspace id)`
  : undefined;
if (reason) console.log(`hotdata.live.test.ts skipped: ${reason}`);

describe.skipIf(reason)(`live Hotdata${reason ? ` (skipped: ${reason})` : ''}`, () => {
  const temp = useTempDirs();
  const databaseName = uniqueName('hotdata_dlt_live');

  afterAll(async () => {
    const client = createHotdataClient();
    for await (const database of client.databases.list({ search: databaseName })) {
      if (database.name === databaseName) await client.databases.delete(database.id);
    }
  });

  it('creates the database, merges twice with a nested list, and reads the rows back', async () => {
    const tickets = (rows: unknown[]) =>
      resource(rows, { name: 'tickets', primaryKey: 'id', writeDisposition: 'merge' });
    const p = pipeline({
      pipelineName: 'live',
      destination: hotdata({ databaseName }),
      workingDir: await temp('live'),
    });
    await p.run(
      tickets([
        { id: 1, subject: 'Cannot log in', tags: ['auth'] },
        { id: 2, subject: 'Slow export', tags: ['export', 'performance'] },
      ]),
    );
    await p.run(tickets([{ id: 2, subject: 'Slow CSV export', tags: ['export'] }]));

    expect(await p.dataset().sql('select id, subject from tickets order by id').toRows()).toEqual([
      { id: 1, subject: 'Cannot log in' },
      { id: 2, subject: 'Slow CSV export' },
    ]);
    const tags = await p
      .dataset()
      .sql(
        'select t.id, g.value from tickets t join tickets__tags g on g._dlt_parent_id = t._dlt_id order by 1, g._dlt_list_idx',
      )
      .toRows();
    expect(tags).toEqual([
      { id: 1, value: 'auth' },
      { id: 2, value: 'export' },
    ]);
    const loads = await p.dataset().sql('select status from _dlt_loads').toRows();
    expect(loads).toEqual([{ status: 0 }, { status: 0 }]);
  });
});
