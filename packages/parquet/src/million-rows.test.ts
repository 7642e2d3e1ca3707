import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import {
  Bool,
  makeData,
  makeVector,
  Table,
  TimestampMicrosecond,
  Type,
  Utf8,
  type Vector,
} from 'apache-arrow';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readParquet, writeParquet } from './index.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'parquet-million-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Every row of a column as bytes (validity, then values or lengths and bytes), for an exact comparison. */
function fingerprint(vector: Vector): Buffer {
  const validity: Buffer[] = [];
  const values: Buffer[] = [];
  const bytes: Buffer[] = [];
  for (const data of vector.data) {
    const valid = new Uint8Array(data.length).fill(1);
    const bitmap = data.nullBitmap;
    if (data.nullCount > 0 && bitmap) {
      for (let index = 0; index < data.length; index++) {
        const bit = data.offset + index;
        valid[index] = (bitmap[bit >> 3]! >> (bit & 7)) & 1;
      }
    }
    validity.push(Buffer.from(valid));
    if (data.valueOffsets) {
      const offsets = data.valueOffsets as Int32Array;
      const lengths = Int32Array.from(
        { length: data.length },
        (_, index) => offsets[index + 1]! - offsets[index]!,
      );
      values.push(Buffer.from(lengths.buffer));
      bytes.push(Buffer.from((data.values as Uint8Array).subarray(offsets[0], offsets[data.length])));
    } else if (data.typeId === Type.Bool) {
      const bits = new Uint8Array(data.length);
      const packed = data.values as Uint8Array;
      for (let index = 0; index < data.length; index++) {
        const bit = data.offset + index;
        bits[index] = valid[index]! & (packed[bit >> 3]! >> (bit & 7));
      }
      values.push(Buffer.from(bits));
    } else {
      const typed = data.values as BigInt64Array | Float64Array;
      values.push(Buffer.from(typed.buffer, typed.byteOffset, data.length * typed.BYTES_PER_ELEMENT));
    }
  }
  return Buffer.concat([...validity, ...values, ...bytes]);
}

/** A Utf8 vector of ASCII strings built directly (Arrow's value-by-value builder takes seconds for 1M). */
function asciiVector(strings: string[]): Vector {
  const offsets = new Int32Array(strings.length + 1);
  strings.forEach((text, index) => {
    offsets[index + 1] = offsets[index]! + text.length;
  });
  return makeVector(
    makeData({
      type: new Utf8(),
      length: strings.length,
      valueOffsets: offsets,
      data: Buffer.from(strings.join(''), 'latin1'),
    }),
  );
}

function booleanVector(length: number, valueAt: (index: number) => boolean | null): Vector {
  const data = new Uint8Array(Math.ceil(length / 8));
  const nullBitmap = new Uint8Array(Math.ceil(length / 8));
  let nullCount = 0;
  for (let index = 0; index < length; index++) {
    const value = valueAt(index);
    if (value === null) nullCount++;
    else nullBitmap[index >> 3]! |= 1 << (index & 7);
    if (value) data[index >> 3]! |= 1 << (index & 7);
  }
  return makeVector(makeData({ type: new Bool(), length, nullCount, nullBitmap, data }));
}

it('writes and reads back a 1M-row table equal, and DuckDB agrees', async () => {
  const rows = 1_000_000;
  const ids = BigInt64Array.from({ length: rows }, (_, index) => BigInt(index));
  const table = new Table({
    id: makeVector(ids),
    name: asciiVector(Array.from({ length: rows }, (_, index) => `name-${index}`)),
    amount: makeVector(Float64Array.from({ length: rows }, (_, index) => index * 0.5 - 1000)),
    ok: booleanVector(rows, (index) => (index % 3 === 0 ? null : index % 2 === 0)),
    at: makeVector(
      makeData({
        type: new TimestampMicrosecond('UTC'),
        length: rows,
        data: ids.map((id) => 1_700_000_000_000_000n + id * 1_000_003n),
      }),
    ),
  });
  const path = join(dir, 'million.parquet');
  expect(await writeParquet(table, path)).toMatchObject({ rows });
  const back = await readParquet(path);
  expect(back.numRows).toBe(rows);
  for (const name of ['id', 'name', 'amount', 'ok', 'at'] as const) {
    expect(fingerprint(back.getChild(name)!).equals(fingerprint(table.getChild(name)!)), name).toBe(true);
  }

  const duck = await DuckDBInstance.create(':memory:');
  try {
    const connection = await duck.connect();
    const result =
      await connection.runAndReadAll(`select count(*)::int as n, sum(id)::varchar as ids, count(ok)::int as oks,
        max(name) as top, sum(amount)::bigint::varchar as amounts, max(epoch_us("at"))::varchar as latest from read_parquet('${path}')`);
    expect(result.getRowObjectsJson()).toEqual([
      {
        n: rows,
        ids: '499999500000',
        oks: rows - Math.ceil(rows / 3),
        top: 'name-999999',
        amounts: String(0.5 * ((rows * (rows - 1)) / 2) - 1000 * rows),
        latest: String(1_700_000_000_000_000n + 999_999n * 1_000_003n),
      },
    ]);
    connection.closeSync();
  } finally {
    duck.closeSync();
  }
});
