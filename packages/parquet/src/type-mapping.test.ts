import type { CompleteColumnSchema } from '@hotdata-dlt/core';
import { ConfigurationError, DATA_TYPES } from '@hotdata-dlt/core';
import { Field, FixedSizeList, Int32, List, Schema, Struct, Uint32, Uint64, Utf8 } from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  arrowFieldForColumn,
  arrowSchemaForColumns,
  arrowTypeForColumn,
  columnForArrowField,
  columnsForArrowSchema,
  DLT_DATA_TYPE_METADATA,
} from './index.ts';

const typeOf = (column: Omit<CompleteColumnSchema, 'name'>) =>
  String(arrowTypeForColumn({ name: 'c', ...column }));

describe('dlt column → Arrow type', () => {
  it('maps every dlt data type', () => {
    expect(
      Object.fromEntries(DATA_TYPES.map((dataType) => [dataType, typeOf({ data_type: dataType })])),
    ).toEqual({
      text: 'Utf8',
      double: 'Float64',
      bool: 'Bool',
      timestamp: 'Timestamp<MICROSECOND, UTC>',
      bigint: 'Int64',
      binary: 'Binary',
      json: 'Utf8',
      decimal: 'Decimal[38e+9]',
      wei: 'Utf8',
      date: 'Date32<DAY>',
      time: 'Time64<MICROSECOND>',
    });
  });

  it('picks integer widths from the bigint precision in bits', () => {
    expect([8, 16, 32, 64, 128].map((precision) => typeOf({ data_type: 'bigint', precision }))).toEqual([
      'Int8',
      'Int16',
      'Int32',
      'Int64',
      'Decimal[38e0]',
    ]);
    expect(() => typeOf({ data_type: 'bigint', precision: 256 })).toThrow(/bigint precision 256 bits/);
  });

  it('picks the timestamp unit from the precision and the zone from `timezone`', () => {
    expect(
      Array.from({ length: 10 }, (_, precision) => typeOf({ data_type: 'timestamp', precision })),
    ).toEqual([
      ...Array(4).fill('Timestamp<MILLISECOND, UTC>'),
      ...Array(3).fill('Timestamp<MICROSECOND, UTC>'),
      ...Array(3).fill('Timestamp<NANOSECOND, UTC>'),
    ]);
    expect(typeOf({ data_type: 'timestamp', timezone: false })).toBe('Timestamp<MICROSECOND>');
    expect(typeOf({ data_type: 'timestamp', precision: 9, timezone: false })).toBe('Timestamp<NANOSECOND>');
    expect(String(arrowTypeForColumn({ data_type: 'timestamp' }, { timestampPrecision: 3 }))).toBe(
      'Timestamp<MILLISECOND, UTC>',
    );
    expect(typeOf({ data_type: 'time', precision: 3 })).toBe('Time64<MICROSECOND>');
    expect(typeOf({ data_type: 'time', precision: 9 })).toBe('Time64<NANOSECOND>');
    expect(() => typeOf({ data_type: 'timestamp', precision: 10 })).toThrow(ConfigurationError);
  });

  it('uses a decimal column’s own precision and scale only when it has both, as dlt does', () => {
    expect(typeOf({ data_type: 'decimal', precision: 10, scale: 2 })).toBe('Decimal[10e+2]');
    expect(typeOf({ data_type: 'decimal', precision: 10 })).toBe('Decimal[38e+9]');
    expect(String(arrowTypeForColumn({ data_type: 'decimal' }, { decimalPrecision: [18, 4] }))).toBe(
      'Decimal[18e+4]',
    );
    expect(() => typeOf({ data_type: 'decimal', precision: 40, scale: 2 })).toThrow(
      /decimal\(40, 2\) is not supported; precision must be 1\.\.38/,
    );
    expect(() => typeOf({ data_type: 'decimal', precision: 5, scale: 6 })).toThrow(ConfigurationError);
  });

  it('rejects an unknown data type with the list of valid ones', () => {
    expect(() => typeOf({ data_type: 'uuid' as never })).toThrow(/unknown data type 'uuid'; use one of text/);
  });

  it('builds nullable fields that remember their dlt type', () => {
    const schema = arrowSchemaForColumns({
      id: { name: 'id', data_type: 'bigint', nullable: false },
      payload: { name: 'payload', data_type: 'json' },
    });
    expect(
      schema.fields.map((field) => [field.name, field.nullable, field.metadata.get(DLT_DATA_TYPE_METADATA)]),
    ).toEqual([
      ['id', false, 'bigint'],
      ['payload', true, 'json'],
    ]);
  });
});

describe('Arrow field → dlt column', () => {
  const completeColumn = fc.oneof(
    fc.constantFrom<CompleteColumnSchema>(
      { name: 'c', data_type: 'text' },
      { name: 'c', data_type: 'double' },
      { name: 'c', data_type: 'bool' },
      { name: 'c', data_type: 'binary' },
      { name: 'c', data_type: 'json' },
      { name: 'c', data_type: 'wei' },
      { name: 'c', data_type: 'date' },
    ),
    fc.record({
      name: fc.constant('c'),
      data_type: fc.constant('bigint' as const),
      precision: fc.constantFrom(8, 16, 32, 128),
    }),
    fc.record({
      name: fc.constant('c'),
      data_type: fc.constant('timestamp' as const),
      precision: fc.constantFrom(3, 9),
      timezone: fc.constantFrom(undefined, false),
    }),
    fc.integer({ min: 1, max: 38 }).chain((precision) =>
      fc.record({
        name: fc.constant('c'),
        data_type: fc.constant('decimal' as const),
        precision: fc.constant(precision),
        scale: fc.integer({ min: 0, max: precision }),
      }),
    ),
  );

  it('inverts arrowFieldForColumn for every column it can represent exactly', () => {
    fc.assert(
      fc.property(completeColumn, fc.boolean(), (column, nullable) => {
        const input: CompleteColumnSchema = { ...column, nullable };
        if (input.timezone === undefined) delete input.timezone;
        expect(columnForArrowField(arrowFieldForColumn(input))).toEqual(input);
      }),
    );
  });

  it('does not write the default precision 6 (as dlt leaves it out of inferred columns)', () => {
    expect(
      columnForArrowField(arrowFieldForColumn({ name: 't', data_type: 'timestamp', precision: 5 })),
    ).toEqual({
      name: 't',
      data_type: 'timestamp',
      nullable: true,
    });
  });

  it('infers columns for Arrow types that have no dlt twin', () => {
    const columns = columnsForArrowSchema(
      new Schema([
        new Field('u32', new Uint32(), true),
        new Field('u64', new Uint64(), false),
        new Field('tags', new List(new Field('item', new Utf8())), true),
        new Field('point', new Struct([new Field('x', new Int32())]), true),
        new Field('pair', new FixedSizeList(2, new Field('item', new Int32())), true),
        new Field('doc', new Utf8(), true, new Map([['ARROW:extension:name', 'arrow.json']])),
      ]),
    );
    expect(columns).toEqual({
      u32: { name: 'u32', data_type: 'bigint', nullable: true },
      u64: { name: 'u64', data_type: 'decimal', precision: 20, scale: 0, nullable: false },
      tags: { name: 'tags', data_type: 'json', nullable: true },
      point: { name: 'point', data_type: 'json', nullable: true },
      pair: { name: 'pair', data_type: 'json', nullable: true },
      doc: { name: 'doc', data_type: 'json', nullable: true },
    });
  });
});
