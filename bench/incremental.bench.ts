// The incremental filter of @hotdata-dlt/core on its worst case: every row shares one cursor value, so
// every row is a boundary row that is hashed and kept in the state (dlt re-hashes all of them after each
// batch, O(n^2/b): SEMANTICS §8.7). For 10k, 100k and 1M rows it prints the first run (all rows kept and
// hashed), the next run over the same rows (all dropped by hash) and a run yielding one row at a time.
// Linear growth shows as a flat ns/row column.
import { createIncrementalHandle, type IncrementalHandle, incremental } from '@hotdata-dlt/core';

interface BenchOptions {
  scale: number;
  log: (line: string) => void;
}

const PAGE_SIZE = 1000;
const format = (value: number) => Math.round(value).toLocaleString('en-US');

async function filterAll(handle: IncrementalHandle, rows: unknown[], pageSize: number): Promise<number> {
  let kept = 0;
  for (let start = 0; start < rows.length; start += pageSize) {
    const result = await handle.filter({ kind: 'rows', rows: rows.slice(start, start + pageSize) });
    if (result.batch?.kind === 'rows') kept += result.batch.rows.length;
  }
  return kept;
}

async function measure(
  log: (line: string) => void,
  label: string,
  rows: unknown[],
  state: Record<string, unknown>,
  pageSize: number,
): Promise<void> {
  const handle = createIncrementalHandle(incremental('updated_at'), state, {
    resourceName: 'events',
    resourcePrimaryKey: 'id',
  });
  const started = performance.now();
  const kept = await filterAll(handle, rows, pageSize);
  const ms = performance.now() - started;
  const hashes = (state.incremental as Record<string, { unique_hashes: string[] }>).updated_at!.unique_hashes;
  log(
    `${label.padEnd(28)} ${format(rows.length).padStart(9)} rows ${ms.toFixed(1).padStart(9)} ms ${format((rows.length / ms) * 1000).padStart(11)} rows/s ${((ms * 1e6) / rows.length).toFixed(0).padStart(6)} ns/row  kept ${format(kept)}, state hashes ${format(hashes.length)}`,
  );
}

export async function run({ scale, log }: BenchOptions): Promise<void> {
  const sizes = [10_000, 100_000, 1_000_000].map((size) => Math.max(100, Math.round(size * scale)));
  log(`all rows on one cursor value, primary key 'id', pages of ${PAGE_SIZE} unless stated`);
  for (const size of sizes) {
    const rows = Array.from({ length: size }, (_, id) => ({
      id,
      updated_at: '2024-06-01T00:00:00Z',
      kind: 'click',
    }));
    const state: Record<string, unknown> = {};
    await measure(log, 'first run (keep + hash)', rows, state, PAGE_SIZE);
    await measure(log, 'next run (drop by hash)', rows, state, PAGE_SIZE);
    await measure(log, 'first run, one row per yield', rows, {}, 1);
  }
}
