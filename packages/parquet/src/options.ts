import { ConfigurationError, envNumber, type Logger, noopLogger } from '@hotdata-dlt/core';
import type { Schema } from 'apache-arrow';
import { z } from 'zod';
import { COMPRESSION_NAMES, type CompressionName } from './internal/parquetjs.ts';

export type { CompressionName };

/** Options of {@link writeParquet} and {@link ParquetStreamWriter}. Explicit option > environment variable > default. */
export interface ParquetWriteOptions {
  /** Page compression: `SNAPPY`, `UNCOMPRESSED`, `ZSTD`, `GZIP` or `BROTLI`. No env var, default `SNAPPY`. */
  compression?: CompressionName;
  /** Most rows in one row group. Env `DATA_WRITER__ROW_GROUP_SIZE` (dlt's name), default 131072. */
  rowGroupSize?: number;
  /**
   * A row group ends early once its Arrow data reaches this many bytes, which bounds the writer's memory
   * and page sizes for wide rows. No env var, default 67108864 (64 MiB), at most 1 GiB.
   */
  rowGroupBytes?: number;
  /** Extra key/value metadata in the file footer. No env var, default none. */
  metadata?: Record<string, string>;
}

/** Options of {@link ParquetStreamWriter}. */
export interface ParquetStreamWriterOptions extends ParquetWriteOptions {
  /** Folder of the files, created if missing. Required; no env var. */
  directory: string;
  /** Files are named `<baseName>-00000.parquet`, `<baseName>-00001.parquet`, ... No env var, default `part`. */
  baseName?: string;
  /** File name of the n-th file (0-based), overriding `baseName`. No env var, default none. */
  fileName?: (index: number) => string;
  /**
   * Start a new file once the current one reaches this many bytes; row groups are cut to fit, so a file
   * overshoots only by compression noise or a single huge row. Env `DATA_WRITER__FILE_MAX_BYTES` (dlt's
   * name), default 134217728 (128 MiB).
   */
  maxFileSize?: number;
  /** Start a new file once the current one has this many rows (exact). Env `DATA_WRITER__FILE_MAX_ITEMS` (dlt's name), default unlimited. */
  maxRowsPerFile?: number;
  /** Receives a debug line per file opened and closed. No env var, default none. */
  logger?: Logger;
}

export interface ResolvedWriteOptions {
  compression: CompressionName;
  rowGroupSize: number;
  rowGroupBytes: number;
  metadata: Record<string, string>;
  schema?: Schema;
}

export interface ResolvedStreamWriterOptions extends ResolvedWriteOptions {
  directory: string;
  fileName: (index: number) => string;
  maxFileSize: number;
  maxRowsPerFile: number;
  logger: Logger;
}

const positiveInteger = z.number().int().positive();

const WriteOptionsSchema = z.object({
  compression: z.enum(COMPRESSION_NAMES as [CompressionName, ...CompressionName[]]),
  rowGroupSize: positiveInteger,
  rowGroupBytes: positiveInteger.max(1024 * 1024 * 1024),
  metadata: z.record(z.string(), z.string()),
});

const StreamWriterOptionsSchema = WriteOptionsSchema.extend({
  directory: z.string().min(1),
  baseName: z
    .string()
    .min(1)
    .regex(/^[^/\\]+$/, 'must be a file name without a path separator'),
  maxFileSize: positiveInteger,
  maxRowsPerFile: z.union([positiveInteger, z.literal(Number.POSITIVE_INFINITY)]),
});

const ENV_NAMES: Record<string, string> = {
  rowGroupSize: 'DATA_WRITER__ROW_GROUP_SIZE',
  maxFileSize: 'DATA_WRITER__FILE_MAX_BYTES',
  maxRowsPerFile: 'DATA_WRITER__FILE_MAX_ITEMS',
};

function envOption(option: string): number | undefined {
  return envNumber(ENV_NAMES[option]!);
}

function parse<T>(schema: z.ZodType<T>, candidate: unknown, owner: string): T {
  const parsed = schema.safeParse(candidate);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const option = String(issue.path[0]);
  const env = ENV_NAMES[option] ? ` (env ${ENV_NAMES[option]})` : '';
  throw new ConfigurationError(`${owner} option '${option}'${env}: ${issue.message}.`, {
    cause: parsed.error,
  });
}

export function resolveWriteOptions(
  options: ParquetWriteOptions & { schema?: Schema },
): ResolvedWriteOptions {
  const resolved = parse(
    WriteOptionsSchema,
    {
      compression: options.compression ?? 'SNAPPY',
      rowGroupSize: options.rowGroupSize ?? envOption('rowGroupSize') ?? 131_072,
      rowGroupBytes: options.rowGroupBytes ?? 64 * 1024 * 1024,
      metadata: options.metadata ?? {},
    },
    'Parquet writer',
  );
  return { ...resolved, schema: options.schema };
}

export function resolveStreamWriterOptions(options: ParquetStreamWriterOptions): ResolvedStreamWriterOptions {
  const parsed = parse(
    StreamWriterOptionsSchema,
    {
      compression: options.compression ?? 'SNAPPY',
      rowGroupSize: options.rowGroupSize ?? envOption('rowGroupSize') ?? 131_072,
      rowGroupBytes: options.rowGroupBytes ?? 64 * 1024 * 1024,
      metadata: options.metadata ?? {},
      directory: options.directory,
      baseName: options.baseName ?? 'part',
      maxFileSize: options.maxFileSize ?? envOption('maxFileSize') ?? 128 * 1024 * 1024,
      maxRowsPerFile: options.maxRowsPerFile ?? envOption('maxRowsPerFile') ?? Number.POSITIVE_INFINITY,
    },
    'ParquetStreamWriter',
  );
  const { baseName, ...rest } = parsed;
  return {
    ...rest,
    fileName: options.fileName ?? ((index) => `${baseName}-${String(index).padStart(5, '0')}.parquet`),
    logger: options.logger ?? noopLogger,
  };
}
