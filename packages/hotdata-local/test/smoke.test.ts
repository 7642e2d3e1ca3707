import { createHotdataClient } from '@hotdata-dlt/hotdata-api';
import { describe, expect, it } from 'vitest';
import { startHotdataLocal } from '../src/index.ts';

describe('smoke', () => {
  it('creates, loads, queries', async () => {
    const local = await startHotdataLocal();
    try {
      const client = createHotdataClient({
        apiUrl: local.url,
        apiKey: local.token,
        workspaceId: local.workspaceId,
      });
      const db = await client.databases.create({ name: 'smoke' });
      const r = await client.loads.load(
        { databaseId: db.id, schema: 'public', table: 'orders' },
        { mode: 'append', data: 'id,name\n1,a\n2,b\n' },
      );
      expect(r.row_count).toBe(2);
      const u = await client.loads.load(
        { databaseId: db.id, schema: 'public', table: 'orders' },
        { mode: 'upsert', key: ['id'], data: 'id,name\n2,B\n3,c\n' },
      );
      expect(u.row_count).toBe(3);
      const rows = await client.queryRows('select * from "default".public.orders order by id', {
        databaseId: db.id,
      });
      expect(rows.rows).toEqual([
        [1, 'a'],
        [2, 'B'],
        [3, 'c'],
      ]);
      const arrow = await client.queryArrow('select * from public.orders', { databaseId: db.id });
      expect(arrow.numRows).toBe(3);
      const pq = await client.queryParquet('select * from public.orders', { databaseId: db.id });
      expect(pq.subarray(0, 4).toString()).toBe('PAR1');
      const up = await client.uploads.upload(pq);
      const r2 = await client.loads.load(
        { databaseId: db.id, schema: 'public', table: 'copy' },
        { mode: 'replace', upload_id: up.uploadId },
      );
      expect(r2.row_count).toBe(3);
    } finally {
      await local.close();
    }
  });
});
