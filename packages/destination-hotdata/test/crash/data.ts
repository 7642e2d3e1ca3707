// The deterministic data the crash tests load in two runs: an append table, an upsert table with a
// nested list, an scd2 table and a delete-insert table with a nested list. Run 2 updates, shrinks lists, adds and changes records.
import { resource, source } from '@hotdata-dlt/core';

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, index) => from + index);

export function crashSource(run: 1 | 2) {
  return source('crash', () => [
    resource(
      (run === 1 ? range(1, 200) : range(201, 400)).map((id) => ({
        id,
        payload: `event-${id}`,
        items: [id, id + 1],
      })),
      { name: 'events' },
    ),
    resource(
      (run === 1 ? range(1, 100) : range(51, 150)).map((id) => ({
        id,
        name: `${run === 1 ? 'u' : 'v'}${id}`,
        tags: run === 1 ? [`a${id}`, `b${id}`] : [`c${id}`],
      })),
      { name: 'users', primaryKey: 'id', writeDisposition: { disposition: 'merge', strategy: 'upsert' } },
    ),
    resource(
      (run === 1 ? range(1, 50) : range(1, 60)).map((nk) => ({
        nk,
        c: run === 2 && nk % 2 === 0 ? `d${nk}` : `c${nk}`,
      })),
      { name: 'dims', writeDisposition: { disposition: 'merge', strategy: 'scd2' } },
    ),
    resource(
      (run === 1 ? range(1, 30) : range(21, 40)).map((id) => ({
        id,
        lines: run === 1 ? [`x${id}`, `y${id}`] : [`z${id}`],
      })),
      { name: 'orders', primaryKey: 'id', writeDisposition: 'merge' },
    ),
  ])();
}
