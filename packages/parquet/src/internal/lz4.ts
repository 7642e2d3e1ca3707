import { ParquetError } from '../errors.ts';

/**
 * Decompresses one raw LZ4 block (Parquet's `LZ4_RAW` codec; no frame, the size comes from the page
 * header). Node has no LZ4 codec and this is the whole format: literal runs and back-references.
 */
export function decompressLz4Block(input: Uint8Array, outputSize: number): Buffer {
  const output = Buffer.alloc(outputSize);
  let inputPosition = 0;
  let outputPosition = 0;
  const corrupt = () =>
    new ParquetError('An LZ4_RAW page is corrupt (it does not decompress to its declared size).', {
      code: 'PARQUET_INVALID_FILE',
    });
  while (inputPosition < input.length) {
    const token = input[inputPosition++]!;
    let literals = token >> 4;
    if (literals === 15) {
      let byte: number;
      do {
        byte = input[inputPosition++]!;
        literals += byte;
      } while (byte === 255 && inputPosition < input.length);
    }
    if (outputPosition + literals > outputSize || inputPosition + literals > input.length) throw corrupt();
    output.set(input.subarray(inputPosition, inputPosition + literals), outputPosition);
    inputPosition += literals;
    outputPosition += literals;
    if (inputPosition >= input.length) break;
    const distance = input[inputPosition]! | (input[inputPosition + 1]! << 8);
    inputPosition += 2;
    let matchLength = token & 15;
    if (matchLength === 15) {
      let byte: number;
      do {
        byte = input[inputPosition++]!;
        matchLength += byte;
      } while (byte === 255 && inputPosition < input.length);
    }
    matchLength += 4;
    let source = outputPosition - distance;
    if (distance === 0 || source < 0 || outputPosition + matchLength > outputSize) throw corrupt();
    // Byte by byte: a match may overlap the bytes it produces (run-length style).
    for (let index = 0; index < matchLength; index++) output[outputPosition++] = output[source++]!;
  }
  if (outputPosition !== outputSize) throw corrupt();
  return output;
}
