// The Parquet codec alone: 1M rows x 5 columns (int64, utf8, double, bool, timestamp) written and read
// with @hotdata-dlt/parquet's column writer and reader, beside @dsnp/parquetjs's row API (appendRow,
// cursor) on the same data in the same process. MB/s counts the Arrow data (values + offsets), so the
// figures compare across compressions.
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import parquetjs from '@dsnp/parquetjs';
import { readParquet, writeParquet } from '@hotdata-dlt/parquet';
import { Bool, makeData, makeVector, Table, TimestampMicrosecond, Utf8 } from 'apache-arrow';

interface BenchOptions {
  scale: number;
  log: (line: string) => void;
}

function benchTable(rows: number): { table: Table; arrowBytes: number } {
  const ids = BigInt64Array.from({ length: rows }, (_, index) => BigInt(index));
  const names = Array.from({ length: rows }, (_, index) => `name-${index}`);
  const offsets = new Int32Array(rows + 1);
  names.forEach((name, index) => {
    offsets[index + 1] = offsets[index]! + name.length;
  });
  const text = Buffer.from(names.join(''), 'latin1');
  const bits = new Uint8Array(Math.ceil(rows / 8)).fill(0b0101_0101);
  const table = new Table({
    id: makeVector(ids),
    name: makeVector(makeData({ type: new Utf8(), length: rows, valueOffsets: offsets, data: text })),
    amount: makeVector(Float64Array.from({ length: rows }, (_, index) => index * 1.5)),
    ok: makeVector(makeData({ type: new Bool(), length: rows, data: bits })),
    created_at: makeVector(
      makeData({
        type: new TimestampMicrosecond('UTC'),
        length: rows,
        data: ids.map((id) => 1_700_000_000_000_000n + id),
      }),
    ),
  });
  const arrowBytes = rows * (8 + 8 + 8) + offsets.byteLength + text.length + bits.length;
  return { table, arrowBytes };
}

export async function run({ scale, log }: BenchOptions): Promise<void> {
  const rows = Math.max(1000, Math.round(1_000_000 * scale));
  const dir = await mkdtemp(join(tmpdir(), 'bench-parquet-'));
  const { table, arrowBytes } = benchTable(rows);
  const megabytes = arrowBytes / 1024 / 1024;
  const line = (label: string, seconds: number, extra = '') =>
    log(
      `${label.padEnd(34)} ${seconds.toFixed(2).padStart(6)} s  ${Math.round(rows / seconds)
        .toLocaleString('en-US')
        .padStart(11)} rows/s  ${(megabytes / seconds).toFixed(1).padStart(7)} MB/s${extra}`,
    );
  const time = async (work: () => Promise<unknown>) => {
    const started = performance.now();
    await work();
    return (performance.now() - started) / 1000;
  };
  try {
    log(
      `${rows.toLocaleString('en-US')} rows x 5 columns (int64, utf8, double, bool, timestamp), ${megabytes.toFixed(1)} MB of Arrow data`,
    );
    // A warm-up of every code path, so the measured runs are not the JIT's first.
    for (const compression of ['SNAPPY', 'UNCOMPRESSED', 'ZSTD'] as const)
      await readParquet(
        await writeParquet(table.slice(0, Math.min(rows, 50_000)), undefined, { compression }),
      );

    const writeSeconds: Record<string, number> = {};
    for (const compression of ['SNAPPY', 'UNCOMPRESSED', 'ZSTD'] as const) {
      const path = join(dir, `ours-${compression}.parquet`);
      const seconds = await time(() => writeParquet(table, path, { compression }));
      writeSeconds[compression] = seconds;
      const size = (await stat(path)).size / 1024 / 1024;
      line(`column writer (${compression})`, seconds, `  file ${size.toFixed(1)} MB`);
    }
    const ours = join(dir, 'ours-SNAPPY.parquet');
    line('column reader (SNAPPY)', await time(() => readParquet(ours)));

    const rowApi = join(dir, 'rows.parquet');
    const schema = new parquetjs.ParquetSchema({
      id: { type: 'INT64', compression: 'SNAPPY' },
      name: { type: 'UTF8', compression: 'SNAPPY' },
      amount: { type: 'DOUBLE', compression: 'SNAPPY' },
      ok: { type: 'BOOLEAN', compression: 'SNAPPY' },
      created_at: { type: 'TIMESTAMP_MICROS', compression: 'SNAPPY' },
    });
    const rowWrite = await time(async () => {
      const writer = await parquetjs.ParquetWriter.openFile(schema, rowApi, { rowGroupSize: 131_072 });
      for (let index = 0; index < rows; index++) {
        await writer.appendRow({
          id: BigInt(index),
          name: `name-${index}`,
          amount: index * 1.5,
          ok: index % 2 === 0,
          created_at: new Date(1_700_000_000_000 + index),
        });
      }
      await writer.close();
    });
    line(
      'row API write (appendRow, SNAPPY)',
      rowWrite,
      `  file ${((await stat(rowApi)).size / 1024 / 1024).toFixed(1)} MB`,
    );
    let seen = 0;
    const rowRead = await time(async () => {
      const reader = await parquetjs.ParquetReader.openFile(ours);
      const cursor = reader.getCursor();
      while (await cursor.next()) seen++;
      await reader.close();
    });
    line('row API read (cursor, our file)', rowRead, seen === rows ? '' : `  (read ${seen} rows!)`);
    log(
      `column writer (SNAPPY) is ${(rowWrite / writeSeconds.SNAPPY!).toFixed(0)}x the row API's write speed`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
