// Decoders of Parquet value encodings into a flat form: fixed-width values as raw little-endian bytes,
// byte arrays as offsets + bytes, booleans as one byte per value. PLAIN, the dictionary encodings,
// RLE booleans, DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY, DELTA_BYTE_ARRAY and BYTE_STREAM_SPLIT:
// what DuckDB, Arrow (pyarrow, arrow-rs) and parquet-mr write with version 1 and version 2 pages.
import { ParquetError } from '../errors.ts';
import { decodeHybrid, readVarint, unpackBits } from './hybrid.ts';

/** Fixed-width values: `count` values of `width` bytes each, little-endian as Parquet PLAIN stores them. */
export interface FixedValues {
  kind: 'fixed';
  bytes: Uint8Array;
  count: number;
}

/** Variable-length values: value `i` is `data[offsets[i], offsets[i + 1])`. */
export interface ByteArrayValues {
  kind: 'bytes';
  offsets: Int32Array;
  data: Uint8Array;
  count: number;
}

/** Booleans, one byte (0 or 1) per value. */
export interface BooleanValues {
  kind: 'bool';
  bits: Uint8Array;
  count: number;
}

export type DecodedValues = FixedValues | ByteArrayValues | BooleanValues;

export function corrupt(what: string): ParquetError {
  return new ParquetError(`A Parquet page is corrupt or truncated (${what}).`, {
    code: 'PARQUET_INVALID_FILE',
  });
}

export function plainBooleans(page: Uint8Array, start: number, count: number): BooleanValues {
  if (start + Math.ceil(count / 8) > page.length) throw corrupt('PLAIN booleans past the page end');
  const bits = new Uint8Array(count);
  for (let index = 0; index < count; index++) {
    const bit = start * 8 + index;
    bits[index] = (page[bit >> 3]! >> (bit & 7)) & 1;
  }
  return { kind: 'bool', bits, count };
}

export function rleBooleans(page: Uint8Array, start: number, count: number): BooleanValues {
  const length = new DataView(page.buffer, page.byteOffset + start, 4).getUint32(0, true);
  const decoded = new Int32Array(count);
  decodeHybrid(page, start + 4, start + 4 + length, 1, count, decoded);
  return { kind: 'bool', bits: Uint8Array.from(decoded), count };
}

export function plainFixed(page: Uint8Array, start: number, count: number, width: number): FixedValues {
  const end = start + count * width;
  if (end > page.length) throw corrupt('PLAIN values past the page end');
  return { kind: 'fixed', bytes: page.subarray(start, end), count };
}

export function plainByteArrays(page: Uint8Array, start: number, count: number): ByteArrayValues {
  const offsets = new Int32Array(count + 1);
  let position = start;
  let total = 0;
  // First pass: lengths (to size the output once); second pass: copy the bytes without the prefixes.
  for (let index = 0; index < count; index++) {
    if (position + 4 > page.length) throw corrupt('PLAIN byte array length past the page end');
    const length =
      page[position]! |
      (page[position + 1]! << 8) |
      (page[position + 2]! << 16) |
      (page[position + 3]! << 24);
    position += 4 + length;
    total += length;
    offsets[index + 1] = total;
  }
  if (position > page.length) throw corrupt('PLAIN byte array past the page end');
  const data = new Uint8Array(total);
  position = start;
  for (let index = 0; index < count; index++) {
    const length = offsets[index + 1]! - offsets[index]!;
    position += 4;
    if (length > 32) data.set(page.subarray(position, position + length), offsets[index]!);
    else for (let byte = 0; byte < length; byte++) data[offsets[index]! + byte] = page[position + byte]!;
    position += length;
  }
  return { kind: 'bytes', offsets, data, count };
}

/** Dictionary indices of an RLE_DICTIONARY / PLAIN_DICTIONARY data page. */
export function dictionaryIndices(page: Uint8Array, start: number, count: number): Int32Array {
  const indices = new Int32Array(count);
  if (count === 0) return indices;
  const bitWidth = page[start]!;
  if (bitWidth > 32) throw corrupt(`dictionary index bit width ${bitWidth}`);
  decodeHybrid(page, start + 1, page.length, bitWidth, count, indices);
  return indices;
}

