import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationError, type Logger } from '@hotdata-dlt/core';
import { Int32, makeVector, Table, tableFromArrays, Utf8, vectorFromArray } from 'apache-arrow';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { cells } from './__fixtures__/tables.ts';
import { ParquetError, ParquetStreamWriter, readParquet, readParquetInfo } from './index.ts';

let root: string;
let directory: string;
let counter = 0;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'parquet-stream-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});
afterEach(() => {
  vi.unstubAllEnvs();
});

function freshDirectory(): string {
  directory = join(root, `case-${counter++}`);
  return directory;
}

function ids(from: number, count: number): Table {
  return new Table({
    id: makeVector(Int32Array.from({ length: count }, (_, index) => from + index)),
    label: vectorFromArray(
      Array.from({ length: count }, (_, index) => `row ${from + index} ${'·'.repeat((from + index) % 13)}`),
      new Utf8(),
    ),
  });
}

async function readAll(paths: readonly string[], name = 'id'): Promise<unknown[]> {
  const values: unknown[] = [];
  for (const path of paths) values.push(...cells((await readParquet(path)).getChild(name)!));
  return values;
}

describe('ParquetStreamWriter', () => {
  it('rotates exactly at maxRowsPerFile and keeps every row in order', async () => {
    const writer = new ParquetStreamWriter({
      directory: freshDirectory(),
      baseName: 'orders',
      rowGroupSize: 1000,
      maxRowsPerFile: 2500,
    });
    for (let batch = 0; batch < 6; batch++) await writer.write(ids(batch * 1000, 1000));
    const files = await writer.close();
    expect(files.map((file) => [file.path, file.rows])).toEqual([
      [join(directory, 'orders-00000.parquet'), 2500],
      [join(directory, 'orders-00001.parquet'), 2500],
      [join(directory, 'orders-00002.parquet'), 1000],
    ]);
    for (const file of files) expect(file.bytes).toBe((await stat(file.path)).size);
    expect(await readAll(files.map((file) => file.path))).toEqual(
      Array.from({ length: 6000 }, (_, index) => index),
    );
  });

  it('rotates near maxFileSize without losing rows', async () => {
    const maxFileSize = 64 * 1024;
    const writer = new ParquetStreamWriter({
      directory: freshDirectory(),
      maxFileSize,
      compression: 'UNCOMPRESSED',
    });
    for (let batch = 0; batch < 20; batch++) await writer.write(ids(batch * 1000, 1000));
    const files = await writer.close();
    expect(files.length).toBeGreaterThan(5);
    for (const file of files.slice(0, -1)) {
      // A file ends within 1/64 below the limit or one row group's compression noise above it.
      expect(file.bytes).toBeGreaterThan(maxFileSize * 0.9);
      expect(file.bytes).toBeLessThan(maxFileSize * 1.25);
    }
    expect(await readAll(files.map((file) => file.path))).toEqual(
      Array.from({ length: 20_000 }, (_, index) => index),
    );
  });

  it('starts a new file when the schema changes', async () => {
    const writer = new ParquetStreamWriter({ directory: freshDirectory() });
    await writer.write(tableFromArrays({ id: Int32Array.of(1, 2) }));
    await writer.write(tableFromArrays({ id: Int32Array.of(3) }));
    await writer.write(
      new Table({ id: makeVector(Int32Array.of(4)), extra: vectorFromArray(['x'], new Utf8()) }),
    );
    const files = await writer.close();
    expect(files.map((file) => file.rows)).toEqual([3, 1]);
    expect((await readParquetInfo(files[1]!.path)).columns).toEqual(['id', 'extra']);
  });

  it('writes row groups to disk while rows arrive, under a temporary name until closed', async () => {
    const writer = new ParquetStreamWriter({ directory: freshDirectory(), rowGroupSize: 1000 });
    await writer.write(ids(0, 2500));
    expect(await readdir(directory)).toEqual(['part-00000.parquet.tmp']);
    // Two full row groups are on disk already; the rest waits in the row-group buffer.
    expect((await stat(join(directory, 'part-00000.parquet.tmp'))).size).toBeGreaterThan(10_000);
    expect(writer.rows).toBe(2500);
    const files = await writer.close();
    expect(await readdir(directory)).toEqual(['part-00000.parquet']);
    expect(files).toHaveLength(1);
    expect((await readParquetInfo(files[0]!.path)).rowGroups).toBe(3);
  });

  it('abort removes the incomplete file and keeps the completed ones', async () => {
    const writer = new ParquetStreamWriter({
      directory: freshDirectory(),
      rowGroupSize: 100,
      maxRowsPerFile: 300,
    });
    await writer.write(ids(0, 450));
    expect(writer.files.map((file) => file.rows)).toEqual([300]);
    await writer.abort();
    expect(await readdir(directory)).toEqual(['part-00000.parquet']);
    await expect(writer.write(ids(0, 1))).rejects.toMatchObject({ code: 'PARQUET_WRITER_CLOSED' });
  });

  it('close is idempotent and a closed writer refuses rows', async () => {
    const writer = new ParquetStreamWriter({
      directory: freshDirectory(),
      fileName: (index) => `chunk_${index}.parquet`,
    });
    await writer.write(ids(0, 10));
    const files = await writer.close();
    expect(await writer.close()).toEqual(files);
    expect(files.map((file) => file.path)).toEqual([join(directory, 'chunk_0.parquet')]);
    const error = await writer.write(ids(0, 1)).catch((caught: unknown) => caught);
    expect(ParquetError.isInstance(error)).toBe(true);
  });

  it('writes no file for no rows', async () => {
    const writer = new ParquetStreamWriter({ directory: freshDirectory() });
    await writer.write(ids(0, 0));
    expect(await writer.close()).toEqual([]);
  });

  it('deletes the incomplete file when a batch cannot be written', async () => {
    const writer = new ParquetStreamWriter({ directory: freshDirectory() });
    const bad = new Table({ n: vectorFromArray([1, null], new Int32()) });
    const required = new Table([bad.batches[0]!]).schema.fields[0]!.clone({ nullable: false });
    const { RecordBatch, Schema, makeData, Struct } = await import('apache-arrow');
    const schema = new Schema([required]);
    await writer.write(
      new RecordBatch(
        schema,
        makeData({
          type: new Struct(schema.fields),
          length: 2,
          nullCount: 0,
          children: [bad.getChildAt(0)!.data[0]!],
        }),
      ),
    );
    await expect(writer.close()).rejects.toMatchObject({ code: 'PARQUET_NULL_IN_REQUIRED_COLUMN' });
    expect(await readdir(directory)).toEqual([]);
  });

  it('reads limits from dlt’s environment variables, explicit options first', async () => {
    vi.stubEnv('DATA_WRITER__FILE_MAX_ITEMS', '40');
    vi.stubEnv('DATA_WRITER__ROW_GROUP_SIZE', '10');
    const fromEnv = new ParquetStreamWriter({ directory: freshDirectory() });
    await fromEnv.write(ids(0, 100));
    const files = await fromEnv.close();
    expect(files.map((file) => file.rows)).toEqual([40, 40, 20]);
    expect((await readParquetInfo(files[0]!.path)).rowGroups).toBe(4);
    const explicit = new ParquetStreamWriter({ directory: freshDirectory(), maxRowsPerFile: 100 });
    await explicit.write(ids(0, 100));
    expect((await explicit.close()).map((file) => file.rows)).toEqual([100]);
  });

  it('explains invalid options and environment values', () => {
    expect(() => new ParquetStreamWriter({ directory: root, maxFileSize: -1 })).toThrow(
      /ParquetStreamWriter option 'maxFileSize' \(env DATA_WRITER__FILE_MAX_BYTES\)/,
    );
    expect(() => new ParquetStreamWriter({ directory: root, baseName: 'a/b' })).toThrow(
      /without a path separator/,
    );
    vi.stubEnv('DATA_WRITER__FILE_MAX_ITEMS', 'lots');
    expect(() => new ParquetStreamWriter({ directory: root })).toThrow(ConfigurationError);
    expect(() => new ParquetStreamWriter({ directory: root })).toThrow(
      /DATA_WRITER__FILE_MAX_ITEMS='lots' is not a number/,
    );
  });

  it('logs the files it opens and closes to the injected logger', async () => {
    const lines: string[] = [];
    const logger: Logger = {
      debug: (message, fields) => lines.push(`${message} ${JSON.stringify(fields)}`),
      info: () => {},
      warn: () => {},
      error: () => {},
    };
    const writer = new ParquetStreamWriter({ directory: freshDirectory(), logger });
    await writer.write(tableFromArrays({ n: Int32Array.of(1) }));
    await writer.close();
    expect(lines).toEqual([
      `parquet file opened {"path":${JSON.stringify(join(directory, 'part-00000.parquet'))}}`,
      expect.stringMatching(/^parquet file closed \{"path":".*part-00000\.parquet","rows":1,"bytes":\d+\}$/),
    ]);
  });

  it('keeps values of every batch shape (sliced, chunked tables)', async () => {
    const writer = new ParquetStreamWriter({ directory: freshDirectory(), rowGroupSize: 64 });
    const table = new Table([...ids(0, 100).batches, ...ids(100, 57).batches]);
    await writer.write(table.slice(3, 150));
    await writer.write(
      new Table({
        id: vectorFromArray([null, 7], new Int32()),
        label: vectorFromArray(['a', null], new Utf8()),
      }),
    );
    const files = await writer.close();
    expect(await readAll(files.map((file) => file.path))).toEqual([
      ...Array.from({ length: 147 }, (_, index) => index + 3),
      null,
      7,
    ]);
    expect(
      (
        await readAll(
          files.map((file) => file.path),
          'label',
        )
      ).slice(-2),
    ).toEqual(['a', null]);
  });
});
