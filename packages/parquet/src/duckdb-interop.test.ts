import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { everyTypeTable, everyTypeValues } from './__fixtures__/every-type.ts';
import { cells } from './__fixtures__/tables.ts';
import { ParquetError, readParquet, readParquetInfo, writeParquet } from './index.ts';

let dir: string;
let duck: DuckDBInstance;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'parquet-duckdb-'));
  duck = await DuckDBInstance.create(':memory:');
});
afterAll(async () => {
  duck.closeSync();
  await rm(dir, { recursive: true, force: true });
});

async function sql(query: string): Promise<Record<string, unknown>[]> {
  const connection = await duck.connect();
  try {
    return (await connection.runAndReadAll(query)).getRowObjectsJson() as Record<string, unknown>[];
  } finally {
    connection.closeSync();
  }
}

async function columnTypes(from: string): Promise<Record<string, unknown>> {
  const rows = await sql(`select column_name, column_type from (describe select * from ${from})`);
  return Object.fromEntries(rows.map((row) => [row.column_name, row.column_type]));
}

function column(rows: Record<string, unknown>[], name: string): unknown[] {
  return rows.map((row) => row[name] ?? null);
}

function formatDecimal(unscaled: bigint | null, scale: number): string | null {
  if (unscaled === null) return null;
  const digits = (unscaled < 0n ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return unscaled < 0n ? `-${text}` : text;
}

describe('DuckDB reads files written by the column writer', () => {
  it('with the dlt types as DuckDB types', async () => {
    const path = join(dir, 'every-type.parquet');
    await writeParquet(everyTypeTable(), path);
    expect(await columnTypes(`read_parquet('${path}')`)).toEqual({
      id: 'BIGINT',
      tiny: 'TINYINT',
      small: 'SMALLINT',
      int: 'INTEGER',
      huge: 'DECIMAL(38,0)',
      name: 'VARCHAR',
      payload: 'JSON',
      amount: 'DOUBLE',
      ok: 'BOOLEAN',
      at_s: 'TIMESTAMP WITH TIME ZONE',
      at_ms: 'TIMESTAMP WITH TIME ZONE',
      at_us: 'TIMESTAMP WITH TIME ZONE',
      at_ns: 'TIMESTAMP WITH TIME ZONE',
      naive: 'TIMESTAMP',
      naive_ns: 'TIMESTAMP_NS',
      day: 'DATE',
      clock: 'TIME',
      clock_ns: 'TIME_NS',
      price: 'DECIMAL(4,2)',
      cost: 'DECIMAL(18,3)',
      ratio: 'DECIMAL(38,9)',
      wide: 'DECIMAL(20,0)',
      balance: 'VARCHAR',
      raw: 'BLOB',
    });
  });

  it('with every value exact', async () => {
    const path = join(dir, 'every-type-values.parquet');
    await writeParquet(everyTypeTable(), path, { rowGroupSize: 2 });
    const rows = await sql(`select
        id::varchar as id, tiny::varchar as tiny, small::varchar as small, "int"::varchar as "int", huge::varchar as huge,
        "name", payload::varchar as payload, amount::varchar as amount, ok,
        epoch_ms(at_s)::varchar as at_s, epoch_ms(at_ms)::varchar as at_ms, epoch_us(at_us)::varchar as at_us,
        epoch_us(at_ns)::varchar as at_ns, epoch_us(naive)::varchar as naive, epoch_ns(naive_ns)::varchar as naive_ns,
        "day"::varchar as "day", clock::varchar as clock, clock_ns::varchar as clock_ns,
        price::varchar as price, cost::varchar as cost, ratio::varchar as ratio, wide::varchar as wide,
        balance, md5(raw) as raw
      from read_parquet('${path}')`);
    const asText = (name: string) =>
      everyTypeValues[name]!.map((value) => (value === null ? null : String(value)));
    for (const name of [
      'id',
      'tiny',
      'small',
      'int',
      'huge',
      'name',
      'payload',
      'at_s',
      'at_ms',
      'at_us',
      'naive',
      'naive_ns',
      'balance',
    ])
      expect(column(rows, name), name).toEqual(asText(name));
    expect(column(rows, 'amount')).toEqual(['1.5', null, '-0.25', '1e+300', '-inf']);
    expect(column(rows, 'ok')).toEqual([true, false, null, true, false]);
    // DuckDB's TIMESTAMPTZ has microseconds: nanoseconds are truncated on its side.
    expect(column(rows, 'at_ns').slice(0, 3)).toEqual(['1709208000123456', '0', '0']);
    expect(column(rows, 'day')).toEqual(['2024-02-29', '1900-01-01', null, '1970-01-01', '0001-01-01']);
    expect(column(rows, 'clock')).toEqual([
      '00:00:00',
      '12:00:00',
      null,
      '23:59:59.999999',
      '00:00:00.000001',
    ]);
    expect(column(rows, 'clock_ns')).toEqual([
      '00:00:00',
      '23:59:59.999999999',
      '00:00:00.000000001',
      null,
      '12:00:00.000000001',
    ]);
    for (const [name, scale] of [
      ['price', 2],
      ['cost', 3],
      ['ratio', 9],
      ['wide', 0],
    ] as const)
      expect(column(rows, name), name).toEqual(
        everyTypeValues[name]!.map((value) => formatDecimal(value as bigint | null, scale)),
      );
    expect(column(rows, 'raw')).toEqual(
      everyTypeValues.raw!.map((value) =>
        value === null
          ? null
          : createHash('md5')
              .update(value as Uint8Array)
              .digest('hex'),
      ),
    );
  });

  it('counts nulls and sums values across many row groups', async () => {
    const rows = 50_000;
    const ids = BigInt64Array.from({ length: rows }, (_, index) => BigInt(index));
    const { Table, makeVector, vectorFromArray, Utf8 } = await import('apache-arrow');
    const table = new Table({
      id: makeVector(ids),
      label: vectorFromArray(
        Array.from({ length: rows }, (_, index) => (index % 7 === 0 ? null : `label-${index % 100}`)),
        new Utf8(),
      ),
    });
    const path = join(dir, 'many-groups.parquet');
    await writeParquet(table, path, { rowGroupSize: 4096, compression: 'ZSTD' });
    expect((await readParquetInfo(path)).rowGroups).toBe(13);
    expect(
      await sql(
        `select count(*)::int as n, count(label)::int as labels, sum(id)::varchar as total, max(label) as top from read_parquet('${path}')`,
      ),
    ).toEqual([
      {
        n: rows,
        labels: rows - Math.ceil(rows / 7),
        total: String((rows * (rows - 1)) / 2),
        top: 'label-99',
      },
    ]);
  });
});

// Every type DuckDB writes that maps onto a dlt type, with nulls, negative values and repeats.
const DUCKDB_SOURCE = `select
    range::bigint as big, (range % 100 - 50)::tinyint as tiny, (range * 7 - 30000)::smallint as small, (range * 1000 - 4)::int as int,
    range::ubigint as ubig, (range % 200)::utinyint as utiny, range::uinteger as uint,
    (range * 1.5 - 7)::double as dbl, (range / 3)::float as flt, case when range % 3 = 0 then null else range % 2 = 0 end as flag,
    case when range % 5 = 0 then null else 'näme-' || (range % 17) end as txt, repeat('long ', range % 40) || range as long_txt,
    ('{"n":' || range || '}')::json as doc, ('\\x' || lpad(to_hex(range % 256), 2, '0'))::blob as bin,
    date '1900-01-01' + (range * 3)::int as dt, time '00:00:00' + to_microseconds(range * 1234567) as tm,
    timestamp '1960-01-01' + to_microseconds(range * 123456789) as ts,
    timestamptz '2024-01-01 00:00:00+00' - to_microseconds(range * 987654321) as tstz,
    ('2024-01-01'::timestamp + to_milliseconds(range))::timestamp_ms as ts_ms,
    make_timestamp_ns(1704067200000000000 + range * 1001) as ts_ns,
    ((range % 1999) / 10.0 - 99.9)::decimal(4, 2) as dec4, (range * 1000.123 - 5e6)::decimal(18, 3) as dec18,
    (range * -12345.6789)::decimal(38, 9) as dec38, (range % 10)::decimal(20, 0) as dec20,
    ('00000000-0000-4000-8000-' || lpad(range::varchar, 12, '0'))::uuid as id_uuid
  from range(5000)`;

describe('the reader reads files written by DuckDB', () => {
  beforeAll(async () => {
    await sql(`create table source as ${DUCKDB_SOURCE}`);
  });

  it('with Arrow types matching the Parquet types', async () => {
    const path = join(dir, 'duck-types.parquet');
    await sql(`copy source to '${path}' (format parquet)`);
    const table = await readParquet(path);
    expect(Object.fromEntries(table.schema.fields.map((field) => [field.name, String(field.type)]))).toEqual({
      big: 'Int64',
      tiny: 'Int8',
      small: 'Int16',
      int: 'Int32',
      ubig: 'Uint64',
      utiny: 'Uint8',
      uint: 'Uint32',
      dbl: 'Float64',
      flt: 'Float32',
      flag: 'Bool',
      txt: 'Utf8',
      long_txt: 'Utf8',
      doc: 'Utf8',
      bin: 'Binary',
      dt: 'Date32<DAY>',
      tm: 'Time64<MICROSECOND>',
      ts: 'Timestamp<MICROSECOND>',
      tstz: 'Timestamp<MICROSECOND, UTC>',
      ts_ms: 'Timestamp<MILLISECOND>',
      ts_ns: 'Timestamp<NANOSECOND>',
      dec4: 'Decimal[4e+2]',
      dec18: 'Decimal[18e+3]',
      dec38: 'Decimal[38e+9]',
      dec20: 'Decimal[20e0]',
      id_uuid: 'Utf8',
    });
    expect(cells(table.getChild('id_uuid')!).slice(0, 2)).toEqual([
      '00000000-0000-4000-8000-000000000000',
      '00000000-0000-4000-8000-000000000001',
    ]);
    expect(cells(table.getChild('txt')!).slice(0, 3)).toEqual([null, 'näme-1', 'näme-2']);
    expect(cells(table.getChild('dec38')!)[3]).toBe(-37_037_036_700_000n);
    expect(
      table.schema.fields.find((field) => field.name === 'doc')!.metadata.get('hotdata-dlt:data_type'),
    ).toBe('json');
  });

  // Reading DuckDB's file and writing it again must give DuckDB back exactly the same rows: this checks
  // every value of every column under each page version, encoding family and compression codec.
  it.each([
    ['v1', 'snappy'],
    ['v2', 'snappy'],
    ['v1', 'zstd'],
    ['v2', 'gzip'],
    ['v1', 'lz4_raw'],
    ['v2', 'uncompressed'],
  ])('round-trips every value of a DuckDB file (parquet %s, %s)', async (version, codec) => {
    const original = join(dir, `duck-${version}-${codec}.parquet`);
    const copy = join(dir, `ours-${version}-${codec}.parquet`);
    await sql(
      `copy source to '${original}' (format parquet, parquet_version ${version}, compression ${codec}, row_group_size 2048)`,
    );
    const [file] = await sql(`select string_agg(distinct encodings, ',' order by encodings) as encodings,
        string_agg(distinct compression, ',') as codecs from parquet_metadata('${original}')`);
    const expected =
      version === 'v2'
        ? ['BYTE_STREAM_SPLIT', 'DELTA_BINARY_PACKED', 'DELTA_LENGTH_BYTE_ARRAY', 'RLE_DICTIONARY']
        : ['PLAIN', 'PLAIN_DICTIONARY'];
    for (const encoding of expected) expect(String(file!.encodings)).toContain(encoding);
    expect(file!.codecs).toBe(codec.toUpperCase());
    const table = await readParquet(original);
    expect(table.numRows).toBe(5000);
    await writeParquet(table, copy, { rowGroupSize: 1500 });
    const fromDuck = `(select * replace (id_uuid::varchar as id_uuid) from read_parquet('${original}'))`;
    const fromUs = `read_parquet('${copy}')`;
    expect(await columnTypes(fromUs)).toEqual(await columnTypes(fromDuck));
    const [difference] = await sql(`select
        (select count(*) from (select * from ${fromDuck} except all select * from ${fromUs}))::int as missing,
        (select count(*) from (select * from ${fromUs} except all select * from ${fromDuck}))::int as extra,
        (select count(*) from ${fromUs})::int as total`);
    expect(difference).toEqual({ missing: 0, extra: 0, total: 5000 });
  });

  it('reads the flat columns of a file with nested ones when asked for them', async () => {
    const path = join(dir, 'duck-nested.parquet');
    await sql(
      `copy (select range as id, [range, range + 1] as pair, {'a': range} as point, 'x' || range as label from range(10)) to '${path}' (format parquet)`,
    );
    const error = await readParquet(path).catch((caught: unknown) => caught);
    expect(ParquetError.isInstance(error) && error.code).toBe('PARQUET_UNSUPPORTED');
    expect(String(error)).toMatch(/has nested columns \(pair, point\).*pass the columns option/);
    const flat = await readParquet(path, { columns: ['label', 'id'] });
    expect(flat.schema.fields.map((field) => field.name)).toEqual(['label', 'id']);
    expect(cells(flat.getChild('label')!)).toEqual(Array.from({ length: 10 }, (_, index) => `x${index}`));
    await expect(readParquet(path, { columns: ['point'] })).rejects.toThrow(/Column 'point' .* is nested/);
  });
});
