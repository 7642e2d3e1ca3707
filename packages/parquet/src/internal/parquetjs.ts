// The low-level pieces of @dsnp/parquetjs (pinned to 1.8.9, ADR 0004) that the codec builds on: the
// generated thrift types of the Parquet format, its thrift (de)serializer and its compression codecs.
// The package has no `exports` map, so these paths are reachable; the version pin keeps them stable.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

interface ThriftObject {
  write(protocol: unknown): void;
  read(protocol: unknown): void;
}
type ThriftClass = new (args?: Record<string, unknown>) => ThriftObject & Record<string, unknown>;

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

const util = require('@dsnp/parquetjs/dist/lib/util.js') as {
  serializeThrift(object: ThriftObject): Buffer;
  decodeThrift(object: ThriftObject, buffer: Buffer, offset?: number): number;
};
const compression = require('@dsnp/parquetjs/dist/lib/compression.js') as {
  deflate(method: string, value: Buffer): Promise<Buffer>;
  inflate(method: string, value: Buffer): Promise<Buffer>;
};

export const serializeThrift = util.serializeThrift;

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

export type CompressionName = 'UNCOMPRESSED' | 'SNAPPY' | 'GZIP' | 'BROTLI';

export async function compress(method: CompressionName, data: Buffer): Promise<Buffer> {
  return method === 'UNCOMPRESSED' ? data : compression.deflate(method, data);
}

export async function decompress(method: CompressionName, data: Buffer): Promise<Buffer> {
  return method === 'UNCOMPRESSED' ? data : compression.inflate(method, data);
}

/** A thrift i64 as a plain number (our sizes and counts fit in 2^53). */
export function toNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (value && typeof (value as { toNumber?: unknown }).toNumber === 'function') {
    return (value as { toNumber(): number }).toNumber();
  }
  return Number(value);
}
