// Upload + load of a Parquet file into hotdata-local, and reading the table back as Arrow, through the
// real client over HTTP. Prints rows/s and MB/s for each step.
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { createHotdataClient } from '@hotdata-dlt/hotdata-api';
import { startHotdataLocal } from '@hotdata-dlt/hotdata-local';

interface BenchOptions {
  scale: number;
  log: (line: string) => void;
}

const seconds = (started: number) => (performance.now() - started) / 1000;
const rate = (count: number, elapsed: number) => Math.round(count / elapsed).toLocaleString('en-US');
const mb = (bytes: number) => bytes / (1024 * 1024);

export async function run({ scale, log }: BenchOptions): Promise<void> {
  const rows = Math.max(1000, Math.round(1_000_000 * scale));
  const dir = await mkdtemp(join(tmpdir(), 'bench-hotdata-local-'));
  const duck = await DuckDBInstance.create(':memory:');
  const local = await startHotdataLocal({ dataDir: join(dir, 'data') });
  try {
    const file = join(dir, 'rows.parquet');
    const connection = await duck.connect();
    await connection.run(
      `COPY (SELECT range AS id, 'customer_' || (range % 5000) AS customer, range * 1.25 AS amount, range % 2 = 0 AS paid,
        TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_seconds(range) AS created_at FROM range(${rows}))
       TO '${file}' (FORMAT parquet)`,
    );
    connection.closeSync();
    const size = (await stat(file)).size;
    const client = createHotdataClient({
      apiUrl: local.url,
      apiKey: local.token,
      workspaceId: local.workspaceId,
    });
    const database = await client.databases.create({ name: 'bench' });

    let started = performance.now();
    const upload = await client.uploads.upload(file);
    const uploadSeconds = seconds(started);
    log(
      `upload   ${rows.toLocaleString('en-US')} rows, ${mb(size).toFixed(1)} MB in ${upload.parts} part(s): ${uploadSeconds.toFixed(2)} s, ${rate(rows, uploadSeconds)} rows/s, ${(mb(size) / uploadSeconds).toFixed(1)} MB/s`,
    );

    started = performance.now();
    const loaded = await client.loads.load(
      { databaseId: database.id, schema: 'public', table: 'rows' },
      { mode: 'append', upload_id: upload.uploadId },
    );
    const loadSeconds = seconds(started);
    log(
      `load     ${loaded.row_count.toLocaleString('en-US')} rows (append): ${loadSeconds.toFixed(2)} s, ${rate(rows, loadSeconds)} rows/s, ${(mb(size) / loadSeconds).toFixed(1)} MB/s`,
    );

    local.clearRequestLog();
    started = performance.now();
    const table = await client.queryArrow('select * from public.rows', { databaseId: database.id });
    const readSeconds = seconds(started);
    const serverSide = local.requestLog
      .map(
        (entry) => `${entry.method} ${entry.path.replace(/\/[a-z0-9]{30}$/, '/{id}')} ${entry.durationMs} ms`,
      )
      .join(', ');
    const arrowBytes = table.batches.reduce((total, batch) => total + batch.data.byteLength, 0);
    log(
      `read     ${table.numRows.toLocaleString('en-US')} rows as Arrow: ${readSeconds.toFixed(2)} s, ${rate(table.numRows, readSeconds)} rows/s, ${(mb(arrowBytes) / readSeconds).toFixed(1)} MB/s (Arrow ${mb(arrowBytes).toFixed(1)} MB)`,
    );
    log(`         server side: ${serverSide}`);
    const total = uploadSeconds + loadSeconds;
    log(`upload + load: ${total.toFixed(2)} s, ${rate(rows, total)} rows/s`);
  } finally {
    await local.close();
    duck.closeSync();
    await rm(dir, { recursive: true, force: true });
  }
}
