// The RLE / bit-packing hybrid encoding of Parquet (definition levels and dictionary indices).

function writeVarint(out: number[], value: number): void {
  let remaining = value;
  while (remaining >= 0x80) {
    out.push((remaining & 0x7f) | 0x80);
    remaining = Math.floor(remaining / 128);
  }
  out.push(remaining);
}

/**
 * Definition levels of an optional column (bit width 1) from an Arrow validity bitmap (LSB first, which
 * is exactly Parquet's bit-packed layout), prefixed with the 4-byte length of a V1 data page.
 * `bitmap === undefined` means no nulls: one RLE run of 1s.
 */
export function encodeDefinitionLevels(
  bitmap: Uint8Array | undefined,
  bitOffset: number,
  count: number,
): Buffer {
  const header: number[] = [];
  let body: Uint8Array;
  if (!bitmap) {
    writeVarint(header, count << 1);
    body = Uint8Array.of(1);
  } else {
    const groups = Math.ceil(count / 8);
    writeVarint(header, (groups << 1) | 1);
    if (bitOffset % 8 === 0) {
      body = new Uint8Array(groups);
      body.set(bitmap.subarray(bitOffset / 8, bitOffset / 8 + groups));
      const tail = count % 8;
      if (tail !== 0) body[groups - 1]! &= (1 << tail) - 1;
    } else {
      body = new Uint8Array(groups);
      for (let index = 0; index < count; index++) {
        const bit = bitOffset + index;
        if ((bitmap[bit >> 3]! >> (bit & 7)) & 1) body[index >> 3]! |= 1 << (index & 7);
      }
    }
  }
  const out = Buffer.allocUnsafe(4 + header.length + body.length);
  out.writeUInt32LE(header.length + body.length, 0);
  Buffer.from(header).copy(out, 4);
  Buffer.from(body.buffer, body.byteOffset, body.length).copy(out, 4 + header.length);
  return out;
}

/** Decodes `count` values of the hybrid encoding with the given bit width into `target`. */
export function decodeHybrid(
  buffer: Uint8Array,
  start: number,
  end: number,
  bitWidth: number,
  count: number,
  target: Int32Array,
): number {
  let position = start;
  let written = 0;
  const byteWidth = Math.ceil(bitWidth / 8);
  while (written < count && position < end) {
    let header = 0;
    let shift = 0;
    let byte: number;
    do {
      byte = buffer[position++]!;
      header += (byte & 0x7f) * 2 ** shift;
      shift += 7;
    } while (byte & 0x80);
    if (header % 2 === 0) {
      const runLength = header / 2;
      let value = 0;
      for (let index = 0; index < byteWidth; index++) value |= buffer[position++]! << (8 * index);
      const stop = Math.min(count, written + runLength);
      target.fill(value, written, stop);
      written = stop;
    } else {
      const values = ((header - 1) / 2) * 8;
      let bitPosition = position * 8;
      const stop = Math.min(count, written + values);
      for (; written < stop; written++) {
        let value = 0;
        for (let bit = 0; bit < bitWidth; bit++) {
          const absolute = bitPosition + bit;
          value |= ((buffer[absolute >> 3]! >> (absolute & 7)) & 1) << bit;
        }
        target[written] = value;
        bitPosition += bitWidth;
      }
      position += (values * bitWidth) / 8;
    }
  }
  return position;
}
