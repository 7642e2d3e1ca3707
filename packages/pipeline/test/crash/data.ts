// The deterministic source the crash tests load: append, upsert with a nested list, and scd2 tables,
// yielded in pages so each step takes long enough to be interrupted.
import { setImmediate } from 'node:timers/promises';
import { resource, source } from '@hotdata-dlt/core';

const pages = <T>(count: number, size: number, make: (index: number) => T) =>
  async function* () {
    for (let page = 0; page < count; page++) {
      yield Array.from({ length: size }, (_, offset) => make(page * size + offset));
      await setImmediate();
    }
  };

export const crashSource = source('crash', () => [
  resource(
    pages(12, 500, (id) => ({ id, payload: `event-${id}`, at: new Date(Date.UTC(2024, 0, 1) + id * 1000) })),
    {
      name: 'events',
    },
  ),
  resource(
    pages(4, 500, (id) => ({ id, name: `user-${id}`, tags: [`t${id % 3}`, `t${id % 5}`] })),
    {
      name: 'users',
      primaryKey: 'id',
      writeDisposition: { disposition: 'merge', strategy: 'upsert' },
    },
  ),
  resource(
    pages(2, 500, (nk) => ({ nk, c: `dim-${nk}` })),
    {
      name: 'dims',
      writeDisposition: { disposition: 'merge', strategy: 'scd2' },
    },
  ),
]);
