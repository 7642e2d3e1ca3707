import {
  DateDay,
  Decimal,
  Field,
  Int64,
  Schema,
  TimeMicrosecond,
  TimestampMicrosecond,
  TimestampNanosecond,
  Utf8,
} from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { keyCondition, qualifiedTable, quoteIdentifier, quoteString, sqlLiteral } from './sql.ts';

describe('SQL text', () => {
  it('quotes identifiers and strings by doubling the quote character', () => {
    expect(quoteIdentifier('we"ird')).toBe('"we""ird"');
    expect(qualifiedTable('public', 'orders')).toBe('"public"."orders"');
    expect(quoteString("it's")).toBe("'it''s'");
  });

  it('renders exact storage values as typed literals', () => {
    expect(sqlLiteral(1_700_000_000_123_456n, new TimestampMicrosecond('UTC'))).toBe(
      "CAST('2023-11-14 22:13:20.123456+00:00' AS TIMESTAMPTZ)",
    );
    expect(sqlLiteral(-1n, new TimestampNanosecond())).toBe(
      "CAST('1969-12-31 23:59:59.999999999' AS TIMESTAMP)",
    );
    expect(sqlLiteral(19_723, new DateDay())).toBe("CAST('2024-01-01' AS DATE)");
    expect(sqlLiteral(3_723_000_001n, new TimeMicrosecond())).toBe("CAST('01:02:03.000001' AS TIME)");
    expect(sqlLiteral(-12_345n, new Decimal(2, 10, 128))).toBe('-123.45');
    expect(sqlLiteral(5n, new Decimal(3, 10, 128))).toBe('0.005');
    expect(sqlLiteral(2n ** 63n - 1n, new Int64())).toBe('9223372036854775807');
    expect(sqlLiteral("o'neil", new Utf8())).toBe("'o''neil'");
    expect(sqlLiteral(true)).toBe('TRUE');
    expect(sqlLiteral(null)).toBe('NULL');
  });

  it('builds key conditions: IN for one column, OR of ANDs for several', () => {
    const schema = new Schema([new Field('id', new Int64()), new Field('day', new DateDay())]);
    expect(keyCondition(['id'], [{ id: 1n }, { id: 2n }], schema)).toBe('"id" IN (1, 2)');
    expect(keyCondition(['id', 'day'], [{ id: 1n, day: 0 }], schema)).toBe(
      `("id" = 1 AND "day" = CAST('1970-01-01' AS DATE))`,
    );
    expect(keyCondition(['id'], [])).toBe('FALSE');
  });
});
