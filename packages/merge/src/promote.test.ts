import { SchemaError } from '@hotdata-dlt/core';
import {
  Binary,
  Bool,
  type DataType,
  DateDay,
  DateMillisecond,
  Decimal,
  Dictionary,
  Field,
  Float32,
  Float64,
  Int8,
  Int16,
  Int32,
  Int64,
  LargeUtf8,
  Null,
  Schema,
  TimeMicrosecond,
  TimeMillisecond,
  TimestampMicrosecond,
  TimestampMillisecond,
  TimestampNanosecond,
  Uint8,
  Uint32,
  Uint64,
  Utf8,
  vectorFromArray,
} from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { alignToSchema, promoteSchemas, widerType } from './promote.ts';
import { rowsToTable, tableToRows } from './rows.ts';

const widened = (left: DataType, right: DataType) => {
  const forward = widerType(left, right);
  const backward = widerType(right, left);
  expect(String(backward), `${left} + ${right} is symmetric`).toBe(String(forward));
  return forward === undefined ? undefined : String(forward);
};

describe('widerType', () => {
  it.each([
    [new Int8(), new Int32(), 'Int32'],
    [new Int16(), new Int64(), 'Int64'],
    [new Uint8(), new Uint32(), 'Uint32'],
    [new Uint8(), new Int8(), 'Int16'],
    [new Uint32(), new Int16(), 'Int64'],
    [new Uint32(), new Int64(), 'Int64'],
    [new Uint64(), new Int8(), 'Decimal[20e0]'],
    [new Float32(), new Float64(), 'Float64'],
    [new Int32(), new Float32(), 'Float64'],
    [new Int64(), new Float64(), 'Float64'],
    [new Decimal(2, 10, 128), new Decimal(4, 8, 128), 'Decimal[12e+4]'],
    [new Int32(), new Decimal(2, 5, 128), 'Decimal[12e+2]'],
    [new Decimal(2, 10, 128), new Float64(), 'Float64'],
    [new DateDay(), new DateMillisecond(), 'Date64<MILLISECOND>'],
    [new DateDay(), new TimestampMicrosecond('UTC'), 'Timestamp<MICROSECOND, UTC>'],
    [new TimestampMillisecond(), new TimestampMicrosecond('UTC'), 'Timestamp<MICROSECOND, UTC>'],
    [new TimestampNanosecond('UTC'), new TimestampMicrosecond('UTC'), 'Timestamp<NANOSECOND, UTC>'],
    [new TimeMillisecond(), new TimeMicrosecond(), 'Time64<MICROSECOND>'],
    [new Utf8(), new LargeUtf8(), 'LargeUtf8'],
    [new Null(), new Utf8(), 'Utf8'],
    [new Dictionary(new Utf8(), new Int32()), new Utf8(), 'Utf8'],
  ])('%s + %s -> %s', (left, right, expected) => {
    expect(widened(left, right)).toBe(expected);
  });

  it.each([
    [new Utf8(), new Int64()],
    [new Bool(), new Int8()],
    [new Binary(), new Utf8()],
    [new TimestampMicrosecond('UTC'), new Int64()],
    [new DateDay(), new Utf8()],
  ])('%s and %s conflict', (left, right) => {
    expect(widened(left, right)).toBeUndefined();
  });
});

describe('promoteSchemas', () => {
  it('keeps existing columns in order, appends new ones as nullable, widens shared ones', () => {
    const promoted = promoteSchemas(
      new Schema([new Field('a', new Int32(), false), new Field('b', new Utf8(), false)]),
      new Schema([new Field('c', new Bool(), false), new Field('a', new Int64(), false)]),
    );
    expect(promoted.fields.map((field) => `${field.name}:${field.type}:${field.nullable}`)).toEqual([
      'a:Int64:false',
      'b:Utf8:false',
      'c:Bool:true',
    ]);
  });

  it('refuses incompatible types with a SchemaError naming the column', () => {
    const attempt = () =>
      promoteSchemas(
        new Schema([new Field('price', new Int64())]),
        new Schema([new Field('price', new Utf8())]),
      );
    expect(attempt).toThrow(/Column 'price' is Int64 in the table but Utf8 in the batch/);
    try {
      attempt();
    } catch (error) {
      expect(error).toBeInstanceOf(SchemaError);
      expect((error as SchemaError).column).toBe('price');
    }
  });
});

describe('alignToSchema converts values exactly', () => {
  it('widens ints, dates, timestamps, times and decimals without losing a digit', () => {
    const source = new Schema([
      new Field('i', new Int32()),
      new Field('big', new Int64()),
      new Field('d', new DateDay()),
      new Field('ts', new TimestampMillisecond()),
      new Field('t', new TimeMillisecond()),
      new Field('dec', new Decimal(2, 10, 128)),
      new Field('f', new Float32()),
    ]);
    const table = rowsToTable(source, [
      { i: -7, big: 9007199254740993n, d: 19723, ts: 1_704_067_200_123n, t: 3_600_001, dec: 12345n, f: 1.5 },
      {},
    ]);
    const target = new Schema([
      new Field('i', new Int64()),
      new Field('big', new Decimal(0, 20, 128)),
      new Field('d', new TimestampMicrosecond('UTC')),
      new Field('ts', new TimestampNanosecond('UTC')),
      new Field('t', new TimeMicrosecond()),
      new Field('dec', new Decimal(4, 12, 128)),
      new Field('f', new Float64()),
      new Field('added', new Utf8()),
    ]);
    const [first, second] = tableToRows(alignToSchema(table, target));
    expect(first).toEqual({
      i: -7n,
      big: 9007199254740993n,
      d: 1_704_067_200_000_000n,
      ts: 1_704_067_200_123_000_000n,
      t: 3_600_001_000n,
      dec: 1_234_500n,
      f: 1.5,
      added: null,
    });
    expect(Object.values(second!).every((value) => value === null)).toBe(true);
  });

  it('turns dictionary columns into plain ones and returns a matching table unchanged', () => {
    const schema = new Schema([new Field('s', new Utf8())]);
    const plain = rowsToTable(schema, [{ s: 'x' }]);
    expect(alignToSchema(plain, schema)).toBe(plain);
    const dictionary = vectorFromArray(['a', 'b', 'a'], new Dictionary(new Utf8(), new Int32()));
    const promoted = promoteSchemas(new Schema([]), new Schema([new Field('s', dictionary.type)]));
    const table = rowsToTable(
      promoted,
      ['a', 'b', 'a'].map((s) => ({ s })),
    );
    expect(String(promoted.fields[0]!.type)).toBe('Utf8');
    expect(tableToRows(table).map((row) => row.s)).toEqual(['a', 'b', 'a']);
  });
});
