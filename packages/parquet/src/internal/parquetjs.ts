// The low-level pieces of @dsnp/parquetjs (pinned to exactly 1.8.9, ADR 0004) that the codec builds on:
// the generated thrift classes of the Parquet format (`parquet_types`), its thrift compact-protocol
// (de)serializer and its compression codecs (snappyjs, zlib). The package has no `exports` map, so these
// dist paths are reachable with a plain require; the exact version pin keeps them stable.
import { createRequire } from 'node:module';
import { zstdCompressSync, zstdDecompressSync } from 'node:zlib';
import { ParquetError } from '../errors.ts';
import { decompressLz4Block } from './lz4.ts';

const require = createRequire(import.meta.url);

interface ThriftObject {
  write(protocol: unknown): void;
  read(protocol: unknown): void;
}
export type ThriftClass = new (args?: Record<string, unknown>) => ThriftObject & Record<string, unknown>;

export const thrift = require('@dsnp/parquetjs/dist/gen-nodejs/parquet_types.js') as Record<
  string,
  ThriftClass
> & {
  Type: Record<string, number>;
  ConvertedType: Record<string, number>;
  FieldRepetitionType: Record<string, number>;
  Encoding: Record<string, number>;
  CompressionCodec: Record<string, number>;
  PageType: Record<string, number>;
};

/** A thrift struct class of the Parquet format by name (`PageHeader`, `FileMetaData`, ...). */
export function thriftClass(name: string): ThriftClass {
  const Class = thrift[name];
  if (!Class) throw new Error(`@dsnp/parquetjs has no thrift class ${name}; is it still pinned to 1.8.9?`);
  return Class;
}

const util = require('@dsnp/parquetjs/dist/lib/util.js') as {
  serializeThrift(object: ThriftObject): Buffer;
  decodeThrift(object: ThriftObject, buffer: Buffer, offset?: number): number;
};
const compression = require('@dsnp/parquetjs/dist/lib/compression.js') as {
  deflate(method: string, value: Buffer): Promise<Buffer>;
  inflate(method: string, value: Buffer): Promise<Buffer>;
};

/** Serializes a thrift struct with the compact protocol (the Parquet footer and page headers). */
export function serializeThrift(object: ThriftObject): Buffer {
  return util.serializeThrift(object);
}

/** Decodes a thrift struct at `offset`; returns the struct and the bytes it took. */
export function decodeThrift<T>(
  Class: ThriftClass,
  buffer: Buffer,
  offset = 0,
): { value: T; length: number } {
  const value = new Class();
  const length = util.decodeThrift(value, buffer, offset);
  return { value: value as unknown as T, length };
}

/** Page compression codecs the writer can produce. */
export type CompressionName = 'UNCOMPRESSED' | 'SNAPPY' | 'GZIP' | 'BROTLI' | 'ZSTD';

export const COMPRESSION_NAMES: readonly CompressionName[] = [
  'UNCOMPRESSED',
  'SNAPPY',
  'GZIP',
  'BROTLI',
  'ZSTD',
];

/** Compresses one page. SNAPPY, GZIP and BROTLI are parquetjs's codecs; ZSTD is Node's zlib. */
export async function compress(method: CompressionName, data: Buffer): Promise<Buffer> {
  if (method === 'UNCOMPRESSED') return data;
  if (method === 'ZSTD') return zstdCompressSync(data);
  return compression.deflate(method, data);
}

const CODEC_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(thrift.CompressionCodec).map(([name, code]) => [code, name]),
);

/** Decompresses one page written with the thrift `CompressionCodec` `codec`. */
export async function decompress(codec: number, data: Buffer, uncompressedSize: number): Promise<Buffer> {
  switch (CODEC_NAMES[codec]) {
    case 'UNCOMPRESSED':
      return data;
    case 'SNAPPY':
    case 'GZIP':
    case 'BROTLI':
      return compression.inflate(CODEC_NAMES[codec]!, data);
    case 'ZSTD':
      return zstdDecompressSync(data);
    case 'LZ4_RAW':
      return decompressLz4Block(data, uncompressedSize);
    default:
      throw new ParquetError(
        `Parquet compression codec ${CODEC_NAMES[codec] ?? codec} is not supported; rewrite the file with SNAPPY, ZSTD, GZIP, BROTLI, LZ4_RAW or no compression.`,
        { code: 'PARQUET_UNSUPPORTED' },
      );
  }
}

/** A thrift i64 (a number, a bigint or a node-int64 object) as a plain number; sizes and counts fit in 2^53. */
export function toNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (value && typeof (value as { toNumber?: unknown }).toNumber === 'function') {
    return (value as { toNumber(): number }).toNumber();
  }
  return Number(value);
}
