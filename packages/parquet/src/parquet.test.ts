import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { CompleteColumnSchema } from '@hotdata-dlt/core';
import {
  Binary,
  Bool,
  DateDay,
  type Decimal,
  Field,
  Float64,
  Int32,
  Int64,
  makeData,
  makeVector,
  RecordBatch,
  Schema,
  Struct,
  Table,
  TimestampMicrosecond,
  tableFromArrays,
  Utf8,
  vectorFromArray,
} from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  arrowSchemaForColumns,
  columnForArrowField,
  encodeParquet,
  ParquetStreamWriter,
  readParquet,
  readParquetInfo,
  writeParquet,
} from './index.ts';

let dir: string;
let duck: DuckDBInstance;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'parquet-test-'));
  duck = await DuckDBInstance.create(':memory:');
});
afterAll(async () => {
  duck.closeSync();
  await rm(dir, { recursive: true, force: true });
});

async function duckRows(sql: string): Promise<Record<string, unknown>[]> {
  const connection = await duck.connect();
  try {
    return (await connection.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
  } finally {
    connection.closeSync();
  }
}

const columns: CompleteColumnSchema[] = [
  { name: 'id', data_type: 'bigint', nullable: false },
  { name: 'small', data_type: 'bigint', precision: 16 },
  { name: 'name', data_type: 'text' },
  { name: 'payload', data_type: 'json' },
  { name: 'amount', data_type: 'double' },
  { name: 'ok', data_type: 'bool' },
  { name: 'at', data_type: 'timestamp' },
  { name: 'at_ms', data_type: 'timestamp', precision: 3 },
  { name: 'at_ns', data_type: 'timestamp', precision: 9 },
  { name: 'naive', data_type: 'timestamp', timezone: false },
  { name: 'day', data_type: 'date' },
  { name: 'clock', data_type: 'time' },
  { name: 'price', data_type: 'decimal', precision: 10, scale: 2 },
  { name: 'big_price', data_type: 'decimal', precision: 38, scale: 9 },
  { name: 'raw', data_type: 'binary' },
];

function sampleTable(): Table {
  const schema = arrowSchemaForColumns(columns);
  const values: Record<string, unknown[]> = {
    id: [1n, 2n, 3n, -4n],
    small: [1, null, -300, 32000],
    name: ['héllo', null, '', '🚀 emoji'],
    payload: ['{"a":1}', '[1,2]', null, '"s"'],
    amount: [1.5, null, -0.25, 1e300],
    ok: [true, false, null, true],
    at: [Date.UTC(2024, 1, 29, 12, 0, 0, 123), null, Date.UTC(1969, 6, 20, 20, 17), 0],
    at_ms: [Date.UTC(2024, 0, 1, 0, 0, 0, 5), null, 0, 1],
    at_ns: [Date.UTC(2000, 0, 1), null, 0, 1],
    naive: [Date.UTC(2024, 0, 1, 8), null, 0, 1],
    day: [Date.UTC(2024, 1, 29), Date.UTC(1900, 0, 1), null, 0],
    clock: [0n, 43_200_000_000n, null, 86_399_999_999n],
    price: [null, null, null, null],
    big_price: [null, null, null, null],
    raw: [new Uint8Array([0, 1, 255]), null, new Uint8Array(0), new Uint8Array(70_000).fill(7)],
  };
  const vectors = schema.fields.map((field) => vectorFromArray(values[field.name]!, field.type));
  // Decimals: unscaled values in four little-endian 32-bit words.
  const decimal = (unscaled: bigint[], type: Decimal, nulls: boolean[]) => {
    const words = new Uint32Array(unscaled.length * 4);
    const view = new DataView(words.buffer);
    const bitmap = new Uint8Array(1);
    unscaled.forEach((value, index) => {
      view.setBigInt64(index * 16, BigInt.asIntN(64, value), true);
      view.setBigInt64(index * 16 + 8, value >> 64n, true);
      if (!nulls[index]) bitmap[0]! |= 1 << index;
    });
    return makeVector(
      makeData({
        type,
        length: unscaled.length,
        nullCount: nulls.filter(Boolean).length,
        nullBitmap: bitmap,
        data: words,
      }),
    );
  };
  const priceIndex = schema.fields.findIndex((field) => field.name === 'price');
  const bigIndex = schema.fields.findIndex((field) => field.name === 'big_price');
  vectors[priceIndex] = decimal([12345n, -1n, 0n, 999_999_999n], schema.fields[priceIndex]!.type as Decimal, [
    false,
    false,
    true,
    false,
  ]);
  vectors[bigIndex] = decimal(
    [10n ** 37n + 123n, -(10n ** 36n), 5n, 0n],
    schema.fields[bigIndex]!.type as Decimal,
    [false, false, false, true],
  );
  const data = makeData({
    type: new Struct(schema.fields),
    length: 4,
    nullCount: 0,
    children: vectors.map((vector) => vector.data[0]!),
  });
  return new Table([new RecordBatch(schema, data)]);
}

function plain(table: Table): unknown[] {
  return table.toArray().map((row) => {
    const object = row.toJSON() as Record<string, unknown>;
    for (const [key, value] of Object.entries(object)) {
      if (value instanceof Uint8Array) object[key] = Buffer.from(value).toString('hex');
      else if (value && typeof value === 'object' && !(value instanceof Date)) object[key] = String(value);
    }
    return object;
  });
}

describe('type mapping', () => {
  it('maps dlt columns to Arrow fields and back', () => {
    const schema = arrowSchemaForColumns(columns);
    expect(schema.fields.map((field) => `${field.name}:${field.type}`)).toEqual([
      'id:Int64',
      'small:Int16',
      'name:Utf8',
      'payload:Utf8',
      'amount:Float64',
      'ok:Bool',
      'at:Timestamp<MICROSECOND, UTC>',
      'at_ms:Timestamp<MILLISECOND, UTC>',
      'at_ns:Timestamp<NANOSECOND, UTC>',
      'naive:Timestamp<MICROSECOND>',
      'day:Date32<DAY>',
      'clock:Time64<MICROSECOND>',
      'price:Decimal[10e+2]',
      'big_price:Decimal[38e+9]',
      'raw:Binary',
    ]);
    expect(schema.fields[0]!.nullable).toBe(false);
    for (const [index, field] of schema.fields.entries()) {
      const column = columnForArrowField(field);
      expect(column.data_type, field.name).toBe(columns[index]!.data_type);
    }
    expect(columnForArrowField(schema.fields[9]!)).toMatchObject({ data_type: 'timestamp', timezone: false });
  });
});

describe('round trip', () => {
  it('writes and reads back every dlt data type, nulls included', async () => {
    const table = sampleTable();
    const bytes = await encodeParquet(table);
    const back = await readParquet(bytes);
    expect(back.schema.fields.map((field) => `${field.name}:${field.type}:${field.nullable}`)).toEqual(
      table.schema.fields.map((field) => `${field.name}:${field.type}:${field.nullable}`),
    );
    expect(back.schema.fields[3]!.metadata.get('hotdata-dlt:data_type')).toBe('json');
    expect(plain(back)).toEqual(plain(table));
  });

  it('round-trips uncompressed files, empty tables, sliced batches and many row groups', async () => {
    const table = tableFromArrays({
      n: Int32Array.from({ length: 1000 }, (_, index) => index),
      s: Array.from({ length: 1000 }, (_, index) => `v${index % 7}`),
    });
    const sliced = new Table([table.batches[0]!.slice(10, 500)]);
    const back = await readParquet(
      await encodeParquet(sliced, { compression: 'UNCOMPRESSED', rowGroupSize: 100 }),
    );
    expect(back.numRows).toBe(490);
    expect(back.getChild('n')!.get(0)).toBe(10);
    expect(back.getChild('s')!.get(489)).toBe(`v${499 % 7}`);
    const empty = await readParquet(await encodeParquet(table.slice(0, 0)));
    expect(empty.numRows).toBe(0);
    expect(empty.schema.fields.map((field) => field.name)).toEqual(['n', 's']);
  });

  it('refuses nulls in a non-nullable column with a clear error', async () => {
    const schema = new Schema([new Field('id', new Int64(), false)]);
    const vector = vectorFromArray([1n, null], new Int64());
    const batch = new RecordBatch(
      schema,
      makeData({ type: new Struct(schema.fields), length: 2, nullCount: 0, children: [vector.data[0]!] }),
    );
    await expect(encodeParquet(batch)).rejects.toThrow(/Column 'id' is not nullable but has 1 null/);
  });

  it('writes and reads back a 1M-row table equal', async () => {
    const rows = 1_000_000;
    const ids = BigInt64Array.from({ length: rows }, (_, index) => BigInt(index));
    const amounts = Float64Array.from({ length: rows }, (_, index) => index * 0.5);
    const table = new Table({
      id: makeVector(ids),
      amount: makeVector(amounts),
      ok: vectorFromArray(
        Array.from({ length: rows }, (_, index) => (index % 3 === 0 ? null : index % 2 === 0)),
        new Bool(),
      ),
      at: makeVector(
        makeData({
          type: new TimestampMicrosecond('UTC'),
          length: rows,
          data: ids.map((id) => id * 1_000_000n),
        }),
      ),
      name: vectorFromArray(
        Array.from({ length: rows }, (_, index) => `name-${index}`),
        new Utf8(),
      ),
    });
    const path = join(dir, 'million.parquet');
    const written = await writeParquet(table, path);
    expect(written.rows).toBe(rows);
    const back = await readParquet(path);
    expect(back.numRows).toBe(rows);
    for (const name of ['id', 'amount', 'ok', 'at', 'name'] as const) {
      const left = table.getChild(name)!;
      const right = back.getChild(name)!;
      for (let index = 0; index < rows; index += 997)
        expect(right.get(index), `${name}[${index}]`).toEqual(left.get(index));
      expect(right.nullCount).toBe(left.nullCount);
    }
    expect(
      (back.getChild('id')!.data[0]!.values as BigInt64Array).every(
        (value, index) => value === BigInt(index),
      ),
    ).toBe(true);
    expect(await readParquetInfo(path)).toEqual({ rows, columns: ['id', 'amount', 'ok', 'at', 'name'] });
  });
});

describe('DuckDB interop', () => {
  it('DuckDB reads our files with the right types and values', async () => {
    const path = join(dir, 'ours.parquet');
    await writeParquet(sampleTable(), path);
    const types = await duckRows(
      `select column_name, column_type from (describe select * from read_parquet('${path}'))`,
    );
    expect(Object.fromEntries(types.map((row) => [row.column_name, row.column_type]))).toEqual({
      id: 'BIGINT',
      small: 'SMALLINT',
      name: 'VARCHAR',
      payload: 'JSON',
      amount: 'DOUBLE',
      ok: 'BOOLEAN',
      at: 'TIMESTAMP WITH TIME ZONE',
      at_ms: 'TIMESTAMP WITH TIME ZONE',
      at_ns: 'TIMESTAMP WITH TIME ZONE',
      naive: 'TIMESTAMP',
      day: 'DATE',
      clock: 'TIME',
      price: 'DECIMAL(10,2)',
      big_price: 'DECIMAL(38,9)',
      raw: 'BLOB',
    });
    const rows = await duckRows(
      `select id, small, name, amount, ok, strftime("at", '%Y-%m-%dT%H:%M:%S.%f') as "at", "day"::varchar as "day", clock::varchar as clock, price::varchar as price, big_price::varchar as big_price, octet_length(raw) as raw from read_parquet('${path}') order by id`,
    );
    expect(rows[0]).toEqual({
      id: '-4',
      small: 32000,
      name: '🚀 emoji',
      amount: 1e300,
      ok: true,
      at: '1970-01-01T00:00:00.000000',
      day: '1970-01-01',
      clock: '23:59:59.999999',
      price: '9999999.99',
      big_price: null,
      raw: '70000',
    });
    expect(rows[1]).toEqual({
      id: '1',
      small: 1,
      name: 'héllo',
      amount: 1.5,
      ok: true,
      at: '2024-02-29T12:00:00.123000',
      day: '2024-02-29',
      clock: '00:00:00',
      price: '123.45',
      big_price: '10000000000000000000000000000.000000123',
      raw: '3',
    });
    expect(rows[3]).toMatchObject({
      id: '3',
      name: '',
      ok: null,
      day: null,
      price: null,
      big_price: '0.000000005',
    });
  });

  it('reads files written by DuckDB (dictionary pages, snappy, nulls)', async () => {
    const path = join(dir, 'duck.parquet');
    await duckRows(`copy (select range::bigint as id, case when range % 5 = 0 then null else 'name-' || (range % 17) end as name,
      range * 0.5 as amount, range % 2 = 0 as even, (date '2024-01-01' + range::int) as day,
      timestamptz '2024-01-01 00:00:00+00' + to_microseconds(range) as at, (range / 3)::decimal(12, 3) as price
      from range(70000)) to '${path}' (format parquet, row_group_size 30000)`);
    const table = await readParquet(path);
    expect(table.numRows).toBe(70_000);
    expect(table.schema.fields.map((field) => `${field.name}:${field.type}`)).toEqual([
      'id:Int64',
      'name:Utf8',
      'amount:Decimal[21e+1]',
      'even:Bool',
      'day:Date32<DAY>',
      'at:Timestamp<MICROSECOND, UTC>',
      'price:Decimal[12e+3]',
    ]);
    expect(table.getChild('name')!.nullCount).toBe(14_000);
    const row = table.get(69_999)!.toJSON();
    expect(row.id).toBe(69_999n);
    expect(row.name).toBe(`name-${69_999 % 17}`);
    expect(row.even).toBe(false);
    expect(String(table.getChild('amount')!.get(69_999))).toBe('349995');
    expect(table.get(10)!.toJSON().name).toBeNull();
    expect(String(table.getChild('price')!.get(10))).toBe('3333');
  });
});

describe('ParquetStreamWriter', () => {
  it('rotates files by size and rows, and on schema changes', async () => {
    const out = join(dir, 'stream');
    const writer = new ParquetStreamWriter({ directory: out, rowGroupSize: 1000, maxRowsPerFile: 2500 });
    for (let batch = 0; batch < 6; batch++) {
      await writer.write(
        tableFromArrays({ id: Int32Array.from({ length: 1000 }, (_, index) => batch * 1000 + index) }),
      );
    }
    await writer.write(
      new Table({ id: makeVector(Int32Array.of(1)), extra: vectorFromArray(['x'], new Utf8()) }),
    );
    const files = await writer.close();
    expect(files.map((file) => file.rows)).toEqual([3000, 3000, 1]);
    expect((await readdir(out)).sort()).toEqual([
      'part-00000.parquet',
      'part-00001.parquet',
      'part-00002.parquet',
    ]);
    const last = await readParquet(files[2]!.path);
    expect(last.schema.fields.map((field) => field.name)).toEqual(['id', 'extra']);
    const sizes = new ParquetStreamWriter({
      directory: join(dir, 'sized'),
      rowGroupSize: 500,
      maxFileSize: 1,
    });
    await sizes.write(tableFromArrays({ id: Float64Array.from({ length: 1200 }, (_, index) => index) }));
    expect((await sizes.close()).map((file) => file.rows)).toEqual([500, 500, 200]);
  });

  it('keeps a partial file under a temporary name until it is complete', async () => {
    const out = join(dir, 'partial');
    const writer = new ParquetStreamWriter({ directory: out, rowGroupSize: 10 });
    await writer.write(tableFromArrays({ id: new Float64Array(25) }));
    expect(await readdir(out)).toEqual(['part-00000.parquet.tmp']);
    await writer.close();
    expect(await readdir(out)).toEqual(['part-00000.parquet']);
  });
});

describe('errors', () => {
  it('explains files that are not Parquet', async () => {
    await expect(readParquet(Buffer.from('not parquet at all'))).rejects.toThrow(/not a Parquet file/);
    await expect(
      readParquet(await encodeParquet(tableFromArrays({ a: Int32Array.of(1) })), { columns: ['b'] }),
    ).rejects.toThrow(/has no column 'b'/);
  });

  it('writes binary, dates and int32 read back exactly', async () => {
    const table = new Table({
      b: vectorFromArray([new Uint8Array([1]), null], new Binary()),
      d: vectorFromArray([0, null], new DateDay()),
      i: vectorFromArray([2147483647, -2147483648], new Int32()),
      f: vectorFromArray([Number.NaN, Number.POSITIVE_INFINITY], new Float64()),
    });
    const back = await readParquet(await encodeParquet(table));
    expect(back.get(0)!.toJSON()).toEqual({ b: new Uint8Array([1]), d: 0, i: 2147483647, f: Number.NaN });
    expect(back.get(1)!.toJSON()).toEqual({ b: null, d: null, i: -2147483648, f: Number.POSITIVE_INFINITY });
  });
});
