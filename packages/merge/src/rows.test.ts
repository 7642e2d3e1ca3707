import {
  Binary,
  Bool,
  DateDay,
  DateMillisecond,
  Decimal,
  Dictionary,
  Field,
  Float16,
  Float32,
  Float64,
  Int8,
  Int16,
  Int32,
  Int64,
  LargeBinary,
  LargeUtf8,
  List,
  Schema,
  Table,
  TimeMicrosecond,
  TimeMillisecond,
  TimestampMicrosecond,
  TimestampMillisecond,
  TimestampNanosecond,
  TimestampSecond,
  Uint64,
  Utf8,
  vectorFromArray,
} from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dedupRows } from './chain.ts';
import { MergeError } from './errors.ts';
import { keyOf, rowsToTable, tableToRows } from './rows.ts';

const everyType = new Schema([
  new Field('utf8', new Utf8()),
  new Field('large_utf8', new LargeUtf8()),
  new Field('binary', new Binary()),
  new Field('large_binary', new LargeBinary()),
  new Field('bool', new Bool()),
  new Field('i8', new Int8()),
  new Field('i16', new Int16()),
  new Field('i32', new Int32()),
  new Field('i64', new Int64()),
  new Field('u64', new Uint64()),
  new Field('f16', new Float16()),
  new Field('f32', new Float32()),
  new Field('f64', new Float64()),
  new Field('decimal', new Decimal(9, 38, 128)),
  new Field('date', new DateDay()),
  new Field('date64', new DateMillisecond()),
  new Field('time_ms', new TimeMillisecond()),
  new Field('time_us', new TimeMicrosecond()),
  new Field('ts_s', new TimestampSecond()),
  new Field('ts_ms', new TimestampMillisecond('UTC')),
  new Field('ts_us', new TimestampMicrosecond('UTC')),
  new Field('ts_ns', new TimestampNanosecond('UTC')),
]);

const sample = {
  utf8: 'zürich 🚀',
  large_utf8: 'large',
  binary: new Uint8Array([0, 255, 7]),
  large_binary: new Uint8Array([1]),
  bool: true,
  i8: -128,
  i16: 32767,
  i32: -2147483648,
  i64: -9223372036854775808n,
  u64: 18446744073709551615n,
  f16: 1.5,
  f32: 0.25,
  f64: Math.PI,
  decimal: -(10n ** 37n) + 1n,
  date: -719162,
  date64: 253402300799000n,
  time_ms: 86_399_999,
  time_us: 86_399_999_999n,
  ts_s: -1n,
  ts_ms: 1_704_067_200_123n,
  ts_us: 1_704_067_200_123_456n,
  ts_ns: 1_704_067_200_123_456_789n,
};

describe('rows', () => {
  it('round-trip every supported Arrow type with exact values, nulls included', () => {
    const nulls = Object.fromEntries(everyType.fields.map((field) => [field.name, null]));
    const rows = tableToRows(rowsToTable(everyType, [sample, nulls, { bool: false }]));
    expect(rows[0]).toEqual(sample);
    expect(rows[1]).toEqual(nulls);
    expect(rows[2]).toEqual({ ...nulls, bool: false });
  });

  it('read sliced and multi-chunk tables', () => {
    const schema = new Schema([
      new Field('s', new Utf8()),
      new Field('b', new Bool()),
      new Field('n', new Int64()),
    ]);
    const rows = Array.from({ length: 20 }, (_, index) => ({
      s: `s${index}`,
      b: index % 3 === 0,
      n: BigInt(index),
    }));
    const table = rowsToTable(schema, rows);
    expect(tableToRows(table.slice(5, 15))).toEqual(rows.slice(5, 15));
    const chunked = new Table([...table.slice(0, 7).batches, ...table.slice(7).batches]);
    expect(tableToRows(chunked)).toEqual(rows);
  });

  it('read dictionary columns as their values', () => {
    const vector = vectorFromArray(['a', null, 'b', 'a'], new Dictionary(new Utf8(), new Int32()));
    const table = new Table({ s: vector });
    expect(tableToRows(table).map((row) => row.s)).toEqual(['a', null, 'b', 'a']);
  });

  it('refuse nested Arrow types with a message saying what to do', () => {
    const table = new Table({ list: vectorFromArray([[1]], new List(new Field('item', new Int32()))) });
    expect(() => tableToRows(table)).toThrow(/JSON text/);
    expect(() => tableToRows(table)).toThrow(MergeError);
  });

  it('keyOf compares with SQL equality: null never matches, ints equal across number and bigint', () => {
    expect(keyOf({ a: 1, b: 'x' }, ['a', 'b'])).toBe(keyOf({ a: 1n, b: 'x' }, ['a', 'b']));
    expect(keyOf({ a: null }, ['a'])).toBeUndefined();
    expect(keyOf({ a: 1 }, ['a'])).not.toBe(keyOf({ a: '1' }, ['a']));
    fc.assert(
      fc.property(
        fc.tuple(fc.string(), fc.string()),
        fc.tuple(fc.string(), fc.string()),
        (left, right) =>
          (keyOf({ a: left[0], b: left[1] }, ['a', 'b']) ===
            keyOf({ a: right[0], b: right[1] }, ['a', 'b'])) ===
          (left[0] === right[0] && left[1] === right[1]),
      ),
    );
  });
});

describe('dedupRows', () => {
  const rows = [
    { k: 1n, s: 1n, n: 'a' },
    { k: 1n, s: 3n, n: 'b' },
    { k: 1n, s: null, n: 'x' },
    { k: 1n, s: 2n, n: 'c' },
    { k: null, s: 0n, n: 'd' },
    { k: null, s: 0n, n: 'e' },
  ];

  it('keeps the last row per key without dedup_sort, and every null-key row', () => {
    expect(dedupRows(rows, ['k']).map((row) => row.n)).toEqual(['c', 'd', 'e']);
  });

  it('keeps the highest (desc) or lowest (asc) sort value; a null sort value never wins', () => {
    expect(dedupRows(rows, ['k'], { column: 's', order: 'desc' }).map((row) => row.n)).toEqual([
      'b',
      'd',
      'e',
    ]);
    expect(dedupRows(rows, ['k'], { column: 's', order: 'asc' }).map((row) => row.n)).toEqual([
      'a',
      'd',
      'e',
    ]);
  });
});
