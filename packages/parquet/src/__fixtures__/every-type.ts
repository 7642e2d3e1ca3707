// Every dlt data type (and precision variant) with stored values: extremes, negatives, nulls, unicode,
// a large binary. Shared by the round-trip and DuckDB interop tests.
import type { CompleteColumnSchema } from '@hotdata-dlt/core';
import { type Decimal, type Table, type Vector, vectorFromArray } from 'apache-arrow';
import { arrowSchemaForColumns } from '../type-mapping.ts';
import { decimalVector, fixedVector, tableOf } from './tables.ts';

/** One column per dlt type and precision variant. */
export const everyTypeColumns: CompleteColumnSchema[] = [
  { name: 'id', data_type: 'bigint', nullable: false },
  { name: 'tiny', data_type: 'bigint', precision: 8 },
  { name: 'small', data_type: 'bigint', precision: 16 },
  { name: 'int', data_type: 'bigint', precision: 32 },
  { name: 'huge', data_type: 'bigint', precision: 128 },
  { name: 'name', data_type: 'text' },
  { name: 'payload', data_type: 'json' },
  { name: 'amount', data_type: 'double' },
  { name: 'ok', data_type: 'bool' },
  { name: 'at_s', data_type: 'timestamp', precision: 0 },
  { name: 'at_ms', data_type: 'timestamp', precision: 3 },
  { name: 'at_us', data_type: 'timestamp' },
  { name: 'at_ns', data_type: 'timestamp', precision: 9 },
  { name: 'naive', data_type: 'timestamp', timezone: false },
  { name: 'naive_ns', data_type: 'timestamp', precision: 9, timezone: false },
  { name: 'day', data_type: 'date' },
  { name: 'clock', data_type: 'time' },
  { name: 'clock_ns', data_type: 'time', precision: 9 },
  { name: 'price', data_type: 'decimal', precision: 4, scale: 2 },
  { name: 'cost', data_type: 'decimal', precision: 18, scale: 3 },
  { name: 'ratio', data_type: 'decimal' },
  { name: 'wide', data_type: 'decimal', precision: 20, scale: 0 },
  { name: 'balance', data_type: 'wei' },
  { name: 'raw', data_type: 'binary' },
];

const DAY_NS = 86_400_000_000_000n;

/** Stored values per column: 5 rows, nulls in every nullable column, extremes and negatives. */
export const everyTypeValues: Record<string, ReadonlyArray<unknown>> = {
  id: [1n, 2n, -3n, 9_223_372_036_854_775_807n, -9_223_372_036_854_775_808n],
  tiny: [127, null, -128, 0, -1],
  small: [32_767, -32_768, null, 1, -300],
  int: [2_147_483_647, -2_147_483_648, 0, null, 42],
  huge: [10n ** 37n, -(10n ** 37n) - 12_345n, null, 9_223_372_036_854_775_808n, -1n],
  name: ['héllo wörld', null, '', '🚀 emoji 漢字 e\u0301 \u0000nul', 'x'.repeat(1000)],
  payload: ['{"a":1,"b":[true,null]}', '[1,2]', null, '"s"', '{"ü":"🚀"}'],
  amount: [1.5, null, -0.25, 1e300, Number.NEGATIVE_INFINITY],
  ok: [true, false, null, true, false],
  // Seconds-precision timestamps are stored in milliseconds (Parquet has no seconds unit).
  at_s: [1_709_208_000_000n, null, -1_000n, 0n, -62_135_596_800_000n],
  at_ms: [1_709_208_000_123n, -1n, null, 0n, 253_402_300_799_999n],
  at_us: [1_709_208_000_123_456n, -14_182_940_000_000n, 0n, null, 1n],
  at_ns: [1_709_208_000_123_456_789n, -1n, 0n, 9_223_372_036_854_775_807n, null],
  naive: [1_704_096_000_000_000n, null, -1n, 0n, 1n],
  naive_ns: [null, -(DAY_NS * 365n) + 7n, 0n, 1n, 2n],
  day: [19_782, -25_567, null, 0, -719_162],
  clock: [0n, 43_200_000_000n, null, 86_399_999_999n, 1n],
  clock_ns: [0n, 86_399_999_999_999n, 1n, null, 43_200_000_000_001n],
  price: [9_999n, -9_999n, 0n, null, -1n],
  cost: [999_999_999_999_999_999n, -999_999_999_999_999_999n, null, -1n, 12_345n],
  ratio: [10n ** 38n - 1n, -(10n ** 38n - 1n), -1n, 0n, null],
  wide: [99_999_999_999_999_999_999n, -99_999_999_999_999_999_999n, null, 0n, -1n],
  balance: [
    '115792089237316195423570985008687907853269984665640564039457584007913129639935',
    '0',
    null,
    '1',
    '42',
  ],
  raw: [
    Uint8Array.of(0, 1, 255),
    null,
    new Uint8Array(0),
    Uint8Array.from({ length: 3 * 1024 * 1024 }, (_, index) => (index * 7) % 256),
    Uint8Array.of(0),
  ],
};

/** A table of `everyTypeColumns` holding `everyTypeValues`, built from the stored values. */
export function everyTypeTable(): Table {
  const schema = arrowSchemaForColumns(everyTypeColumns);
  const vectors: Vector[] = schema.fields.map((field) => {
    const values = everyTypeValues[field.name]!;
    const typeName = String(field.type);
    if (typeName.startsWith('Decimal'))
      return decimalVector(field.type as Decimal, values as Array<bigint | null>);
    if (typeName === 'Utf8' || typeName === 'Binary' || typeName === 'Bool')
      return vectorFromArray(values as never, field.type);
    return fixedVector(field.type, values as Array<number | bigint | null>);
  });
  return tableOf(schema.fields, vectors);
}
