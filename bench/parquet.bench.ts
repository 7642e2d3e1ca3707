// The Parquet codec alone: 1M rows x 5 columns (int64, utf8, double, bool, timestamp), written and read
// with @hotdata-dlt/parquet's column writer, beside @dsnp/parquetjs's row API in the same run.
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import parquetjs from '@dsnp/parquetjs';
import { readParquet, writeParquet } from '@hotdata-dlt/parquet';
import { Bool, makeData, makeVector, Table, TimestampMicrosecond, Utf8, vectorFromArray } from 'apache-arrow';

interface BenchOptions {
  scale: number;
  log: (line: string) => void;
}

const rate = (rows: number, seconds: number) => Math.round(rows / seconds).toLocaleString('en-US');

export async function run({ scale, log }: BenchOptions): Promise<void> {
  const rows = Math.max(1000, Math.round(1_000_000 * scale));
  const dir = await mkdtemp(join(tmpdir(), 'bench-parquet-'));
  try {
    const ids = BigInt64Array.from({ length: rows }, (_, index) => BigInt(index));
    const table = new Table({
      id: makeVector(ids),
      name: vectorFromArray(Array.from({ length: rows }, (_, index) => `name-${index}`), new Utf8()),
      amount: makeVector(Float64Array.from({ length: rows }, (_, index) => index * 1.5)),
      ok: vectorFromArray(Array.from({ length: rows }, (_, index) => index % 2 === 0), new Bool()),
      created_at: makeVector(makeData({ type: new TimestampMicrosecond('UTC'), length: rows, data: ids.map((id) => 1_700_000_000_000_000n + id) })),
    });

    const ours = join(dir, 'ours.parquet');
    let started = performance.now();
    await writeParquet(table, ours);
    const writeSeconds = (performance.now() - started) / 1000;
    const size = (await stat(ours)).size / 1024 / 1024;
    log(`column writer: write ${rows.toLocaleString('en-US')} rows in ${writeSeconds.toFixed(2)} s (${rate(rows, writeSeconds)} rows/s, ${(size / writeSeconds).toFixed(1)} MB/s, file ${size.toFixed(1)} MB snappy)`);
    started = performance.now();
    const back = await readParquet(ours);
    const readSeconds = (performance.now() - started) / 1000;
    log(`column reader: read ${back.numRows.toLocaleString('en-US')} rows in ${readSeconds.toFixed(2)} s (${rate(rows, readSeconds)} rows/s)`);

    const rowApi = join(dir, 'rows.parquet');
    const schema = new parquetjs.ParquetSchema({
      id: { type: 'INT64' },
      name: { type: 'UTF8' },
      amount: { type: 'DOUBLE' },
      ok: { type: 'BOOLEAN' },
      created_at: { type: 'TIMESTAMP_MICROS' },
    });
    started = performance.now();
    const writer = await parquetjs.ParquetWriter.openFile(schema, rowApi, { rowGroupSize: 131_072 });
    for (let index = 0; index < rows; index++) {
      await writer.appendRow({ id: ids[index], name: `name-${index}`, amount: index * 1.5, ok: index % 2 === 0, created_at: new Date(1_700_000_000_000 + index) });
    }
    await writer.close();
    const rowSeconds = (performance.now() - started) / 1000;
    log(`row API (appendRow): write ${rows.toLocaleString('en-US')} rows in ${rowSeconds.toFixed(2)} s (${rate(rows, rowSeconds)} rows/s)`);
    log(`column writer is ${(rowSeconds / writeSeconds).toFixed(1)}x faster than the row API`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
