import { ConfigurationError } from '@hotdata-dlt/core';
import { Field, Schema, TimestampMicrosecond, TimestampNanosecond, TimestampSecond } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { timestampValue } from './timestamps.ts';

const schema = new Schema([
  new Field('us', new TimestampMicrosecond('UTC')),
  new Field('ns', new TimestampNanosecond('UTC')),
  new Field('s', new TimestampSecond()),
]);
const base = BigInt(Date.UTC(2024, 0, 2, 3, 4, 5));

describe('timestampValue', () => {
  it('keeps sub-millisecond digits of ISO strings in the column unit', () => {
    expect(timestampValue('2024-01-02T03:04:05.123456789Z', schema, 'ns')).toBe(
      base * 1_000_000n + 123_456_789n,
    );
    expect(timestampValue('2024-01-02T03:04:05.123456Z', schema, 'us')).toBe(base * 1000n + 123_456n);
    expect(timestampValue(new Date(Number(base) + 7), schema, 'us')).toBe((base + 7n) * 1000n);
  });

  it('reads a string without offset as UTC (as dlt reads naive timestamps) and honours offsets', () => {
    expect(timestampValue('2024-01-02T03:04:05', schema, 'us')).toBe(base * 1000n);
    expect(timestampValue('2024-01-02 05:04:05+02:00', schema, 'us')).toBe(base * 1000n);
    expect(timestampValue('2024-01-02', schema, 's')).toBe(BigInt(Date.UTC(2024, 0, 2)) / 1000n);
  });

  it('floors into coarser units, also before 1970', () => {
    expect(timestampValue('1969-12-31T23:59:59.5Z', schema, 's')).toBe(-1n);
  });

  it('says how to write a valid timestamp', () => {
    expect(() => timestampValue('next tuesday', schema, 'us')).toThrow(ConfigurationError);
    expect(() => timestampValue('next tuesday', schema, 'us')).toThrow(/ISO 8601/);
  });
});
