import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { columnToArrow, resultToArrow } from '../src/internal/arrow.ts';

let instance: DuckDBInstance;
beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:');
});
afterAll(() => instance.closeSync());

// 5,000 rows span three DuckDB chunks (2,048 + 2,048 + 904), and NULLs every 7th row fall at
// positions that are not byte-aligned within a chunk.
const ROWS = 5000;
const SQL = `select
  case when range % 7 = 3 then null else range end as id,
  case when range % 7 = 4 then null else 'customer_' || range end as long_text,
  case when range % 7 = 5 then null else 'c' || (range % 10) end as short_text,
  case when range % 7 = 6 then null else ((range - 3999) / 100)::decimal(4, 2) end as d16,
  case when range % 7 = 6 then null else ((range - 2500) * 1.25)::decimal(9, 3) end as d32,
  case when range % 7 = 6 then null else ((range - 2500) * 123456.789)::decimal(18, 3) end as d64,
  case when range % 7 = 6 then null else ((range - 2500) * 1234567890123456789.5)::decimal(38, 1) end as d128,
  (range - 2500)::hugeint * '1000000000000000000000000000000007'::hugeint as huge,
  case when range % 7 = 2 then null else range % 3 = 0 end as flag,
  case when range % 7 = 1 then null else ('\\xCA\\xFE'::blob || range::varchar::blob) end as bin,
  timestamptz '2024-01-01 00:00:00+00' + to_microseconds(range * 1000003) as at
from range(${ROWS})`;

describe('resultToArrow', () => {
  it('matches the value-by-value conversion for every column across chunks and NULLs', async () => {
    const connection = await instance.connect();
    try {
      const fast = await resultToArrow(await connection.run(SQL), ROWS);
      const reader = await connection.runAndReadAll(SQL);
      const columns = reader.getColumns();
      expect(fast.numRows).toBe(ROWS);
      for (let index = 0; index < reader.columnCount; index++) {
        const name = reader.columnName(index);
        const reference = columnToArrow(reader.columnType(index), columns[index]!);
        const vector = fast.getChild(name)!;
        expect(vector.type.toString(), name).toBe(reference.type.toString());
        expect(vector.nullCount, name).toBe(reference.nullCount);
        for (let row = 0; row < ROWS; row++) {
          const expected = reference.get(row);
          const actual = vector.get(row);
          if (expected === null || actual === null) expect(actual, `${name}[${row}]`).toBe(expected);
          else expect(String(actual), `${name}[${row}]`).toBe(String(expected));
        }
      }
      expect(String(fast.getChild('d64')!.get(0))).toBe('-308641972500');
      expect(fast.getChild('long_text')!.get(4999)).toBe('customer_4999');
    } finally {
      connection.closeSync();
    }
  });
});
