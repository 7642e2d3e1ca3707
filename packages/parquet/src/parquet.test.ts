import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationError } from '@hotdata-dlt/core';
import {
  Binary,
  Bool,
  DateMillisecond,
  Decimal,
  Dictionary,
  DurationMillisecond,
  Field,
  FixedSizeBinary,
  Float16,
  Int32,
  Int64,
  List,
  makeData,
  makeVector,
  Null,
  RecordBatch,
  Schema,
  Struct,
  Table,
  TimeSecond,
  TimestampSecond,
  tableFromArrays,
  Utf8,
  vectorFromArray,
} from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { everyTypeTable } from './__fixtures__/every-type.ts';
import { cells, decimalVector, describeTable, fixedVector } from './__fixtures__/tables.ts';
import {
  type CompressionName,
  columnForArrowField,
  DLT_DATA_TYPE_METADATA,
  ParquetError,
  readParquet,
  readParquetInfo,
  writeParquet,
} from './index.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'parquet-roundtrip-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('round trip of every dlt data type', () => {
  it('reads back the same types, nullability, metadata and stored values', async () => {
    const table = everyTypeTable();
    const back = await readParquet(await writeParquet(table));
    expect(describeTable(back)).toEqual(describeTable(table));
    expect(back.schema.fields.map((field) => columnForArrowField(field))).toEqual(
      table.schema.fields.map((field) => columnForArrowField(field)),
    );
    expect(
      back.schema.fields.find((field) => field.name === 'payload')!.metadata.get(DLT_DATA_TYPE_METADATA),
    ).toBe('json');
    expect(back.getChild('raw')!.get(3)).toHaveLength(3 * 1024 * 1024);
  });

  it.each<CompressionName>(['UNCOMPRESSED', 'SNAPPY', 'ZSTD', 'GZIP', 'BROTLI'])(
    'round-trips with %s compression',
    async (compression) => {
      const table = everyTypeTable();
      const bytes = await writeParquet(table, undefined, { compression, rowGroupSize: 2 });
      expect(describeTable(await readParquet(bytes))).toEqual(describeTable(table));
      expect(await readParquetInfo(bytes)).toMatchObject({ rows: 5, rowGroups: 3 });
    },
  );

  it('round-trips an empty table with its schema', async () => {
    const table = everyTypeTable().slice(0, 0);
    const bytes = await writeParquet(table);
    const back = await readParquet(bytes);
    expect(back.numRows).toBe(0);
    expect(back.schema.fields.map((field) => `${field.name}:${field.type}:${field.nullable}`)).toEqual(
      table.schema.fields.map((field) => `${field.name}:${field.type}:${field.nullable}`),
    );
    expect(await readParquetInfo(bytes)).toMatchObject({ rows: 0, rowGroups: 0 });
  });

  it('round-trips columns that are entirely null, and Arrow Null columns', async () => {
    const table = new Table({
      nothing: makeVector(makeData({ type: new Null(), length: 3 })),
      none: vectorFromArray([null, null, null], new Utf8()),
      n: vectorFromArray([null, null, null], new Int32()),
    });
    const back = await readParquet(await writeParquet(table));
    expect(cells(back.getChild('none')!)).toEqual([null, null, null]);
    expect(cells(back.getChild('n')!)).toEqual([null, null, null]);
    expect(back.getChild('nothing')!.nullCount).toBe(3);
  });
});

