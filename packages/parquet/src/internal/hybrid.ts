// The RLE / bit-packing hybrid encoding of Parquet: definition levels, dictionary indices and RLE
// booleans. https://parquet.apache.org/docs/file-format/data-pages/encodings/#run-length-encoding--bit-packing-hybrid-rle--3
import { ParquetError } from '../errors.ts';

function writeVarint(out: number[], value: number): void {
  let remaining = value;
  while (remaining >= 0x80) {
    out.push((remaining & 0x7f) | 0x80);
    remaining = Math.floor(remaining / 128);
  }
  out.push(remaining);
}

/**
 * Definition levels of an optional flat column (bit width 1) from a validity bitmap (LSB first, which
 * is exactly Parquet's bit-packed layout), as one run, prefixed with the 4-byte length a V1 data page
 * needs. `bitmap === undefined` means no nulls: one RLE run of 1s.
 */
export function encodeDefinitionLevels(bitmap: Uint8Array | undefined, count: number): Buffer {
  const header: number[] = [];
  if (!bitmap) {
    writeVarint(header, count * 2);
    const out = Buffer.allocUnsafe(4 + header.length + 1);
    out.writeUInt32LE(header.length + 1, 0);
    out.set(header, 4);
    out[4 + header.length] = 1;
    return out;
  }
  const groups = Math.ceil(count / 8);
  writeVarint(header, groups * 2 + 1);
  const out = Buffer.alloc(4 + header.length + groups);
  out.writeUInt32LE(header.length + groups, 0);
  out.set(header, 4);
  out.set(bitmap.subarray(0, groups), 4 + header.length);
  const tail = count % 8;
  // Bits past `count` are padding; keep them zero like other writers do.
  if (tail !== 0) out[out.length - 1]! &= (1 << tail) - 1;
  return out;
}

/** Reads an unsigned LEB128 varint; returns the value and the position after it. */
export function readVarint(buffer: Uint8Array, start: number): [number, number] {
  let position = start;
  let value = 0;
  let factor = 1;
  let byte: number;
  do {
    if (position >= buffer.length) throw truncated();
    byte = buffer[position++]!;
    value += (byte & 0x7f) * factor;
    factor *= 128;
  } while (byte & 0x80);
  return [value, position];
}

function truncated(): ParquetError {
  return new ParquetError('A Parquet page is truncated or corrupt (an encoded run ends past the page).', {
    code: 'PARQUET_INVALID_FILE',
  });
}

/**
 * Unpacks `count` little-endian bit-packed values of `bitWidth` ≤ 32 bits starting at byte `start`
 * into `target[targetStart...]`. Returns the byte position after `ceil(count * bitWidth / 8)` bytes.
 */
export function unpackBits(
  buffer: Uint8Array,
  start: number,
  bitWidth: number,
  count: number,
  target: Int32Array | Uint32Array | Float64Array,
  targetStart: number,
): number {
  const end = start + Math.ceil((count * bitWidth) / 8);
  if (bitWidth === 0) {
    target.fill(0, targetStart, targetStart + count);
    return end;
  }
  if (end > buffer.length) throw truncated();
  if (bitWidth <= 24) {
    const mask = (1 << bitWidth) - 1;
    let accumulator = 0;
    let bits = 0;
    let position = start;
    for (let index = 0; index < count; index++) {
      while (bits < bitWidth) {
        accumulator |= buffer[position++]! << bits;
        bits += 8;
      }
      target[targetStart + index] = accumulator & mask;
      accumulator >>>= bitWidth;
      bits -= bitWidth;
    }
    return end;
  }
  // Wide values: assemble from bytes with float arithmetic (bit operators are 32-bit signed).
  let bitPosition = start * 8;
  for (let index = 0; index < count; index++) {
    let value = 0;
    let produced = 0;
    while (produced < bitWidth) {
      const byte = buffer[bitPosition >> 3]!;
      const offset = bitPosition & 7;
      const take = Math.min(8 - offset, bitWidth - produced);
      value += ((byte >> offset) & ((1 << take) - 1)) * 2 ** produced;
      produced += take;
      bitPosition += take;
    }
    target[targetStart + index] = value;
  }
  return end;
}

/**
 * Decodes `count` values of the hybrid encoding with the given bit width from `buffer[start, end)`
 * into `target`. Returns the position after the last run read.
 */
export function decodeHybrid(
  buffer: Uint8Array,
  start: number,
  end: number,
  bitWidth: number,
  count: number,
  target: Int32Array | Uint32Array,
): number {
  let position = start;
  let written = 0;
  const byteWidth = Math.ceil(bitWidth / 8);
  while (written < count) {
    if (position >= end) throw truncated();
    let header: number;
    [header, position] = readVarint(buffer, position);
    if (header % 2 === 0) {
      const runLength = header / 2;
      let value = 0;
      for (let index = 0; index < byteWidth; index++) value += buffer[position++]! * 2 ** (8 * index);
      const stop = Math.min(count, written + runLength);
      target.fill(value, written, stop);
      written = stop;
    } else {
      const values = ((header - 1) / 2) * 8;
      const take = Math.min(values, count - written);
      unpackBits(buffer, position, bitWidth, take, target, written);
      written += take;
      position += (values * bitWidth) / 8;
    }
  }
  return position;
}
