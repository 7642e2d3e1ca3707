// Upserts into a growing table through pipeline().run and hotdata(), with merges executed server-side
// (Hotdata load modes planned by @hotdata-dlt/merge) and client-side (read the table, merge in memory,
// replace it), in the same run against one hotdata-local. At scale 1: 100 upserts of 10,000 rows grow
// the table to 1,000,000 rows. Prints seconds and bytes uploaded per load, and the client/server ratios.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resource } from '@hotdata-dlt/core';
import { hotdata, type MergeExecution } from '@hotdata-dlt/destination-hotdata';
import { type HotdataLocal, startHotdataLocal } from '@hotdata-dlt/hotdata-local';
import { pipeline } from '@hotdata-dlt/pipeline';
import { tableFromArrays } from 'apache-arrow';

interface BenchOptions {
  scale: number;
  log: (line: string) => void;
}

interface Measure {
  seconds: number;
  bytes: number;
}

const mb = (bytes: number) => (bytes / (1024 * 1024)).toFixed(3);

/** Batch `index`: `rows` new keys, each row with a few columns of mixed types. */
function batch(index: number, rows: number) {
  const start = index * rows;
  return tableFromArrays({
    id: BigInt64Array.from({ length: rows }, (_, offset) => BigInt(start + offset)),
    customer: Array.from({ length: rows }, (_, offset) => `customer_${(start + offset) % 5000}`),
    amount: Float64Array.from({ length: rows }, (_, offset) => (start + offset) * 1.25),
    paid: Array.from({ length: rows }, (_, offset) => (start + offset) % 2 === 0),
  });
}

/** Bytes sent as upload bodies since the log was last cleared. */
function uploaded(local: HotdataLocal): number {
  return local.requestLog
    .filter((entry) => entry.method === 'PUT' || entry.path === '/v1/files')
    .reduce((sum, entry) => sum + entry.requestBytes, 0);
}

export async function run({ scale, log }: BenchOptions): Promise<void> {
  const loads = Math.max(2, Math.round(100 * scale));
  const rows = Math.max(100, Math.round(10_000 * scale));
  const dir = await mkdtemp(join(tmpdir(), 'bench-merge-'));
  const local = await startHotdataLocal({ dataDir: join(dir, 'data') });
  try {
    const pipelines = new Map(
      (['server', 'client'] as MergeExecution[]).map((mode) => [
        mode,
        pipeline({
          pipelineName: `merge_${mode}`,
          workingDir: join(dir, `work-${mode}`),
          destination: hotdata({
            apiUrl: local.url,
            apiKey: local.token,
            workspaceId: local.workspaceId,
            databaseName: `bench_merge_${mode}`,
            mergeExecution: mode,
          }),
        }),
      ]),
    );
    const hints = {
      name: 'accounts',
      primaryKey: 'id',
      writeDisposition: { disposition: 'merge', strategy: 'upsert' },
    } as const;
    log(
      `${loads} upserts of ${rows.toLocaleString('en-US')} rows into one table (final ${(loads * rows).toLocaleString('en-US')} rows)`,
    );
    log(
      'load | table rows | server s | server MB | client s | client MB | client/server s | client/server bytes',
    );
    const totals = { server: { seconds: 0, bytes: 0 }, client: { seconds: 0, bytes: 0 } };
    const every = Math.max(1, Math.floor(loads / 10));
    for (let index = 0; index < loads; index++) {
      const data = batch(index, rows);
      const measured: Record<string, Measure> = {};
      for (const [mode, p] of pipelines) {
        local.clearRequestLog();
        const started = performance.now();
        await p.run(resource(data, hints));
        measured[mode] = { seconds: (performance.now() - started) / 1000, bytes: uploaded(local) };
        totals[mode as 'server' | 'client'].seconds += measured[mode]!.seconds;
        totals[mode as 'server' | 'client'].bytes += measured[mode]!.bytes;
      }
      const server = measured.server!;
      const client = measured.client!;
      if (index % every === 0 || index === loads - 1) {
        log(
          `${String(index + 1).padStart(4)} | ${((index + 1) * rows).toLocaleString('en-US').padStart(10)} | ${server.seconds.toFixed(2).padStart(8)} | ${mb(server.bytes).padStart(9)} | ${client.seconds.toFixed(2).padStart(8)} | ${mb(client.bytes).padStart(9)} | ${(client.seconds / server.seconds).toFixed(1).padStart(15)} | ${(client.bytes / server.bytes).toFixed(1).padStart(19)}`,
        );
      }
    }
    log(
      `total: server ${totals.server.seconds.toFixed(1)} s, ${mb(totals.server.bytes)} MB uploaded; client ${totals.client.seconds.toFixed(1)} s, ${mb(totals.client.bytes)} MB uploaded; ratio ${(totals.client.seconds / totals.server.seconds).toFixed(1)}x time, ${(totals.client.bytes / totals.server.bytes).toFixed(1)}x bytes`,
    );
  } finally {
    await local.close();
    await rm(dir, { recursive: true, force: true });
  }
}
