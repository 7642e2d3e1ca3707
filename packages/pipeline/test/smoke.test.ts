import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resource } from '@hotdata-dlt/core';
import { createReferenceDestination } from '@hotdata-dlt/testing';
import { expect, it } from 'vitest';
import { pipeline } from '../src/index.ts';

it('smoke', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pipe-'));
  try {
    const destination = createReferenceDestination();
    const p = pipeline({ pipelineName: 'shop', destination, workingDir: dir });
    const orders = resource(
      async function* () {
        yield [{ id: 1, customer: 'Alice', created: '2024-01-01T10:00:00Z', items: [{ sku: 'a', qty: 2 }, { sku: 'b', qty: 1 }], meta: { src: 'web', tags: { x: 1 } } }];
        yield { id: 2, customer: 'Bob', items: [] };
      },
      { name: 'orders', writeDisposition: 'merge', primaryKey: 'id' },
    );
    const info = await p.run(orders);
    console.log(JSON.stringify(info.packages[0]?.tables));
    const tables = await destination.tables('shop_dataset');
    console.log([...tables.keys()]);
    console.log(await destination.rows('shop_dataset', 'orders'));
    console.log(await destination.rows('shop_dataset', 'orders__items'));
    console.log(Object.keys(p.defaultSchema!.tables.orders!.columns));
    expect(tables.get('orders')?.numRows).toBe(2);
    const again = await p.run(resource([{ id: 1, customer: 'Alicia', items: [{ sku: 'z', qty: 9 }] }], { name: 'orders', writeDisposition: 'merge', primaryKey: 'id' }));
    console.log(await destination.rows('shop_dataset', 'orders'));
    console.log(await destination.rows('shop_dataset', 'orders__items'));
    console.log(await destination.rows('shop_dataset', '_dlt_loads'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