/** Looks dictionary entries up by index. */
export function gather(dictionary: DecodedValues, indices: Int32Array, width: number): DecodedValues {
  const count = indices.length;
  for (const index of indices)
    if (index < 0 || index >= dictionary.count)
      throw corrupt(`dictionary index ${index} of ${dictionary.count}`);
  if (dictionary.kind === 'bool') {
    const bits = new Uint8Array(count);
    for (let index = 0; index < count; index++) bits[index] = dictionary.bits[indices[index]!]!;
    return { kind: 'bool', bits, count };
  }
  if (dictionary.kind === 'bytes') {
    const offsets = new Int32Array(count + 1);
    const source = dictionary.offsets;
    let total = 0;
    for (let index = 0; index < count; index++) {
      const key = indices[index]!;
      total += source[key + 1]! - source[key]!;
      offsets[index + 1] = total;
    }
    const data = new Uint8Array(total);
    for (let index = 0; index < count; index++) {
      const key = indices[index]!;
      const start = source[key]!;
      const length = source[key + 1]! - start;
      const target = offsets[index]!;
      if (length > 32) data.set(dictionary.data.subarray(start, start + length), target);
      else for (let byte = 0; byte < length; byte++) data[target + byte] = dictionary.data[start + byte]!;
    }
    return { kind: 'bytes', offsets, data, count };
  }
  const bytes = new Uint8Array(count * width);
  if (width % 4 === 0) {
    const words = width / 4;
    const source = alignedWords(dictionary.bytes);
    const target = new Int32Array(bytes.buffer);
    for (let index = 0; index < count; index++) {
      const from = indices[index]! * words;
      const to = index * words;
      for (let word = 0; word < words; word++) target[to + word] = source[from + word]!;
    }
  } else {
    const source = dictionary.bytes;
    for (let index = 0; index < count; index++) {
      const from = indices[index]! * width;
      for (let byte = 0; byte < width; byte++) bytes[index * width + byte] = source[from + byte]!;
    }
  }
  return { kind: 'fixed', bytes, count };
}

/** The bytes as 32-bit words, copying them first when they are not 4-byte aligned. */
export function alignedWords(bytes: Uint8Array): Int32Array {
  if (bytes.byteOffset % 4 === 0)
    return new Int32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >> 2);
  // A copy (not `slice`: on a Buffer that is a view of the same memory).
  return new Int32Array(new Uint8Array(bytes).buffer, 0, bytes.byteLength >> 2);
}

function readZigzagBig(page: Uint8Array, start: number): [bigint, number] {
  let position = start;
  let value = 0n;
  let shift = 0n;
  let byte: number;
  do {
    if (position >= page.length) throw corrupt('varint past the page end');
    byte = page[position++]!;
    value |= BigInt(byte & 0x7f) << shift;
    shift += 7n;
  } while (byte & 0x80);
  return [(value >> 1n) ^ -(value & 1n), position];
}

function unpackBitsBig(
  page: Uint8Array,
  start: number,
  bitWidth: number,
  count: number,
  target: BigInt64Array,
): number {
  const end = start + Math.ceil((count * bitWidth) / 8);
  if (end > page.length) throw corrupt('bit-packed values past the page end');
  let bitPosition = start * 8;
  for (let index = 0; index < count; index++) {
    let value = 0n;
    for (let bit = 0; bit < bitWidth; bit++, bitPosition++) {
      if ((page[bitPosition >> 3]! >> (bitPosition & 7)) & 1) value |= 1n << BigInt(bit);
    }
    target[index] = BigInt.asIntN(64, value);
  }
  return end;
}

/**
 * DELTA_BINARY_PACKED: a header (block size, miniblocks per block, value count, first value), then
 * blocks of (min delta, miniblock bit widths, bit-packed deltas). INT32 arithmetic wraps at 32 bits and
 * INT64 at 64 bits, as writers compute it.
 */