describe('Arrow layouts the writer accepts', () => {
  it('writes sliced batches and batches of odd lengths with nulls at the right rows', async () => {
    const values = Array.from({ length: 1003 }, (_, index) => (index % 3 === 0 ? null : index));
    const source = new Table({
      n: vectorFromArray(values, new Int32()),
      s: vectorFromArray(
        values.map((value) => (value === null ? null : `v${value}`)),
        new Utf8(),
      ),
      b: vectorFromArray(
        values.map((value) => (value === null ? null : value % 2 === 0)),
        new Bool(),
      ),
    });
    const batch = source.batches[0]!;
    // Slices at offsets that are not multiples of 8, so validity bits must be realigned.
    const pieces = [batch.slice(3, 10), batch.slice(10, 511), batch.slice(511, 1003)];
    const back = await readParquet(await writeParquet(pieces, undefined, { rowGroupSize: 300 }));
    expect(cells(back.getChild('n')!)).toEqual(values.slice(3));
    expect(cells(back.getChild('s')!)).toEqual(
      values.slice(3).map((value) => (value === null ? null : `v${value}`)),
    );
    expect(cells(back.getChild('b')!)).toEqual(
      values.slice(3).map((value) => (value === null ? null : value % 2 === 0)),
    );
  });

  it('cuts row groups by rows and by bytes', async () => {
    const table = tableFromArrays({
      text: Array.from({ length: 1000 }, (_, index) => `${index}`.padStart(1000, 'x')),
    });
    expect(
      (await readParquetInfo(await writeParquet(table, undefined, { rowGroupSize: 400 }))).rowGroups,
    ).toBe(3);
    const byBytes = await writeParquet(table, undefined, { rowGroupBytes: 100_000 });
    expect((await readParquetInfo(byBytes)).rowGroups).toBe(11);
    expect(cells((await readParquet(byBytes)).getChild('text')!)).toEqual(cells(table.getChild('text')!));
  });

  it('stores nested values (lists, structs) and dictionary strings as JSON text and text', async () => {
    const table = new Table({
      tags: vectorFromArray([['a', 'b'], null, []], new List(new Field('item', new Utf8(), true))),
      point: vectorFromArray(
        [{ x: 1n, y: 'é' }, null, { x: 9_007_199_254_740_993n, y: null }],
        new Struct([new Field('x', new Int64(), true), new Field('y', new Utf8(), true)]),
      ),
      kind: vectorFromArray(['red', null, 'red'], new Dictionary(new Utf8(), new Int32())),
    });
    const back = await readParquet(await writeParquet(table));
    expect(cells(back.getChild('tags')!)).toEqual(['["a","b"]', null, '[]']);
    expect(cells(back.getChild('point')!)).toEqual([
      '{"x":1,"y":"é"}',
      null,
      '{"x":"9007199254740993","y":null}',
    ]);
    expect(back.schema.fields.map((field) => columnForArrowField(field).data_type)).toEqual([
      'json',
      'json',
      'text',
    ]);
    expect(cells(back.getChild('kind')!)).toEqual(['red', null, 'red']);
  });

  it('round-trips half floats, 256-bit decimals and fixed-size binary', async () => {
    const table = new Table({
      half: fixedVector(new Float16(), [0x3c00, 0xc000, null]),
      huge: decimalVector(new Decimal(0, 76, 256), [10n ** 75n + 1n, -(10n ** 76n - 1n), null]),
      code: vectorFromArray(
        [Uint8Array.of(1, 2, 3, 4), null, Uint8Array.of(0, 0, 0, 255)],
        new FixedSizeBinary(4),
      ),
    });
    const back = await readParquet(await writeParquet(table));
    expect(describeTable(back)).toEqual({
      half: { type: 'Float16', nullable: true, values: [1, -2, null] },
      huge: { type: 'Decimal[76e0]', nullable: true, values: [10n ** 75n + 1n, -(10n ** 76n - 1n), null] },
      code: { type: 'Binary', nullable: true, values: ['01020304', null, '000000ff'] },
    });
  });

  it('converts units Parquet lacks: seconds to milliseconds, Date64 to days', async () => {
    const table = new Table({
      at: fixedVector(new TimestampSecond('UTC'), [1n, -1n, null]),
      clock: fixedVector(new TimeSecond(), [1, 86_399, null]),
      day: fixedVector(new DateMillisecond(), [86_400_000n, -1n, null]),
    });
    const back = await readParquet(await writeParquet(table));
    expect(describeTable(back)).toEqual({
      at: { type: 'Timestamp<MILLISECOND, UTC>', nullable: true, values: [1000n, -1000n, null] },
      clock: { type: 'Time32<MILLISECOND>', nullable: true, values: [1000, 86_399_000, null] },
      // -1 ms is the last millisecond of 1969-12-31.
      day: { type: 'Date32<DAY>', nullable: true, values: [86_400_000, -86_400_000, null] },
    });
  });
});

describe('writer errors and files', () => {
  it('refuses nulls in a non-nullable column, naming the column', async () => {
    const schema = new Schema([new Field('id', new Int64(), false)]);
    const vector = vectorFromArray([1n, null], new Int64());
    const batch = new RecordBatch(
      schema,
      makeData({ type: new Struct(schema.fields), length: 2, nullCount: 0, children: [vector.data[0]!] }),
    );
    const error = await writeParquet(batch).catch((caught: unknown) => caught);
    expect(ParquetError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: 'PARQUET_NULL_IN_REQUIRED_COLUMN', isRetryable: false });
    expect(String(error)).toMatch(/Column 'id' is not nullable but has 1 null value/);
  });

  it('refuses Arrow types without a Parquet form here, and batches of different schemas', async () => {
    const durations = new Table({ wait: fixedVector(new DurationMillisecond(), [1n]) });
    await expect(writeParquet(durations)).rejects.toThrow(
      /Column 'wait' has Arrow type Duration.*convert it to a dlt type first/,
    );
    const left = tableFromArrays({ a: Int32Array.of(1) }).batches[0]!;
    const right = tableFromArrays({ b: Int32Array.of(1) }).batches[0]!;
    await expect(writeParquet([left, right])).rejects.toMatchObject({ code: 'PARQUET_SCHEMA_MISMATCH' });
  });

  it('validates options with the option name in the message', async () => {
    const table = tableFromArrays({ a: Int32Array.of(1) });
    await expect(writeParquet(table, undefined, { rowGroupSize: 0 })).rejects.toThrow(ConfigurationError);
    await expect(writeParquet(table, undefined, { compression: 'LZO' as never })).rejects.toThrow(
      /option 'compression'/,
    );
  });

  it('writes a file atomically and reports its rows and bytes', async () => {
    const path = join(dir, 'nested', 'table.parquet');
    const written = await writeParquet(everyTypeTable(), path);
    expect(written).toEqual({ path, rows: 5, bytes: (await stat(path)).size });
    expect(await readdir(join(dir, 'nested'))).toEqual(['table.parquet']);
    expect(describeTable(await readParquet(path))).toEqual(describeTable(everyTypeTable()));
  });

  it('leaves no file behind when a write fails', async () => {
    const path = join(dir, 'failed', 'bad.parquet');
    const bad = new Table({ wait: fixedVector(new DurationMillisecond(), [1n]) });
    await expect(writeParquet(bad, path)).rejects.toThrow(ParquetError);
    expect(await readdir(join(dir, 'failed'))).toEqual([]);
  });

  it('keeps binary values byte for byte', async () => {
    const table = new Table({
      b: vectorFromArray([Uint8Array.of(0xff, 0, 0x80), Uint8Array.of()], new Binary()),
    });
    const back = await readParquet(await writeParquet(table));
    expect(cells(back.getChild('b')!)).toEqual(['ff0080', '']);
  });
});
