import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromArrays } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { everyTypeTable } from './__fixtures__/every-type.ts';
import { cells, describeTable } from './__fixtures__/tables.ts';
import { ParquetError, readParquet, readParquetBatches, readParquetInfo, writeParquet } from './index.ts';
import { deltaBinaryPacked, deltaByteArrays } from './internal/decode-values.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'parquet-reader-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const sample = () =>
  tableFromArrays({
    id: Int32Array.from({ length: 10 }, (_, index) => index),
    name: Array.from({ length: 10 }, (_, index) => `n${index}`),
  });

describe('readParquet', () => {
  it('reads the same table from a path and from bytes', async () => {
    const path = join(dir, 'every.parquet');
    const written = await writeParquet(everyTypeTable(), path);
    const bytes = await writeParquet(everyTypeTable());
    expect(written.bytes).toBe(bytes.length);
    expect(describeTable(await readParquet(path))).toEqual(
      describeTable(await readParquet(new Uint8Array(bytes))),
    );
  });

  it('reads only the selected columns, in the order asked for', async () => {
    const table = await readParquet(await writeParquet(everyTypeTable()), { columns: ['raw', 'id'] });
    expect(table.schema.fields.map((field) => field.name)).toEqual(['raw', 'id']);
    expect(cells(table.getChild('id')!)).toEqual([
      1n,
      2n,
      -3n,
      9_223_372_036_854_775_807n,
      -9_223_372_036_854_775_808n,
    ]);
  });

  it('yields one record batch per row group', async () => {
    const bytes = await writeParquet(sample(), undefined, { rowGroupSize: 4 });
    const sizes: number[] = [];
    for await (const batch of readParquetBatches(bytes, { columns: ['name'] })) sizes.push(batch.numRows);
    expect(sizes).toEqual([4, 4, 2]);
    // readParquet puts every row group into one record batch.
    const whole = await readParquet(bytes);
    expect(whole.batches.map((batch) => batch.numRows)).toEqual([10]);
    expect(cells(whole.getChild('name')!)).toEqual(Array.from({ length: 10 }, (_, index) => `n${index}`));
  });

  it('describes a file from its footer', async () => {
    const bytes = await writeParquet(sample(), undefined, { rowGroupSize: 4, metadata: { origin: 'test' } });
    const info = await readParquetInfo(bytes);
    expect(info).toMatchObject({
      rows: 10,
      rowGroups: 3,
      columns: ['id', 'name'],
      metadata: { origin: 'test' },
    });
    expect(info.createdBy).toMatch(/^hotdata-dlt parquet version \d+\.\d+\.\d+/);
    expect(info.schema.fields.map((field) => String(field.type))).toEqual(['Int32', 'Utf8']);
  });

  it('explains bytes that are not Parquet, truncated files and missing files', async () => {
    const notParquet = await readParquet(Buffer.from('not parquet at all')).catch(
      (caught: unknown) => caught,
    );
    expect(ParquetError.isInstance(notParquet) && notParquet.code).toBe('PARQUET_INVALID_FILE');
    expect(String(notParquet)).toMatch(/The buffer is not a Parquet file \(missing PAR1 magic bytes\)/);

    const bytes = await writeParquet(sample());
    const truncated = Buffer.concat([bytes.subarray(0, 40), bytes.subarray(bytes.length - 60)]);
    await expect(readParquet(truncated)).rejects.toMatchObject({ code: 'PARQUET_INVALID_FILE' });

    const path = join(dir, 'damaged.parquet');
    const damaged = Buffer.from(bytes);
    damaged.fill(0xff, 8, 40);
    await writeFile(path, damaged);
    await expect(readParquet(path)).rejects.toMatchObject({ code: 'PARQUET_INVALID_FILE' });
    await expect(readParquet(join(dir, 'missing.parquet'))).rejects.toThrow(/does not exist; check the path/);
  });

  it('names the columns a file has when one is missing', async () => {
    const error = await readParquet(await writeParquet(sample()), { columns: ['nope'] }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toMatchObject({ code: 'PARQUET_COLUMN_NOT_FOUND' });
    expect(String(error)).toMatch(/has no column 'nope'; it has id, name/);
  });
});

/** Test-only DELTA_BINARY_PACKED writer: one block of one miniblock (enough for a few values). */
function encodeDelta(values: readonly number[]): Buffer {
  const varint = (value: number) => {
    const out: number[] = [];
    let rest = value;
    while (rest >= 0x80) {
      out.push((rest & 0x7f) | 0x80);
      rest = Math.floor(rest / 128);
    }
    out.push(rest);
    return out;
  };
  const zigzag = (value: number) => (value < 0 ? -2 * value - 1 : 2 * value);
  const deltas = values.slice(1).map((value, index) => value - values[index]!);
  const minDelta = deltas.length ? Math.min(...deltas) : 0;
  const packed = deltas.map((delta) => delta - minDelta);
  const bitWidth = Math.max(0, ...packed.map((value) => Math.ceil(Math.log2(value + 1))));
  const bits = new Uint8Array(bitWidth * 4); // 32 values per miniblock
  packed.forEach((value, index) => {
    for (let bit = 0; bit < bitWidth; bit++) {
      const position = index * bitWidth + bit;
      if ((value >> bit) & 1) bits[position >> 3]! |= 1 << (position & 7);
    }
  });
  const header = [...varint(32), ...varint(1), ...varint(values.length), ...varint(zigzag(values[0] ?? 0))];
  const block = values.length > 1 ? [...varint(zigzag(minDelta)), bitWidth, ...bits] : [];
  return Buffer.from([...header, ...block]);
}

describe('value decoders', () => {
  it('decode DELTA_BINARY_PACKED with negative and 32-bit-wide deltas', () => {
    const values = [7, 5, 3, 1000, -1000, 0, 2_147_483_647];
    const encoded = encodeDelta(values);
    const { values: decoded, end } = deltaBinaryPacked(encoded, 0, false);
    expect(Array.from(decoded as Int32Array)).toEqual(values);
    expect(end).toBe(encoded.length);
    expect(Array.from(deltaBinaryPacked(encoded, 0, true).values as BigInt64Array)).toEqual(
      values.map(BigInt),
    );
  });

  it('decode DELTA_BYTE_ARRAY (shared prefixes), the example of the Parquet spec', () => {
    const words = ['axis', 'axle', 'babble', 'babyhood'];
    const prefixes = encodeDelta([0, 2, 0, 3]);
    const suffixes = ['axis', 'le', 'babble', 'yhood'];
    const lengths = encodeDelta(suffixes.map((suffix) => suffix.length));
    const page = Buffer.concat([prefixes, lengths, Buffer.from(suffixes.join(''))]);
    const decoded = deltaByteArrays(page, 0, words.length);
    expect(
      words.map((_, index) =>
        Buffer.from(decoded.data.subarray(decoded.offsets[index]!, decoded.offsets[index + 1]!)).toString(),
      ),
    ).toEqual(words);
  });
});