export function deltaBinaryPacked(
  page: Uint8Array,
  start: number,
  wide: boolean,
): { values: Int32Array | BigInt64Array; end: number } {
  const [blockSize, afterBlockSize] = readVarint(page, start);
  const [miniblocks, afterMiniblocks] = readVarint(page, afterBlockSize);
  const [total, afterTotal] = readVarint(page, afterMiniblocks);
  const [first, afterHeader] = readZigzagBig(page, afterTotal);
  let position = afterHeader;
  if (miniblocks === 0 || blockSize % miniblocks !== 0 || (blockSize / miniblocks) % 8 !== 0)
    throw corrupt(`DELTA_BINARY_PACKED block of ${blockSize} values in ${miniblocks} miniblocks`);
  const perMiniblock = blockSize / miniblocks;
  const packed = new Float64Array(perMiniblock);
  const packedBig = new BigInt64Array(perMiniblock);
  if (wide) {
    const values = new BigInt64Array(total);
    if (total === 0) return { values, end: position };
    let previous = BigInt.asIntN(64, first);
    values[0] = previous;
    let read = 1;
    while (read < total) {
      let minDelta: bigint;
      [minDelta, position] = readZigzagBig(page, position);
      const widths = page.subarray(position, position + miniblocks);
      position += miniblocks;
      for (let miniblock = 0; miniblock < miniblocks && read < total; miniblock++) {
        const bitWidth = widths[miniblock]!;
        if (bitWidth > 64) throw corrupt(`delta bit width ${bitWidth}`);
        const take = Math.min(perMiniblock, total - read);
        if (bitWidth <= 32) {
          unpackBits(page, position, bitWidth, take, packed, 0);
          for (let index = 0; index < take; index++) {
            previous = BigInt.asIntN(64, previous + minDelta + BigInt(packed[index]!));
            values[read++] = previous;
          }
        } else {
          unpackBitsBig(page, position, bitWidth, take, packedBig);
          for (let index = 0; index < take; index++) {
            previous = BigInt.asIntN(64, previous + minDelta + BigInt.asUintN(64, packedBig[index]!));
            values[read++] = previous;
          }
        }
        // A miniblock is always stored whole (padded), even the last one.
        position += (perMiniblock * bitWidth) / 8;
      }
    }
    return { values, end: position };
  }
  const values = new Int32Array(total);
  if (total === 0) return { values, end: position };
  let previous = Number(BigInt.asIntN(32, first));
  values[0] = previous;
  let read = 1;
  while (read < total) {
    let minDeltaBig: bigint;
    [minDeltaBig, position] = readZigzagBig(page, position);
    const minDelta = Number(BigInt.asIntN(32, minDeltaBig));
    const widths = page.subarray(position, position + miniblocks);
    position += miniblocks;
    for (let miniblock = 0; miniblock < miniblocks && read < total; miniblock++) {
      const bitWidth = widths[miniblock]!;
      if (bitWidth > 32) throw corrupt(`delta bit width ${bitWidth} in an INT32 column`);
      const take = Math.min(perMiniblock, total - read);
      unpackBits(page, position, bitWidth, take, packed, 0);
      for (let index = 0; index < take; index++) {
        previous = (previous + minDelta + packed[index]!) | 0;
        values[read++] = previous;
      }
      position += (perMiniblock * bitWidth) / 8;
    }
  }
  return { values, end: position };
}

/** DELTA_LENGTH_BYTE_ARRAY: all lengths (delta packed), then all bytes back to back. */
export function deltaLengthByteArrays(
  page: Uint8Array,
  start: number,
  count: number,
): ByteArrayValues & { end: number } {
  const { values: lengths, end } = deltaBinaryPacked(page, start, false);
  if (lengths.length < count) throw corrupt('fewer DELTA_LENGTH_BYTE_ARRAY lengths than values');
  const offsets = new Int32Array(count + 1);
  let total = 0;
  for (let index = 0; index < count; index++) {
    total += (lengths as Int32Array)[index]!;
    offsets[index + 1] = total;
  }
  if (end + total > page.length) throw corrupt('DELTA_LENGTH_BYTE_ARRAY data past the page end');
  return { kind: 'bytes', offsets, data: page.subarray(end, end + total), count, end: end + total };
}

/** DELTA_BYTE_ARRAY (incremental encoding): prefix lengths shared with the previous value, then suffixes. */
export function deltaByteArrays(page: Uint8Array, start: number, count: number): ByteArrayValues {
  const { values: prefixes, end } = deltaBinaryPacked(page, start, false);
  const suffixes = deltaLengthByteArrays(page, end, count);
  const offsets = new Int32Array(count + 1);
  let total = 0;
  for (let index = 0; index < count; index++) {
    total += (prefixes as Int32Array)[index]! + suffixes.offsets[index + 1]! - suffixes.offsets[index]!;
    offsets[index + 1] = total;
  }
  const data = new Uint8Array(total);
  for (let index = 0; index < count; index++) {
    const prefix = (prefixes as Int32Array)[index]!;
    const target = offsets[index]!;
    if (prefix > 0) {
      if (index === 0 || prefix > offsets[index]! - offsets[index - 1]!)
        throw corrupt('DELTA_BYTE_ARRAY prefix longer than the previous value');
      data.copyWithin(target, offsets[index - 1]!, offsets[index - 1]! + prefix);
    }
    data.set(suffixes.data.subarray(suffixes.offsets[index]!, suffixes.offsets[index + 1]!), target + prefix);
  }
  return { kind: 'bytes', offsets, data, count };
}

/** BYTE_STREAM_SPLIT: byte k of every value is stored in stream k; interleave them back. */
export function byteStreamSplit(page: Uint8Array, start: number, count: number, width: number): FixedValues {
  if (start + count * width > page.length) throw corrupt('BYTE_STREAM_SPLIT values past the page end');
  const bytes = new Uint8Array(count * width);
  for (let stream = 0; stream < width; stream++) {
    const base = start + stream * count;
    for (let index = 0; index < count; index++) bytes[index * width + stream] = page[base + index]!;
  }
  return { kind: 'fixed', bytes, count };
}

/** Little-endian bytes of decoded integers (DELTA_BINARY_PACKED output as fixed values). */
export function integerBytes(values: Int32Array | BigInt64Array, count: number): FixedValues {
  return {
    kind: 'fixed',
    bytes: new Uint8Array(values.buffer, values.byteOffset, count * values.BYTES_PER_ELEMENT),
    count,
  };
}
